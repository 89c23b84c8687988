"""Jobs in the register (legalize.registry.jobs): asking for one, making its items, claiming
and finishing an item, the progress every web worker reads, and finding the work a dead
worker left behind.

Each function is its own short transaction. The queue may deliver a message twice or lose
one; the state transitions here make that harmless: an item is claimed only from
``pending`` (one UPDATE, one winner), finished only by the worker that claimed it, and a
job's items are made once (its state moves from ``queued`` under the job's row lock, and a
unique (job, case) pair backs that up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from legalize.cases import batch
from legalize.cases.common import unit_of_work
from legalize.cases.errors import InvalidTransition, NotFound
from legalize.cases.rules import Actor, require_role
from legalize.kinds import Role
from legalize.registry.db import commit_without_flush
from legalize.registry.jobs import OPEN_OUTCOMES, ItemOutcome, Job, JobItem, JobState
from legalize.registry.models import Batch, Case


class JobBusy(InvalidTransition):
    """A step of this batch is still running (another one may start when it ends)."""

    code = "BATCH_RUNNING"


@dataclass(frozen=True)
class Claim:
    """An item a worker now owns."""

    item_id: int
    job_id: int
    step: str
    case_id: int
    line: int
    attempts: int
    """1 on the first claim; more: an earlier worker died on this item."""
    actor: Actor
    ready: bool
    """The case was in the state the step starts from when claimed."""
    past: bool
    """The case had been through the step when claimed (by anyone)."""


@dataclass(frozen=True)
class JobProgress:
    id: int
    step: str
    state: str
    total: int
    """Cases of the batch when the job started (0 while queued)."""
    done: int
    """Items finished: done, skipped or failed."""
    running: bool
    failures: tuple[dict[str, Any], ...]
    """Failure lines in batch-line order (RowFailure.as_dict: line, field, code, message,
    the person's name, the case)."""
    error: str | None
    outcomes: dict[str, int]
    """How many items have each outcome (ItemOutcome values)."""
    report: batch.BatchReport
    """The step's report so far, as the in-process step makes it (counts that add up)."""


@dataclass(frozen=True)
class Recovery:
    jobs: tuple[int, ...]
    """Queued jobs whose start message looks lost: to start again."""
    items: tuple[int, ...]
    """Pending items (some released from a dead worker's claim): to queue again."""


def request(session: Session, actor: Actor, batch_id: int, step: str, at: datetime) -> int:
    """Record that ``actor`` asks for ``step`` on the batch; the new job's id. JobBusy while
    a step of the batch runs; NotFound for no batch; Forbidden for a role that cannot."""
    if step not in batch.STEP_ACTIONS:
        raise NotFound(f"no batch step {step!r}", field="step")
    require_role(actor, batch.STEP_ACTIONS[step])
    with unit_of_work(session):
        # The batch row's lock orders two clicks on two web workers: the second sees the
        # first one's job (SQLite serialises writers anyway).
        found = session.scalars(
            select(Batch.id).where(Batch.id == batch_id).with_for_update()
        ).one_or_none()
        if found is None:
            raise NotFound(f"no batch {batch_id}", field="batch_id")
        last = _latest(session, batch_id)
        if last is not None and _running(session, last):
            raise JobBusy(f"this batch is busy: {last.kind}", field="batch_id")
        job = Job(
            kind=step,
            batch_id=batch_id,
            actor_id=actor.id,
            actor_roles=sorted(r.value for r in actor.roles),
            state=JobState.QUEUED.value,
            requested_at=at,
        )
        session.add(job)
        session.flush()
        return job.id


def fan_out(session: Session, job_id: int, at: datetime) -> list[int]:
    """Make the job's items, one per case of the batch (``skipped`` at once for a case not
    ready for the step); the ids of the pending ones. A job started before: []."""
    with unit_of_work(session):
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one_or_none()
        if job is None or job.state != JobState.QUEUED.value:
            return []
        cases = session.scalars(
            select(Case).where(Case.batch_id == job.batch_id).order_by(Case.batch_line, Case.id)
        )
        items = []
        for case in cases:
            ready = batch.ready_for(job.kind, case)
            item = JobItem(
                job_id=job.id,
                case_id=case.id,
                line=case.batch_line or 0,
                outcome=(ItemOutcome.PENDING if ready else ItemOutcome.SKIPPED).value,
                attempts=0,
                finished_at=None if ready else at,
                failures=[],
            )
            session.add(item)
            items.append(item)
        job.state = JobState.STARTED.value
        job.started_at = at
        session.flush()
        return [i.id for i in items if i.outcome == ItemOutcome.PENDING.value]


def fail(session: Session, job_id: int, error: str) -> None:
    """The job could not start (no item was made): say why on its page."""
    with unit_of_work(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .where(Job.state == JobState.QUEUED.value)
            .values(state=JobState.FAILED.value, error=error[:100])
        )


def claim(session: Session, item_id: int, worker: str, at: datetime) -> Claim | None:
    """Take a pending item for ``worker``; None when it is not pending (done, or another
    worker has it: a message delivered twice)."""
    taken = claim_many(session, [item_id], worker, at)
    return taken[0] if taken else None


def claim_many(session: Session, item_ids: list[int], worker: str, at: datetime) -> list[Claim]:
    """Take those of the items that are pending for ``worker`` (in one transaction and one
    statement); the claims, in the order of ``item_ids``."""
    job = _of(Job.id == JobItem.job_id)
    case = _of(Case.id == JobItem.case_id)
    with unit_of_work(session):
        commit_without_flush(session)
        # One statement: the winner of the UPDATE gets what it needs of the item, its job
        # and its case back (a second round trip per document otherwise).
        rows = session.execute(
            update(JobItem)
            .where(JobItem.id.in_(item_ids))
            .where(JobItem.outcome == ItemOutcome.PENDING.value)
            .values(
                outcome=ItemOutcome.CLAIMED.value,
                claimed_by=worker,
                claimed_at=at,
                attempts=JobItem.attempts + 1,
            )
            .returning(
                JobItem.id,
                JobItem.job_id,
                JobItem.case_id,
                JobItem.line,
                JobItem.attempts,
                job(Job.kind),
                job(Job.actor_id),
                job(Job.actor_roles),
                case(Case.state),
                case(Case.prepared_by),
                case(Case.approved_by),
            )
            .execution_options(synchronize_session=False)
        ).all()
    claims = {}
    for row in rows:
        item_id, job_id, case_id, line, attempts, step, actor_id, roles, *status = row
        actor = Actor(actor_id, frozenset(Role(r) for r in roles))
        seen = batch.CaseStatus(*status)
        claims[item_id] = Claim(
            item_id,
            job_id,
            step,
            case_id,
            line,
            attempts,
            actor,
            batch.ready_for(step, seen),
            batch.past(step, seen),
        )
    return [claims[i] for i in item_ids if i in claims]


def _of(join: Any) -> Callable[[Any], Any]:
    """A column of the row ``join`` names, as a scalar subquery (a RETURNING clause may name
    only the updated table on SQLite)."""
    return lambda column: select(column).where(join).scalar_subquery()


def finish(
    session: Session,
    item_id: int,
    worker: str,
    outcome: ItemOutcome,
    failures: list[dict[str, Any]],
    at: datetime,
) -> bool:
    """Record how ``worker``'s item ended; False when the claim was no longer its own (it
    was taken for dead and handed over: the other worker's outcome stands)."""
    with unit_of_work(session):
        commit_without_flush(session)
        return record_outcome(session, item_id, worker, outcome, failures, at)


def record_outcome(
    session: Session,
    item_id: int,
    worker: str,
    outcome: ItemOutcome,
    failures: list[dict[str, Any]],
    at: datetime,
) -> bool:
    """:func:`finish` in the caller's transaction (an issued document's: the outcome
    commits with the register row, one commit less per document)."""
    done = session.execute(
        update(JobItem)
        .where(JobItem.id == item_id)
        .where(JobItem.outcome == ItemOutcome.CLAIMED.value)
        .where(JobItem.claimed_by == worker)
        .values(outcome=outcome.value, failures=failures, finished_at=at)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def record_done(session: Session, item_ids: list[int], worker: str, at: datetime) -> set[int]:
    """Those of the items still claimed by ``worker`` recorded ``done``, in the caller's
    transaction (the documents of a group: one statement for all); their ids."""
    if not item_ids:
        return set()
    done = session.scalars(
        update(JobItem)
        .where(JobItem.id.in_(item_ids))
        .where(JobItem.outcome == ItemOutcome.CLAIMED.value)
        .where(JobItem.claimed_by == worker)
        .values(outcome=ItemOutcome.DONE.value, failures=[], finished_at=at)
        .returning(JobItem.id)
        .execution_options(synchronize_session=False)
    )
    return set(done)


def progress(session: Session, batch_id: int) -> JobProgress | None:
    """The latest job of the batch, as far as it got (a read: the caller ends it)."""
    job = _latest(session, batch_id)
    if job is None:
        return None
    counts: dict[str, int] = {}
    succeeded: list[tuple[int, int]] = []
    failed: list[batch.RowFailure] = []
    for line, case_id, outcome, failures in session.execute(
        select(JobItem.line, JobItem.case_id, JobItem.outcome, JobItem.failures)
        .where(JobItem.job_id == job.id)
        .order_by(JobItem.line, JobItem.id)
    ):
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome == ItemOutcome.DONE.value:
            succeeded.append((line, case_id))
        elif outcome == ItemOutcome.FAILED.value:
            failed += [batch.RowFailure(**{k: f.get(k) for k in _FAILURE_KEYS}) for f in failures]
    total = sum(counts.values())
    left = sum(counts.get(o, 0) for o in OPEN_OUTCOMES)
    report = batch.BatchReport(
        job.batch_id,
        total,
        tuple(succeeded),
        tuple(failed),
        counts.get(ItemOutcome.SKIPPED.value, 0),
    )
    return JobProgress(
        job.id,
        job.kind,
        job.state,
        total,
        total - left,
        job.state == JobState.QUEUED.value or left > 0,
        tuple(f.as_dict() for f in failed),
        job.error,
        counts,
        report,
    )


_FAILURE_KEYS = ("line", "field", "code", "message", "name", "case_id")
"""The fields of a stored failure (legalize.cases.batch.RowFailure.as_dict)."""


def recoverable(
    session: Session,
    now: datetime,
    stall: timedelta,
    alive: Callable[[str], bool | None],
) -> Recovery:
    """Work a dead worker left, made pending again: claims whose worker ``alive`` says is
    gone (False) or that are older than ``stall``; and the pending items of jobs with no
    claim or finish for ``stall`` (their messages may be lost). Queuing an item twice is
    harmless (:func:`claim`), so this errs on the side of queuing."""
    before = now - stall
    with unit_of_work(session):
        queued = session.scalars(
            select(Job.id)
            .where(Job.state == JobState.QUEUED.value)
            .where(Job.requested_at < before)
            .order_by(Job.id)
        ).all()
        released: list[int] = []
        for item_id, worker, claimed_at in session.execute(
            select(JobItem.id, JobItem.claimed_by, JobItem.claimed_at).where(
                JobItem.outcome == ItemOutcome.CLAIMED.value
            )
        ):
            if (claimed_at is not None and claimed_at < before) or alive(worker or "") is False:
                released.append(item_id)
        if released:
            session.execute(
                update(JobItem)
                .where(JobItem.id.in_(released))
                .where(JobItem.outcome == ItemOutcome.CLAIMED.value)
                .values(outcome=ItemOutcome.PENDING.value, claimed_by=None)
            )
        items = set(released)
        open_jobs = session.scalars(
            select(JobItem.job_id).where(JobItem.outcome.in_(OPEN_OUTCOMES)).distinct()
        ).all()
        for job_id in open_jobs:
            last = session.scalar(
                select(func.max(func.coalesce(JobItem.finished_at, JobItem.claimed_at))).where(
                    JobItem.job_id == job_id
                )
            )
            started = session.scalar(select(Job.started_at).where(Job.id == job_id))
            latest = max((t for t in (last, started) if t is not None), default=None)
            if latest is None or latest < before:
                items.update(
                    session.scalars(
                        select(JobItem.id)
                        .where(JobItem.job_id == job_id)
                        .where(JobItem.outcome == ItemOutcome.PENDING.value)
                    )
                )
    return Recovery(tuple(queued), tuple(sorted(items)))


def _latest(session: Session, batch_id: int) -> Job | None:
    return session.scalars(
        select(Job).where(Job.batch_id == batch_id).order_by(Job.id.desc()).limit(1)
    ).one_or_none()


def _running(session: Session, job: Job) -> bool:
    if job.state == JobState.QUEUED.value:
        return True
    left = session.scalar(
        select(func.count())
        .select_from(JobItem)
        .where(JobItem.job_id == job.id)
        .where(JobItem.outcome.in_(OPEN_OUTCOMES))
    )
    return bool(left)
