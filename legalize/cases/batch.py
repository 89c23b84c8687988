"""Batches: a host country files many readmission requests at once (a charter flight).

Every step works row by row, each row its own transaction: a bad row is reported with its
line and field and the others go on. ``progress(done, total)`` is called after every row so
the CLI and the staff page can show how far it got.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from legalize.cases import common, duplicates, readmission
from legalize.cases.errors import CaseError, Duplicate, Forbidden, InvalidInput, NotFound
from legalize.cases.issuer import Issuer
from legalize.cases.rules import Action, Actor, require_role
from legalize.cases.validation import REFERENCE_RE, Fields
from legalize.kinds import CaseState, Role
from legalize.registry import audit
from legalize.registry.identity import (
    ImportFileError,
    NationalIdRegistry,
    TravelDocumentWatchlist,
    read_rows,
)
from legalize.registry.models import Batch, Case

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


@dataclass(frozen=True)
class RowFailure:
    line: int
    """CSV line (header = 1) or 1-based position in a JSON array."""
    field: str | None
    code: str
    message: str


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


@dataclass(frozen=True)
class BatchView:
    id: int
    host_country: str
    reference: str
    filed_by: str
    filed_at: datetime
    rows_total: int
    rows_failed: int
    errors: tuple[RowFailure, ...]
    states: dict[str, int]
    """How many of the batch's cases are in each state."""
    case_ids: tuple[int, ...]
    """The batch's cases in row order."""


def read_batch_file(data: bytes, filename: str) -> list[tuple[int, Mapping[str, Any]]]:
    """Rows of a CSV (flat columns: host_reference, port_of_entry, travel_date, photo as
    Base64, and the identity columns) or a JSON array of request objects."""
    try:
        rows = [(line, row if row is not None else {}) for line, row in read_rows(data, filename)]
    except ImportFileError as exc:
        raise InvalidInput(str(exc), field="file") from exc
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"a batch holds at most {MAX_ROWS} rows", field="file")
    if not rows:
        raise InvalidInput("the batch file has no rows", field="file")
    return rows


def _nest(row: Mapping[str, Any], host_country: str) -> dict[str, Any]:
    """A flat CSV row → the request shape of readmission.parse_request."""
    body = dict(row)
    if "identity" not in body:
        body["identity"] = {k: body.pop(k) for k in IDENTITY_COLUMNS if k in body}
    body.setdefault("host_country", host_country)
    return body


def _failure(line: int, exc: CaseError, flat: bool) -> list[RowFailure]:
    errors = exc.errors or ()
    if not errors:
        return [RowFailure(line, exc.field, exc.code, exc.message)]
    return [
        RowFailure(
            line,
            e.field.removeprefix("identity.") if flat else e.field,
            e.code,
            e.message,
        )
        for e in errors
    ]


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
) -> BatchReport:
    """File every row as a readmission request of one batch. Rows come as (line, row) pairs
    (from :func:`read_batch_file`) or as bare mappings, numbered from 1."""
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
        try:
            request = readmission.parse_request(_nest(row, host_country), at)
            if request.host_country != host_country:
                raise InvalidInput("row is for another country", field="host_country")
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
            flagged.extend(_flags(session, actor, line, case.id, at))
        except CaseError as exc:
            failed.extend(_failure(line, exc, flat))
        if progress is not None:
            progress(index, len(row_list))
    with common.unit_of_work(session):
        saved = session.get(Batch, batch_id)
        assert saved is not None
        saved.rows_failed = len({f.line for f in failed})
        saved.errors = [
            {"line": f.line, "field": f.field, "code": f.code, "message": f.message} for f in failed
        ]
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
    session: Session, actor: Actor, line: int, case_id: int, at: datetime
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
        )
    ]


def _batch_cases(session: Session, batch_id: int) -> list[tuple[int, int, str]]:
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


def _each(
    session: Session,
    batch_id: int,
    ready: Callable[[Case], bool],
    step: Callable[[int], object],
    progress: Progress | None,
) -> BatchReport:
    cases = _batch_cases(session, batch_id)
    done: list[tuple[int, int]] = []
    failed: list[RowFailure] = []
    skipped = 0
    for index, (case_id, line, _state) in enumerate(cases, start=1):
        case = session.get(Case, case_id, populate_existing=True)
        eligible = case is not None and ready(case)
        session.rollback()
        if not eligible:
            skipped += 1
        else:
            try:
                step(case_id)
                done.append((line, case_id))
            except CaseError as exc:
                failed.extend(_failure(line, exc, flat=False))
        if progress is not None:
            progress(index, len(cases))
    return BatchReport(batch_id, len(cases), tuple(done), tuple(failed), skipped)


def prepare_batch(
    session: Session, actor: Actor, batch_id: int, at: datetime, *, progress: Progress | None = None
) -> BatchReport:
    """Prepare every draft of the batch that is not prepared yet."""
    require_role(actor, Action.PREPARE)
    return _each(
        session,
        batch_id,
        lambda c: c.state == CaseState.DRAFT.value and c.prepared_by is None,
        lambda case_id: common.prepare(session, actor, case_id, at),
        progress,
    )


def approve_batch(
    session: Session, actor: Actor, batch_id: int, at: datetime, *, progress: Progress | None = None
) -> BatchReport:
    """Approve every prepared draft of the batch (four eyes per case)."""
    require_role(actor, Action.APPROVE)
    return _each(
        session,
        batch_id,
        lambda c: c.state == CaseState.DRAFT.value and c.prepared_by is not None,
        lambda case_id: common.approve(session, actor, case_id, at),
        progress,
    )


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
    require_role(actor, Action.ISSUE)
    return _each(
        session,
        batch_id,
        lambda c: c.state == CaseState.APPROVED.value,
        lambda case_id: readmission.issue(
            session,
            actor,
            case_id,
            at,
            issuer,
            issuing_country=issuing_country,
            issuing_post=issuing_post,
        ),
        progress,
    )


def get_batch(session: Session, batch_id: int) -> BatchView:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}", field="batch_id")
    states: dict[str, int] = {}
    case_ids: list[int] = []
    for row in session.execute(
        select(Case.id, Case.state)
        .where(Case.batch_id == batch_id)
        .order_by(Case.batch_line, Case.id)
    ):
        states[row.state] = states.get(row.state, 0) + 1
        case_ids.append(row.id)
    return BatchView(
        batch.id,
        batch.host_country,
        batch.reference,
        batch.filed_by,
        batch.filed_at,
        batch.rows_total,
        batch.rows_failed,
        tuple(RowFailure(e["line"], e.get("field"), e["code"], e["message"]) for e in batch.errors),
        states,
        tuple(case_ids),
    )
