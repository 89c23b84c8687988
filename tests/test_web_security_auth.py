"""Who may do what through the web layer: sessions that must end, roles checked on every
request, CSRF on every cookie-authenticated state change, per-user TOTP limits, HSTS in
production, and API clients that must not see another country's cases."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient

from legalize.config import Config
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.totp_cipher import TotpCipher
from legalize.web import create_app
from tests.helpers import support
from tests.helpers.web_app import (
    PASSWORD,
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    login,
    make_env,
    portrait_jpeg,
    seeded_sqlite,
    staff_client,
)

pytestmark = pytest.mark.web(rates={"totp": "3/hour", "signin": "100/minute"})


def _user_id(env: WebEnv, name: str) -> int:
    with make_session_factory(make_engine(env.config.database_url))() as s:
        user = accounts.get_user(s, name)
        assert user is not None
        return user.id


def _file_case(env: WebEnv, photo: bytes | None = None) -> int:
    extra = {"photo": base64.b64encode(photo).decode()} if photo else {}
    response = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": "SEC-1",
            "identity": {"surname": "PERERA", "birth_date": "1990-05-14", "sex": "M"},
            **extra,
        },
        headers=bearer(env.token),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case_id: int = response.get_json()["id"]
    return case_id


@pytest.mark.parametrize(
    "change",
    [
        {"password": "a brand new password"},
        {"totp": "new"},
    ],
    ids=["password-reset", "new-totp"],
)
def test_a_credential_change_ends_the_users_sessions(env: WebEnv, change: dict[str, str]) -> None:
    alice, _ = staff_client(env.app, "alice")
    assert alice.get("/staff/cases").status_code == 200
    admin, token = staff_client(env.app, "root")
    response = admin.post(
        f"/staff/users/{_user_id(env, 'alice')}",
        data={
            "roles": ["issuing_officer"],
            "active": "y",
            "totp": "keep",
            **change,
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    # The session cookie alice (or whoever stole it) holds no longer signs anyone in.
    assert alice.get("/staff/cases").status_code == 302
    # Saving without a credential change keeps her other sessions.
    bob, _ = staff_client(env.app, "bob")
    admin.post(
        f"/staff/users/{_user_id(env, 'bob')}",
        data={"roles": ["approving_officer"], "active": "y", "totp": "keep", "csrf_token": token},
    )
    assert bob.get("/staff/cases").status_code == 200


@pytest.mark.parametrize("how", ["page", "library"])
def test_re_enabling_a_user_does_not_revive_old_sessions(env: WebEnv, how: str) -> None:
    """Disabled, then enabled again: the cookies of before (a stolen one among them) stay
    dead; a new sign-in works."""
    alice, _ = staff_client(env.app, "alice")
    assert alice.get("/staff/cases").status_code == 200
    admin, token = staff_client(env.app, "root")
    user_id = _user_id(env, "alice")

    def set_active(active: bool) -> None:
        if how == "page":
            data = {"roles": ["issuing_officer"], "totp": "keep", "csrf_token": token}
            if active:
                data["active"] = "y"
            assert admin.post(f"/staff/users/{user_id}", data=data).status_code == 302
        else:
            with make_session_factory(make_engine(env.config.database_url))() as s:
                user = accounts.get_user(s, "alice")
                assert user is not None
                accounts.set_active(user, active)
                s.commit()

    set_active(False)
    assert alice.get("/staff/cases").status_code == 302
    set_active(True)
    assert alice.get("/staff/cases").status_code == 302  # still signed out
    again, _ = staff_client(env.app, "alice")
    assert again.get("/staff/cases").status_code == 200


def test_a_role_taken_away_mid_session_is_refused_at_once(env: WebEnv) -> None:
    case_id = _file_case(env)
    bob, bob_token = staff_client(env.app, "bob")
    admin, token = staff_client(env.app, "root")
    admin.post(
        f"/staff/users/{_user_id(env, 'bob')}",
        data={"roles": ["border_officer"], "active": "y", "totp": "keep", "csrf_token": token},
    )
    response = bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": bob_token})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("user", "action"),
    [
        ("carol", "approve"),  # border officer
        ("carol", "prepare"),
        ("carol", "issue"),
        ("alice", "approve"),  # issuing officer
        ("alice", "revoke"),
        ("bob", "prepare"),  # approving officer
        ("root", "approve"),  # administrator
        ("root", "issue"),
    ],
)
def test_a_role_cannot_take_a_step_it_must_not(env: WebEnv, user: str, action: str) -> None:
    case_id = _file_case(env)
    client, token = staff_client(env.app, user)
    response = client.post(
        f"/staff/cases/{case_id}/{action}", data={"csrf_token": token, "reason": "because"}
    )
    assert response.status_code == 403


def test_four_eyes_holds_for_an_officer_with_both_roles(env: WebEnv) -> None:
    case_id = _file_case(env, portrait_jpeg())
    dave, token = staff_client(env.app, "dave")
    prepared = dave.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token})
    assert prepared.status_code == 302, prepared.get_data(as_text=True)
    response = dave.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": token})
    assert response.status_code == 403
    assert "FOUR_EYES" in response.get_data(as_text=True).upper()


def _url_for_rule(rule: str) -> str:
    url = re.sub(r"<int:[a-z_]+>", "1", rule)
    url = re.sub(r"<any\(([a-z]+)[^>]*\):[a-z_]+>", r"\1", url)
    return re.sub(r"<[^>]+>", "LK0000001", url)


def test_every_cookie_post_route_requires_a_csrf_token(env: WebEnv, client: FlaskClient) -> None:
    """Walk the URL map: every state-changing route outside the bearer-token API refuses a
    signed-in browser's post without a token, before doing anything."""
    checked = []
    client, _ = staff_client(env.app, "dave")
    for rule in env.app.url_map.iter_rules():
        unsafe = (rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}
        if not unsafe or rule.endpoint.startswith("api."):
            continue
        url = _url_for_rule(rule.rule)
        for method in sorted(unsafe):
            response = client.open(url, method=method, data={"reason": "x", "number": "X"})
            assert response.status_code == 400, (method, url, response.status_code)
            assert "CSRF" in response.get_data(as_text=True), (method, url)
            checked.append(url)
    assert "/staff/logout" in checked and "/" in checked and "/staff/login" in checked


def test_api_routes_take_no_cookie_credentials(env: WebEnv) -> None:
    """The API is CSRF-exempt only because it authenticates by bearer token alone."""
    staff, _ = staff_client(env.app, "dave")
    for rule in env.app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint == "api.openapi":
            continue
        url = _url_for_rule(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = staff.open(url, method=method, json={})
            assert response.status_code == 401, (method, url)


def test_logout_is_post_only(env: WebEnv) -> None:
    client, _ = staff_client(env.app, "alice")
    assert client.get("/staff/logout").status_code == 405
    assert client.get("/staff/cases").status_code == 200


def test_totp_guesses_are_limited_per_user_across_addresses(env: WebEnv) -> None:
    secret = accounts.new_totp_secret()
    with make_session_factory(make_engine(env.config.database_url))() as s:
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
    statuses = []
    for i in range(4):
        client = env.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"  # a new address each time
        assert "/staff/login/totp" in login(client, "tina").headers["Location"]
        token = csrf_token(client, "/staff/login/totp")
        wrong = "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"
        statuses.append(
            client.post("/staff/login/totp", data={"code": wrong, "csrf_token": token}).status_code
        )
    assert statuses == [401, 401, 401, 429]


def test_password_guesses_are_limited_per_user_name_across_addresses(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    """40 wrong passwords for one user from 4 addresses, then the right one, signed in: the
    address limit alone does not stop a guesser with several addresses. Unknown names are
    limited alike (a 429 says nothing about whether the user exists); other users are not
    affected; a sign-in that succeeds does not count."""
    url, tokens = seeded_sqlite(tmp_path, web_template)
    env = make_env(url, tokens, rates={"signin": "100/minute", "signin_user": "5/hour"})
    address = iter(range(1, 200))

    def attempt(username: str, password: str) -> int:
        client = env.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"10.0.1.{next(address)}"
        return int(login(client, username, password).status_code)

    for _ in range(3):
        assert attempt("bob", PASSWORD) == 302  # successes do not count
    assert [attempt("alice", "wrong password!") for _ in range(7)] == [401] * 5 + [429] * 2
    assert attempt("alice", PASSWORD) == 429  # the right password too, from a fresh address
    assert attempt(" ALICE ", PASSWORD) == 429  # the name as sign-in reads it
    assert [attempt("nobody", "wrong password!") for _ in range(6)] == [401] * 5 + [429]
    assert attempt("bob", PASSWORD) == 302


def test_hsts_in_production_also_behind_a_tls_proxy(
    tmp_path: Path, no_database_check: None
) -> None:
    prod = Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        redis_url=support.PRODUCTION_REDIS,
        database_url="postgresql://nobody@127.0.0.1:1/none",
        keys_dir=tmp_path / "prodkeys",
    )
    client = create_app(prod).test_client()
    # The proxy speaks plain HTTP to gunicorn: request.is_secure is False here.
    response = client.get("/", base_url="http://check.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    dev = create_app(Config(database_url=f"sqlite:///{tmp_path / 'd.sqlite3'}")).test_client()
    assert "Strict-Transport-Security" not in dev.get("/", base_url="http://x").headers


def test_another_country_cannot_read_or_download_a_case(env: WebEnv) -> None:
    case_id = _file_case(env)
    api = env.app.test_client()
    assert api.get(f"/api/cases/{case_id}", headers=bearer(env.token)).status_code == 200
    for token in (env.other_token, env.legal_token):
        for url in (f"/api/cases/{case_id}", f"/api/cases/{case_id}/document.pdf"):
            response = api.get(url, headers=bearer(token))
            assert response.status_code in (403, 404), url
            assert "PERERA" not in response.get_data(as_text=True)
        listing = api.get("/api/cases?kind=readmission", headers=bearer(token))
        assert "PERERA" not in listing.get_data(as_text=True)
    # Filing for another country is refused as well.
    response = api.post(
        "/api/readmissions",
        json={
            "host_country": "DEU",
            "host_reference": "SEC-2",
            "identity": {"surname": "SILVA", "birth_date": "1990-05-14", "sex": "F"},
        },
        headers=bearer(env.other_token),
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("user", "step"), [("alice", "approve"), ("bob", "prepare")])
def test_a_batch_step_the_role_cannot_take_is_refused_before_it_starts(
    env: WebEnv, user: str, step: str
) -> None:
    filed = env.app.test_client().post(
        "/api/readmissions/batch",
        json={
            "reference": "CHARTER-1",
            "requests": [
                {
                    "host_reference": "C-1",
                    "identity": {"surname": "PERERA", "birth_date": "1990-05-14", "sex": "M"},
                }
            ],
        },
        headers=bearer(env.token),
    )
    assert filed.status_code == 201, filed.get_data(as_text=True)
    batch_id = filed.get_json()["batch_id"]
    client, token = staff_client(env.app, user)
    response = client.post(f"/staff/batches/{batch_id}/{step}", data={"csrf_token": token})
    assert response.status_code == 403
    progress = client.get(f"/staff/batches/{batch_id}/progress.json").get_json()
    assert progress["job"] is None  # nothing was started


def _issue_one(env: WebEnv) -> tuple[str, str]:
    """File, prepare (alice), approve and issue (bob): the document's number and check code."""
    case_id = _file_case(env, portrait_jpeg())
    alice, a_token = staff_client(env.app, "alice")
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": a_token}).status_code
        == 302
    )
    bob, b_token = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": b_token}).status_code == 302
    )
    issued = bob.post(f"/staff/cases/{case_id}/issue", data={"csrf_token": b_token})
    assert issued.status_code == 302, issued.get_data(as_text=True)
    doc = env.app.test_client().get(f"/api/cases/{case_id}", headers=bearer(env.token))
    document = doc.get_json()["document"]
    return document["number"], document["check_code"]


def test_public_check_answers_wrong_number_and_wrong_code_alike(env: WebEnv) -> None:
    number, code = _issue_one(env)
    wrong_code = "ABCD-EFGH-JKLM" if code != "ABCD-EFGH-JKLM" else "BCDE-FGHJ-KLMN"
    client = env.app.test_client()
    token = csrf_token(client, "/")

    def check(num: str, check_code: str) -> tuple[int, str]:
        r = client.post("/", data={"number": num, "check_code": check_code, "csrf_token": token})
        body = CSRF_VALUE.sub("", r.get_data(as_text=True))
        return r.status_code, body.replace(num, "NUMBER").replace(check_code, "CODE")

    ok_status, ok_body = check(number, code)
    assert ok_status == 200 and "PERERA" not in ok_body and "1990" not in ok_body
    assert check(number, wrong_code) == check(number[:-1] + "9", wrong_code)
    assert check(number, wrong_code)[0] == 404
    api = env.app.test_client()

    def status(num: str, check_code: str) -> tuple[int, object]:
        r = api.get(
            f"/api/documents/{num}/status",
            query_string={"check_code": check_code},
            headers=bearer(env.token),
        )
        return r.status_code, r.get_json()

    assert status(number, code)[0] == 200
    assert status(number, wrong_code) == status("LKX0000000", wrong_code)


CSRF_VALUE = re.compile(r'name="csrf_token"[^>]*>')


def test_a_totp_secret_is_shown_once_when_it_is_set(env: WebEnv) -> None:
    admin, token = staff_client(env.app, "root")
    carol_id = _user_id(env, "carol")
    response = admin.post(
        f"/staff/users/{carol_id}",
        data={"roles": ["border_officer"], "active": "y", "totp": "new", "csrf_token": token},
    )
    assert response.status_code == 302
    first = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "otpauth://totp/" in first
    # Later visits (another administrator, a screen left open) no longer reveal it.
    assert "otpauth://totp/" not in admin.get(f"/staff/users/{carol_id}").get_data(as_text=True)
    other_admin, _ = staff_client(env.app, "root")
    assert "otpauth://totp/" not in other_admin.get(f"/staff/users/{carol_id}").get_data(
        as_text=True
    )
    created = admin.post(
        "/staff/users",
        data={
            "username": "tom",
            "password": "a long enough password",
            "roles": ["border_officer"],
            "totp": "y",
            "csrf_token": token,
        },
    )
    assert created.status_code == 302
    assert "otpauth://totp/" in admin.get(created.headers["Location"]).get_data(as_text=True)


def test_a_session_ends_eight_hours_after_sign_in_however_active(
    tmp_path: Path, web_template: tuple[Path, Tokens]
) -> None:
    """The cookie is refreshed on every request; without a limit from the sign-in, a stolen
    cookie (which sign-out cannot revoke: sessions live in the cookie) never expired."""
    url, tokens = seeded_sqlite(tmp_path, web_template)
    clock = [datetime(2026, 11, 24, 8, 0, tzinfo=UTC)]
    env = make_env(url, tokens, clock=lambda: clock[0])
    client, _ = staff_client(env.app, "alice")
    for hours in (2, 4, 6, 7.9):
        clock[0] = datetime(2026, 11, 24, 8, 0, tzinfo=UTC) + timedelta(hours=hours)
        assert client.get("/staff/cases").status_code == 200
    clock[0] = datetime(2026, 11, 24, 16, 1, tzinfo=UTC)
    assert client.get("/staff/cases").status_code == 302


def test_no_page_is_stored_by_caches(client: FlaskClient) -> None:
    """Every dynamic answer is no-store: staff and API pages carry personal data, the QR link
    carries the seal (holder data) in its URL, the public check a number and its status."""
    for url in ("/", "/V/NOTASEAL", "/v/NOTASEAL", "/staff/login", "/api/openapi.json"):
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    with client.get("/static/site.css") as static:  # a file response: close it
        assert static.headers.get("Cache-Control") != "no-store"


@pytest.mark.parametrize("digits", ["１", "١", "𝟏", "¹", "1１"])
def test_non_ascii_digits_name_no_row(env: WebEnv, digits: str) -> None:
    """`/api/cases/１` (a fullwidth 1) was read as case 1: Werkzeug's int converter matches
    any Unicode digit and int() reads it. Every int route and int query refuses it."""
    case_id = _file_case(env)
    assert case_id == 1
    api = env.app.test_client()
    assert api.get("/api/cases/1", headers=bearer(env.token)).status_code == 200
    for url in (f"/api/cases/{digits}", f"/api/cases/{digits}/document.pdf"):
        assert api.get(url, headers=bearer(env.token)).status_code == 404, url
    listing = api.get(f"/api/cases?kind=readmission&page={digits}", headers=bearer(env.token))
    assert listing.status_code == 400
    client, _ = staff_client(env.app, "root")
    for url in (f"/staff/cases/{digits}", f"/staff/users/{digits}", f"/staff/batches/{digits}"):
        assert client.get(url).status_code == 404, url


def test_a_changed_secret_key_ends_sessions_and_a_fallback_keeps_them(env: WebEnv) -> None:
    """The session cookie's serializer is made once per key (legalize.web.security.
    SessionCookies), not per request: a rotated key must still be seen at once — the old
    cookie refused, or accepted while the old key is listed as a fallback."""
    alice, _ = staff_client(env.app, "alice")
    assert alice.get("/staff/cases").status_code == 200
    old = env.app.secret_key
    env.app.secret_key = "another secret key, rotated"
    env.app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert alice.get("/staff/cases").status_code == 200  # and re-signed with the new key
    env.app.secret_key = "a third key, the others forgotten"
    env.app.config["SECRET_KEY_FALLBACKS"] = []
    assert alice.get("/staff/cases").status_code == 302
