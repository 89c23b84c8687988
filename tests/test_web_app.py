"""The web application's security: sign-in, TOTP, CSRF, cookies, headers, roles, rate limits,
production refusals, the OpenAPI document and the public check."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient

from legalize.config import DEV_SECRET_KEY, Config, ConfigError
from legalize.registry import accounts, audit
from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.totp_cipher import TotpCipher
from legalize.web import create_app
from tests.helpers import support
from tests.helpers.web_app import (
    CSRF_RE,
    PASSWORD,
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    login,
    make_env,
    make_issuer,
    seeded_sqlite,
    staff_client,
)

pytestmark = pytest.mark.web(rates={"signin": "5/minute", "public": "5/minute"})


def test_login_sets_strict_session_cookie_and_logout_clears_it(client: FlaskClient) -> None:
    response = login(client, "alice")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/")  # My work
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("legalize_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # dev over http; production sets it (below)
    assert client.get("/staff/cases").status_code == 200
    token = csrf_token(client, "/staff/cases")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/cases").status_code == 302  # back to the login page


def test_production_cookie_is_secure(tmp_path: Path, no_database_check: None) -> None:
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    app = create_app(Config(database_url=url))
    assert app.config["SESSION_COOKIE_SECURE"] is False
    # Production itself refuses SQLite, so check the flag on a PostgreSQL-shaped config
    # without connecting (create_app does not connect before the first request).
    prod = Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        keys_dir=tmp_path / "prodkeys",
    )
    app = create_app(prod)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Strict"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"secret_key": DEV_SECRET_KEY}, "LEGALIZE_SECRET_KEY"),
        ({"database_url": "sqlite:///instance/x.sqlite3"}, "SQLite"),
        ({"keys_dir": "DEV"}, "dev keys"),
    ],
)
def test_production_refuses_dev_settings(
    tmp_path: Path, change: dict[str, str], message: str
) -> None:
    dev_keys = tmp_path / "keys"
    dev_keys.mkdir()
    (dev_keys / "DEV_ONLY").write_text("dev")
    good = Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        keys_dir=tmp_path / "prodkeys",
    )
    values: dict[str, object] = dict(change)
    if values.get("keys_dir") == "DEV":
        values["keys_dir"] = dev_keys
    with pytest.raises(ConfigError, match=message):
        create_app(replace(good, **values))  # type: ignore[arg-type]


def test_wrong_password_is_401_and_names_the_field(client: FlaskClient) -> None:
    response = login(client, "alice", "not the password")
    assert response.status_code == 401
    assert "password" in response.get_data(as_text=True)
    response = login(client, "nobody", PASSWORD)
    assert response.status_code == 401


def test_login_is_rate_limited(client: FlaskClient) -> None:
    statuses = [login(client, "alice", "wrong password!").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # Even the right password is refused while the limit holds.
    assert login(client, "alice").status_code == 429


def test_csrf_token_is_required(env: WebEnv, client: FlaskClient) -> None:
    response = client.post("/staff/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert "csrf_token" in response.get_data(as_text=True)
    client, _ = staff_client(env.app, "bob")
    response = client.post("/staff/cases/1/approve", data={})
    assert response.status_code == 400
    assert "csrf_token" in response.get_data(as_text=True)
    response = client.post("/staff/cases/1/approve", data={"csrf_token": "forged"})
    assert response.status_code == 400


def test_totp_second_factor(env: WebEnv) -> None:
    secret = accounts.new_totp_secret()
    sessions = make_session_factory(make_engine(env.config.database_url))
    with sessions() as s:
        accounts.create_user(
            s,
            "tina",
            PASSWORD,
            ["issuing_officer"],
            datetime.now(UTC),
            totp_secret=secret,
            cipher=TotpCipher.from_config(env.config),
        )
        s.commit()
    client = env.app.test_client()
    response = login(client, "tina")
    assert response.status_code == 302
    assert "/staff/login/totp" in response.headers["Location"]
    # Not signed in yet: the case list still sends to the login page.
    assert client.get("/staff/cases").status_code == 302
    token = csrf_token(client, "/staff/login/totp")
    wrong = client.post("/staff/login/totp", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 401
    assert "code" in wrong.get_data(as_text=True)
    code = pyotp.TOTP(secret).now()
    ok = client.post("/staff/login/totp", data={"code": code, "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/staff/cases").status_code == 200
    # The same code cannot be used again (replay).
    other = env.app.test_client()
    login(other, "tina")
    token = csrf_token(other, "/staff/login/totp")
    replay = other.post("/staff/login/totp", data={"code": code, "csrf_token": token})
    assert replay.status_code == 401


def test_totp_verify_window_and_replay() -> None:
    cipher = TotpCipher("k" * 40)
    secret = accounts.new_totp_secret()
    user = accounts.User(username="x", totp_secret=cipher.seal(secret))
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    totp = pyotp.TOTP(secret)
    assert accounts.verify_totp(user, totp.at(at - timedelta(seconds=30)), at, cipher)
    replay = totp.at(at - timedelta(seconds=30))
    assert not accounts.verify_totp(user, replay, at, cipher)
    assert not accounts.verify_totp(user, totp.at(at - timedelta(minutes=5)), at, cipher)
    assert not accounts.verify_totp(user, "12345", at, cipher)


def test_security_headers(client: FlaskClient) -> None:
    for url in ("/", "/staff/login", "/api/openapi.json"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"


def test_pages_carry_no_inline_script(env: WebEnv) -> None:
    client, _ = staff_client(env.app, "root")
    for url in ("/", "/staff/login", "/staff/cases", "/staff/users"):
        html = client.get(url).get_data(as_text=True)
        assert "<script" not in html
        assert " onclick=" not in html and "javascript:" not in html


@pytest.mark.parametrize(
    ("user", "url", "allowed"),
    [
        ("alice", "/staff/users", False),
        ("root", "/staff/users", True),
        ("carol", "/staff/readmissions/new", False),
        ("alice", "/staff/readmissions/new", True),
        ("alice", "/staff/clear", False),
        ("carol", "/staff/clear", True),
        ("bob", "/staff/batches/new", False),
    ],
)
def test_roles_guard_pages(env: WebEnv, user: str, url: str, allowed: bool) -> None:
    client, _ = staff_client(env.app, user)
    response = client.get(url)
    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert "ROLE_REQUIRED" in response.get_data(as_text=True)


def test_roles_guard_actions_too(env: WebEnv) -> None:
    client, token = staff_client(env.app, "carol")
    response = client.post("/staff/cases/1/issue", data={"csrf_token": token})
    assert response.status_code == 403


def test_admin_creates_user_and_cannot_lock_self_out(env: WebEnv) -> None:
    client, token = staff_client(env.app, "root")
    response = client.post(
        "/staff/users",
        data={
            "username": "erin",
            "password": "a long enough password",
            "roles": ["border_officer"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    other = env.app.test_client()
    assert login(other, "erin", "a long enough password").status_code == 302
    duplicate = client.post(
        "/staff/users",
        data={
            "username": "erin",
            "password": "a long enough password",
            "roles": ["border_officer"],
            "csrf_token": token,
        },
    )
    assert duplicate.status_code == 422
    assert "username" in duplicate.get_data(as_text=True)
    sessions = make_session_factory(make_engine(env.config.database_url))
    with sessions() as s:
        root = accounts.get_user(s, "root")
        assert root is not None
        root_id = root.id
        erin = accounts.get_user(s, "erin")
        assert erin is not None
        created = audit.entries_for(s, "user", erin.id)
        assert [(e.actor, e.action) for e in created][:2] == [
            ("user:root", "user.created"),
            ("user:erin", "user.login"),
        ]
        assert "a long enough password" not in " ".join(e.details for e in created)
        assert audit.verify_chain(s).ok
    response = client.post(
        f"/staff/users/{root_id}",
        data={"roles": ["issuing_officer"], "active": "y", "csrf_token": token, "totp": "keep"},
    )
    assert response.status_code == 422
    assert "roles" in response.get_data(as_text=True)


def test_deactivated_user_is_signed_out(env: WebEnv) -> None:
    client, _ = staff_client(env.app, "alice")
    sessions = make_session_factory(make_engine(env.config.database_url))
    with sessions() as s:
        user = accounts.get_user(s, "alice")
        assert user is not None
        accounts.set_active(user, False)
        s.commit()
    assert client.get("/staff/cases").status_code == 302


def test_api_needs_a_valid_token(env: WebEnv, client: FlaskClient) -> None:
    response = client.get("/api/cases")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "TOKEN_REQUIRED"
    assert response.get_json()["error"]["field"] == "token"
    response = client.get("/api/cases", headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.get_json() == {
        "error": {
            "code": "TOKEN_INVALID",
            "message": "unknown or disabled API token",
            "field": "token",
        }
    }
    # The session cookie of a staff user is no API credential.
    staff, _ = staff_client(env.app, "alice")
    assert staff.get("/api/cases").status_code == 401


def test_api_token_is_stored_hashed(env: WebEnv) -> None:
    sessions = make_session_factory(make_engine(env.config.database_url))
    with sessions() as s:
        stored = {c.token_hash for c in accounts.list_api_clients(s)}
    assert env.token not in stored
    assert accounts.token_hash(env.token) in stored
    assert len(env.token) >= 43  # 256 bits in URL-safe Base64


def test_openapi_document_lists_every_api_route(env: WebEnv, client: FlaskClient) -> None:
    doc = client.get("/api/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0"
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    for rule in env.app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = "/api" + _openapi_path(rule.rule[len("/api") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, path[len("/api") :]) in documented, (method, path)
    error = doc["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message", "field"]
    for ops in doc["paths"].values():
        for op in ops.values():
            assert "4XX" in op["responses"]


def test_openapi_document_is_valid_openapi_3_1(env: WebEnv) -> None:
    from openapi_spec_validator import validate

    validate(env.app.test_client().get("/api/openapi.json").get_json())


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_public_check_is_rate_limited_and_does_not_enumerate(client: FlaskClient) -> None:
    token = csrf_token(client, "/")
    answers = [
        client.post("/", data={"number": f"TTD{i}", "check_code": "X", "csrf_token": token})
        for i in range(6)
    ]
    assert [a.status_code for a in answers[:5]] == [404] * 5
    assert "check_code" in answers[0].get_data(as_text=True)
    assert answers[5].status_code == 429


def test_rate_limits_are_settings_from_the_environment(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    """LEGALIZE_RATE_PUBLIC and LEGALIZE_RATE_API reach the pages they limit (issue 9)."""
    db_url, tokens = seeded_sqlite(tmp_path, web_template)
    env = {"DATABASE_URL": db_url, "LEGALIZE_KEYS_DIR": "/nonexistent-keys"}
    env |= {"LEGALIZE_RATE_PUBLIC": "2/minute", "LEGALIZE_RATE_API": "3 per minute"}
    config = Config.from_env(env)
    app = create_app(config, services={"issuer": make_issuer(config)})
    client = app.test_client()
    token = csrf_token(client, "/")
    checks = [
        client.post("/", data={"number": "TTD1", "check_code": "X", "csrf_token": token})
        for _ in range(3)
    ]
    assert [c.status_code for c in checks] == [404, 404, 429]
    calls = [client.get("/api/cases", headers=bearer(tokens.token)) for _ in range(4)]
    assert [c.status_code for c in calls] == [200, 200, 200, 429]


def test_unexpected_errors_are_500_without_details(
    env: WebEnv, caplog: pytest.LogCaptureFixture
) -> None:
    app = env.app

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("PERERA 1990-05-14 secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "PERERA" not in response.get_data(as_text=True)
    assert "PERERA" not in caplog.text
    assert "RuntimeError" in caplog.text


@pytest.mark.redis
def test_rate_limit_is_shared_through_redis(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    """Two app instances (two gunicorn workers) count logins together when REDIS_URL is set."""
    import uuid

    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        support.unavailable(f"Redis at {url}: {exc}")
    db_url, tokens = seeded_sqlite(tmp_path, web_template)
    rates = {"signin": "5/minute", "prefix": f"test-{uuid.uuid4().hex}"}
    base = make_env(db_url, tokens, rates=rates)
    config = replace(base.config, redis_url=url)
    apps = [create_app(config, services={"issuer": base.issuer}) for _ in range(2)]
    statuses = []
    for i in range(6):
        client = apps[i % 2].test_client()
        statuses.append(login(client, "alice", "wrong password!").status_code)
    assert statuses == [401] * 5 + [429]


def test_production_forms_work_over_https(tmp_path: Path, no_database_check: None) -> None:
    """Strict CSRF in production checks the Referer of HTTPS posts; our Referrer-Policy must
    let the browser send it for our own origin. (Logout touches no database.)"""
    prod = Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        keys_dir=tmp_path / "prodkeys",
    )
    client = create_app(prod).test_client()
    page = client.get("/", base_url="https://check.example")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    token = CSRF_RE.search(page.get_data(as_text=True))
    assert token
    value = token.group(1) or token.group(2)
    ok = client.post(
        "/staff/logout",
        data={"csrf_token": value},
        base_url="https://check.example",
        headers={"Referer": "https://check.example/staff/cases"},
    )
    assert ok.status_code == 302
    cross = client.post(
        "/staff/logout",
        data={"csrf_token": value},
        base_url="https://check.example",
        headers={"Referer": "https://evil.example/"},
    )
    assert cross.status_code == 400


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/staff/users", "/staff/users"),
        ("//evil.example/x", "/staff/"),
        ("https://evil.example/", "/staff/"),
        ("/\\evil.example", "/staff/"),
    ],
)
def test_login_redirects_only_to_local_paths(env: WebEnv, target: str, lands: str) -> None:
    client = env.app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={"username": "root", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == lands


def test_admin_turns_on_totp_for_a_user(env: WebEnv) -> None:
    client, token = staff_client(env.app, "root")
    sessions = make_session_factory(make_engine(env.config.database_url))
    with sessions() as s:
        carol = accounts.get_user(s, "carol")
        assert carol is not None and carol.totp_secret is None
        carol_id = carol.id
    response = client.post(
        f"/staff/users/{carol_id}",
        data={"roles": ["border_officer"], "active": "y", "totp": "new", "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get(f"/staff/users/{carol_id}").get_data(as_text=True)
    assert "otpauth://totp/" in page and 'src="data:image/png;base64,' in page
    with sessions() as s:
        carol = accounts.get_user(s, "carol")
        assert carol is not None and carol.totp_secret
        secret = TotpCipher.from_config(env.config).open(carol.totp_secret)
    other = env.app.test_client()
    assert "/staff/login/totp" in login(other, "carol").headers["Location"]
    token = csrf_token(other, "/staff/login/totp")
    done = other.post(
        "/staff/login/totp", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token}
    )
    assert done.status_code == 302
