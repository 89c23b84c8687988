"""What the border officer's screen shows of a TTD: one verdict, the holder, and — for a used
document — when, at which port and by whom it was cleared (from the audit entry of the
clearance). Read-only; the clearance itself is :func:`legalize.cases.common.clear_document`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases.views import CaseView, DocumentView, case_view, find_document
from legalize.kinds import CaseKind, CaseState, DocumentType
from legalize.registry import audit
from legalize.registry.models import Case, Document


class Verdict(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_OURS = "not_ours"


@dataclass(frozen=True)
class Closure:
    """Who closed the document, when, and (for a clearance) at which port."""

    at: datetime
    by: str
    """The officer, without the ``user:`` prefix."""
    port: str | None
    reason: str | None


@dataclass(frozen=True)
class BorderView:
    verdict: Verdict
    document: DocumentView | None
    case: CaseView | None
    closure: Closure | None
    """For a used or revoked document: the audit entry of that step."""
    expired_on: date | None
    """For an expired document: the last day it was good."""


def officer_name(actor: str) -> str:
    """``user:alice`` → ``alice``; other actors (``system``, ``api:x``) as they are."""
    return actor.split(":", 1)[1] if actor.startswith("user:") else actor


def _closure(session: Session, case_id: int, action: str) -> Closure | None:
    found = [e for e in audit.entries_for(session, "case", case_id) if e.action == action]
    if not found:
        return None
    entry = found[-1]
    details = entry.details_dict
    port = details.get("port")
    reason = details.get("reason")
    return Closure(
        entry.at,
        officer_name(entry.actor),
        port if isinstance(port, str) else None,
        reason if isinstance(reason, str) else None,
    )


def look_up(session: Session, number: str, at: datetime) -> BorderView:
    """The register's answer for ``number`` at ``at`` (a TTD, or NOT_OURS)."""
    doc = find_document(session, number)
    if doc is None or doc.type != DocumentType.TTD:
        return BorderView(Verdict.NOT_OURS, None, None, None, None)
    row = session.get(Case, doc.case_id)
    assert row is not None
    case = case_view(session, row)
    if doc.status == CaseState.USED.value:
        return BorderView(Verdict.USED, doc, case, _closure(session, row.id, "document.used"), None)
    if doc.status == CaseState.REVOKED.value:
        return BorderView(
            Verdict.REVOKED, doc, case, _closure(session, row.id, "document.revoked"), None
        )
    if doc.status == CaseState.EXPIRED.value or (
        doc.expires_on is not None and at.date() > doc.expires_on
    ):
        return BorderView(Verdict.EXPIRED, doc, case, None, doc.expires_on)
    return BorderView(Verdict.VALID, doc, case, None, None)


@dataclass(frozen=True)
class Arrivals:
    """TTDs issued, not used, whose holder travels on ``day``, grouped by port of entry."""

    day: date
    ports: tuple[tuple[str, tuple[CaseView, ...]], ...]

    @property
    def total(self) -> int:
        return sum(len(cases) for _, cases in self.ports)


def arrivals(session: Session, day: date) -> Arrivals:
    rows = list(
        session.scalars(
            select(Case)
            .join(Document, Document.case_id == Case.id)
            .where(Case.kind == CaseKind.READMISSION.value)
            .where(Case.travel_date == day)
            .where(Document.status == CaseState.ISSUED.value)
            .order_by(Case.port_of_entry, Case.id)
        )
    )
    by_port: dict[str, list[CaseView]] = {}
    for row in rows:
        by_port.setdefault(row.port_of_entry or "port not given", []).append(
            case_view(session, row)
        )
    return Arrivals(day, tuple((port, tuple(cases)) for port, cases in by_port.items()))
