"""The officers' work queues: what waits for my approval (prepared by somebody else, never
filed by me — four eyes), and what is approved and ready to issue."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from legalize.cases.views import CaseView, case_view
from legalize.kinds import CaseState
from legalize.registry.models import Case


@dataclass(frozen=True)
class Queue:
    total: int
    items: tuple[CaseView, ...]
    """The oldest first, at most the limit asked for."""


def awaiting_approval_query(actor_id: str) -> Select[Case]:
    """Prepared drafts that ``actor_id`` may approve: neither prepared nor filed by them."""
    return (
        select(Case)
        .where(Case.state == CaseState.DRAFT.value)
        .where(Case.prepared_by.is_not(None))
        .where(Case.prepared_by != actor_id)
        .where(Case.filed_by != actor_id)
    )


def _queue(session: Session, stmt: Select[Case], limit: int) -> Queue:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Case.updated_at, Case.id).limit(limit))
    return Queue(int(total), tuple(case_view(session, c) for c in rows))


def awaiting_approval(session: Session, actor_id: str, limit: int = 25) -> Queue:
    return _queue(session, awaiting_approval_query(actor_id), limit)


def ready_to_issue(session: Session, limit: int = 25) -> Queue:
    return _queue(session, select(Case).where(Case.state == CaseState.APPROVED.value), limit)


def prepared_by(session: Session, actor_id: str, limit: int = 25) -> Queue:
    """What ``actor_id`` prepared and another officer has not approved yet."""
    stmt = (
        select(Case).where(Case.state == CaseState.DRAFT.value).where(Case.prepared_by == actor_id)
    )
    return _queue(session, stmt, limit)
