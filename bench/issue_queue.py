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
bare pipeline; the rest of each document's cost is the register's and the claim's.

Two measures of that cost, printed side by side:

- CPU time (load-independent: a process waiting for a share of a busy core uses none): the
  bare pipeline is the CPU the issuer used; a document through the register or the queue
  costs the CPU of the worker processes (``/proc``: the whole process group of
  ``legalize worker``) plus that of the PostgreSQL backends serving the bench's database
  (``pg_stat_activity``; the server runs on this machine), both over the same interval. The
  overhead is that over the bare pipeline's CPU, minus one (goal ≤ 25 %). Redis's own CPU is
  not counted (one server shared by everyone on the machine); its client's is, in the
  workers.
- Wall time per document per core used, over the bare pipeline's wall time: what a user
  sees, but on a shared machine it mostly measures the load.

For reference, bench/issue.py's ``ours`` (a smaller photo, no database) on the same number of
processes for SECONDS (default 8) right after each flight: its documents per second and its
CPU per document, which grows when two processes share two busy cores (the queue's CPU
figures for 2 and 4 workers grow with it); the load average shows how busy the machine was.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import issue as bare  # noqa: E402

OFFICER_ROLES = ("issuing_officer", "approving_officer")
POLLER = "bench-poll"
"""The application name of the bench's own connections (its backend's CPU is not counted)."""
TICK = os.sysconf("SC_CLK_TCK")


def _cpu_of(pids: Iterable[int]) -> dict[int, float]:
    """Seconds of CPU (user + system) each process has used so far (gone ones left out)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return used


def _group(pgid: int) -> list[int]:
    """The processes of the process group ``pgid`` (a worker and its children)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(stat[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def _backends(server: str, database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (the bench's own poller left out)."""
    from sqlalchemy import text

    from legalize.registry.db import make_engine

    admin = make_engine(server)
    try:
        with admin.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = :name"
                        " AND application_name IS DISTINCT FROM :poller"
                    ),
                    {"name": database, "poller": POLLER},
                )
            )
    finally:
        admin.dispose()


@dataclass
class CpuMeter:
    """CPU used by some processes (and PostgreSQL's backends for one database) between
    :meth:`start` and :meth:`stop`; a process that starts in between counts from zero."""

    server: str
    database: str
    pgid: int | None = None
    """A process group to count (the workers); None: this process, by process_time."""
    client: float = 0.0
    postgres: float = 0.0

    def _clients(self) -> dict[int, float]:
        if self.pgid is None:
            return {0: time.process_time()}
        return _cpu_of(_group(self.pgid))

    def start(self) -> None:
        self._c0 = self._clients()
        self._p0 = _cpu_of(_backends(self.server, self.database))

    def stop(self) -> None:
        c1 = self._clients()
        p1 = _cpu_of(set(self._p0) | set(_backends(self.server, self.database)))
        self.client = sum(v - self._c0.get(pid, 0.0) for pid, v in c1.items())
        self.postgres = sum(v - self._p0.get(pid, 0.0) for pid, v in p1.items())

    @property
    def total(self) -> float:
        return self.client + self.postgres


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

    engine = make_engine(url, connect_args={"application_name": POLLER})
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


@dataclass(frozen=True)
class Figure:
    """Per document: milliseconds of wall time and of CPU (client and PostgreSQL)."""

    wall: float
    client: float
    postgres: float

    @property
    def cpu(self) -> float:
        return self.client + self.postgres


def queue_run(server: str, redis_url: str, keys: Path, processes: int, flight: int) -> Figure:
    """One flight issued by ``processes`` workers through the queue: wall time per document
    (the flight's time over its documents: divide by the cores used for a per-core figure)
    and the CPU the workers and PostgreSQL spent per document."""
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
        "PYTHONPATH": str(ROOT),  # the workers run this tree's code, as the bench does
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
        meter = CpuMeter(server, name, pgid=worker.pid)
        meter.start()
        elapsed = _run_job(url, config, flight_id, at)
        meter.stop()
        return Figure(
            1000 * elapsed / flight, 1000 * meter.client / flight, 1000 * meter.postgres / flight
        )
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
        make_huey(config).flush()
        drop_postgres_database(server, name)


def split(server: str, keys: Path, documents: int) -> tuple[Figure, Figure]:
    """In this process, without the queue, the worker's own code and issuer on the cases' own
    data: (rendering and signing, the whole item) per document — what part of a document's
    cost is the register's (and the claim's), measured in the same minute."""
    from dataclasses import replace

    from legalize.cases.rules import Actor
    from legalize.config import Config
    from legalize.kinds import Role
    from legalize.pki.devkeys import DEV_PASSPHRASE
    from legalize.tasks import jobs, steps
    from legalize.tasks.queue import grouped, runtime_from_config
    from tests.helpers.db import create_postgres_database, drop_postgres_database

    url, name = create_postgres_database(server)
    try:
        at = datetime.now(UTC)
        _warm, batch_id = _seed(url, documents, 1, at)
        config = Config(database_url=url, keys_dir=keys, key_passphrase=DEV_PASSPHRASE)
        rt = runtime_from_config(config)
        inner = rt.issuer()
        spent = {"wall": 0.0, "cpu": 0.0}

        class Timed:
            def issue_ttd(self, *args: object) -> object:
                wall, cpu = time.perf_counter(), time.process_time()
                try:
                    return inner.issue_ttd(*args)  # type: ignore[arg-type]
                finally:
                    spent["wall"] += time.perf_counter() - wall
                    spent["cpu"] += time.process_time() - cpu

        rt = replace(rt, issuer=lambda: Timed())  # type: ignore[arg-type,return-value]
        officer = Actor("user:bench", frozenset(Role(r) for r in OFFICER_ROLES))
        with rt.sessions() as s:
            items = jobs.fan_out(s, jobs.request(s, officer, batch_id, "issue", at), at)
        # As a worker runs them: in groups (documents registered together).
        groups = grouped(items)
        steps.run_items(rt, groups[0], "bench:1")  # warm-up: fonts, templates, connection
        spent.update(wall=0.0, cpu=0.0)
        meter = CpuMeter(server, name)
        meter.start()
        start = time.perf_counter()
        for group in groups[1:]:
            steps.run_items(rt, group, "bench:1")
        total = time.perf_counter() - start
        meter.stop()
        n = len(items) - len(groups[0])
        rt.sessions.kw["bind"].dispose()
        bare = Figure(1000 * spent["wall"] / n, 1000 * spent["cpu"] / n, 0.0)
        whole = Figure(1000 * total / n, 1000 * meter.client / n, 1000 * meter.postgres / n)
        return bare, whole
    finally:
        drop_postgres_database(server, name)


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    flight = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    server, redis_url = _databases()
    from legalize.pki.devkeys import init_dev
    from legalize.registry.db import normalize_url
    from legalize.tasks.queue import GROUP

    server = normalize_url(server)
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp) / "keys"
        init_dev(keys, datetime.now(UTC) - timedelta(days=1))
        # bench/issue.py signs at a fixed time; its keys must be valid then.
        bare_keys = Path(tmp) / "bare-keys"
        init_dev(bare_keys, bare.AT - timedelta(days=1))
        print(f"a flight of {flight} on PostgreSQL and Redis, {cores} cores, load {_load()}")
        render, whole = split(server, keys, 40 + GROUP)
        print(
            f"bare pipeline (rendering and signing the flight's own documents, one process):"
            f" {render.cpu:.1f} ms CPU, {render.wall:.1f} ms wall per document"
        )
        print(
            f"one process, no queue, the worker's code on 40 cases (after a group to warm up):"
            f" {whole.cpu:.1f} ms CPU"
            f" ({whole.client:.1f} here, {whole.postgres:.1f} PostgreSQL), {whole.wall:.1f} ms"
            f" wall per document"
        )
        print(
            f"  register and claim over the bare pipeline: CPU {whole.cpu / render.cpu - 1:+.0%},"
            f" wall {whole.wall / render.wall - 1:+.0%}  (load {_load()})"
        )
        print(
            "  workers  queue /s  CPU ms/doc (workers + PostgreSQL)  overhead CPU"
            "  wall ms/doc/core  overhead wall  bare /s  bare CPU ms/doc  load"
        )
        for processes in (1, 2, 4):
            run = queue_run(server, redis_url, keys, processes, flight)
            used = min(processes, cores)
            per_core = run.wall * used
            against, against_cpu = bare.rate_and_cpu(str(bare_keys), "ours", seconds, used)
            cpu = f"{run.cpu:.1f} ({run.client:.1f} + {run.postgres:.1f})"
            print(
                f"  {processes:7d}  {1000 / run.wall:8.1f}  {cpu:>33}"
                f"  {run.cpu / render.cpu - 1:+12.0%}  {per_core:16.1f}"
                f"  {per_core / render.wall - 1:+13.0%}  {against:7.1f}  {against_cpu:15.1f}"
                f"  {_load()}"
            )
        print("overhead: per document, over the bare pipeline's figure, minus one (goal <= +25 %)")


if __name__ == "__main__":
    main()
