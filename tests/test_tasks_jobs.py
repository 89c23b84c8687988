"""legalize.tasks on SQLite and PostgreSQL, without a queue: every step is idempotent and
safe to retry — a job's items are made once, an item is claimed once, a case is issued once
however often its message comes, and a dead worker's item is handed over with its number
accounted for."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import common, readmission
from legalize.cases.errors import Forbidden
from legalize.config import Config
from legalize.kinds import DocumentType
from legalize.registry import audit, numbers
from legalize.registry.counters import next_document_number
from legalize.registry.jobs import ItemOutcome, JobItem
from legalize.registry.models import Case, Document
from legalize.tasks import jobs, steps
from legalize.tasks.queue import JobQueue
from legalize.tasks.steps import Runtime
from tests.helpers.cases_support import ALICE, BOB, T0
from tests.helpers.db import backend, db_engine, db_session, session_factory  # noqa: F401
from tests.helpers.issuer import UnsignedTestIssuer
from tests.helpers.tasks_support import approved_batch

DEAD = "elsewhere:1"


def _runtime(sessions: sessionmaker[Session], issuer: UnsignedTestIssuer) -> Runtime:
    return Runtime(Config(), sessions, lambda: issuer, lambda: T0)


def _issue_job(session: Session, batch_id: int) -> tuple[int, list[int]]:
    job_id = jobs.request(session, ALICE, batch_id, "issue", T0)
    return job_id, jobs.fan_out(session, job_id, T0)


def _documents(session: Session, case_id: int) -> int:
    count = session.scalar(
        select(func.count()).select_from(Document).where(Document.case_id == case_id)
    )
    session.rollback()
    return int(count or 0)


def test_items_are_made_once_and_a_busy_batch_refuses_a_second_job(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    with session_factory() as s:
        batch_id, _ = approved_batch(s, 3, T0)
        job_id, items = _issue_job(s, batch_id)
        assert len(items) == 3
        assert jobs.fan_out(s, job_id, T0) == []  # a start message delivered twice
        assert s.scalar(select(func.count()).select_from(JobItem)) == 3
        with pytest.raises(jobs.JobBusy):
            jobs.request(s, BOB, batch_id, "issue", T0)
        with pytest.raises(Forbidden):
            jobs.request(s, BOB, batch_id, "prepare", T0)  # bob cannot prepare
        rt = _runtime(session_factory, UnsignedTestIssuer())
        for item_id in items:
            assert steps.run_item(rt, item_id, "here:1") == ItemOutcome.DONE
        view = jobs.progress(s, batch_id)
        assert view is not None and (view.done, view.total, view.running) == (3, 3, False)
        s.rollback()
        # Finished: the batch takes a new step; nothing is ready, so every item is skipped.
        again, pending = _issue_job(s, batch_id)
        assert pending == [] and jobs.progress(s, batch_id).done == 3  # type: ignore[union-attr]
        assert again != job_id


def test_a_message_delivered_twice_issues_once(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    issuer = UnsignedTestIssuer()
    rt = _runtime(session_factory, issuer)
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 2, T0)
        _job_id, items = _issue_job(s, batch_id)
    assert steps.run_item(rt, items[0], "here:1") == ItemOutcome.DONE
    assert steps.run_item(rt, items[0], "here:1") is None  # the same message again
    assert steps.run_item(rt, items[0], "there:2") is None  # or on another worker
    with session_factory() as s:
        assert _documents(s, case_ids[0]) == 1 and issuer.calls == 1
        # A claim another worker holds is not this worker's to finish.
        assert jobs.claim(s, items[1], "here:1", T0) is not None
        assert jobs.claim(s, items[1], "there:2", T0) is None
        assert not jobs.finish(s, items[1], "there:2", ItemOutcome.DONE, [], T0)


def test_a_claim_reads_its_job_and_its_case_as_they_are_when_claimed(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    """The claim's one UPDATE … RETURNING brings back who asked, the step, the row's line and
    whether the case is ready for the step now (another officer may have moved it since)."""
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 2, T0)
        job_id, items = _issue_job(s, batch_id)
        readmission.issue(s, BOB, case_ids[1], T0, UnsignedTestIssuer())  # by hand, meanwhile
        first = jobs.claim(s, items[0], "here:1", T0)
        second = jobs.claim(s, items[1], "here:1", T0)
    assert first is not None and second is not None
    assert (first.job_id, first.step, first.case_id, first.attempts) == (
        job_id,
        "issue",
        case_ids[0],
        1,
    )
    assert first.actor == ALICE and (first.line, second.line) == (1, 2)
    assert (first.ready, first.past) == (True, False)
    assert (second.ready, second.past) == (False, True)


def test_a_dead_workers_item_is_handed_over_and_its_number_accounted_for(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    issuer = UnsignedTestIssuer()
    rt = _runtime(session_factory, issuer)
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 2, T0)
        _job_id, items = _issue_job(s, batch_id)
        # A worker claims the first case and takes its number, then is SIGKILLed before it
        # registers the document (what legalize.cases.common.issue_case's step 1 commits).
        assert jobs.claim(s, items[0], DEAD, T0) is not None
        with common.unit_of_work(s):
            case = common.lock_case(s, case_ids[0])
            cut = next_document_number(s, DocumentType.TTD, T0)
            common.record(s, ALICE, numbers.TAKEN, case, T0, number=cut, type="TTD")
        assert [n.number for n in numbers.account_numbers(s).open] == [cut]
    # A live claim, and one of a process that no longer exists elsewhere, stay put ...
    assert steps.recover(rt, alive=lambda w: None).items == ()
    assert steps.run_item(rt, items[0], "here:1") is None
    # ... until the worker is known dead (on its own host) or the claim is stale.
    found = steps.recover(rt, alive=lambda w: w != DEAD)
    assert found.items == (items[0],)
    assert steps.run_item(rt, items[0], "here:1") == ItemOutcome.DONE
    assert steps.run_item(rt, items[1], "here:1") == ItemOutcome.DONE
    with session_factory() as s:
        assert [_documents(s, c) for c in case_ids] == [1, 1]
        assert numbers.account_numbers(s).ok  # the cut-off number's end is on record
        item = s.get(JobItem, items[0])
        assert item is not None and item.attempts == 2
        number = s.scalar(select(Document.number).where(Document.case_id == case_ids[0]))
        assert number != cut
        assert audit.verify_chain(s).ok


def test_a_stale_claim_is_released_and_a_fresh_one_is_not(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    issuer = UnsignedTestIssuer()
    with session_factory() as s:
        batch_id, _ = approved_batch(s, 2, T0)
        _job_id, items = _issue_job(s, batch_id)
        assert jobs.claim(s, items[0], "far:1", T0) is not None
        assert jobs.claim(s, items[1], "far:2", T0 + timedelta(minutes=5)) is not None
    later = T0 + timedelta(minutes=6)
    rt = Runtime(Config(job_stall_seconds=120), session_factory, lambda: issuer, lambda: later)
    assert steps.recover(rt, alive=lambda w: None).items == (items[0],)


def test_a_worker_that_restarts_after_it_issued_records_done_not_twice(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    """Killed after the register committed but before the item was finished."""
    issuer = UnsignedTestIssuer()
    rt = _runtime(session_factory, issuer)
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 1, T0)
        _job_id, items = _issue_job(s, batch_id)
        claimed = jobs.claim(s, items[0], DEAD, T0)
        assert claimed is not None
        readmission.issue(s, ALICE, case_ids[0], T0, issuer)
    assert steps.recover(rt, alive=lambda w: w != DEAD).items == (items[0],)
    assert steps.run_item(rt, items[0], "here:1") == ItemOutcome.DONE
    with session_factory() as s:
        assert _documents(s, case_ids[0]) == 1 and issuer.calls == 1
        assert numbers.account_numbers(s).ok


def test_a_failing_document_is_reported_and_the_rest_go_on(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    class Broken(UnsignedTestIssuer):
        def issue_ttd(self, data, photo: bytes, at: datetime):  # type: ignore[no-untyped-def]
            if data.document_number.endswith("1"):
                raise MemoryError("the renderer ran out")  # not a CaseError
            return super().issue_ttd(data, photo, at)

    rt = _runtime(session_factory, Broken())
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 2, T0)
        _job_id, items = _issue_job(s, batch_id)
    outcomes = [steps.run_item(rt, i, "here:1") for i in items]
    assert outcomes == [ItemOutcome.FAILED, ItemOutcome.DONE]
    with session_factory() as s:
        view = jobs.progress(s, batch_id)
        assert view is not None and not view.running and view.done == 2
        assert [(f["line"], f["code"]) for f in view.failures] == [(1, "ISSUANCE_FAILED")]
        assert s.get(Case, case_ids[0]).state == "approved"  # type: ignore[union-attr]
        assert numbers.account_numbers(s).ok


def test_the_immediate_queue_runs_a_whole_job_in_the_caller(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    issuer = UnsignedTestIssuer()
    rt = _runtime(session_factory, issuer)
    queue = JobQueue(Config(queue="immediate"), lambda: rt)
    with session_factory() as s:
        batch_id, case_ids = approved_batch(s, 3, T0)
        job_id = jobs.request(s, ALICE, batch_id, "issue", T0)
    queue.start(job_id)
    queue.start(job_id)  # twice: nothing more happens
    with session_factory() as s:
        assert [_documents(s, c) for c in case_ids] == [1, 1, 1]
        view = jobs.progress(s, batch_id)
        assert view is not None and (view.done, view.total, view.running) == (3, 3, False)
