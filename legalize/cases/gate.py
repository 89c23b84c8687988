"""The identity gate: a readmission case whose cross-check is not a clean match cannot be
approved or issued until an officer has recorded which evidence settled it, and why.

Who may decide (docs/casework.md):

- ``not_found`` and ``mismatch``: an issuing or an approving officer (the preparer may: they
  met the person; the approver, someone else by the four-eyes rule, sees the decision);
- ``on_watchlist`` (the last travel document reported stolen, lost, revoked or invalid): an
  approving officer or an administrator who neither filed nor prepared the case, and the
  approval then needs yet another approving officer — three people in all.

A decision settles the cross-check result it was made on: a later, different result (the
cross-check re-run after a register import) needs a new decision. The functions here run
inside the caller's transaction on a case it has locked; the public steps are in
:mod:`legalize.cases.readmission`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases.errors import Forbidden, FourEyesViolation, InvalidTransition
from legalize.cases.rules import Actor
from legalize.cases.validation import Fields, require_reason
from legalize.kinds import CaseKind, CaseState, Role
from legalize.phrases import N_, P_, word
from legalize.registry.models import Case, IdentityDecision

EVIDENCE: dict[str, str] = {
    "interview_nationality": "nationality confirmed by interview",
    "passport_lost_by_holder": "passport reported lost by the holder himself",
    "nic_record_corrected": "NIC register record corrected",
    "nic_record_located": "NIC record located by the Department for Registration of Persons",
    "civil_record": "birth certificate or civil register extract checked",
    "fingerprints_matched": "fingerprints matched the register",
    "host_identity_document": "identity document supplied by the host country checked",
    "watchlist_entry_withdrawn": "watchlist entry withdrawn by the reporting authority",
}
"""The evidence an officer may name (code → what the page shows)."""

OUTCOME_TEXT = {
    "not_found": N_("No NIC register record was found for this person"),
    "mismatch": N_("The NIC register record differs from the claimed identity"),
    "on_watchlist": N_("The last travel document is on the stolen/lost travel document list"),
}
MAX_REFERENCE = 200


class IdentityUnresolved(InvalidTransition):
    """The cross-check was not a clean match and no valid decision settles it."""

    code = "IDENTITY_UNRESOLVED"


@dataclass(frozen=True)
class DecisionView:
    evidence: str
    evidence_text: str
    evidence_reference: str
    reason: str
    decided_by: str
    decided_at: datetime
    outcome: str
    """The cross-check outcome it settled."""
    current: bool
    """It settles the case's cross-check as it is now."""


@dataclass(frozen=True)
class FieldDiff:
    field: str
    claimed: str
    register: str


@dataclass(frozen=True)
class WatchlistView:
    document_number: str
    issuing_country: str
    status: str
    reported_on: date | None


@dataclass(frozen=True)
class IdentityStatus:
    """What the case page's alert shows."""

    outcome: str | None
    """match, mismatch, not_found, on_watchlist; None when never run."""
    needs_decision: bool
    """The cross-check is not a clean match."""
    settled: bool
    """No decision is needed, or a current one is recorded."""
    differences: tuple[FieldDiff, ...]
    watchlist: tuple[WatchlistView, ...]
    nic_number: str | None
    decision: DecisionView | None
    three_people: bool
    """A watchlist hit: decided by an officer other than the preparer, approved by another."""


def outcome(case: Case) -> str | None:
    return str(case.crosscheck.get("outcome")) if case.crosscheck else None


def needs_decision(case: Case) -> bool:
    return case.kind == CaseKind.READMISSION.value and outcome(case) != "match"


def latest(session: Session, case: Case) -> IdentityDecision | None:
    return session.scalars(
        select(IdentityDecision)
        .where(IdentityDecision.case_id == case.id)
        .order_by(IdentityDecision.id.desc())
        .limit(1)
    ).one_or_none()


def current(session: Session, case: Case) -> IdentityDecision | None:
    """The decision that settles the case's cross-check as it is now, if any."""
    row = latest(session, case)
    return row if row is not None and row.crosscheck == case.crosscheck else None


def may_decide(actor: Actor, case: Case) -> bool:
    """Whether ``actor`` may record the identity decision of ``case`` (for the page)."""
    try:
        _require_decider(actor, case)
    except (Forbidden, InvalidTransition):
        return False
    return True


def _require_decider(actor: Actor, case: Case) -> None:
    if case.kind != CaseKind.READMISSION.value:
        raise InvalidTransition(P_("only a readmission case has an identity cross-check"))
    if case.state not in (CaseState.DRAFT.value, CaseState.APPROVED.value):
        # Approved: a case approved before the gate existed is decided before issuance.
        raise InvalidTransition(
            P_(
                "the case is %(state)s; the identity is decided before issuance",
                state=word(case.state),
            )
        )
    if not needs_decision(case):
        raise InvalidTransition(P_("the cross-check is a clean match; there is nothing to decide"))
    if outcome(case) == "on_watchlist":
        if not (actor.has(Role.APPROVING_OFFICER) or actor.has(Role.ADMINISTRATOR)):
            raise Forbidden(
                P_("a watchlist hit is decided by an approving officer or an administrator")
            )
        if actor.id in (case.filed_by, case.prepared_by, case.approved_by):
            raise FourEyesViolation(
                P_(
                    "a watchlist hit is decided by an officer who neither filed, prepared nor "
                    "approved the case"
                )
            )
    elif not (actor.has(Role.ISSUING_OFFICER) or actor.has(Role.APPROVING_OFFICER)):
        raise Forbidden(P_("the identity is decided by an issuing or an approving officer"))


def record_decision(
    session: Session,
    actor: Actor,
    case: Case,
    data: dict[str, Any],
    at: datetime,
) -> IdentityDecision:
    """Validate ``data`` (evidence, evidence_reference, reason) and add the decision row; the
    caller writes the audit entry in the same transaction."""
    _require_decider(actor, case)
    f = Fields(data)
    evidence = f.text("evidence", limit=40).lower()
    if evidence and evidence not in EVIDENCE:
        f.fail("evidence", "evidence must be one of the listed kinds")
    reference = f.text("evidence_reference", limit=MAX_REFERENCE)
    f.raise_if_any()
    reason = require_reason(data.get("reason"))
    row = IdentityDecision(
        case_id=case.id,
        crosscheck=dict(case.crosscheck or {}),
        evidence=evidence,
        evidence_reference=reference,
        reason=reason,
        decided_by=actor.id,
        decided_at=at,
    )
    session.add(row)
    session.flush()
    return row


def require_settled(session: Session, case: Case, approver: str | None) -> None:
    """Refuse approval (``approver`` = who approves) or issuance (``approver`` = who approved)
    of a case whose identity is not settled by a valid decision."""
    if not needs_decision(case):
        return
    what = word(
        OUTCOME_TEXT.get(outcome(case) or "", N_("The identity has not been cross-checked"))
    )
    decision = current(session, case)
    if decision is None:
        raise IdentityUnresolved(
            P_(
                "%(outcome)s: an officer must record which evidence settled it before approval",
                outcome=what,
            ),
            field="identity",
        )
    if outcome(case) == "on_watchlist":
        if decision.decided_by in (case.prepared_by, case.filed_by):
            raise IdentityUnresolved(
                P_(
                    "a watchlist hit must be decided by an officer other than the one who "
                    "prepared or filed the case"
                ),
                field="identity",
            )
        if approver is not None and decision.decided_by == approver:
            raise FourEyesViolation(
                P_(
                    "a watchlist hit needs a further officer: the approver cannot be the officer "
                    "who decided it"
                ),
                field="identity",
            )


def decision_view(case: Case, row: IdentityDecision) -> DecisionView:
    return DecisionView(
        evidence=row.evidence,
        evidence_text=EVIDENCE.get(row.evidence, row.evidence),
        evidence_reference=row.evidence_reference,
        reason=row.reason,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        outcome=str(row.crosscheck.get("outcome")),
        current=row.crosscheck == case.crosscheck,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def differences(case: Case) -> tuple[FieldDiff, ...]:
    """Claimed versus register, field by field, for a mismatch."""
    check = case.crosscheck or {}
    register = check.get("register") or {}
    return tuple(
        FieldDiff(
            name,
            _text(getattr(case.person, name, "")),
            str(register.get(name, "(not recorded)")),
        )
        for name in check.get("mismatched") or []
    )


def status(session: Session, case: Case) -> IdentityStatus:
    check = case.crosscheck or {}
    row = latest(session, case)
    decision = decision_view(case, row) if row is not None else None
    hits = tuple(
        WatchlistView(
            str(h.get("document_number")),
            str(h.get("issuing_country")),
            str(h.get("status")),
            date.fromisoformat(h["reported_on"]) if h.get("reported_on") else None,
        )
        for h in check.get("watchlist") or []
    )
    needed = needs_decision(case)
    return IdentityStatus(
        outcome=outcome(case),
        needs_decision=needed,
        settled=not needed or (decision is not None and decision.current),
        differences=differences(case) if check.get("mismatched") else (),
        watchlist=hits,
        nic_number=check.get("nic_number"),
        decision=decision,
        three_people=outcome(case) == "on_watchlist",
    )
