"""Fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Database fixtures (db_engine, session_factory, db_session, backend) on SQLite and PostgreSQL.
from tests.helpers.db import backend, db_engine, db_session, session_factory  # noqa: F401


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
    from tests.helpers.web_app import seed

    path = tmp_path_factory.mktemp("web-template") / "template.sqlite3"
    return path, seed(f"sqlite:///{path}")


@pytest.fixture
def no_database_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production apps of tests that never reach a database (the URL names no server):
    create_app's check for demo credentials would refuse to start. Only for tests of
    headers and cookies; tests/test_demo_guard.py tests the check itself."""
    monkeypatch.setattr("legalize.web.refuse_demo_credentials", lambda sessions: None)
