"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from legalize.registry.db import DatabaseError, make_engine, normalize_url, upgrade
from legalize.registry.schema import load_models
from tests.helpers.db import BACKENDS, drop_postgres_database, fresh_engine, postgres_server_url


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_head_matches_models(backend: str, tmp_path: Path) -> None:
    engine, name = fresh_engine(backend, tmp_path)
    try:
        upgrade(engine)
        metadata = load_models()
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, metadata)
            tables = set(inspect(conn).get_table_names())
        assert diffs == []
        assert {t.name for t in metadata.sorted_tables} <= tables
        assert {"cases", "documents", "audit_log", "users", "api_clients"} <= tables
        upgrade(engine)  # idempotent
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(postgres_server_url(), name)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url"])
def test_bad_urls_refused(url: str) -> None:
    with pytest.raises(DatabaseError):
        make_engine(url)
