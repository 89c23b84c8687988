"""The task queue: Huey (RedisHuey in production and CI, SqliteHuey for the embedded
``legalize dev run``, immediate mode in the caller for tests) carrying job and item ids to
the tasks of legalize.tasks.steps.

The queue is only the transport: a lost or repeated message costs nothing, because what is
asked and what is done lives in the register (legalize.tasks.jobs). Huey does not hold a
message back until a task acknowledges it, so a worker killed mid-task loses that message;
the recovery task puts such work back (at every worker start and every minute).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab

from legalize.cases.issuer import Issuer, bind_issuer
from legalize.config import Config
from legalize.registry.db import make_engine, make_session_factory
from legalize.tasks import steps
from legalize.tasks.steps import Runtime


def queue_file(config: Config) -> Path:
    """The SQLite file of the embedded queue."""
    return config.instance_dir / "queue.sqlite3"


def make_huey(config: Config) -> Huey:
    # results=False: nothing waits for a task's return value (progress is in the register).
    if config.queue == "redis":
        return RedisHuey(config.queue_name, url=config.redis_url, results=False)
    if config.queue == "sqlite":
        path = queue_file(config)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(config.queue_name, filename=str(path), results=False)
    return MemoryHuey(config.queue_name, immediate=True, results=False)


GROUP = 10
"""At most this many items per task when a job starts: the issue step registers their
documents together (legalize.cases.group_issue). Work put back after a crash is queued one
item per task."""


def grouped(items: list[int]) -> list[list[int]]:
    """The items in batch order, cut into the fewest groups of at most GROUP, of sizes that
    differ by one at most (12 items: two tasks of 6, not 10 and 2, for two workers)."""
    count = -(-len(items) // GROUP)
    size, extra = divmod(len(items), count) if count else (0, 0)
    groups, at = [], 0
    for k in range(count):
        end = at + size + (1 if k < extra else 0)
        groups.append(items[at:end])
        at = end
    return groups


class JobQueue:
    """The tasks on one Huey instance. ``runtime`` gives the task's database, issuer and
    clock; it is called in the process that runs the task (a worker, or the caller in
    immediate mode)."""

    def __init__(self, config: Config, runtime: Callable[[], Runtime]) -> None:
        self.config = config
        self.huey = make_huey(config)
        huey = self.huey

        def run_item(item_id: int) -> None:
            steps.run_item(runtime(), item_id, steps.worker_id())

        def run_items(item_ids: list[int]) -> None:
            steps.run_items(runtime(), item_ids, steps.worker_id())

        def start_job(job_id: int) -> None:
            for group in grouped(steps.start_job(runtime(), job_id)):
                self._run_items(group)

        def put_back() -> None:
            found = steps.recover(runtime())
            for job_id in found.jobs:
                self._start_job(job_id)
            for item_id in found.items:
                self._run_item(item_id)

        def check_photo(token: str) -> None:
            steps.check_photo(runtime(), token)

        def photo_housekeeping() -> None:
            for token in steps.photo_housekeeping(runtime()):
                self._check_photo(token)

        # Calling a task wrapper queues the call (immediate mode: runs it at once).
        self._run_item: Any = huey.task(name="run_item")(run_item)
        self._run_items: Any = huey.task(name="run_items")(run_items)
        self._start_job: Any = huey.task(name="start_job")(start_job)
        self._recover: Any = huey.task(name="recover")(put_back)
        huey.periodic_task(crontab(minute="*"), name="recover_every_minute")(put_back)
        self._check_photo: Any = huey.task(name="check_photo")(check_photo)
        huey.periodic_task(crontab(minute="*"), name="photo_housekeeping")(photo_housekeeping)

    def start(self, job_id: int) -> None:
        """Queue the job (legalize.tasks.jobs.request recorded it)."""
        self._start_job(job_id)

    def check_photo(self, token: str) -> None:
        """Queue the photo check ``token`` (legalize.cases.photo_checks.create stored it)."""
        self._check_photo(token)

    def recover(self) -> None:
        """Queue a search for work a dead worker left behind."""
        self._recover()


def runtime_from_config(config: Config) -> Runtime:
    """A worker process's own engine, issuer (bound on first use) and clock."""
    engine = make_engine(config.database_url)
    bound: list[Issuer] = []

    def issuer() -> Issuer:
        if not bound:
            bound.append(bind_issuer(config))
        return bound[0]

    return Runtime(config, make_session_factory(engine), issuer, lambda: datetime.now(UTC))


def per_process(make: Callable[[], Runtime]) -> Callable[[], Runtime]:
    """``make`` called once in each process that asks: a forked worker must not share its
    parent's database connections."""
    made: dict[int, Runtime] = {}

    def get() -> Runtime:
        pid = os.getpid()
        if pid not in made:
            made.clear()
            made[pid] = make()
        return made[pid]

    return get
