"""Issuance through the task queue: one flight issued by 1, 2 and 4 worker processes, beside
the bare pipeline's figure.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/issue_queue.py [FLIGHT] [SECONDS]

For each number of processes: a fresh PostgreSQL database with a batch of FLIGHT (default
200) approved cases, ``legalize worker -p N`` on Redis, warmed up on a small batch first
(imports, signers, fonts), then the issue step of the flight timed from queuing the job to
its last item finished — each document through the whole path a user's click takes: its
task, its claim, the case rules (identity gate, duplicates), the number, rendering and
signing, the register row with the PDF, two audit entries, the item's outcome.

First, in one process and without the queue, the worker's own code on 40 cases with the
issuer timed: rendering and signing those very documents (the cases' photos, 600×800) is the
bare pipeline; the rest of each document's time is the register's and the claim's. Then, per
flight, the time per document per core used over that rendering time, minus one: the queue
and register cost (goal ≤ 25 %). For reference, bench/issue.py's ``ours`` (a smaller photo)
on the same number of processes for SECONDS (default 8) right after each flight; the load
average shows how busy the machine was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import issue as bare  # noqa: E402

OFFICER_ROLES = ("issuing_officer", "approving_officer")


def _databases() -> tuple[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit(
            "bench/issue_queue.py: set DATABASE_URL to the PostgreSQL server (postgresql+psycopg://…)"
        )
    return url, os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _seed(url: str, flight: int, warm: int, at: datetime) -> tuple[int, int]:
    """Two batches of approved cases (warm-up, flight) in the database ``url``."""
    from legalize.registry.db import make_engine, make_session_factory, upgrade
    from tests.helpers.tasks_support import approved_batch

    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as s:
        warm_id, _ = approved_batch(s, warm, at, reference="WARM-UP")
        flight_id, _ = approved_batch(s, flight, at, reference="FLIGHT", first=warm)
    engine.dispose()
    return warm_id, flight_id


def _run_job(url: str, config: object, batch_id: int, at: datetime) -> float:
    """Queue the issue step of the batch; seconds until its last item finished."""
    from legalize.cases.rules import Actor
    from legalize.kinds import Role
    from legalize.registry.db import make_engine, make_session_factory
    from legalize.tasks import jobs
    from legalize.tasks.queue import JobQueue

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    officer = Actor("user:bench", frozenset(Role(r) for r in OFFICER_ROLES))
    with sessions() as s:
        job_id = jobs.request(s, officer, batch_id, "issue", at)
    queue = JobQueue(config, lambda: sys.exit("no task runs in the bench process"))  # type: ignore[arg-type]
    start = time.perf_counter()
    queue.start(job_id)
    while True:
        with sessions() as s:
            view = jobs.progress(s, batch_id)
        if view is not None and not view.running:
            break
        time.sleep(0.2)  # a poll costs the database a little: not too often
    elapsed = time.perf_counter() - start
    assert view.failures == (), view.failures[:3]
    engine.dispose()
    return elapsed


def queue_rate(server: str, redis_url: str, keys: Path, processes: int, flight: int) -> float:
    """Documents per second issued by ``processes`` workers through the queue."""
    from legalize.config import Config
    from legalize.pki.devkeys import DEV_PASSPHRASE
    from legalize.tasks.queue import make_huey
    from tests.helpers.db import create_postgres_database, drop_postgres_database

    url, name = create_postgres_database(server)
    queue_name = f"bench-{uuid.uuid4().hex[:8]}"
    config = Config(queue="redis", redis_url=redis_url, queue_name=queue_name)
    at = datetime.now(UTC)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "LEGALIZE_QUEUE": "redis",
        "LEGALIZE_QUEUE_NAME": queue_name,
        "LEGALIZE_KEYS_DIR": str(keys),
        "LEGALIZE_KEY_PASSPHRASE": DEV_PASSPHRASE,
    }
    worker = None
    try:
        warm_id, flight_id = _seed(url, flight, 4 * processes, at)
        worker = subprocess.Popen(
            [sys.executable, "-m", "legalize.cli", "worker", "-p", str(processes)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _run_job(url, config, warm_id, at)
        return flight / _run_job(url, config, flight_id, at)
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        make_huey(config).flush()
        drop_postgres_database(server, name)


def split(server: str, keys: Path, documents: int) -> tuple[float, float]:
    """In this process, without the queue: (ms rendering and signing, ms in all) per document
    of the issue step, the worker's own code and issuer on the cases' own data — what part of
    a document's time is the register's (and the claim's), measured in the same minute."""
    from dataclasses import replace

    from legalize.cases.rules import Actor
    from legalize.config import Config
    from legalize.kinds import Role
    from legalize.pki.devkeys import DEV_PASSPHRASE
    from legalize.tasks import jobs, steps
    from legalize.tasks.queue import runtime_from_config
    from tests.helpers.db import create_postgres_database, drop_postgres_database

    url, name = create_postgres_database(server)
    try:
        at = datetime.now(UTC)
        _warm, batch_id = _seed(url, documents, 1, at)
        config = Config(database_url=url, keys_dir=keys, key_passphrase=DEV_PASSPHRASE)
        rt = runtime_from_config(config)
        inner = rt.issuer()
        spent = [0.0]

        class Timed:
            def issue_ttd(self, data: object, when: datetime) -> object:
                start = time.perf_counter()
                try:
                    return inner.issue_ttd(data, when)  # type: ignore[arg-type]
                finally:
                    spent[0] += time.perf_counter() - start

        rt = replace(rt, issuer=lambda: Timed())  # type: ignore[arg-type,return-value]
        officer = Actor("user:bench", frozenset(Role(r) for r in OFFICER_ROLES))
        with rt.sessions() as s:
            items = jobs.fan_out(s, jobs.request(s, officer, batch_id, "issue", at), at)
        steps.run_item(rt, items[0], "bench:1")  # warm-up: fonts, templates
        spent[0] = 0.0
        start = time.perf_counter()
        for item_id in items[1:]:
            steps.run_item(rt, item_id, "bench:1")
        total = time.perf_counter() - start
        n = len(items) - 1
        rt.sessions.kw["bind"].dispose()
        return 1000 * spent[0] / n, 1000 * total / n
    finally:
        drop_postgres_database(server, name)


def main() -> None:
    flight = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    server, redis_url = _databases()
    from legalize.pki.devkeys import init_dev
    from legalize.registry.db import normalize_url

    server = normalize_url(server)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        init_dev(keys, datetime.now(UTC) - timedelta(days=1))
        # bench/issue.py signs at a fixed time; its keys must be valid then.
        bare_keys = Path(tmp) / "bare-keys"
        init_dev(bare_keys, bare.AT - timedelta(days=1))
        render, total = split(server, keys, 40)
        print(f"a flight of {flight} on PostgreSQL and Redis, {cores} cores")
        print(
            f"one process, no queue, the worker's code on 40 cases: {total:.1f} ms per document,"
            f" of which rendering and signing {render:.1f} ms; the rest (claim, case rules,"
            f" number, register, audit, outcome) {total - render:.1f} ms ="
            f" {(total - render) / render:.0%} of it (load average {os.getloadavg()[0]:.1f})"
        )
        print("  workers  queue /s  ms per document per core  cost over rendering  bare /s  load")
        for processes in (1, 2, 4):
            rate = queue_rate(server, redis_url, keys, processes, flight)
            used = min(processes, cores)
            per_doc = 1000 * used / rate
            against = bare.rate(str(bare_keys), "ours", seconds, used)
            print(
                f"  {processes:7d}  {rate:8.1f}  {per_doc:24.1f}  {per_doc / render - 1:19.0%}"
                f"  {against:7.1f}  {os.getloadavg()[0]:4.1f}"
            )


if __name__ == "__main__":
    main()
