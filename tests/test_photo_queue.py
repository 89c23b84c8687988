"""A photo check on the task queue (legalize.cases.photo_checks, legalize.web.paper_check): the
page while no worker has answered, the answer once one has, the check log written exactly once,
expiry, a failed check, a worker cut off, and a real `legalize worker` on Redis and PostgreSQL.

The photo is a plain picture with no QR: the verifier answers "QR not found" (INDETERMINATE)
without the cost of a full page; tests/test_web_paper.py checks real papers."""

from __future__ import annotations

import io
import os
import re
import signal
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from legalize.cases import photo_checks
from legalize.config import Config
from legalize.pki.devkeys import DevPki
from legalize.registry.checks import PublicCheck
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.registry.photo_checks import PhotoCheck, PhotoCheckState
from legalize.tasks import steps
from legalize.tasks.queue import JobQueue
from legalize.tasks.steps import Runtime
from legalize.web import create_app
from tests.helpers.web_app import Tokens, csrf_token, make_env, seeded_sqlite
from tests.test_tasks_crash import (  # noqa: F401  (database: a fixture)
    Worker,
    _redis_url,
    database,
    worker_env,
)

REFRESH = '<meta http-equiv="refresh"'


def _photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1000, 750), (120, 140, 110))
    ImageDraw.Draw(img).rectangle((250, 180, 750, 560), fill=(200, 190, 170))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _post(client: FlaskClient, data: bytes) -> TestResponse:
    fields: MultiDict[str, object] = MultiDict(
        {"paper": FileStorage(io.BytesIO(data), "page.jpg"), "csrf_token": csrf_token(client)}
    )
    boundary, body = encode_multipart(fields)
    response: TestResponse = client.post(
        "/check/photo", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    return response


def _start(client: FlaskClient) -> str:
    """Upload the photo; the check's token (the page's address ends with it)."""
    posted = _post(client, _photo())
    assert posted.status_code == 303, posted.get_data(as_text=True)
    found = re.fullmatch(r"/check/photo/([A-Za-z0-9_-]{43})", posted.headers["Location"])
    assert found, posted.headers["Location"]
    return found.group(1)


class Site:
    """A web worker whose queue (the embedded SQLite one) no worker reads: checks stay
    queued until a test runs the worker's task itself."""

    def __init__(
        self,
        tmp_path: Path,
        template: tuple[Path, Tokens],
        pki: DevPki,
        instance_dir: Path | None = None,
    ) -> None:
        url, tokens = seeded_sqlite(tmp_path, template)
        env = make_env(url, tokens, keys_dir=Path(pki.dir), rates={"public": "1000/minute"})
        folder = instance_dir or tmp_path / "instance"
        self.config = replace(env.config, queue="sqlite", instance_dir=folder)
        self.app: Flask = create_app(self.config, services={"issuer": env.issuer})
        self.sessions = self.app.extensions["legalize"].sessions

    def runtime(self, **changes: Any) -> Runtime:
        """What a worker process has (its own trust store, from the keys folder)."""
        base = Runtime(
            self.config, self.sessions, lambda: pytest.fail("no issuer"), lambda: datetime.now(UTC)
        )
        return replace(base, **changes)

    def work(self, token: str, rt: Runtime | None = None) -> None:
        """The worker's task, run here."""
        runtime = rt or self.runtime()
        JobQueue(replace(self.config, queue="immediate"), lambda: runtime).check_photo(token)

    def row(self, token: str) -> PhotoCheck | None:
        with self.sessions() as s:
            return s.get(PhotoCheck, token)

    def logged(self) -> int:
        with self.sessions() as s:
            count = s.scalar(
                select(func.count()).select_from(PublicCheck).where(PublicCheck.method == "photo")
            )
            return int(count or 0)


@pytest.fixture
def site(tmp_path: Path, web_template: tuple[Path, Tokens], dev_pki: DevPki) -> Site:
    return Site(tmp_path, web_template, dev_pki)


def test_the_page_says_checking_until_a_worker_answers(site: Site) -> None:
    client = site.app.test_client()
    before = site.logged()
    token = _start(client)
    page = client.get(f"/check/photo/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Checking the photo" in html and "<progress" in html and REFRESH in html
    assert "paper-verdict" not in html
    assert "<script" not in html  # the reload is the browser's own (CSP: no inline script)
    # It reloads the check's page with the fragment kept: the target alternates, since a
    # refresh to the very address the browser is at (#paper included) reloads nothing.
    assert f'content="1; url=/check/photo/{token}?again=1#paper"' in html
    again = client.get(f"/check/photo/{token}?again=1").get_data(as_text=True)
    assert f'content="1; url=/check/photo/{token}#paper"' in again
    poll = client.get(f"/check/photo/{token}.json").get_json()
    assert poll == {"state": "queued", "done": False, "verdict": None, "error": None}
    assert site.logged() == before  # nothing is known yet

    site.work(token)
    html = client.get(f"/check/photo/{token}").get_data(as_text=True)
    assert 'class="paper-verdict paper-indeterminate"' in html and "QR_NOT_FOUND" in html
    assert REFRESH not in html and "Checking the photo" not in html
    poll = client.get(f"/check/photo/{token}.json").get_json()
    assert poll == {"state": "done", "done": True, "verdict": "INDETERMINATE", "error": None}
    row = site.row(token)
    assert row is not None and row.upload is None  # the picture is gone once checked
    assert row.report is not None and row.finished_at is not None

    # Logged once: a second delivery of the task, and the page read again, add nothing.
    assert site.logged() == before + 1
    site.work(token)
    client.get(f"/check/photo/{token}")
    assert site.logged() == before + 1
    with site.sessions() as s:
        last = s.scalars(select(PublicCheck).order_by(PublicCheck.id.desc()).limit(1)).one()
    assert (last.method, last.verdict, last.reasons) == ("photo", "indeterminate", "")
    assert re.fullmatch(r"[0-9a-f]{32}", last.client_hash)


def test_an_expired_check_is_a_plain_404_and_is_deleted(site: Site) -> None:
    client = site.app.test_client()
    token = _start(client)
    site.work(token)
    assert client.get(f"/check/photo/{token}").status_code == 200
    with site.sessions() as s:
        past = datetime.now(UTC) - timedelta(seconds=1)
        s.execute(update(PhotoCheck).where(PhotoCheck.token == token).values(expires_at=past))
        s.commit()
    gone = client.get(f"/check/photo/{token}")
    assert gone.status_code == 404
    assert 'data-code="PHOTO_CHECK_NOT_FOUND"' in gone.get_data(as_text=True)
    poll = client.get(f"/check/photo/{token}.json")
    assert poll.status_code == 404 and poll.get_json()["error"]["code"] == "PHOTO_CHECK_NOT_FOUND"
    assert site.row(token) is not None
    _start(client)  # the next upload deletes what has expired
    assert site.row(token) is None
    for unknown in ("x" * 43, "..", "a" * 200):
        assert client.get(f"/check/photo/{unknown}").status_code == 404


def test_an_expired_queued_check_is_not_run(site: Site) -> None:
    client = site.app.test_client()
    token = _start(client)
    before = site.logged()
    late = site.runtime(clock=lambda: datetime.now(UTC) + photo_checks.RETENTION)
    assert steps.check_photo(late, token) is None
    assert site.logged() == before
    row = site.row(token)
    assert row is not None and row.state == PhotoCheckState.QUEUED.value


def test_a_failed_check_says_so(site: Site) -> None:
    client = site.app.test_client()
    before = site.logged()
    token = _start(client)
    site.work(token, site.runtime(trust=lambda: None))  # a worker without the trust store
    page = client.get(f"/check/photo/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="errors paper-problem"' in html and photo_checks.NO_TRUST in html
    assert REFRESH not in html and "paper-verdict" not in html
    poll = client.get(f"/check/photo/{token}.json").get_json()
    assert poll == {
        "state": "failed",
        "done": True,
        "verdict": None,
        "error": photo_checks.NO_TRUST,
    }
    row = site.row(token)
    assert row is not None and row.upload is None
    assert site.logged() == before  # no answer, no check to log


def test_a_check_whose_worker_stopped_is_failed_and_a_lost_one_queued_again(site: Site) -> None:
    client = site.app.test_client()
    cut, lost = _start(client), _start(client)
    with site.sessions() as s:
        assert photo_checks.claim(s, cut, datetime.now(UTC)) is not None  # then the worker died
    soon = site.runtime(clock=lambda: datetime.now(UTC) + timedelta(seconds=10))
    assert steps.photo_housekeeping(soon) == []  # not yet: a check takes a second or so
    later = site.runtime(clock=lambda: datetime.now(UTC) + photo_checks.STALL * 2)
    assert steps.photo_housekeeping(later) == [lost]
    html = client.get(f"/check/photo/{cut}").get_data(as_text=True)
    assert "interrupted" in html and "Upload the photo again" in html
    row = site.row(cut)
    assert row is not None and row.upload is None
    site.work(lost)  # queued again: answered
    assert client.get(f"/check/photo/{lost}.json").get_json()["state"] == "done"


def test_a_check_that_is_not_a_picture_makes_no_check(site: Site) -> None:
    client = site.app.test_client()
    with site.sessions() as s:
        before = s.scalar(select(func.count()).select_from(PhotoCheck))
    refused = _post(client, b"GIF89a" + b"\x00" * 100)
    assert refused.status_code == 422 and "not a photo or scan" in refused.get_data(as_text=True)
    with site.sessions() as s:
        assert s.scalar(select(func.count()).select_from(PhotoCheck)) == before


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.slow
def test_a_real_worker_answers(database: str, dev_pki: DevPki, tmp_path: Path) -> None:  # noqa: F811
    """`legalize worker` on the local Redis and PostgreSQL takes the check from the queue; the
    page polls until it has the answer."""
    redis_url = _redis_url()
    name = f"photo-{os.getpid()}-{time.monotonic_ns()}"
    engine = make_engine(database)
    upgrade(engine)
    engine.dispose()
    config = replace(
        Config(),
        database_url=database,
        keys_dir=Path(dev_pki.dir),
        queue="redis",
        queue_name=name,
        redis_url=redis_url,
        instance_dir=tmp_path / "instance",
    )
    app = create_app(config)
    env = worker_env(database, redis_url, name, dev_pki, tmp_path / "instance")
    log = tmp_path / "worker.log"
    worker = Worker(env, log)
    try:
        client = app.test_client()
        token = _start(client)
        deadline = time.monotonic() + 120
        while not (poll := client.get(f"/check/photo/{token}.json").get_json())["done"]:
            assert time.monotonic() < deadline, log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        assert poll["state"] == "done" and poll["verdict"] == "INDETERMINATE", poll
        html = client.get(f"/check/photo/{token}").get_data(as_text=True)
        assert "QR_NOT_FOUND" in html and REFRESH not in html
        sessions = make_session_factory(app.extensions["legalize"].engine)
        with sessions() as s:
            rows = s.scalars(select(PublicCheck).where(PublicCheck.method == "photo")).all()
        assert [(r.verdict, r.reasons) for r in rows] == [("indeterminate", "")]
    finally:
        worker.kill(signal.SIGTERM)
        app.extensions["legalize"].engine.dispose()


def test_a_photo_sent_while_the_queue_is_down_waits_on_record_and_is_answered_later(
    tmp_path: Path, web_template: tuple[Path, Tokens], dev_pki: DevPki
) -> None:
    """The queue cannot be reached: no 500 and no 503 without an address to come back to —
    the reader is told, sent to the check's page, and the answer appears there once a
    worker's housekeeping has queued the check again."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the queue's folder would go")
    down = Site(tmp_path, web_template, dev_pki, instance_dir=blocked / "instance")
    client = down.app.test_client()
    token = _start(client)
    page = client.get(f"/check/photo/{token}").get_data(as_text=True)
    assert "cannot be reached just now" in page and REFRESH in page
    row = down.row(token)
    assert row is not None and row.state == PhotoCheckState.QUEUED.value and row.upload
    later = down.runtime(clock=lambda: datetime.now(UTC) + photo_checks.STALL * 2)
    assert steps.photo_housekeeping(later) == [token]  # the queue is back: queued again
    down.work(token)
    assert client.get(f"/check/photo/{token}.json").get_json()["state"] == "done"
    assert "cannot be reached" not in client.get(f"/check/photo/{token}").get_data(as_text=True)
