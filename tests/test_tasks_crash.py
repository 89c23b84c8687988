"""A real worker process (`legalize worker`) on the local Redis and PostgreSQL, SIGKILLed in
the middle of a flight while it signs a document: every case is then either fully issued
(register row, stored PDF matching its hash, audit entry) or untouched; a restarted worker
finishes the job, the cut-off number's end is on record, and `legalize audit verify` passes.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases.rules import Actor
from legalize.cli import main
from legalize.config import Config
from legalize.kinds import Role
from legalize.pki.devkeys import DevPki
from legalize.registry import accounts, audit, numbers
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.registry.jobs import JobItem
from legalize.registry.models import Case, Document
from legalize.tasks import jobs
from legalize.tasks.queue import GROUP, JobQueue, make_huey
from tests.helpers import support
from tests.helpers.db import create_postgres_database, drop_postgres_database, postgres_server_url
from tests.helpers.tasks_support import approved_batch

pytestmark = [pytest.mark.slow]

FLIGHT = 12
DAVE_ROLES = ("issuing_officer", "approving_officer")
OFFICER = Actor("user:dave", frozenset(Role(r) for r in DAVE_ROLES))


def _redis_url() -> str:
    import redis

    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        support.unavailable(f"Redis at {url}: {exc}")
    return url


@pytest.fixture
def database() -> Iterator[str]:
    server = postgres_server_url()
    url, name = create_postgres_database(server)
    try:
        yield url
    finally:
        drop_postgres_database(server, name)


class Worker:
    """`legalize worker` in its own process group (so SIGKILL takes all of it, as a crash
    of the machine would)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "legalize.cli", "worker"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self, sig: int) -> None:
        os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)
        self.log.close()


def worker_env(
    database: str, redis_url: str, queue_name: str, pki: DevPki, instance: Path
) -> dict[str, str]:
    """The environment of a `legalize worker` on ``database`` and the Redis queue
    ``queue_name``, signing with the dev PKI ``pki``; never production mode."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "LEGALIZE_QUEUE": "redis",
        "LEGALIZE_QUEUE_NAME": queue_name,
        "LEGALIZE_KEYS_DIR": str(pki.dir),
        "LEGALIZE_KEY_PASSPHRASE": pki.passphrase,
        "LEGALIZE_INSTANCE_DIR": str(instance),
        "PYTHONPATH": str(Path(__file__).parent.parent),
    }
    env.pop("LEGALIZE_ENV", None)
    return env


def _wait(sessions: sessionmaker[Session], until: object, seconds: float, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not until():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out; worker log:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.02)


def _state(sessions: sessionmaker[Session], case_ids: list[int]) -> dict[int, tuple[str, int]]:
    """Each case's state and its number of documents, checking every document on the way:
    its PDF is stored and matches its hash, and the audit log records its issuance."""
    found: dict[int, tuple[str, int]] = {}
    with sessions() as s:
        issued_numbers = {
            json.loads(e.details)["number"]
            for e in s.scalars(
                select(audit.AuditEntry).where(audit.AuditEntry.action == numbers.ISSUED)
            )
        }
        for case_id in case_ids:
            case = s.get(Case, case_id)
            assert case is not None
            docs = s.scalars(select(Document).where(Document.case_id == case_id)).all()
            for doc in docs:
                assert doc.pdf and hashlib.sha256(doc.pdf).hexdigest() == doc.pdf_sha256
                assert doc.pdf.startswith(b"%PDF") and b"/ByteRange" in doc.pdf  # signed
                assert doc.number in issued_numbers
            found[case_id] = (case.state, len(docs))
    return found


@pytest.mark.postgres
@pytest.mark.redis
def test_sigkill_mid_flight_then_restart(database: str, dev_pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    redis_url = _redis_url()
    name = f"test-crash-{uuid.uuid4().hex[:8]}"
    env = worker_env(database, redis_url, name, dev_pki, tmp_path / "instance")
    config = Config(queue="redis", redis_url=redis_url, queue_name=name)
    engine = make_engine(database)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as s:
        batch_id, case_ids = approved_batch(s, FLIGHT, now, reference="CRASH-FLIGHT")
        job_id = jobs.request(s, OFFICER, batch_id, "issue", now)
    # The web page's part: queue the job (nothing runs in this process).
    queue = JobQueue(config, lambda: pytest.fail("a redis queue runs no task here"))
    queue.start(job_id)
    log = tmp_path / "worker.log"
    try:
        worker = Worker(env, log)

        def mid_flight() -> bool:
            with sessions() as s:
                view = jobs.progress(s, batch_id)
                signing = any(n.reserved for n in numbers.account_numbers(s).open)
            return view is not None and view.done >= 3 and signing

        _wait(sessions, mid_flight, 180, log)
        worker.kill(signal.SIGKILL)

        states = _state(sessions, case_ids)
        issued = [c for c, (state, docs) in states.items() if state == "issued"]
        assert all(docs == 1 for state, docs in states.values() if state == "issued")
        assert all(docs == 0 for state, docs in states.values() if state == "approved")
        assert set(state for state, _ in states.values()) == {"issued", "approved"}, states
        assert 3 <= len(issued) < FLIGHT
        with sessions() as s:
            assert audit.verify_chain(s).ok
            cut = numbers.account_numbers(s).open
        # The numbers of the group being signed when it died (documents are issued in groups
        # of at most GROUP: legalize.cases.group_issue), each reserved for an untouched case.
        assert 1 <= len(cut) <= GROUP
        assert all(n.reserved and states[int(n.case_id or 0)] == ("approved", 0) for n in cut)

        worker = Worker(env, log)

        def finished() -> bool:
            with sessions() as s:
                view = jobs.progress(s, batch_id)
            return view is not None and not view.running

        _wait(sessions, finished, 180, log)
        worker.kill(signal.SIGTERM)
    finally:
        make_huey(config).flush()

    states = _state(sessions, case_ids)
    assert states == {c: ("issued", 1) for c in case_ids}
    with sessions() as s:
        view = jobs.progress(s, batch_id)
        assert view is not None and (view.done, view.total, view.failures) == (FLIGHT, FLIGHT, ())
        retried = s.scalars(select(JobItem.attempts).where(JobItem.attempts > 1)).all()
        assert retried == [2] * len(cut)  # those the killed worker held, handed over once
    engine.dispose()
    assert main(["audit", "verify", "--database-url", database]) == 0
    assert main(["audit", "numbers", "--database-url", database]) == 0  # the cut one: abandoned


def test_the_embedded_sqlite_queue_needs_no_server(  # type: ignore[no-untyped-def]
    dev_pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `legalize dev run` starts: a worker on a SQLite queue file and the SQLite
    register, no Redis, no PostgreSQL; `legalize issue batch issue --queue` hands it the
    step and follows it."""
    database = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    instance = tmp_path / "instance"
    settings = {
        "DATABASE_URL": database,
        "LEGALIZE_QUEUE": "sqlite",
        "LEGALIZE_KEYS_DIR": str(dev_pki.dir),
        "LEGALIZE_KEY_PASSPHRASE": dev_pki.passphrase,
        "LEGALIZE_INSTANCE_DIR": str(instance),
    }
    env = {**os.environ, **settings, "PYTHONPATH": str(Path(__file__).parent.parent)}
    for name in ("LEGALIZE_ENV", "REDIS_URL", "LEGALIZE_QUEUE_NAME"):
        env.pop(name, None)
        monkeypatch.delenv(name, raising=False)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    engine = make_engine(database)
    upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    with sessions() as s:
        batch_id, case_ids = approved_batch(s, 3, now, reference="EMBEDDED")
        accounts.create_user(s, "dave", "correct horse battery", list(DAVE_ROLES), now)
        s.commit()
    log = tmp_path / "worker.log"
    worker = Worker(env, log)
    try:
        status = main(["issue", "batch", "issue", str(batch_id), "--queue", "--as", "dave"])
    finally:
        worker.kill(signal.SIGTERM)
    out = capsys.readouterr().out
    assert status == 0, (out, log.read_text(errors="replace")[-3000:])
    assert f"batch {batch_id}: 3 done, 0 refused, 0 failed, 0 skipped, 3 rows" in out
    assert _state(sessions, case_ids) == {c: ("issued", 1) for c in case_ids}
    engine.dispose()


def test_a_worker_needs_a_queue_to_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    monkeypatch.setenv("LEGALIZE_QUEUE", "immediate")
    assert main(["worker"]) == 2
    assert "no queue for a worker to read" in capsys.readouterr().err
    monkeypatch.setenv("LEGALIZE_QUEUE", "rabbit")
    assert main(["worker"]) == 2
    assert "LEGALIZE_QUEUE must be one of" in capsys.readouterr().err
