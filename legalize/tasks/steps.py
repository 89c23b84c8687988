"""What the tasks do: start a batch-step job (make its items) and carry out one item (one
case), recording its outcome. Free of the queue library: legalize.tasks.queue wraps these
as tasks, and a test may call them directly."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from legalize import logs
from legalize.cases import batch, photo_checks, readmission
from legalize.cases.check import PublishedTrust
from legalize.cases.common import lock_case, unit_of_work
from legalize.cases.errors import CaseError
from legalize.cases.issuer import Issuer
from legalize.config import Config
from legalize.pki.trust import TrustStore
from legalize.registry import numbers
from legalize.registry.jobs import ItemOutcome
from legalize.registry.models import Case, Person
from legalize.registry.photo_checks import PhotoCheckState
from legalize.tasks import jobs

log = logging.getLogger(__name__)

WORKER_ACTOR = "system:worker"
"""Who records that a dead worker's number will never carry a document."""


@dataclass(frozen=True)
class Runtime:
    """What a task needs, made once per worker process (or handed in by the web app when the
    queue runs tasks in the caller)."""

    config: Config
    sessions: sessionmaker[Session]
    issuer: Callable[[], Issuer]
    """The issuer, bound on first use (only the issue step needs signers)."""
    clock: Callable[[], datetime]
    trust: Callable[[], TrustStore | None] | None = None
    """The trust store photo checks verify seals with; None: the one published in the keys
    folder (``legalize.cases.check.PublishedTrust``), re-read when it changes."""


def worker_id() -> str:
    """``host:pid`` of this process, recorded on the items it claims."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(worker: str) -> bool | None:
    """Whether the worker process ``host:pid`` still exists: False or True on this host,
    None (cannot tell) for another host's."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, run by another user
    return True


def start_job(rt: Runtime, job_id: int) -> list[int]:
    """Make the job's items; the ids of those to queue. A job that cannot start (its batch
    is gone) is marked failed with the reason's code."""
    with rt.sessions() as session:
        try:
            return jobs.fan_out(session, job_id, rt.clock())
        except CaseError as exc:
            jobs.fail(session, job_id, exc.code)
            return []


def run_item(rt: Runtime, item_id: int, worker: str) -> ItemOutcome | None:
    """Claim the item and carry out its step on its case; the outcome recorded, or None when
    the item was not this worker's to do (another has it, or it is finished)."""
    return run_items(rt, [item_id], worker).get(item_id)


def run_items(rt: Runtime, item_ids: list[int], worker: str) -> dict[int, ItemOutcome]:
    """Claim those of the items that are pending and carry out their steps; the outcomes
    recorded, by item (an item that was not this worker's to do is left out). Cases being
    issued for the first time go through the register together (legalize.cases.group_issue:
    two transactions for the group instead of two per document); any other item, on its own."""
    with rt.sessions() as session:
        claims = jobs.claim_many(session, item_ids, worker, rt.clock())
        together = [c for c in claims if c.step == "issue" and c.attempts == 1 and c.ready]
        outcomes: dict[int, ItemOutcome] = {}
        if len(together) > 1:
            outcomes.update(_issue_together(rt, session, together, worker))
        else:
            together = []
        for claim in claims:
            if claim not in together:
                outcomes[claim.item_id] = _run_claimed(rt, session, claim, worker)
        return outcomes


def _run_claimed(rt: Runtime, session: Session, claim: jobs.Claim, worker: str) -> ItemOutcome:
    recorded: list[bool] = []

    def on_issued(s: Session) -> None:
        # The outcome commits with the document it reports (no window where the
        # document exists and its item still says claimed).
        recorded.append(
            jobs.record_outcome(s, claim.item_id, worker, ItemOutcome.DONE, [], rt.clock())
        )

    outcome, failures = _carry_out(rt, session, claim, on_issued)
    if recorded:
        mine = recorded[0] and outcome == ItemOutcome.DONE
    else:
        mine = jobs.finish(session, claim.item_id, worker, outcome, failures, rt.clock())
    if not mine:
        log.warning("item %s was handed to another worker while this one ran it", claim.item_id)
    return outcome


def _issue_together(
    rt: Runtime, session: Session, claims: list[jobs.Claim], worker: str
) -> dict[int, ItemOutcome]:
    """Issue the claimed cases as one group; each item's outcome recorded (``done`` by the
    transaction that registers its document)."""
    by_case = {c.case_id: c for c in claims}
    actors = {c.actor for c in claims}
    recorded: set[int] = set()

    def on_issued(s: Session, case_ids: list[int]) -> None:
        items = [by_case[c].item_id for c in case_ids]
        recorded.update(jobs.record_done(s, items, worker, rt.clock()))

    at = rt.clock()
    try:
        if len(actors) != 1:  # one job's items: one actor (a group never mixes jobs)
            raise ValueError("a group of items from different jobs")
        results = readmission.issue_many_quietly(
            session,
            claims[0].actor,
            list(by_case),
            at,
            rt.issuer(),
            on_issued,
            issuing_country=rt.config.issuing_country,
        )
    except Exception as exc:
        logs.failure(log, "job %s: issuing a group failed", exc, claims[0].job_id)
        session.rollback()
        results = {c: exc for c in by_case}
    outcomes: dict[int, ItemOutcome] = {}
    for case_id, claim in by_case.items():
        error = results.get(case_id)
        if error is None and claim.item_id in recorded:
            outcomes[claim.item_id] = ItemOutcome.DONE
            continue
        outcome, failures = (
            (ItemOutcome.DONE, []) if error is None else _failure(session, claim, error)
        )
        if not jobs.finish(session, claim.item_id, worker, outcome, failures, rt.clock()):
            log.warning("item %s was handed to another worker while this one ran it", claim.item_id)
        outcomes[claim.item_id] = outcome
    return outcomes


def check_photo(rt: Runtime, token: str) -> PhotoCheckState | None:
    """Verify one uploaded photo of the paper (legalize.cases.photo_checks.run)."""
    with rt.sessions() as session:
        return photo_checks.run(session, token, _trust(rt), rt.clock)


def photo_housekeeping(rt: Runtime) -> list[str]:
    """Delete expired photo checks, fail cut-off ones; the tokens to queue again."""
    with rt.sessions() as session:
        return photo_checks.stalled(session, rt.clock())


_PUBLISHED: dict[str, PublishedTrust] = {}


def _trust(rt: Runtime) -> TrustStore | None:
    if rt.trust is not None:
        return rt.trust()
    key = str(rt.config.keys_dir)
    if key not in _PUBLISHED:  # one per process and folder, re-read when the folder changes
        _PUBLISHED[key] = PublishedTrust(rt.config.keys_dir)
    return _PUBLISHED[key].store()


def recover(rt: Runtime, alive: Callable[[str], bool | None] = process_alive) -> jobs.Recovery:
    """What to queue again (jobs.recoverable with the configured stall time)."""
    with rt.sessions() as session:
        stall = timedelta(seconds=rt.config.job_stall_seconds)
        return jobs.recoverable(session, rt.clock(), stall, alive)


def _carry_out(
    rt: Runtime, session: Session, claim: jobs.Claim, on_issued: Callable[[Session], None]
) -> tuple[ItemOutcome, list[dict[str, Any]]]:
    at = rt.clock()
    try:
        if claim.attempts > 1 and claim.step == "issue":
            _settle_cut_off(session, claim, at)
        if not claim.ready:
            # Done by the earlier worker that died before recording it, or by someone else.
            did_it = claim.attempts > 1 and claim.past
            return (ItemOutcome.DONE if did_it else ItemOutcome.SKIPPED), []
        issuer = rt.issuer() if claim.step == "issue" else None
        batch.carry_out(
            session,
            claim.actor,
            claim.step,
            claim.case_id,
            at,
            issuer,
            issuing_country=rt.config.issuing_country,
            on_issued=on_issued,
        )
        return ItemOutcome.DONE, []
    except Exception as exc:
        session.rollback()
        return _failure(session, claim, exc)


def _failure(
    session: Session, claim: jobs.Claim, exc: Exception
) -> tuple[ItemOutcome, list[dict[str, Any]]]:
    """The item's failure lines for ``exc``: a refusal's own, or 'run it again' when the
    issuer or the database failed (the rest of the batch goes on; running the step again
    retries what is still ready)."""
    if isinstance(exc, CaseError):
        name = _person(session, claim.case_id)
        failures = batch.row_failures(claim.line, exc, name, claim.case_id)
        return ItemOutcome.FAILED, [f.as_dict() for f in failures]
    log.error(
        "job %s, case %s: %s failed (%s)",
        claim.job_id,
        claim.case_id,
        claim.step,
        type(exc).__name__,
        exc_info=exc,
    )
    failure = batch.RowFailure(
        claim.line,
        None,
        batch.STEP_FAILED,
        f"{claim.step} could not be carried out ({type(exc).__name__}); run it again",
        None,
        claim.case_id,
    )
    return ItemOutcome.FAILED, [failure.as_dict()]


def _person(session: Session, case_id: int) -> str | None:
    """The case's person as the batch page names them (only read for a failure line)."""
    row = session.execute(
        select(Person.surname, Person.given_names)
        .join(Case, Case.person_id == Person.id)
        .where(Case.id == case_id)
    ).one_or_none()
    session.rollback()
    return batch.person_name(row.surname, row.given_names) if row else None


def _settle_cut_off(session: Session, claim: jobs.Claim, at: datetime) -> None:
    """An earlier worker died issuing this case: the number it took will never carry a
    document. Record that, so ``legalize audit numbers`` stays clean."""
    with unit_of_work(session):
        lock_case(session, claim.case_id)
        cut = numbers.abandon_for_case(
            session,
            claim.case_id,
            f"the worker issuing it stopped (job {claim.job_id}); the case went to another worker",
            at,
            actor=WORKER_ACTOR,
        )
    if cut:
        log.info("case %s: numbers %s of a stopped worker abandoned", claim.case_id, cut)
