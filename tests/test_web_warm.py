"""A new gunicorn worker is warm before its first request and its long-lived objects are out of
the collector's full collections (legalize.web.warm, legalize.web.gunicorn_conf)."""

from __future__ import annotations

import gc
import logging
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from legalize.web import TEMPLATE_DIR, gunicorn_conf
from legalize.web.warm import settle, warm_worker


@pytest.fixture
def unfreeze() -> Any:
    yield
    gc.unfreeze()  # the test process goes on collecting as before


def _pages() -> set[str]:
    return {p.relative_to(TEMPLATE_DIR).as_posix() for p in Path(TEMPLATE_DIR).rglob("*.html")}


def test_warm_worker_compiles_every_page_so_the_first_requests_compile_none(app: Flask) -> None:
    assert warm_worker(app) == len(_pages())
    compiled = {name for (_, name) in app.jinja_env.cache}  # type: ignore[union-attr]
    assert compiled >= _pages()

    def no_compiling(*args: object, **kwargs: object) -> None:
        raise AssertionError("a template was compiled on a request")

    app.jinja_env.compile = no_compiling  # type: ignore[assignment,method-assign]
    client = app.test_client()
    for path in ("/?lang=si", "/?lang=ta", "/scan", "/staff/login", "/no-such-page"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
    assert "தமிழ்" in client.get("/?lang=ta").get_data(as_text=True)


def test_settle_collects_start_up_garbage_then_freezes_the_rest(unfreeze: None) -> None:
    class Node:
        other: Any = None

    garbage = Node()
    garbage.other = Node()
    garbage.other.other = garbage  # a cycle: only the collector frees it
    gone = weakref.ref(garbage)
    kept = Node()
    del garbage

    frozen = settle()

    assert gone() is None  # collected, not frozen for the worker's life
    assert frozen == gc.get_freeze_count() > 1000
    assert not gc.is_finalized(kept)
    # What lives on is out of the full collections: a new full collection walks only what
    # came after (gc.get_objects() lists the generations, not the permanent one).
    assert all(obj is not kept for obj in gc.get_objects(generation=2))


def test_post_worker_init_warms_and_settles_the_loaded_app(
    app: Flask, unfreeze: None, caplog: pytest.LogCaptureFixture
) -> None:
    log = logging.getLogger("test.gunicorn.error")
    worker = SimpleNamespace(wsgi=app, log=log, pid=4242)
    with caplog.at_level(logging.INFO, logger=log.name):
        gunicorn_conf.post_worker_init(worker)
    assert gc.get_freeze_count() > 0
    assert app.jinja_env.cache is not None and len(app.jinja_env.cache) >= len(_pages())
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("worker 4242 warm in ")
    assert f"{len(_pages())} templates compiled" in line


def test_the_settings_are_gunicorns() -> None:
    """Every setting the module sets is one gunicorn knows: an unknown name is ignored by
    gunicorn without a word, so a misspelt one would silently not apply."""
    from gunicorn.config import Config
    from gunicorn.util import load_class

    from legalize.web.accesslog import GunicornLogger

    module = gunicorn_conf.__name__
    defined = {
        name
        for name, value in vars(gunicorn_conf).items()
        if not name.startswith("_")
        and (isinstance(value, str | int) or getattr(value, "__module__", "") == module)
    }
    assert defined == {"worker_class", "workers", "threads", "logger_class", "post_worker_init"}
    assert defined <= set(Config().settings)
    assert load_class(gunicorn_conf.logger_class) is GunicornLogger
    assert gunicorn_conf.worker_class == "gthread" and gunicorn_conf.workers >= 1
