"""gunicorn's settings for the web app, in one place::

    gunicorn -c python:legalize.web.gunicorn_conf --bind 127.0.0.1:8000 'legalize.web:create_app()'

Options given on the command line override these. What they set, and why:

- threaded workers, one per core the process may run on, 4 threads each: a QR link waits on
  Redis and PostgreSQL three times, and 4 threads keep a core busy through the waits (1 thread
  gave half the throughput; sync workers cost twice the CPU a check, docs/web-security.md);
- the access log, when one is turned on, without seals or query strings
  (:class:`legalize.web.accesslog.GunicornLogger`);
- each worker warmed and its long-lived objects frozen before it takes a request
  (:mod:`legalize.web.warm`).
"""

from __future__ import annotations

import os
import time
from typing import Any

from legalize.web.warm import settle, warm_worker

worker_class = "gthread"
workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
threads = 4
logger_class = "legalize.web.accesslog.GunicornLogger"


def post_worker_init(worker: Any) -> None:
    """gunicorn calls this in each new worker once the app is loaded, before it serves."""
    started = time.perf_counter()
    templates = warm_worker(worker.wsgi)  # create_app()'s Flask app
    frozen = settle()
    worker.log.info(
        "worker %s warm in %.1f s: %d templates compiled, %d objects frozen",
        worker.pid,
        time.perf_counter() - started,
        templates,
        frozen,
    )
