"""Batches: a host country files many readmission requests at once (a charter flight).

Every step works row by row, each row its own transaction: a bad row is reported with its
line and field and the others go on. ``progress(done, total)`` is called after every row so
the CLI and the staff page can show how far it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from legalize.cases import common, duplicates, readmission
from legalize.cases.batch_files import PhotoArchive, with_photo
from legalize.cases.errors import CaseError, Duplicate, Forbidden, InvalidInput, NotFound
from legalize.cases.issuer import Issuer
from legalize.cases.rules import Action, Actor, require_role
from legalize.cases.validation import REFERENCE_RE, Fields
from legalize.cases.views import STAGES
from legalize.kinds import CaseState, Role
from legalize.phrases import P_, Phrase
from legalize.registry import audit
from legalize.registry.identity import (
    ImportFileError,
    NationalIdRegistry,
    TravelDocumentWatchlist,
    read_rows,
)
from legalize.registry.models import Batch, Case, Document, Person

Progress = Callable[[int, int], None]
"""(rows done, rows in total)."""

IDENTITY_COLUMNS = (
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "birth_place",
    "nationality",
    "nic_number",
    "passport_number",
)
MAX_ROWS = 1000


STEP_FAILED = "STEP_FAILED"
"""A queued step that failed for a reason outside the rules (database, issuer unavailable)."""
TECHNICAL = frozenset({"ISSUANCE_FAILED", STEP_FAILED})
"""Codes of a step that failed for a technical reason (try again), as opposed to a refusal by
the rules (the case needs an officer's attention first)."""


@dataclass(frozen=True)
class RowFailure:
    line: int
    """CSV line (header = 1) or 1-based position in a JSON array."""
    field: str | None
    code: str
    message: str
    name: str | None = None
    """The person of the row ("SURNAME, Given names") as filed or as the row gives it."""
    case_id: int | None = None
    """The row's case, once filed (for a link; never shown as a number)."""

    @property
    def technical(self) -> bool:
        return self.code in TECHNICAL

    def as_dict(self) -> dict[str, Any]:
        kept = {"phrase": self.message.stored()} if isinstance(self.message, Phrase) else {}
        return {
            "line": self.line,
            "field": self.field,
            "code": self.code,
            "message": self.message,
            "name": self.name,
            "case_id": self.case_id,
            **kept,
        }

    @classmethod
    def from_dict(cls, kept: Mapping[str, Any], case_id: int | None = None) -> RowFailure:
        """A failure as :meth:`as_dict` kept it (a batch's refused rows), its phrase again
        when it has one (a row kept before phrases were: the English message)."""
        phrase = kept.get("phrase")
        message = Phrase.from_stored(phrase) if isinstance(phrase, dict) else None
        return cls(
            kept["line"],
            kept.get("field"),
            kept["code"],
            message if message is not None else kept["message"],
            kept.get("name"),
            case_id,
        )


@dataclass(frozen=True)
class BatchReport:
    batch_id: int
    total: int
    succeeded: tuple[tuple[int, int], ...]
    """(line, case id) of the rows this step carried out."""
    failed: tuple[RowFailure, ...]
    skipped: int = 0
    """Rows not in the state this step starts from (done earlier, rejected …)."""
    flagged: tuple[RowFailure, ...] = ()
    """Rows filed but flagged as the same person as another live case (DUPLICATE_PERSON);
    the message names the other case only when the same filer filed it."""

    @property
    def refused(self) -> tuple[RowFailure, ...]:
        """Failures the rules refused (the case needs attention first)."""
        return tuple(f for f in self.failed if not f.technical)

    @property
    def errored(self) -> tuple[RowFailure, ...]:
        """Failures for a technical reason (trying again may succeed)."""
        return tuple(f for f in self.failed if f.technical)

    def summary(self) -> dict[str, Any]:
        """The counts, one per row, that add up to ``total`` — a row with three bad fields
        is one refused row — and the failures, for a page, a poll or a task's result."""
        refused = {f.line for f in self.refused}
        errored = {f.line for f in self.errored} - refused
        return {
            "total": self.total,
            "succeeded": len(self.succeeded),
            "refused": len(refused),
            "failed": len(errored),
            "skipped": self.skipped,
            "flagged": len({f.line for f in self.flagged}),
            "failures": [f.as_dict() for f in self.failed],
            "flags": [f.as_dict() for f in self.flagged],
        }


ISSUED_STATES = ("issued", "used", "expired", "revoked")
"""States of a case whose document was issued (whatever became of it since)."""


@dataclass(frozen=True)
class BatchCase:
    """One filed row of a batch, as the batch page lists it."""

    line: int
    case_id: int
    name: str
    """"SURNAME, Given names"."""
    host_reference: str | None
    stage: str
    """The state an officer sees (:data:`legalize.cases.views.STAGES`)."""
    document_number: str | None
    document_status: str | None


@dataclass(frozen=True)
class BatchView:
    id: int
    host_country: str
    reference: str
    filed_by: str
    filed_at: datetime
    rows_total: int
    rows_failed: int
    """Rows refused at filing (a row with several bad fields counts once)."""
    errors: tuple[RowFailure, ...]
    states: dict[str, int]
    """How many of the batch's cases are in each state."""
    case_ids: tuple[int, ...]
    """The batch's cases in row order."""
    cases: tuple[BatchCase, ...] = ()
    """The batch's cases in row order, with name, stage and document."""

    @property
    def filed(self) -> int:
        return len(self.case_ids)

    @property
    def stages(self) -> dict[str, int]:
        """Cases per stage, in the order of :data:`legalize.cases.views.STAGES`."""
        counts: dict[str, int] = {}
        for c in self.cases:
            counts[c.stage] = counts.get(c.stage, 0) + 1
        return {s: counts[s] for s in STAGES if s in counts}

    @property
    def issued(self) -> int:
        return sum(self.states.get(s, 0) for s in ISSUED_STATES)

    @property
    def valid_documents(self) -> int:
        """TTDs issued and still good for the flight (not used, expired or revoked)."""
        return sum(1 for c in self.cases if c.document_status == "issued")


@dataclass(frozen=True)
class BatchSummary:
    """A batch in the list of batches."""

    id: int
    host_country: str
    reference: str
    filed_by: str
    filed_at: datetime
    rows_total: int
    rows_failed: int
    stages: dict[str, int]
    """Cases per stage (:data:`legalize.cases.views.STAGES` order)."""

    @property
    def filed(self) -> int:
        return sum(self.stages.values())

    @property
    def issued(self) -> int:
        return sum(self.stages.get(s, 0) for s in ISSUED_STATES)


def read_batch_file(data: bytes, filename: str) -> list[tuple[int, Mapping[str, Any]]]:
    """Rows of a CSV (flat columns: host_reference, port_of_entry, travel_date, photo as
    Base64, and the identity columns) or a JSON array of request objects."""
    try:
        rows = [(line, row if row is not None else {}) for line, row in read_rows(data, filename)]
    except ImportFileError as exc:
        raise InvalidInput(str(exc), field="file") from exc
    if len(rows) > MAX_ROWS:
        raise InvalidInput(P_("a batch holds at most %(num)s rows", num=MAX_ROWS), field="file")
    if not rows:
        raise InvalidInput(P_("the batch file has no rows"), field="file")
    return rows


def _nest(row: Mapping[str, Any], host_country: str) -> dict[str, Any]:
    """A flat CSV row → the request shape of readmission.parse_request."""
    body = dict(row)
    if "identity" not in body:
        body["identity"] = {k: body.pop(k) for k in IDENTITY_COLUMNS if k in body}
    body.setdefault("host_country", host_country)
    return body


def _failure(
    line: int,
    exc: CaseError,
    flat: bool,
    name: str | None = None,
    case_id: int | None = None,
) -> list[RowFailure]:
    errors = exc.errors or ()
    if not errors:
        return [RowFailure(line, exc.field, exc.code, exc.message, name, case_id)]
    return [
        RowFailure(
            line,
            e.field.removeprefix("identity.") if flat else e.field,
            e.code,
            e.message,
            name,
            case_id,
        )
        for e in errors
    ]


def person_name(surname: object, given_names: object) -> str | None:
    """How a batch page names a person: "PERERA, Kamal Nuwan" (the surname as the MRZ and the
    host country's lists put it); None when the row gives no surname."""
    if not isinstance(surname, str) or not surname.strip():
        return None
    given = given_names.strip() if isinstance(given_names, str) else ""
    family = " ".join(surname.split()).upper()
    return f"{family}, {' '.join(given.split())}" if given else family


def _row_name(row: Mapping[str, Any]) -> str | None:
    ident = row.get("identity")
    source = ident if isinstance(ident, Mapping) else row
    name = person_name(source.get("surname"), source.get("given_names"))
    return name[:120] if name else None  # a hostile row's "name" stays a line on the page


def file_batch(
    session: Session,
    actor: Actor,
    host_country: str,
    reference: str,
    rows: Iterable[tuple[int, Mapping[str, Any]] | Mapping[str, Any]],
    at: datetime,
    *,
    progress: Progress | None = None,
    registry: NationalIdRegistry | None = None,
    watchlist: TravelDocumentWatchlist | None = None,
    photos: PhotoArchive | None = None,
) -> BatchReport:
    """File every row as a readmission request of one batch. Rows come as (line, row) pairs
    (from :func:`read_batch_file`) or as bare mappings, numbered from 1. A row's
    ``photo_file`` is read from ``photos`` (:mod:`legalize.cases.batch_files`)."""
    common.check_time(at)
    require_role(actor, Action.FILE_READMISSION)
    f = Fields({"host_country": host_country, "reference": reference})
    host_country = f.country("host_country")
    reference = f.text("reference", limit=64, pattern=REFERENCE_RE)
    f.raise_if_any()
    foreign = actor.has(Role.FOREIGN_AUTHORITY) and not actor.has(Role.ISSUING_OFFICER)
    if foreign and actor.country != host_country:
        raise Forbidden(f"this client files for {actor.country}", field="host_country")
    row_list = [
        item if isinstance(item, tuple) else (index, item)
        for index, item in enumerate(rows, start=1)
    ]
    try:
        with common.unit_of_work(session):
            if session.scalar(
                select(Batch.id)
                .where(Batch.host_country == host_country)
                .where(Batch.reference == reference)
            ):
                raise Duplicate(f"batch {host_country} {reference} exists", field="reference")
            batch = Batch(
                host_country=host_country,
                reference=reference,
                filed_by=actor.id,
                filed_at=at,
                rows_total=len(row_list),
                rows_failed=0,
                errors=[],
            )
            session.add(batch)
            session.flush()
            batch_id = batch.id
    except IntegrityError as exc:
        raise Duplicate(f"batch {host_country} {reference} exists", field="reference") from exc
    done: list[tuple[int, int]] = []
    failed: list[RowFailure] = []
    flagged: list[RowFailure] = []
    for index, (line, row) in enumerate(row_list, start=1):
        flat = "identity" not in row
        name = _row_name(row)
        try:
            request = readmission.parse_request(_nest(with_photo(row, photos), host_country), at)
            if request.host_country != host_country:
                raise InvalidInput(P_("row is for another country"), field="host_country")
            case = readmission.file_request(
                session,
                actor,
                request,
                at,
                registry=registry,
                watchlist=watchlist,
                batch_id=batch_id,
                batch_line=line,
            )
            done.append((line, case.id))
            flagged.extend(_flags(session, actor, line, case.id, at, name))
        except CaseError as exc:
            failed.extend(_failure(line, exc, flat, name))
        if progress is not None:
            progress(index, len(row_list))
    with common.unit_of_work(session):
        saved = session.get(Batch, batch_id)
        assert saved is not None
        saved.rows_failed = len({f.line for f in failed})
        saved.errors = [f.as_dict() for f in failed]
        audit.append(
            session,
            actor=actor.id,
            action="batch.filed",
            subject_type="batch",
            subject_id=batch_id,
            at=at,
            details={
                "rows": len(row_list),
                "filed": len(done),
                "failed": saved.rows_failed,
                "flagged": len(flagged),
            },
        )
    return BatchReport(batch_id, len(row_list), tuple(done), tuple(failed), 0, tuple(flagged))


def _flags(
    session: Session, actor: Actor, line: int, case_id: int, at: datetime, name: str | None
) -> list[RowFailure]:
    """The duplicate flag of a row just filed (one failure-shaped line per flag)."""
    case = session.get(Case, case_id)
    assert case is not None
    found = duplicates.views(session, case, at)
    session.rollback()  # a read: end it before the next row's transaction
    if not found:
        return []
    own = [
        f"{d.other_host_country} {d.other_host_reference}"
        for d in found
        if d.other_filed_by == actor.id
    ]
    named = f": {', '.join(own)}" if own else ""
    return [
        RowFailure(
            line,
            "identity",
            "DUPLICATE_PERSON",
            f"the same person as another open case or valid TTD{named}; flagged for the officers",
            name,
            case_id,
        )
    ]


def batch_cases(session: Session, batch_id: int) -> list[tuple[int, int, str]]:
    """(case id, line, state) of the batch's cases in row order; NotFound for no batch."""
    if session.get(Batch, batch_id) is None:
        raise NotFound(f"no batch {batch_id}", field="batch_id")
    rows = session.execute(
        select(Case.id, Case.batch_line, Case.state)
        .where(Case.batch_id == batch_id)
        .order_by(Case.batch_line, Case.id)
    )
    cases = [(r.id, r.batch_line or 0, r.state) for r in rows]
    session.rollback()  # end the read transaction before the row-by-row work
    return cases


STEP_ACTIONS: dict[str, Action] = {
    "prepare": Action.PREPARE,
    "approve": Action.APPROVE,
    "issue": Action.ISSUE,
}
"""The batch steps, each with the action the case rules check."""

_ISSUED_OR_LATER = frozenset(
    s.value for s in (CaseState.ISSUED, CaseState.USED, CaseState.EXPIRED, CaseState.REVOKED)
)


class CaseStatus(NamedTuple):
    """What decides whether a case is ready for a step or past it (a :class:`Case` has the
    same attributes; a worker's claim reads just these)."""

    state: str
    prepared_by: str | None
    approved_by: str | None


_Status = Case | CaseStatus

_READY: dict[str, Callable[[_Status], bool]] = {
    "prepare": lambda c: c.state == CaseState.DRAFT.value and c.prepared_by is None,
    "approve": lambda c: c.state == CaseState.DRAFT.value and c.prepared_by is not None,
    "issue": lambda c: c.state == CaseState.APPROVED.value,
}
_PAST: dict[str, Callable[[_Status], bool]] = {
    "prepare": lambda c: c.prepared_by is not None,
    "approve": lambda c: c.approved_by is not None,
    "issue": lambda c: c.state in _ISSUED_OR_LATER,
}


def ready_for(step: str, case: _Status) -> bool:
    """Whether ``case`` is in the state ``step`` starts from."""
    return _READY[step](case)


def past(step: str, case: _Status) -> bool:
    """Whether ``case`` has been through ``step`` (by anyone, at any time)."""
    return _PAST[step](case)


def carry_out(
    session: Session,
    actor: Actor,
    step: str,
    case_id: int,
    at: datetime,
    issuer: Issuer | None = None,
    *,
    issuing_country: str = "LKA",
    issuing_post: str = readmission.DEFAULT_POST,
    on_issued: common.OnIssued | None = None,
) -> None:
    """Carry out ``step`` on one case (its own transactions; a refusal raises CaseError).
    ``on_issued`` runs in the transaction that registers an issued document."""
    if step == "prepare":
        common.prepare(session, actor, case_id, at)
    elif step == "approve":
        common.approve(session, actor, case_id, at)
    elif step == "issue":
        if issuer is None:
            raise ValueError("the issue step needs an issuer")
        readmission.issue_quietly(
            session,
            actor,
            case_id,
            at,
            issuer,
            on_issued,
            issuing_country=issuing_country,
            issuing_post=issuing_post,
        )
    else:
        raise ValueError(f"no batch step {step!r}")


def _each(
    session: Session,
    actor: Actor,
    step: str,
    batch_id: int,
    at: datetime,
    progress: Progress | None,
    issuer: Issuer | None = None,
    issuing_country: str = "LKA",
    issuing_post: str = readmission.DEFAULT_POST,
) -> BatchReport:
    require_role(actor, STEP_ACTIONS[step])
    cases = batch_cases(session, batch_id)
    done: list[tuple[int, int]] = []
    failed: list[RowFailure] = []
    skipped = 0
    for index, (case_id, line, _state) in enumerate(cases, start=1):
        case = session.get(Case, case_id, populate_existing=True)
        eligible = case is not None and ready_for(step, case)
        name = person_name(case.person.surname, case.person.given_names) if case else None
        session.rollback()
        if not eligible:
            skipped += 1
        else:
            try:
                carry_out(
                    session,
                    actor,
                    step,
                    case_id,
                    at,
                    issuer,
                    issuing_country=issuing_country,
                    issuing_post=issuing_post,
                )
                done.append((line, case_id))
            except CaseError as exc:
                failed.extend(row_failures(line, exc, name, case_id))
        if progress is not None:
            progress(index, len(cases))
    return BatchReport(batch_id, len(cases), tuple(done), tuple(failed), skipped)


def row_failures(
    line: int, exc: CaseError, name: str | None = None, case_id: int | None = None
) -> list[RowFailure]:
    """The failure lines of a batch step refused on the case of ``line`` (its person's
    ``name`` and ``case_id`` for the page)."""
    return _failure(line, exc, False, name, case_id)


def prepare_batch(
    session: Session, actor: Actor, batch_id: int, at: datetime, *, progress: Progress | None = None
) -> BatchReport:
    """Prepare every draft of the batch that is not prepared yet."""
    return _each(session, actor, "prepare", batch_id, at, progress)


def approve_batch(
    session: Session, actor: Actor, batch_id: int, at: datetime, *, progress: Progress | None = None
) -> BatchReport:
    """Approve every prepared draft of the batch (four eyes per case)."""
    return _each(session, actor, "approve", batch_id, at, progress)


def issue_batch(
    session: Session,
    actor: Actor,
    batch_id: int,
    at: datetime,
    issuer: Issuer,
    *,
    progress: Progress | None = None,
    issuing_country: str = "LKA",
    issuing_post: str = readmission.DEFAULT_POST,
) -> BatchReport:
    """Issue the TTD of every approved case of the batch."""
    return _each(
        session,
        actor,
        "issue",
        batch_id,
        at,
        progress,
        issuer,
        issuing_country=issuing_country,
        issuing_post=issuing_post,
    )


def _stage(state: str, prepared_by: str | None) -> str:
    return "prepared" if state == CaseState.DRAFT.value and prepared_by is not None else state


def get_batch(session: Session, batch_id: int) -> BatchView:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}", field="batch_id")
    states: dict[str, int] = {}
    cases: list[BatchCase] = []
    for row in session.execute(
        select(
            Case.id,
            Case.state,
            Case.prepared_by,
            Case.batch_line,
            Case.host_reference,
            Person.surname,
            Person.given_names,
            Document.number,
            Document.status,
        )
        .join(Person, Case.person_id == Person.id)
        .outerjoin(Document, Document.case_id == Case.id)
        .where(Case.batch_id == batch_id)
        .order_by(Case.batch_line, Case.id)
    ):
        states[row.state] = states.get(row.state, 0) + 1
        cases.append(
            BatchCase(
                row.batch_line or 0,
                row.id,
                person_name(row.surname, row.given_names) or "",
                row.host_reference,
                _stage(row.state, row.prepared_by),
                row.number,
                row.status,
            )
        )
    return BatchView(
        batch.id,
        batch.host_country,
        batch.reference,
        batch.filed_by,
        batch.filed_at,
        batch.rows_total,
        batch.rows_failed,
        tuple(RowFailure.from_dict(e) for e in batch.errors),
        states,
        tuple(c.case_id for c in cases),
        tuple(cases),
    )


def list_batches(
    session: Session, *, host_country: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[BatchSummary], int]:
    """Batches, newest first, with their cases counted per stage; and how many there are."""
    if offset < 0 or not 1 <= limit <= 200:
        raise InvalidInput("limit must be 1-200, offset ≥ 0", field="limit")
    stmt = select(Batch)
    if host_country:
        stmt = stmt.where(Batch.host_country == host_country)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    batches = list(session.scalars(stmt.order_by(Batch.id.desc()).offset(offset).limit(limit)))
    counts: dict[int, dict[str, int]] = {b.id: {} for b in batches}
    prepared = Case.prepared_by.is_not(None)
    for row in session.execute(
        select(Case.batch_id, Case.state, prepared.label("prepared"), func.count())
        .where(Case.batch_id.in_(list(counts)))
        .group_by(Case.batch_id, Case.state, prepared)
    ):
        stage = "prepared" if row.state == CaseState.DRAFT.value and row.prepared else row.state
        per = counts[row.batch_id]
        per[stage] = per.get(stage, 0) + row[3]
    items = [
        BatchSummary(
            b.id,
            b.host_country,
            b.reference,
            b.filed_by,
            b.filed_at,
            b.rows_total,
            b.rows_failed,
            {s: counts[b.id][s] for s in STAGES if s in counts[b.id]},
        )
        for b in batches
    ]
    return items, int(total)
