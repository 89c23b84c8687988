"""Engines, sessions and the schema (DESIGN §7): SQLite embedded, PostgreSQL in production.

SQLite runs in WAL mode with foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE``: SQLite has no row locks, so taking the write lock up front is what makes
"read the counter, then write it" safe between processes (a deferred transaction that read a
stale snapshot would fail with SQLITE_BUSY instead of waiting). PostgreSQL goes through
psycopg 3 and relies on ``SELECT … FOR UPDATE`` of the counter rows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
"""The Alembic scripts (repository root ``migrations/``)."""

SQLITE_BUSY_TIMEOUT_MS = 30_000


class DatabaseError(Exception):
    """The database URL cannot be used."""


def normalize_url(url: str) -> str:
    """Map the usual PostgreSQL URL spellings to the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://…``). Its errors
    never quote a statement's parameters (``hide_parameters``): a failed INSERT of a case
    would otherwise carry the holder's name and birth date into a logged traceback."""
    url = normalize_url(url)
    kwargs.setdefault("hide_parameters", True)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with the bad URL in it
        raise DatabaseError(f"not a database URL: {url!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url, parsed.database, **kwargs)
    if backend == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            raise DatabaseError("PostgreSQL is used through psycopg 3: postgresql+psycopg://…")
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    raise DatabaseError(f"unsupported database backend {backend!r} (SQLite or PostgreSQL)")


def _sqlite_engine(url: str, database: str | None, **kwargs: Any) -> Engine:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if database and database != ":memory:":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (the case functions commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def commit_without_flush(session: Session) -> None:
    """Let the open transaction commit without waiting for its WAL to reach the disk
    (PostgreSQL's ``synchronous_commit`` off for this transaction; SQLite: nothing).

    A crash of the database server may then forget this transaction, never part of one.
    The WAL is written in order, so a later transaction that commits synchronously makes
    this one durable too. Use it only where forgetting is harmless: a claim or outcome of a
    queued item (the item is done again), or a number's reservation (the register's write
    that would use the number commits synchronously after it)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def alembic_config(engine: Engine | None = None) -> AlembicConfig:
    """An Alembic configuration for our migrations, bound to ``engine`` when given."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (``alembic upgrade``)."""
    command.upgrade(alembic_config(engine), revision)


def create_schema(engine: Engine) -> None:
    """Create or update the whole schema through the migrations (never ``create_all``)."""
    upgrade(engine, "head")
