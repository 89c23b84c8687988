"""Long work in the register: a job (one batch step asked for by an officer) and its items
(one per case of the batch). The task queue only carries ids; what was asked, what is done
and what failed live here, so any web worker reads the same progress and a worker that dies
loses nothing (legalize.tasks)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from legalize.registry.base import Base
from legalize.registry.timestamps import UtcDateTime


class JobState(StrEnum):
    QUEUED = "queued"
    """Asked for; its items are not made yet."""
    STARTED = "started"
    """Its items are made (each says how far it got)."""
    FAILED = "failed"
    """It could not start at all (``error`` says why); no item was made."""


class ItemOutcome(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    """A worker (``claimed_by``) is working on it."""
    DONE = "done"
    SKIPPED = "skipped"
    """The case was not ready for this step (done before, rejected …)."""
    FAILED = "failed"
    """The step was refused; ``failures`` says why."""


OPEN_OUTCOMES = (ItemOutcome.PENDING.value, ItemOutcome.CLAIMED.value)


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    """The batch step: prepare, approve or issue."""
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    actor_id: Mapped[str] = mapped_column(String(100))
    actor_roles: Mapped[list[str]] = mapped_column(JSON)
    """The roles the actor had when asking; the case rules check them again per case."""
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    error: Mapped[str | None] = mapped_column(String(100), nullable=True)


class JobItem(Base):
    __tablename__ = "job_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    line: Mapped[int] = mapped_column(Integer)
    """The case's line in the batch file (what the page reports failures by)."""
    outcome: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """How many times a worker claimed it (more than one: a worker died on it)."""
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """``host:pid`` of the worker process working on it."""
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    failures: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """[{"line", "field", "code", "message"}] when the step was refused."""

    __table_args__ = (
        UniqueConstraint("job_id", "case_id"),
        Index("ix_job_items_job_id_outcome", "job_id", "outcome"),
    )
