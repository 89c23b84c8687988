"""``legalize worker``: run the task queue's workers (batch steps, a task per document).

Production runs it beside gunicorn, on as many machines as the work needs, all with the same
REDIS_URL and DATABASE_URL; ``legalize dev run`` starts one itself.
"""

from __future__ import annotations

import argparse

from legalize.commands import CommandError
from legalize.config import Config, ConfigError


def register(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-p",
        "--processes",
        type=int,
        default=1,
        metavar="N",
        help="worker processes, each running one task at a time (default 1; about one per core)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from legalize.tasks.worker import MAX_PROCESSES, serve

    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise CommandError(str(exc), exit_status=2) from exc
    if config.queue == "immediate":
        raise CommandError(
            "LEGALIZE_QUEUE=immediate runs tasks where they are queued: there is no queue for "
            "a worker to read (set LEGALIZE_QUEUE=redis with REDIS_URL, or sqlite)",
            exit_status=2,
        )
    if not 1 <= args.processes <= MAX_PROCESSES:
        raise CommandError(f"--processes must be between 1 and {MAX_PROCESSES}", exit_status=2)
    print(f"worker: {args.processes} process(es) on the {config.queue} queue {config.queue_name!r}")
    serve(config, args.processes)
    return 0
