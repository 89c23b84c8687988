"""Who may do what, and from which state (DESIGN §1, §7) — the rules the pages only display.

Roles (:class:`legalize.kinds.Role`) are the staff users' roles, plus ``foreign_authority`` for
API clients of host countries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from legalize.cases.errors import (
    DocumentExpired,
    DocumentRevoked,
    DocumentUsed,
    Forbidden,
    FourEyesViolation,
    InvalidTransition,
)
from legalize.kinds import CaseState, Role
from legalize.registry.models import Case


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user (``user:<name>``), an API client (``api:<name>``) or the system."""

    id: str
    """Recorded in the case and the audit log; four eyes compares it."""
    roles: frozenset[Role] = field(default_factory=frozenset)
    country: str | None = None
    """For a foreign authority: the ICAO code of the country it speaks for."""
    signatory_id: int | None = None
    """For an issuing authority: the signatory register entry it speaks for."""

    def has(self, role: Role) -> bool:
        return role in self.roles


SYSTEM = Actor("system", frozenset({Role.ADMINISTRATOR}))
"""The actor of scheduled work (expiry) and of imports run from the CLI."""


class Action(StrEnum):
    FILE_READMISSION = "file_readmission"
    FILE_LEGALIZATION = "file_legalization"
    PREPARE = "prepare"
    APPROVE = "approve"
    REJECT = "reject"
    ISSUE = "issue"
    REVOKE = "revoke"
    CLEAR = "clear"
    EXPIRE = "expire"
    MANAGE_SIGNATORIES = "manage_signatories"
    IMPORT_REGISTERS = "import_registers"


_I, _A, _B, _ADM, _F, _IA = (
    Role.ISSUING_OFFICER,
    Role.APPROVING_OFFICER,
    Role.BORDER_OFFICER,
    Role.ADMINISTRATOR,
    Role.FOREIGN_AUTHORITY,
    Role.ISSUING_AUTHORITY,
)

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.FILE_READMISSION: frozenset({_F, _I}),
    Action.FILE_LEGALIZATION: frozenset({_F, _I, _IA}),  # API clients file; officers prepare
    Action.PREPARE: frozenset({_I}),
    Action.APPROVE: frozenset({_A}),
    Action.REJECT: frozenset({_I, _A}),
    Action.ISSUE: frozenset({_I, _A}),
    Action.REVOKE: frozenset({_A, _ADM}),
    Action.CLEAR: frozenset({_B}),
    Action.EXPIRE: frozenset({_ADM}),
    Action.MANAGE_SIGNATORIES: frozenset({_ADM}),
    Action.IMPORT_REGISTERS: frozenset({_ADM}),
}

ALLOWED_FROM: dict[Action, frozenset[CaseState]] = {
    Action.PREPARE: frozenset({CaseState.DRAFT}),
    Action.APPROVE: frozenset({CaseState.DRAFT}),
    Action.REJECT: frozenset({CaseState.DRAFT, CaseState.APPROVED}),
    Action.ISSUE: frozenset({CaseState.APPROVED}),
    Action.REVOKE: frozenset({CaseState.ISSUED}),
    Action.CLEAR: frozenset({CaseState.ISSUED}),
    Action.EXPIRE: frozenset({CaseState.ISSUED}),
}


def allowed(actor: Actor, action: Action) -> bool:
    return bool(PERMISSIONS[action] & actor.roles)


def require_role(actor: Actor, action: Action) -> None:
    if not allowed(actor, action):
        needed = " or ".join(sorted(PERMISSIONS[action]))
        raise Forbidden(f"{action.value} needs the role {needed}")


def require_state(case: Case, action: Action) -> None:
    """Refuse ``action`` on ``case`` unless its state allows it (with the state's own code)."""
    state = CaseState(case.state)
    if state in ALLOWED_FROM[action]:
        return
    message = f"case {case.id} is {state.value}; cannot {action.value}"
    if state is CaseState.USED:
        raise DocumentUsed(f"document of case {case.id} has been used already")
    if state is CaseState.EXPIRED:
        raise DocumentExpired(f"document of case {case.id} has expired")
    if state is CaseState.REVOKED:
        raise DocumentRevoked(f"document of case {case.id} has been revoked")
    raise InvalidTransition(message)


def require_four_eyes(actor: Actor, case: Case) -> None:
    """The approver must be someone other than the preparer (and the filer, if staff)."""
    if case.prepared_by is None:
        raise InvalidTransition(f"case {case.id} has not been prepared yet")
    if actor.id == case.prepared_by:
        raise FourEyesViolation("the approving officer must differ from the preparing officer")
    if actor.id == case.filed_by:
        raise FourEyesViolation("the approving officer must differ from the officer who filed")


class CaseLike(Protocol):
    """What the rules read of a case: a registry row or a ``CaseView``."""

    @property
    def kind(self) -> str: ...

    @property
    def state(self) -> str: ...

    @property
    def prepared_by(self) -> str | None: ...

    @property
    def filed_by(self) -> str: ...


def available_actions(actor: Actor, case: CaseLike) -> list[Action]:
    """The steps ``actor`` may take on ``case`` now (for the buttons of the case page)."""
    state = CaseState(case.state)
    result: list[Action] = []
    for action, states in ALLOWED_FROM.items():
        if state not in states or not allowed(actor, action) or action is Action.EXPIRE:
            continue
        if action is Action.CLEAR and case.kind != "readmission":
            continue
        if action is Action.APPROVE and (
            case.prepared_by is None or actor.id in (case.prepared_by, case.filed_by)
        ):
            continue
        if action is Action.PREPARE and case.prepared_by is not None:
            continue
        result.append(action)
    return result
