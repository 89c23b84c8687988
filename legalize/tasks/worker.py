"""Worker processes: a Huey consumer running the tasks of legalize.tasks.queue.

One process runs one task at a time (rendering and signing are CPU-bound Python, and the PDF
libraries' shared font state is not safe across threads); ``processes`` > 1 forks that many.
At start, a recovery task is queued so work a dead worker left (on this machine: at once;
elsewhere: after ``job_stall_seconds``) goes on.
"""

from __future__ import annotations

import logging

from legalize.config import Config
from legalize.tasks.queue import JobQueue, per_process, runtime_from_config

MAX_PROCESSES = 64


def serve(config: Config, processes: int = 1) -> None:
    """Run workers until SIGINT (finish the tasks at hand) or SIGTERM (stop now)."""
    if config.queue == "immediate":
        raise ValueError("LEGALIZE_QUEUE=immediate runs tasks in the caller: no worker to run")
    if not 1 <= processes <= MAX_PROCESSES:
        raise ValueError(f"between 1 and {MAX_PROCESSES} worker processes")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    queue = JobQueue(config, per_process(lambda: runtime_from_config(config)))
    queue.recover()
    consumer = queue.huey.create_consumer(
        workers=processes,
        # A lone worker runs in this process: the PID a supervisor (or a test) sees is the
        # one that does the work.
        worker_type="process" if processes > 1 else "thread",
        periodic=True,
        initial_delay=0.05,
        max_delay=1.0,  # the SQLite queue is polled: start a job within a second when idle
    )
    consumer.run()
