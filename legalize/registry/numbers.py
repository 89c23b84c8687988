"""The fate of every document number: each number a counter handed out is accounted for in
the audit log (issue 12, item 8), so a gap in the numbering is never a mystery.

Issuance records ``document.number_taken`` in the transaction that takes the number, before
anything is rendered; then exactly one final entry: ``document.issued``,
``document.issue_failed`` (the rendering raised) or ``document.number_abandoned`` (the
issuance lost a race or could not be registered; the reason says which); the ``legalize
issue`` tool, which makes a document outside any case, records ``document.produced``. A
process killed between the two leaves the reservation alone: :func:`account_numbers` lists
such numbers (and numbers with no entry at all, as older crashes left them) and
:func:`abandon_number` records the fate an administrator established; ``legalize audit
numbers`` runs both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.kinds import DocumentType
from legalize.registry import audit
from legalize.registry.counters import format_number
from legalize.registry.models import Counter

TAKEN = "document.number_taken"
ISSUED = "document.issued"
FAILED = "document.issue_failed"
ABANDONED = "document.number_abandoned"
PRODUCED = "document.produced"
"""Made by the ``legalize issue`` tool outside any case (no register entry; PDF hash kept)."""
FINAL = frozenset({ISSUED, FAILED, ABANDONED, PRODUCED})
MAX_REASON = 500


class NumberError(ValueError):
    """A number's fate cannot be recorded (unknown number, already accounted for)."""


@dataclass(frozen=True)
class OpenNumber:
    """A number taken with no final audit entry."""

    number: str
    reserved: bool
    """True when its ``document.number_taken`` entry exists: an issuance started and its end
    is not on record (a killed worker); False: the log never mentions the number."""
    case_id: str | None = None
    """The case the reservation names."""
    reserved_at: datetime | None = None


@dataclass(frozen=True)
class NumberAccount:
    taken: int
    """How many numbers the counters handed out."""
    open: tuple[OpenNumber, ...]
    """Taken numbers without a final entry, in counter order."""

    @property
    def ok(self) -> bool:
        return not self.open


def taken_numbers(session: Session) -> list[str]:
    """Every number the document counters handed out (``document:<type>:<year>``)."""
    numbers: list[str] = []
    counters = session.scalars(
        select(Counter).where(Counter.name.like("document:%")).order_by(Counter.name)
    )
    for counter in counters:
        _, type_name, year = counter.name.split(":")
        doc_type = DocumentType(type_name)
        numbers += [format_number(doc_type, int(year), v) for v in range(1, counter.value + 1)]
    return numbers


def account_numbers(session: Session) -> NumberAccount:
    """Which taken numbers have no final audit entry."""
    final: set[str] = set()
    reserved: dict[str, tuple[str, datetime]] = {}
    rows = session.execute(
        select(
            audit.AuditEntry.action,
            audit.AuditEntry.subject_id,
            audit.AuditEntry.at,
            audit.AuditEntry.details,
        ).where(audit.AuditEntry.action.in_([TAKEN, *FINAL]))
    )
    for action, subject_id, at, details in rows:
        number = json.loads(details).get("number")
        if not isinstance(number, str):
            continue
        if action == TAKEN:
            reserved[number] = (subject_id, at)
        else:
            final.add(number)
    numbers = taken_numbers(session)
    open_numbers = []
    for number in numbers:
        if number in final:
            continue
        if number in reserved:
            case_id, at = reserved[number]
            open_numbers.append(OpenNumber(number, True, case_id, at))
        else:
            open_numbers.append(OpenNumber(number, False))
    return NumberAccount(len(numbers), tuple(open_numbers))


def abandon_number(
    session: Session, number: str, reason: str, at: datetime, actor: str = "system"
) -> None:
    """Record that an open number will never carry a document, and why (flushed; the caller
    commits). Only a taken number without a final entry can be abandoned."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise NumberError(f"a reason of 1-{MAX_REASON} characters is required")
    number = number.strip().upper()
    found = {n.number: n for n in account_numbers(session).open}.get(number)
    if found is None:
        raise NumberError(f"number {number} is not open (never taken, or accounted for)")
    _record_abandoned(session, number, found.case_id, reason, at, actor)


def _record_abandoned(
    session: Session, number: str, case_id: str | None, reason: str, at: datetime, actor: str
) -> None:
    audit.append(
        session,
        actor=actor,
        action=ABANDONED,
        subject_type="case" if case_id else "number",
        subject_id=case_id or number,
        at=at,
        details={"number": number, "reason": reason, "recorded_later": True},
    )


def open_for_case(session: Session, case_id: int) -> list[str]:
    """Numbers reserved for the case with no final entry: issuances of it that were cut off
    (a worker killed between taking the number and registering the document)."""
    rows = session.execute(
        select(audit.AuditEntry.action, audit.AuditEntry.details)
        .where(audit.AuditEntry.subject_type == "case")
        .where(audit.AuditEntry.subject_id == str(case_id))
        .where(audit.AuditEntry.action.in_([TAKEN, *FINAL]))
        .order_by(audit.AuditEntry.seq)
    )
    reserved: list[str] = []
    final: set[str] = set()
    for action, details in rows:
        number = json.loads(details).get("number")
        if not isinstance(number, str):
            continue
        if action == TAKEN:
            reserved.append(number)
        else:
            final.add(number)
    return [n for n in reserved if n not in final]


def abandon_for_case(
    session: Session, case_id: int, reason: str, at: datetime, actor: str = "system"
) -> list[str]:
    """Record the end of every cut-off reservation of the case (flushed; the caller commits).
    Only for a case whose issuing worker is known to be gone: a live one between taking its
    number and registering would otherwise see its number called abandoned."""
    numbers = open_for_case(session, case_id)
    for number in numbers:
        _record_abandoned(session, number, str(case_id), reason, at, actor)
    return numbers
