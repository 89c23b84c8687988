"""Duplicates: another open readmission case, or a valid unused TTD, for the same person.

The same person is the same NIC number, the same passport number, or the same name and
birth date. Found at filing and again at approval and issuance, a duplicate is linked on both
cases (:class:`DuplicateLink`, audited on both) and blocks approval and issuance of both
while both are open — until one is rejected (or its document is used, expired or revoked) or
an officer records why both stand. The functions here run inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from legalize.cases.errors import InvalidTransition
from legalize.kinds import CaseKind, CaseState
from legalize.phrases import P_
from legalize.registry import audit
from legalize.registry.identity import normalize_name
from legalize.registry.models import Case, Document, DuplicateLink, Person

OPEN_STATES = (CaseState.DRAFT.value, CaseState.APPROVED.value)


class DuplicateUnresolved(InvalidTransition):
    """The case may be the same person as another open case or a valid TTD."""

    code = "DUPLICATE_UNRESOLVED"


@dataclass(frozen=True)
class DuplicateView:
    other_case_id: int
    other_state: str
    other_host_country: str | None
    other_host_reference: str | None
    other_filed_by: str
    basis: tuple[str, ...]
    """nic_number, passport_number, name_birth_date."""
    found_at: datetime
    resolved_by: str | None
    resolution: str | None
    blocking: bool
    """Both cases are still open and nobody recorded why both stand."""


BASIS_TEXT = {
    "nic_number": "same NIC number",
    "passport_number": "same passport number",
    "name_birth_date": "same name and date of birth",
}


def _basis(mine: Person, other: Person) -> tuple[str, ...]:
    basis = []
    if mine.nic_number and mine.nic_number == other.nic_number:
        basis.append("nic_number")
    if mine.passport_number and mine.passport_number == other.passport_number:
        basis.append("passport_number")
    if (
        normalize_name(mine.surname) == normalize_name(other.surname)
        and normalize_name(mine.given_names) == normalize_name(other.given_names)
        and mine.birth_date == other.birth_date
    ):
        basis.append("name_birth_date")
    return tuple(basis)


def _live(session: Session, case: Case, at: datetime) -> bool:
    """Open (draft, approved) or issued with a document still valid (unused, unexpired)."""
    if case.state in OPEN_STATES:
        return True
    if case.state != CaseState.ISSUED.value:
        return False
    expires = session.scalar(select(Document.expires_on).where(Document.case_id == case.id))
    return expires is None or expires >= at.date()


def candidates(session: Session, case: Case, at: datetime) -> list[tuple[Case, tuple[str, ...]]]:
    """The other live readmission cases of the same person, with what matched."""
    p = case.person
    # Names are compared in Python (_basis): SQLite's upper() knows ASCII only.
    same = [Person.birth_date == p.birth_date]
    if p.nic_number:
        same.append(Person.nic_number == p.nic_number)
    if p.passport_number:
        same.append(Person.passport_number == p.passport_number)
    # The persons first, then their cases: without the fence a planner with no statistics
    # yet (a register just filled, autovacuum not yet by) joins the other way round and
    # reads every person once per case — quadratic in the register's size (7 ms of the
    # server's CPU a document on a flight of 200). Each of the three is indexed.
    persons = select(Person.id).where(or_(*same)).cte("same_person").prefix_with("MATERIALIZED")
    rows = session.scalars(
        select(Case)
        .where(Case.person_id.in_(select(persons.c.id)))
        .where(Case.kind == CaseKind.READMISSION.value)
        .where(Case.id != case.id)
        .where(Case.state.in_((*OPEN_STATES, CaseState.ISSUED.value)))
        .order_by(Case.id)
    )
    found = []
    for other in rows:
        basis = _basis(p, other.person)
        if basis and _live(session, other, at):
            found.append((other, basis))
    return found


def links_of(session: Session, case: Case) -> list[DuplicateLink]:
    """The case's links, read once for :func:`unlinked` and :func:`require_none_blocking`
    under the same lock (issuance asks both; none for a case of another kind)."""
    return links_of_many(session, [case])[case.id]


def links_of_many(session: Session, cases: Sequence[Case]) -> dict[int, list[DuplicateLink]]:
    """:func:`links_of` for several cases by one statement (documents issued together)."""
    ids = [c.id for c in cases if c.kind == CaseKind.READMISSION.value]
    found: dict[int, list[DuplicateLink]] = {c.id: [] for c in cases}
    if not ids:
        return found
    for link in session.scalars(
        select(DuplicateLink)
        .where(or_(DuplicateLink.case_id.in_(ids), DuplicateLink.other_case_id.in_(ids)))
        .order_by(DuplicateLink.id)
    ):
        for case_id in {link.case_id, link.other_case_id}.intersection(ids):
            found[case_id].append(link)
    return found


def _links(session: Session, case_id: int) -> list[DuplicateLink]:
    return list(
        session.scalars(
            select(DuplicateLink)
            .where(or_(DuplicateLink.case_id == case_id, DuplicateLink.other_case_id == case_id))
            .order_by(DuplicateLink.id)
        )
    )


def _other(link: DuplicateLink, case_id: int) -> int:
    return link.other_case_id if link.case_id == case_id else link.case_id


def _record(
    session: Session, actor: str, action: str, case_id: int, at: datetime, **d: object
) -> None:
    audit.append(
        session,
        actor=actor,
        action=action,
        subject_type="case",
        subject_id=case_id,
        at=at,
        details={"kind": CaseKind.READMISSION.value, **d},
    )


def flag(
    session: Session, actor: str, case: Case, at: datetime
) -> list[tuple[Case, tuple[str, ...]]]:
    """Link ``case`` to every live case of the same person not linked yet; audited on both.
    Returns the newly linked cases."""
    if case.kind != CaseKind.READMISSION.value:
        return []
    linked = {_other(link, case.id) for link in _links(session, case.id)}
    new = []
    for other, basis in candidates(session, case, at):
        if other.id in linked:
            continue
        low, high = sorted((case.id, other.id))
        session.add(
            DuplicateLink(case_id=low, other_case_id=high, basis=",".join(basis), found_at=at)
        )
        session.flush()
        for mine, theirs in ((case.id, other.id), (other.id, case.id)):
            _record(
                session,
                actor,
                "case.duplicate_flagged",
                mine,
                at,
                other_case=theirs,
                basis=list(basis),
            )
        new.append((other, basis))
    return new


def unlinked(
    session: Session, case: Case, at: datetime, links: Sequence[DuplicateLink] | None = None
) -> bool:
    """Whether :func:`flag` would link anything now (a read; no lock needed). ``links``:
    the case's links if the caller read them already (:func:`links_of`)."""
    if case.kind != CaseKind.READMISSION.value:
        return False
    if links is None:
        links = _links(session, case.id)
    linked = {_other(link, case.id) for link in links}
    return any(other.id not in linked for other, _basis in candidates(session, case, at))


def views(
    session: Session, case: Case, at: datetime, links: Sequence[DuplicateLink] | None = None
) -> tuple[DuplicateView, ...]:
    out = []
    for link in _links(session, case.id) if links is None else links:
        other = session.get(Case, _other(link, case.id))
        assert other is not None
        live = _live(session, case, at) and _live(session, other, at)
        out.append(
            DuplicateView(
                other_case_id=other.id,
                other_state=other.state,
                other_host_country=other.host_country,
                other_host_reference=other.host_reference,
                other_filed_by=other.filed_by,
                basis=tuple(link.basis.split(",")),
                found_at=link.found_at,
                resolved_by=link.resolved_by,
                resolution=link.resolution,
                blocking=live and link.resolution is None,
            )
        )
    return tuple(out)


def require_none_blocking(
    session: Session, case: Case, at: datetime, links: Sequence[DuplicateLink] | None = None
) -> None:
    blocking = [v for v in views(session, case, at, links) if v.blocking]
    if blocking:
        refs = ", ".join(
            f"{v.other_host_country or ''} {v.other_host_reference or ''}".strip() or "a case"
            for v in blocking
        )
        raise DuplicateUnresolved(
            P_(
                "this person may already have an open case or a valid TTD (%(references)s); "
                "reject one or record why both stand",
                references=refs,
            ),
            field="duplicates",
        )


def resolve(
    session: Session, actor: str, case: Case, other_case_id: int, reason: str, at: datetime
) -> None:
    """Record why ``case`` and ``other_case_id`` both stand; audited on both cases."""
    link = next(
        (lk for lk in _links(session, case.id) if _other(lk, case.id) == other_case_id), None
    )
    if link is None:
        raise InvalidTransition(
            P_("these cases are not flagged as duplicates"), field="other_case_id"
        )
    if link.resolution is not None:
        raise InvalidTransition(
            P_("why both cases stand is on record already"), field="other_case_id"
        )
    link.resolved_by = actor
    link.resolved_at = at
    link.resolution = reason
    session.flush()
    for mine, theirs in ((case.id, other_case_id), (other_case_id, case.id)):
        _record(
            session, actor, "case.duplicate_resolved", mine, at, other_case=theirs, reason=reason
        )
