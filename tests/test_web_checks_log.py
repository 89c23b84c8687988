"""The public checks as the web records them, and the risk dashboard that shows them: each
check view records one row through legalize.web.checks; the dashboard is the risk analyst's
only page, server-rendered SVG without script."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from legalize.cases import views
from legalize.registry import accounts
from legalize.registry.checks import PublicCheck
from legalize.web.state import state
from tests.helpers.web_app import PASSWORD, bearer, csrf_token, demo_site, login, qr_path


@pytest.fixture(scope="module")
def site(
    dev_pki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, dict[str, views.DocumentView], str]]:  # type: ignore[no-untyped-def]
    """An app over the demo register (real sealed documents), a risk analyst ``rita``, an
    issuing officer ``ivan`` and a status API client; the documents by kind and status."""
    database = f"sqlite:///{tmp_path_factory.mktemp('checks_log') / 'register.sqlite3'}"
    tokens: list[str] = []

    def people(session: Session) -> None:
        now = datetime.now(UTC)
        accounts.create_user(session, "rita", PASSWORD, ["risk_analyst"], now)
        accounts.create_user(session, "ivan", PASSWORD, ["issuing_officer"], now)
        tokens.append(accounts.create_api_client(session, "nl-ind", "NLD", ["status:read"], now)[1])

    app, docs = demo_site(dev_pki, database, prepare=people)
    yield app, docs, tokens[0]
    state(app).close()


def _rows(app: Flask) -> list[PublicCheck]:
    with state(app).sessions() as session:
        rows = list(session.scalars(select(PublicCheck).order_by(PublicCheck.id)))
        session.expunge_all()
        return rows


def _clear(app: Flask) -> None:
    with state(app).sessions() as session:
        session.execute(delete(PublicCheck))
        session.commit()


def test_each_public_check_is_recorded_once_without_the_address(
    site: tuple[Flask, dict[str, views.DocumentView], str],
) -> None:
    app, docs, token = site
    _clear(app)
    issued = docs["readmission:issued"]
    revoked = next(d for k, d in docs.items() if k.endswith(":revoked"))
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "192.0.2.44"
    assert client.get(qr_path(issued.seal_text)).status_code == 200
    tampered = issued.seal_text[:-6] + (
        "AAAAAA" if not issued.seal_text.endswith("A") else "BBBBBB"
    )
    assert client.get(qr_path(tampered)).status_code == 200
    form = {
        "number": issued.number,
        "check_code": "WRONG-CODE",
        "csrf_token": csrf_token(client, "/"),
    }
    assert client.post("/", data=form).status_code == 404
    form["number"], form["check_code"] = revoked.number, revoked.check_code
    assert client.post("/", data=form).status_code == 200
    status = client.get(
        f"/api/documents/{issued.number}/status",
        query_string={"check_code": issued.check_code},
        headers=bearer(token),
    )
    assert status.status_code == 200
    scanned = client.get(
        "/scan/status", query_string={"number": issued.number, "check_code": issued.check_code}
    )
    assert scanned.status_code == 200
    rows = _rows(app)
    assert [(r.method, r.verdict) for r in rows] == [
        ("qr-link", "valid"),
        ("qr-link", "invalid"),
        ("number", "invalid"),
        ("number", "invalid"),
        ("api", "valid"),
        ("scan", "valid"),
    ]
    genuine, forged, wrong_code, revoked_row, api, scan = rows
    assert (genuine.document_number, genuine.document_type) == (issued.number, "ttd")
    assert genuine.issuing_post  # the signer certificate's OU
    assert forged.reasons and forged.verdict == "invalid"
    assert (wrong_code.reasons, wrong_code.document_number) == (
        "DOCUMENT_NOT_IN_REGISTER",
        issued.number,
    )
    assert revoked_row.reasons == "DOCUMENT_REVOKED"
    assert api.document_number == issued.number and api.reasons == ""
    assert (scan.document_number, scan.document_type) == (issued.number, "ttd")
    # one client, one day: one hash; never the address itself
    assert len({r.client_hash for r in rows[:4]}) == 1
    assert all("192.0.2.44" not in str(vars(r)) for r in rows)


def test_the_dashboard_shows_charts_failures_and_an_alert(
    site: tuple[Flask, dict[str, views.DocumentView], str],
) -> None:
    app, docs, _token = site
    _clear(app)
    issued = docs["readmission:issued"]
    checker = app.test_client()
    form = {"number": issued.number, "check_code": "GUESS", "csrf_token": csrf_token(checker, "/")}
    for _ in range(5):  # LEGALIZE_ALERT_DOCUMENT_FAILURES defaults to 5
        assert checker.post("/", data=form).status_code == 404
    rita = app.test_client()
    assert login(rita, "rita").headers["Location"].endswith("/staff/")
    landing = rita.get("/staff/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/staff/risk")
    page = rita.get("/staff/risk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html
    assert html.count("<svg") == 5
    assert re.search(rf"Document <strong>{issued.number}</strong>: 5 failed checks", html)
    assert "DOCUMENT_NOT_IN_REGISTER" in html
    assert "5 checks, 5 failed" in html
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert rita.get("/staff/risk?days=30").status_code == 200
    assert rita.get("/staff/risk?days=1000").status_code == 400


@pytest.mark.parametrize("path", ["/staff/cases", "/staff/clear", "/staff/users", "/staff/batches"])
def test_the_risk_analyst_sees_nothing_but_the_dashboard(
    site: tuple[Flask, dict[str, views.DocumentView], str], path: str
) -> None:
    app, _docs, _token = site
    rita = app.test_client()
    login(rita, "rita")
    assert rita.get(path).status_code == 403


def test_other_staff_do_not_see_the_dashboard(
    site: tuple[Flask, dict[str, views.DocumentView], str],
) -> None:
    app, _docs, _token = site
    ivan = app.test_client()
    login(ivan, "ivan")
    assert ivan.get("/staff/risk").status_code == 403
    assert app.test_client().get("/staff/risk").status_code == 302  # to the sign-in


@pytest.mark.postgres
def test_checks_are_recorded_on_postgresql(tmp_path: Path) -> None:
    """On PostgreSQL the public session is autocommit without a disk wait: the row is there
    once the answer is, and one client has one hash within the day."""
    from tests.helpers.db import (
        create_postgres_database,
        drop_postgres_database,
        postgres_server_url,
    )
    from tests.helpers.web_app import make_env, seed

    url, name = create_postgres_database(postgres_server_url())
    apps: list[Flask] = []
    try:
        tokens = seed(url)
        env = make_env(url, tokens)
        apps.append(env.app)
        client = env.app.test_client()
        form = {"number": "TA0000001", "check_code": "NOPE", "csrf_token": csrf_token(client, "/")}
        assert [client.post("/", data=form).status_code for _ in range(2)] == [404, 404]
        missing = client.get(
            "/api/documents/TA0000002/status",
            query_string={"check_code": "NOPE"},
            headers=bearer(env.token),
        )
        assert missing.status_code == 404
        rows = _rows(env.app)
        assert [(r.method, r.document_number, r.reasons) for r in rows] == [
            ("number", "TA0000001", "DOCUMENT_NOT_IN_REGISTER"),
            ("number", "TA0000001", "DOCUMENT_NOT_IN_REGISTER"),
            ("api", "TA0000002", "DOCUMENT_NOT_IN_REGISTER"),
        ]
        assert rows[0].client_hash == rows[1].client_hash
        public = state(env.app).public_engine
        # PostgreSQL: the autocommit engine answered (its pool holds the connections it used)
        assert public is not None and public.pool.checkedin() >= 1
        state(env.app).close()  # one call closes both engines' connections
        assert (public.pool.checkedin(), state(env.app).engine.pool.checkedin()) == (0, 0)
    finally:
        for app in apps:
            state(app).close()
        drop_postgres_database(postgres_server_url(), name)


def test_a_check_that_cannot_be_recorded_is_answered_all_the_same(
    site: tuple[Flask, dict[str, views.DocumentView], str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from sqlalchemy.exc import OperationalError

    app, docs, _token = site
    _clear(app)
    issued = docs["readmission:issued"]

    def broken(*args: object) -> None:
        raise OperationalError(
            "INSERT", {}, Exception("disk full; DETAIL: Failing row contains (JAYAWARDENA)")
        )

    monkeypatch.setattr("legalize.cases.checks_log.record", broken)
    page = app.test_client().get(qr_path(issued.seal_text))
    assert page.status_code == 200 and "The seal is genuine" in page.get_data(as_text=True)
    assert "a public check was not recorded" in caplog.text
    # by type and place (legalize.logs), never by the error's text
    assert "OperationalError at" in caplog.text and "in broken" in caplog.text
    assert "JAYAWARDENA" not in caplog.text and "disk full" not in caplog.text
    assert _rows(app) == []
