"""What the border officer's screen shows of a TTD: one verdict, the holder, and — for a used
document — when, at which port and by whom it was cleared (from the audit entry of the
clearance). Read-only; the clearance itself is :func:`legalize.cases.common.clear_document`.

The verdict follows the report of :func:`legalize.cases.check.check_seal` on the seal SCANNED
from the paper (a typed number: on the register's own seal, which at least tells a revoked
signer); the register's answer names which kind of "no" it is (used, revoked, expired)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import check
from legalize.cases.views import CaseView, DocumentView, case_view, find_document
from legalize.kinds import CaseKind, CaseState, DocumentType
from legalize.pki.trust import TrustStore
from legalize.registry import audit
from legalize.registry.models import Case, Document
from verifier.codes import Code
from verifier.report import Report, Status
from verifier.report import Verdict as ReportVerdict


class Verdict(StrEnum):
    VALID = "valid"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NOT_OURS = "not_ours"
    UNVERIFIED = "unverified"
    """The seal did not pass its checks (forged, altered, signer not trusted, another seal on
    record for the number) or could not be checked: not to be cleared on this paper."""


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
    report: Report | None = None
    """The seal check the verdict follows; None without a trust store (the register alone)."""
    scanned: bool = False
    """Whether ``report`` is on a seal scanned from the paper (else the register's own seal)."""


NOT_FOUND = BorderView(Verdict.NOT_OURS, None, None, None, None)

_CLOSED_BY_CODE = {
    Code.DOCUMENT_USED: Verdict.USED,
    Code.DOCUMENT_REVOKED: Verdict.REVOKED,
    Code.DOCUMENT_EXPIRED: Verdict.EXPIRED,
}
"""A closed document's code → its verdict, the first found in this order."""


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
        return NOT_FOUND
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


def verdict_of(report: Report) -> Verdict:
    """The border's word for the report's verdict: VALID only when the report is VALID; a
    genuine seal of ours says why not (used, revoked, expired); a seal the register does not
    know is NOT_OURS; anything else is UNVERIFIED."""
    if report.verdict is ReportVerdict.VALID:
        return Verdict.VALID
    record = report.check(check.RECORD)
    if record is not None and record.code in (
        Code.DOCUMENT_NOT_IN_REGISTER,
        Code.DOCUMENT_OF_ANOTHER_STATE,
    ):
        return Verdict.NOT_OURS
    if record is not None and record.status is Status.VALID:
        codes = report.codes
        for code, verdict in _CLOSED_BY_CODE.items():
            if code in codes:
                return verdict
    return Verdict.UNVERIFIED


def scan(
    session: Session, seal_text: str, trust: TrustStore, at: datetime, *, issuing_country: str
) -> BorderView:
    """The screen for a seal scanned from the paper: the seal verified, the register's answer
    for the number it names."""
    report = check.check_seal(session, seal_text, trust, at, issuing_country=issuing_country)
    record = report.check(check.RECORD)
    number = record.data.get("number") if record is not None else None
    found = look_up(session, number, at) if isinstance(number, str) else NOT_FOUND
    verdict = verdict_of(report)
    if found.document is None or record is None or record.status is not Status.VALID:
        found = NOT_FOUND  # a seal the register does not vouch for shows nobody's data
        if verdict is not Verdict.UNVERIFIED:  # e.g. a genuine legalization: not a TTD
            verdict = Verdict.NOT_OURS
    return replace(found, verdict=verdict, report=report, scanned=True)


def typed(
    session: Session, number: str, trust: TrustStore | None, at: datetime, *, issuing_country: str
) -> BorderView:
    """The screen for a typed number: the register's answer, checked on its own stored seal
    (no paper was scanned; a revoked signer still shows)."""
    found = look_up(session, number, at)
    if found.document is None or trust is None:
        return found
    report = check.check_seal(
        session, found.document.seal_text, trust, at, issuing_country=issuing_country
    )
    return replace(found, verdict=verdict_of(report), report=report)


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
