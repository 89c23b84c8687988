"""Make a new web worker ready before it takes its first request.

A worker that starts cold makes its first checkers wait: compiling the page templates costs
tens of milliseconds a page, and a gthread worker's threads all start on their first
requests together, so the first QR links after a start or a restart took 150–180 ms while
four threads compiled the same templates side by side. The first document an officer issues
would pay 1–3 s more for fonts and backgrounds (:func:`legalize.documents.warm.warm_up`).

Then :func:`settle` hands what the worker holds for life to the garbage collector's
permanent generation. Python's full collections walk every object the process tracks; with
the app's libraries loaded that is about 190,000 objects, and each full collection stopped a
worker for 80–140 ms, twice in ten seconds under load — every request on that worker waited
(docs/web-security.md). Frozen, a full collection walks only what came after: about 5 ms.
"""

from __future__ import annotations

import gc

from flask import Flask
from sqlalchemy.orm import configure_mappers

from legalize.documents.warm import warm_up
from legalize.web.language import load_languages


def warm_worker(app: Flask) -> int:
    """Compile every page template, load each language's catalog and locale, configure the
    data model's mappers and build the document renderers' caches. Returns the number of
    templates compiled."""
    environment = app.jinja_env
    names = environment.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        environment.get_template(name)  # compiled and kept in the environment's cache
    load_languages()
    configure_mappers()  # SQLAlchemy does it on a mapped class's first query otherwise: ~30 ms
    warm_up()
    return len(names)


def settle() -> int:
    """Collect start-up garbage once, then freeze every surviving object out of later
    collections. Call it once the worker is warm, before it serves. Returns the number of
    objects frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
