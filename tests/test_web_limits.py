"""Safety of the public pages: every public route sends the security headers (CSP without
inline script, frame-ancestors none, nosniff, HSTS in production), and the public checks are
rate limited per client — per address for the public, per user for signed-in border officers
(a border post behind one shared address is not locked out by its own officers), counted in
memory or in a shared Redis."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from legalize.config import Config
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory
from legalize.web import create_app
from tests.helpers import support
from tests.helpers.web_app import PASSWORD, Tokens, csrf_token, login, make_env, seeded_sqlite

REDIS = "redis://127.0.0.1:6379/0"
SHARED = "192.0.2.80"
"""The border post's one address (its NAT), shared by its officers and any public checker."""


ARGUMENTS = {
    "payload": "NOT-A-SEAL",
    "filename": "site.css",
    "name": "no-such-file",
    "token": "A" * 43,  # a photo check that does not exist: the 404 page carries the headers too
}


def _public_routes(app: Flask) -> list[str]:
    """A URL of every GET route a visitor reaches without signing in: all but the staff
    pages and the API (their sign-in page and OpenAPI document included)."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        if rule.endpoint.startswith(("staff.", "api.")) and rule.endpoint not in (
            "staff.login",
            "api.openapi",
        ):
            continue
        url = rule.rule
        for name, value in ARGUMENTS.items():
            url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
        assert "<" not in url, f"no test value for {rule.rule}"
        urls.append(url)
    return sorted(urls)


def _assert_headers(url: str, response_headers: dict[str, str], *, hsts: bool) -> None:
    csp = response_headers["Content-Security-Policy"]
    directives = {d.split()[0]: d for d in csp.split("; ")}
    # /scan compiles the QR decoder's WebAssembly (our own file): that, and only there
    wasm = " 'wasm-unsafe-eval'" if url == "/scan" else ""
    assert directives["script-src"] == f"script-src 'self'{wasm}", url
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in csp and "'unsafe-eval'" not in csp
    assert response_headers["X-Content-Type-Options"] == "nosniff"
    assert ("Strict-Transport-Security" in response_headers) is hsts


def test_every_public_route_sends_the_headers_and_hsts_in_production(
    tmp_path: Path, no_database_check: None
) -> None:
    prod = Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        keys_dir=tmp_path / "prodkeys",
    )
    dev = Config(database_url=f"sqlite:///{tmp_path / 'd.sqlite3'}", keys_dir=tmp_path / "no")
    for config, hsts in ((prod, True), (dev, False)):
        app = create_app(config)
        urls = _public_routes(app)
        assert {"/", "/V/NOT-A-SEAL", "/v/NOT-A-SEAL", "/static/site.css", "/scan"} <= set(urls)
        client = app.test_client()
        for url in [*urls, "/no-such-page"]:
            response = client.get(url)
            # production's Redis (support.PRODUCTION_REDIS) is unreachable: the rate-limited
            # QR link answers 500 there, which must carry the headers all the same
            assert hsts or response.status_code < 500 or response.status_code == 503, url
            _assert_headers(url, dict(response.headers), hsts=hsts)
            response.close()  # a static file is streamed: close it


def _officer(database_url: str, name: str) -> None:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        accounts.create_user(session, name, PASSWORD, ["border_officer"], datetime.now(UTC))
        session.commit()
    engine.dispose()


def _client(app: Flask, user: str | None = None) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = SHARED
    if user is not None:
        assert login(client, user).status_code == 302
    return client


def _checks(client: FlaskClient, count: int) -> list[int]:
    form = {"number": "TA0000001", "check_code": "NOPE", "csrf_token": csrf_token(client, "/")}
    return [client.post("/", data=form).status_code for _ in range(count)]


def _border_post(apps: list[Flask]) -> None:
    """The public uses up the shared address's limit; each officer still has their own."""
    public = [_client(apps[i % len(apps)]) for i in range(3)]
    assert [_checks(c, 1)[0] for c in public] == [404, 404, 429]
    carol = [_client(app, "carol") for app in apps]
    dora = _client(apps[-1], "dora")
    # carol's three checks across the workers share one count
    assert [_checks(carol[i % len(carol)], 1)[0] for i in range(4)] == [404, 404, 404, 429]
    assert _checks(dora, 4) == [404, 404, 404, 429]
    assert _checks(_client(apps[0]), 1) == [429]  # the public is still limited


def test_border_officers_have_their_own_limit_behind_a_shared_address(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    db_url, tokens = seeded_sqlite(tmp_path, web_template)
    _officer(db_url, "dora")
    env = make_env(db_url, tokens, rates={"public": "2/minute", "border": "3/minute"})
    _border_post([env.app])


@pytest.mark.redis
def test_border_limits_are_shared_by_workers_through_redis(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        support.unavailable(f"Redis at {REDIS}: {exc}")
    db_url, tokens = seeded_sqlite(tmp_path, web_template)
    _officer(db_url, "dora")
    rates = {"public": "2/minute", "border": "3/minute", "prefix": f"test-{uuid.uuid4().hex}"}
    base = make_env(db_url, tokens, rates=rates)
    config = replace(base.config, redis_url=REDIS)
    # two gunicorn workers: one count in Redis
    _border_post([create_app(config, services={"issuer": base.issuer}) for _ in range(2)])
