"""What both workflows share: the unit of work, loading with a row lock, prepare, approve,
reject, issue, revoke and expiry.

Each public function is one transaction: the state change and its audit entry commit
together or not at all (DESIGN §7). Issuance renders and signs the PDF between two short
transactions — first the number is taken and its reservation recorded (committed, so a failed
rendering leaves a gap, never a reuse), then the document, the new state and the audit entry
are written together after re-checking the case under lock — so no lock is held while the PDF
is being signed. Every number taken gets a final audit entry (issued, failed or abandoned,
with why; :mod:`legalize.registry.numbers`), so no gap is unexplained.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from legalize.cases import duplicates, gate, origin, readiness
from legalize.cases.codes import new_check_code, new_web_token
from legalize.cases.errors import (
    CaseError,
    DocumentExpired,
    InvalidInput,
    InvalidTransition,
    IssuanceFailed,
    NotFound,
)
from legalize.cases.identity import ClaimedIdentity
from legalize.cases.issuer import IssuedPdf
from legalize.cases.rules import (
    SYSTEM,
    Action,
    Actor,
    require_four_eyes,
    require_role,
    require_state,
)
from legalize.cases.validation import require_reason
from legalize.cases.views import CaseView, DocumentView, case_view, document_view
from legalize.kinds import CaseKind, CaseState, DocumentType
from legalize.phrases import P_
from legalize.registry import audit, numbers
from legalize.registry.counters import next_document_number
from legalize.registry.db import commit_without_flush
from legalize.registry.models import Case, Document, DuplicateLink, Person


def check_time(at: datetime) -> None:
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidInput("time must be timezone-aware (UTC)", field="at")


@contextmanager
def unit_of_work(session: Session) -> Iterator[None]:
    """Commit what the block did, or roll all of it back and re-raise."""
    try:
        yield
        session.commit()
    except BaseException:
        session.rollback()
        raise


def lock_case(session: Session, case_id: int) -> Case:
    """The case, locked for the rest of the transaction (FOR UPDATE on PostgreSQL)."""
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        raise InvalidInput("case id must be an integer", field="case_id")
    case = session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update(of=Case)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id")
    return case


KIND_NAMES = {
    CaseKind.READMISSION: "a readmission case",
    CaseKind.LEGALIZATION: "a legalization",
}
"""How errors name a case of the wrong kind."""


def require_kind(case: Case, kind: CaseKind) -> None:
    if case.kind != kind.value:
        raise InvalidTransition(f"case {case.id} is not {KIND_NAMES[kind]}")


def lock_draft(session: Session, actor: Actor, case_id: int, kind: CaseKind) -> Case:
    """A draft of ``kind`` nobody has prepared yet, locked for an issuing officer to change."""
    require_role(actor, Action.PREPARE)
    case = lock_case(session, case_id)
    require_kind(case, kind)
    if case.state != CaseState.DRAFT.value or case.prepared_by is not None:
        raise InvalidTransition(f"case {case_id} can no longer be changed")
    return case


def file_draft(
    session: Session,
    actor: Actor,
    kind: CaseKind,
    identity: ClaimedIdentity,
    at: datetime,
    **fields: Any,
) -> Case:
    """A new draft of ``kind`` filed by ``actor`` about the person ``identity`` claims, with
    the workflow's own ``fields`` (flushed: the ids are set; the caller records the filing)."""
    person = Person(
        surname=identity.surname,
        given_names=identity.given_names,
        birth_date=identity.birth_date,
        sex=identity.sex,
        birth_place=identity.birth_place,
        nationality=identity.nationality,
        nic_number=identity.nic_number,
        passport_number=identity.passport_number,
    )
    session.add(person)
    session.flush()
    case = Case(
        kind=kind.value,
        state=CaseState.DRAFT.value,
        person_id=person.id,
        filed_by=actor.id,
        filed_at=at,
        updated_at=at,
        **fields,
    )
    session.add(case)
    session.flush()
    return case


def record(
    session: Session,
    actor: Actor,
    action: str,
    case: Case,
    at: datetime,
    **details: Any,
) -> None:
    e = entry(actor, action, case, at, **details)
    audit.append(
        session,
        actor=e.actor,
        action=e.action,
        subject_type=e.subject_type,
        subject_id=e.subject_id,
        at=e.at,
        details=e.details,
    )


def entry(actor: Actor, action: str, case: Case, at: datetime, **details: Any) -> audit.NewEntry:
    """The audit entry :func:`record` writes (several go in at once with audit.append_many)."""
    return audit.NewEntry(actor.id, action, "case", case.id, at, {"kind": case.kind, **details})


def move(
    session: Session,
    actor: Actor,
    case: Case,
    to: CaseState,
    at: datetime,
    action: str,
    **details: Any,
) -> None:
    """Change the state and record the transition (same transaction)."""
    before = case.state
    case.state = to.value
    case.updated_at = at
    session.flush()
    record(session, actor, action, case, at, **{"from": before, "to": to.value, **details})


def prepare(session: Session, actor: Actor, case_id: int, at: datetime) -> CaseView:
    """An issuing officer takes responsibility for a draft: checked, ready for approval."""
    check_time(at)
    with unit_of_work(session):
        require_role(actor, Action.PREPARE)
        case = lock_case(session, case_id)
        require_state(case, Action.PREPARE)
        if case.prepared_by is not None:
            raise InvalidTransition(f"case {case.id} was prepared already by {case.prepared_by}")
        readiness.check(session, case)
        case.prepared_by = actor.id
        case.prepared_at = at
        case.updated_at = at
        record(session, actor, "case.prepared", case, at)
    return case_view(session, case)


def flag_duplicates(session: Session, actor: Actor, case_id: int, at: datetime) -> None:
    """Look for duplicates of a readmission case again and link what is new — committed on
    its own, so the flags stay even when the step that follows is refused. The search runs
    first without the lock: it mostly finds nothing new, and a transaction that only locked
    the case would still cost a WAL flush at its commit. (Issuance searches under its own
    lock instead and calls this only when it found something: :func:`_take_number`.)"""
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        return  # the step that follows refuses it (lock_case)
    with unit_of_work(session):
        found = session.get(Case, case_id, populate_existing=True)
        if found is None or not duplicates.unlinked(session, found, at):
            return  # (no such case: the step that follows says so)
    try:
        with unit_of_work(session):
            case = lock_case(session, case_id)
            if case.kind == CaseKind.READMISSION.value:
                duplicates.flag(session, actor.id, case, at)
    except IntegrityError:
        pass  # the other case's step linked the pair at the same moment: the link is there


def require_clear(
    session: Session,
    case: Case,
    approver: str | None,
    at: datetime,
    links: Sequence[DuplicateLink] | None = None,
) -> None:
    """The identity gate and the duplicate check (legalize.cases.gate, .duplicates); for a
    legalization, the origin check (legalize.cases.origin). ``links``: the case's duplicate
    links if the caller read them already under the same lock."""
    if case.kind == CaseKind.READMISSION.value:
        gate.require_settled(session, case, approver)
        duplicates.require_none_blocking(session, case, at, links)
    else:
        origin.require_no_alert(session, case)


@contextmanager
def origin_refusals_recorded(
    session: Session, actor: Actor, case_id: int, action: Action, at: datetime
) -> Iterator[None]:
    """An approval or issuance the origin check refuses is put on record (in its own
    transaction: the refused one was rolled back), then refused."""
    try:
        yield
    except origin.OriginAlert as exc:
        with unit_of_work(session):
            case = lock_case(session, case_id)
            record(
                session,
                actor,
                "case.origin_refused",
                case,
                at,
                step=action.value,
                reason=exc.message,
            )
        raise


def approve(session: Session, actor: Actor, case_id: int, at: datetime) -> CaseView:
    """A second officer approves (four eyes: not the one who prepared it), once the
    identity is settled and no duplicate stands in the way."""
    check_time(at)
    require_role(actor, Action.APPROVE)
    flag_duplicates(session, actor, case_id, at)
    with (
        origin_refusals_recorded(session, actor, case_id, Action.APPROVE, at),
        unit_of_work(session),
    ):
        case = lock_case(session, case_id)
        require_state(case, Action.APPROVE)
        require_four_eyes(actor, case)
        require_clear(session, case, actor.id, at)
        case.approved_by = actor.id
        case.approved_at = at
        move(session, actor, case, CaseState.APPROVED, at, "case.approved")
    return case_view(session, case)


def reject(session: Session, actor: Actor, case_id: int, reason: str, at: datetime) -> CaseView:
    check_time(at)
    with unit_of_work(session):
        require_role(actor, Action.REJECT)
        reason = require_reason(reason)
        case = lock_case(session, case_id)
        require_state(case, Action.REJECT)
        case.closed_by = actor.id
        case.closed_at = at
        case.reason = reason
        move(session, actor, case, CaseState.REJECTED, at, "case.rejected", reason=reason)
    return case_view(session, case)


def _lock_document(session: Session, number: str) -> tuple[Document, Case]:
    if not isinstance(number, str) or not number.strip():
        raise InvalidInput("document number is required", field="number")
    doc = session.scalars(
        select(Document)
        .where(Document.number == number.strip().upper())
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if doc is None:
        raise NotFound(f"no document {number}", field="number")
    return doc, lock_case(session, doc.case_id)


def close_document(
    session: Session,
    actor: Actor,
    doc: Document,
    case: Case,
    to: CaseState,
    at: datetime,
    action: str,
    **details: Any,
) -> None:
    doc.status = to.value
    doc.status_changed_at = at
    case.closed_by = actor.id
    case.closed_at = at
    move(session, actor, case, to, at, action, number=doc.number, **details)


def revoke(session: Session, actor: Actor, number: str, reason: str, at: datetime) -> DocumentView:
    """Revoke an issued document (the web check then answers DOCUMENT_REVOKED)."""
    check_time(at)
    with unit_of_work(session):
        require_role(actor, Action.REVOKE)
        reason = require_reason(reason)
        doc, case = _lock_document(session, number)
        require_state(case, Action.REVOKE)
        case.reason = reason
        close_document(
            session, actor, doc, case, CaseState.REVOKED, at, "document.revoked", reason=reason
        )
    return document_view(doc)


def clear_document(
    session: Session, actor: Actor, number: str, at: datetime, port: str | None = None
) -> DocumentView:
    """Border clearance of a TTD: it becomes used; a second clearance raises DocumentUsed."""
    check_time(at)
    with unit_of_work(session):
        require_role(actor, Action.CLEAR)
        doc, case = _lock_document(session, number)
        if doc.type != DocumentType.TTD.value:
            raise InvalidTransition(P_("only a temporary travel document is cleared at the border"))
        require_state(case, Action.CLEAR)
        if doc.expires_on is not None and at.date() > doc.expires_on:
            raise DocumentExpired(f"document {doc.number} expired on {doc.expires_on}")
        details: dict[str, Any] = {"port": port} if port else {}
        close_document(session, actor, doc, case, CaseState.USED, at, "document.used", **details)
    return document_view(doc)


def expire_due(session: Session, at: datetime, actor: Actor | None = None) -> list[str]:
    """Mark every issued document whose expiry date has passed as expired; returns numbers.

    One transaction per document, like every other transition: holding the audit head across
    documents while locking the next one could deadlock with a concurrent clearance."""
    check_time(at)
    actor = actor or SYSTEM
    require_role(actor, Action.EXPIRE)
    with unit_of_work(session):
        due = list(
            session.scalars(
                select(Document.number)
                .where(Document.status == CaseState.ISSUED.value)
                .where(Document.expires_on < at.date())
                .order_by(Document.number)
            )
        )
    expired: list[str] = []
    for number in due:
        with unit_of_work(session):
            doc, case = _lock_document(session, number)
            if case.state != CaseState.ISSUED.value:  # changed since the list was read
                continue
            close_document(session, actor, doc, case, CaseState.EXPIRED, at, "document.expired")
        expired.append(number)
    return expired


Render = Callable[[str, str], IssuedPdf]
"""(number, check_code) -> the final PDF. Called after the transaction that read the case
ended: it must hold plain values only, not rows."""


OnIssued = Callable[[Session], None]
"""Run inside the transaction that registers the document (a caller's own record of it,
e.g. a job item's outcome: it commits with the document or not at all)."""


class _NewDuplicates(Exception):
    """Raised under the case lock when the duplicate search found a case not yet linked."""


def issue_case(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    doc_type: DocumentType,
    build: Callable[[Session, Case], tuple[Render, date | None]],
) -> CaseView:
    """Issue an approved case: number, codes, PDF, register — see the module docstring.
    ``build`` reads what the document shows (under the case lock) and returns the renderer
    and the expiry date the document will carry."""
    return case_view(session, register_issue(session, actor, case_id, at, doc_type, build))


def register_issue(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    doc_type: DocumentType,
    build: Callable[[Session, Case], tuple[Render, date | None]],
    on_issued: OnIssued | None = None,
) -> Case:
    """:func:`issue_case` without the view (a worker has no use for it); ``on_issued`` runs
    in the registering transaction."""
    check_time(at)
    require_role(actor, Action.ISSUE)
    try:
        number, render, expires_on = _take_number(session, actor, case_id, at, doc_type, build)
    except _NewDuplicates:
        # Rare: link the new duplicates in their own transaction (they stay linked even when
        # the issuance is then refused), then check again.
        flag_duplicates(session, actor, case_id, at)
        number, render, expires_on = _take_number(
            session, actor, case_id, at, doc_type, build, search=False
        )
    # 2. Render and sign with no transaction open.
    issued, check_code, token = produce(session, actor, case_id, at, number, render)
    # 3. Register document, state and audit entry together, re-checking the case under lock.
    try:
        return _register(
            session,
            actor,
            case_id,
            at,
            doc_type,
            number,
            issued,
            check_code,
            token,
            expires_on,
            on_issued,
        )
    except Exception as exc:
        # Lost a race (the case was issued or closed meanwhile) or the register refused it:
        # the number will never carry a document; say so, then report the first error.
        abandon(session, actor, case_id, at, number, exc)
        raise


def produce(
    session: Session, actor: Actor, case_id: int, at: datetime, number: str, render: Render
) -> tuple[IssuedPdf, str, str]:
    """Render and sign the document numbered ``number`` (no transaction open): the PDF, its
    check code and web token. A failure is put on record against the number (its own
    transaction; the case is unchanged) and raised as IssuanceFailed (a CaseError as is)."""
    check_code, token = new_check_code(), new_web_token()
    try:
        issued = render(number, check_code)
        if hashlib.sha256(issued.pdf).hexdigest() != issued.sha256.lower():
            raise IssuanceFailed(f"document {number}: the issuer's SHA-256 does not match its PDF")
    except Exception as exc:
        # The number stays used (a gap); the failure is on record, the case unchanged.
        with unit_of_work(session):
            case = lock_case(session, case_id)
            record(
                session,
                actor,
                numbers.FAILED,
                case,
                at,
                number=number,
                error=type(exc).__name__,
            )
        if isinstance(exc, CaseError):
            raise
        raise IssuanceFailed(f"document {number} could not be produced: {exc}") from exc
    return issued, check_code, token


def _take_number(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    doc_type: DocumentType,
    build: Callable[[Session, Case], tuple[Render, date | None]],
    *,
    search: bool = True,
) -> tuple[str, Render, date | None]:
    """1. Check and take a number (committed: a failure later leaves a gap, never a reuse),
    with its reservation on record before anything is rendered. The duplicate search runs
    here, under the lock, rather than in a transaction of its own first: it mostly finds
    nothing new, and one transaction less per document is what the queue's cost is made of.
    """
    with origin_refusals_recorded(session, actor, case_id, Action.ISSUE, at), unit_of_work(session):
        # Not flushed to disk at commit: a database crash can only forget the reservation
        # with its counter step (nothing used the number yet), and step 3's synchronous
        # commit makes it durable before any document carries the number.
        commit_without_flush(session)
        case = lock_case(session, case_id)
        links = duplicates.links_of(session, case) if search else None
        if search and duplicates.unlinked(session, case, at, links):
            raise _NewDuplicates
        require_state(case, Action.ISSUE)
        require_clear(session, case, case.approved_by, at, links)
        render, expires_on = build(session, case)
        number = next_document_number(session, doc_type, at)
        record(session, actor, numbers.TAKEN, case, at, number=number, type=doc_type.value)
    return number, render, expires_on


def abandon(
    session: Session, actor: Actor, case_id: int, at: datetime, number: str, error: Exception
) -> None:
    """Record that a taken number will never carry a document because of ``error`` (its own
    transaction). If even that fails, the number stays open in ``legalize audit numbers``
    and the caller's error is the one reported."""
    reason = (
        f"{error.code}: {error.message}" if isinstance(error, CaseError) else type(error).__name__
    )
    try:
        with unit_of_work(session):
            case = lock_case(session, case_id)
            record(session, actor, numbers.ABANDONED, case, at, number=number, reason=reason)
    except Exception:  # noqa: S110 - the original error matters more; the check lists it
        pass


def _register(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    doc_type: DocumentType,
    number: str,
    issued: IssuedPdf,
    check_code: str,
    token: str,
    expires_on: date | None,
    on_issued: OnIssued | None,
) -> Case:
    with unit_of_work(session):
        case, before = _mark_issued(session, actor, case_id, at)
        doc = document_row(case, doc_type, number, issued, check_code, token, at, expires_on)
        session.add(doc)
        session.flush()
        record(session, actor, numbers.ISSUED, case, at, **issued_details(before, doc))
        if on_issued is not None:
            on_issued(session)
    return case


def document_row(
    case: Case,
    doc_type: DocumentType,
    number: str,
    issued: IssuedPdf,
    check_code: str,
    token: str,
    at: datetime,
    expires_on: date | None,
) -> Document:
    """The register's row of a document issued at ``at``."""
    return Document(
        number=number,
        type=doc_type.value,
        status=CaseState.ISSUED.value,
        case_id=case.id,
        seal_text=issued.seal_text,
        pdf_sha256=issued.sha256.lower(),
        pdf=issued.pdf,
        check_code=check_code,
        web_token=token,
        issued_at=at,
        issued_on=at.date(),
        expires_on=expires_on,
        status_changed_at=at,
        location=issued.location,
    )


def issued_details(before: str, doc: Document) -> dict[str, Any]:
    """What the ``document.issued`` entry says."""
    return {
        "from": before,
        "to": CaseState.ISSUED.value,
        "number": doc.number,
        "pdf_sha256": doc.pdf_sha256,
    }


def _mark_issued(session: Session, actor: Actor, case_id: int, at: datetime) -> tuple[Case, str]:
    """Re-check the case and mark it issued, under its row lock; (the case, its state
    before). One conditional UPDATE for an approved case — it takes the lock and checks the
    state in the same round trip — and the ordinary lock and rule otherwise, which refuse
    with the state's own code (or allow a state the rules may one day add)."""
    case = session.scalars(
        update(Case)
        .where(Case.id == case_id)
        .where(Case.state == CaseState.APPROVED.value)
        .values(state=CaseState.ISSUED.value, issued_by=actor.id, updated_at=at)
        .returning(Case)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if case is not None:
        return case, CaseState.APPROVED.value
    case = lock_case(session, case_id)
    require_state(case, Action.ISSUE)
    before = case.state
    case.state = CaseState.ISSUED.value
    case.issued_by = actor.id
    case.updated_at = at
    return case, before
