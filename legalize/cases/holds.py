"""What holds open readmission cases back, in a few words each, for lists of many cases (a
batch's page): the photo, the identity gate, a possible duplicate.

The rules themselves live where they are enforced (:mod:`readiness`, :mod:`gate`,
:mod:`duplicates`); this only asks them, a few queries for the whole list, so an officer sees
before running a step which cases it will refuse and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from legalize.cases import duplicates, gate
from legalize.kinds import CaseKind
from legalize.registry.models import Case, DuplicateLink, Photo

NO_PHOTO = "no photo"
PHOTO_FAILED = "photo check failed"
IDENTITY = "identity to decide"
DUPLICATE = "possible duplicate"


def holds(session: Session, case_ids: Iterable[int], at: datetime) -> dict[int, tuple[str, ...]]:
    """For each open readmission case of ``case_ids`` that something holds back, what (in the
    order an officer deals with them); cases held by nothing are left out."""
    cases = list(
        session.scalars(
            select(Case)
            .where(Case.id.in_(list(case_ids)))
            .where(Case.kind == CaseKind.READMISSION.value)
            .where(Case.state.in_(duplicates.OPEN_STATES))
        )
    )
    ids = [c.id for c in cases]
    photos = {p.case_id: p for p in session.scalars(select(Photo).where(Photo.case_id.in_(ids)))}
    linked = {
        case_id
        for link in session.scalars(
            select(DuplicateLink)
            .where(or_(DuplicateLink.case_id.in_(ids), DuplicateLink.other_case_id.in_(ids)))
            .where(DuplicateLink.resolution.is_(None))
        )
        for case_id in (link.case_id, link.other_case_id)
    }
    out: dict[int, tuple[str, ...]] = {}
    for case in cases:
        found: list[str] = []
        photo = photos.get(case.id)
        if photo is None:
            found.append(NO_PHOTO)
        elif not photo.passed and not photo.override_reason:
            found.append(PHOTO_FAILED)
        if gate.needs_decision(case) and gate.current(session, case) is None:
            found.append(IDENTITY)
        if case.id in linked and any(v.blocking for v in duplicates.views(session, case, at)):
            found.append(DUPLICATE)
        if found:
            out[case.id] = tuple(found)
    return out
