"""Database fixtures: the same tests on SQLite and on PostgreSQL.

Use in a test module with ``from db import backend, db_engine, db_session, session_factory``
(pytest finds fixtures imported into the module). PostgreSQL is the server named by
``DATABASE_URL``; each test process creates its own uniquely named database, migrates it once
and drops it at the end. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from legalize.registry.db import make_engine, make_session_factory, normalize_url, upgrade
from legalize.registry.schema import load_models
from tests.helpers import support

BACKENDS = ("sqlite", "postgresql")


def postgres_server_url() -> str:
    """The PostgreSQL server of DATABASE_URL (skips, or fails in CI, when there is none)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres", "postgresql")):
        support.unavailable("PostgreSQL: DATABASE_URL is not set to a postgresql:// URL")
    return normalize_url(url)


def create_postgres_database(server_url: str) -> tuple[str, str]:
    """Create an empty, uniquely named database; returns (its URL, its name)."""
    name = f"legalize_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: skip locally, fail in CI
        admin.dispose()
        support.unavailable(f"PostgreSQL at {server_url}: {exc}")
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres_database(server_url: str, name: str) -> None:
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def fresh_engine(backend: str, tmp_dir: Path) -> tuple[Engine, str | None]:
    """An engine on a new, empty database (not migrated); second value: PG database name."""
    if backend == "sqlite":
        return make_engine(f"sqlite:///{tmp_dir / f'{uuid.uuid4().hex}.sqlite3'}"), None
    url, name = create_postgres_database(postgres_server_url())
    return make_engine(url, pool_size=20, max_overflow=20), name


@pytest.fixture(scope="session", params=BACKENDS)
def db_engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    """A migrated database per backend, shared by the test session."""
    backend: str = request.param
    engine, name = fresh_engine(backend, tmp_path_factory.mktemp("db"))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(postgres_server_url(), name)


def clear_tables(engine: Engine) -> None:
    metadata = load_models()
    # DELETE, not TRUNCATE: on a few small tables it is ~10x faster on PostgreSQL.
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def session_factory(db_engine: Engine) -> sessionmaker[Session]:
    """Sessions on empty tables of the current backend."""
    clear_tables(db_engine)
    return make_session_factory(db_engine)


@pytest.fixture
def db_session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture
def backend(db_engine: Engine) -> str:
    return db_engine.dialect.name
