"""Fixtures shared by the whole suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# Database fixtures (db_engine, session_factory, db_session, backend) on SQLite and PostgreSQL.
from db import backend, db_engine, db_session, session_factory  # noqa: F401


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The dev PKI (legalize.pki.devkeys.DevPki), built once per session at the start of today
    (UTC): root P-384, TTD signer LKTD and legalization signer LKLG on P-256, CRL, trust/."""
    from datetime import UTC, datetime

    from legalize.pki.devkeys import init_dev

    at = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return init_dev(tmp_path_factory.mktemp("dev_pki") / "keys", at)
