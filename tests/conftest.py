"""Fixtures shared by the whole suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from legalize.pki.devkeys import DevPki
from legalize.web.state import state
from tests.helpers.cli import CliResult, Runner
from tests.helpers.web_app import Tokens, WebEnv, engine_url, make_env, seed, seeded_sqlite

# Database fixtures (db_engine, session_factory, db_session, backend) on SQLite and PostgreSQL.
pytest_plugins = ("tests.helpers.db",)


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The dev PKI (legalize.pki.devkeys.DevPki), built once per session at the start of today
    (UTC): root P-384, TTD signer LKTD and legalization signer LKLG on P-256, CRL, trust/."""
    from datetime import UTC, datetime

    from legalize.pki.devkeys import init_dev

    at = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return init_dev(tmp_path_factory.mktemp("dev_pki") / "keys", at)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A seeded SQLite register (test users and API clients) that web tests copy with
    web_app.seeded_sqlite: seeding costs about a second of password hashing, paid once."""
    path = tmp_path_factory.mktemp("web-template") / "template.sqlite3"
    return path, seed(f"sqlite:///{path}")


@pytest.fixture
def no_database_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production apps of tests that never reach a database (the URL names no server):
    create_app's check for demo credentials would refuse to start. Only for tests of
    headers and cookies; tests/test_demo_guard.py tests the check itself."""
    monkeypatch.setattr("legalize.web.refuse_demo_credentials", lambda sessions: None)


# --- the web app: env (app + tokens + issuer), app, client; the CLI: runner ---------------------
#
# A module says what its app needs with ``pytestmark = pytest.mark.web(...)`` (settings such as
# rate limits, the real issuer on the dev PKI); it runs on a copy of the seeded SQLite template
# unless it overrides ``web_database`` with ``every_backend_database`` (SQLite and PostgreSQL).


@pytest.fixture
def web_database(tmp_path: Path, web_template: tuple[Path, Tokens]) -> tuple[str, Tokens]:
    """The register of the web app under test: a copy of the seeded SQLite template."""
    return seeded_sqlite(tmp_path, web_template)


@pytest.fixture
def every_backend_database(db_engine: Engine) -> tuple[str, Tokens]:
    """The register on each backend (db_engine's parameters), emptied and seeded."""
    from tests.helpers.db import clear_tables  # imported by pytest as a plugin, above

    clear_tables(db_engine)
    url = engine_url(db_engine)
    return url, seed(url)


@pytest.fixture
def env(
    request: pytest.FixtureRequest, web_database: tuple[str, Tokens], dev_pki: DevPki
) -> Iterator[WebEnv]:
    """The app of the production factory on ``web_database``, its API tokens and issuer.

    ``pytest.mark.web(rates={...}, signed=True)``: rate limits (``Config.rates``) and the real
    issuer on the dev PKI (else the unsigned test double)."""
    marker = request.node.get_closest_marker("web")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    url, tokens = web_database
    environment = make_env(
        url,
        tokens,
        keys_dir=Path(dev_pki.dir) if options.get("signed") else None,
        rates=dict(options.get("rates") or {}),
    )
    yield environment
    state(environment.app).close()


@pytest.fixture
def app(env: WebEnv) -> Flask:
    return env.app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous client (public pages, the API with a bearer token)."""
    return app.test_client()


@pytest.fixture
def runner(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Runs the ``legalize`` command in process: ``runner("audit", "verify", ...)``."""
    from legalize.cli import main

    def run(*args: str) -> CliResult:
        capsys.readouterr()  # what came before is not this command's
        status = main(list(args))
        captured = capsys.readouterr()
        return CliResult(status, captured.out, captured.err)

    return run
