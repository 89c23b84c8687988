"""What one application instance holds: its config, database engines and clock (no globals).

The web tier's engines are made here and nowhere else (:meth:`AppState.open`), and closed by
one call (:meth:`AppState.close`): the pooled engine of the pages and the API, and on
PostgreSQL the public check's autocommit engine (:func:`public_db`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases.check import PublishedTrust, SealReadings
from legalize.config import Config
from legalize.documents.preview import IssuedPreviews
from legalize.pki.trust import TrustStore
from legalize.registry.db import make_engine, make_session_factory


def utc_now() -> datetime:
    return datetime.now(UTC)


T = TypeVar("T")


@dataclass(frozen=True)
class AppState:
    config: Config
    """The configuration the app was built with."""
    engine: Engine
    """The pooled engine of the pages, the API and the staff's work."""
    sessions: sessionmaker[Session]
    """Session factory; one session per request, closed at teardown."""
    public_engine: Engine | None
    """The public check's engine (PostgreSQL only; see :func:`public_db`); None on SQLite,
    where the public check uses the request's session."""
    public_sessions: sessionmaker[Session] | None
    """Session factory on :attr:`public_engine`; None with it."""
    clock: Callable[[], datetime]
    """Current time, aware UTC; a parameter so tests can move it."""
    services: dict[str, Any]
    """Lazily built shared objects (e.g. the issuer with its signers), keyed by name."""

    @classmethod
    def open(
        cls,
        config: Config,
        clock: Callable[[], datetime] = utc_now,
        services: dict[str, Any] | None = None,
    ) -> AppState:
        """Both engines for ``config.database_url`` (no connection is made until one is
        used)."""
        engine = make_engine(config.database_url)
        public = _public_engine(config) if engine.dialect.name == "postgresql" else None
        return cls(
            config=config,
            engine=engine,
            sessions=make_session_factory(engine),
            public_engine=public,
            public_sessions=make_session_factory(public) if public is not None else None,
            clock=clock,
            services=dict(services or {}),
        )

    def close(self) -> None:
        """Close every pooled connection of both engines (app shutdown, a test's teardown,
        before gunicorn forks). The engines stay usable: a later session opens new
        connections."""
        if self.public_engine is not None:
            self.public_engine.dispose()
        self.engine.dispose()


def state(app: Flask | None = None) -> AppState:
    app = app if app is not None else current_app
    st: AppState = app.extensions["legalize"]
    return st


def db() -> Session:
    """The request's database session (opened on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = state().sessions()
    session: Session = g.db_session
    return session


def public_db() -> Session:
    """The public check's session: it reads the register's answer and writes the check log,
    nothing else. On PostgreSQL its connections are autocommit with ``synchronous_commit``
    off: a lookup is one SELECT and the log row one INSERT, with no BEGIN, COMMIT or
    ROLLBACK round trips and no wait for the disk (a database crash may lose the last few
    log rows, never a document). On the hot /V/ path those round trips were most of a
    request's time. On SQLite it is the request's session (:func:`db`)."""
    if "public_session" not in g:
        factory = state().public_sessions
        g.public_session = factory() if factory is not None else db()
    session: Session = g.public_session
    return session


def public_connection() -> Connection:
    """The public check's connection without the ORM (the QR link, the check log), from the
    same autocommit pool as :func:`public_db`: every statement commits by itself. On SQLite
    the request session's connection, in its transaction: :func:`commit_public` ends it."""
    engine = state().public_engine
    if engine is None:
        return db().connection()
    if "public_connection" not in g:
        g.public_connection = engine.connect()
    connection: Connection = g.public_connection
    return connection


def reconnect_public() -> Connection:
    """A fresh public connection after the database dropped the one in use (restarted, or
    the connection killed): the public pool skips the ping per checkout, so the one request
    that finds a dead connection retries once with this instead of failing."""
    stale: Connection | None = g.pop("public_connection", None)
    if stale is not None:
        stale.close()
    return public_connection()


def commit_public() -> None:
    """End the public writes: nothing to do on PostgreSQL (autocommit); commits the request's
    session on SQLite."""
    if state().public_engine is None:
        db().commit()


def rollback_public() -> None:
    if state().public_engine is None:
        db().rollback()


def _public_engine(config: Config) -> Engine:
    """PostgreSQL connections in autocommit with ``synchronous_commit`` off (:func:`public_db`)."""
    return make_engine(
        config.database_url,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": "-c synchronous_commit=off"},
        # No "SELECT 1" round trip before every request's statements: a connection the
        # server dropped is found by the statement itself, which the QR link retries once
        # (reconnect_public); SQLAlchemy then discards the pool's older connections too.
        pool_pre_ping=False,
    )


def end_transaction() -> None:
    """Commit and end the request's open transaction, if any (the sign-in or token look-up
    opened it), before slow work such as sanitizing an upload: no transaction — and on
    SQLite no lock — is held while it runs. The session stays usable."""
    session: Session | None = g.get("db_session")
    if session is not None and session.in_transaction():
        session.commit()


def now() -> datetime:
    return state().clock()


def trust_store() -> TrustStore | None:
    """The trust store published in the app's keys folder, re-read when it changes
    (:class:`~legalize.cases.check.PublishedTrust`: a revoked signer is refused within
    seconds, no restart); None when there is none (pages then say they cannot verify seals).
    A store handed in as the service ``trust`` (tests) is used as it is."""
    services = state().services
    if "trust" in services:
        given: TrustStore | None = services["trust"]
        return given
    published = _service("published_trust", lambda: PublishedTrust(state().config.keys_dir))
    found: TrustStore | None = published.store()
    return found


def issued_previews() -> IssuedPreviews:
    """The process's kept previews of issued PDFs
    (:class:`~legalize.documents.preview.IssuedPreviews`)."""
    return _service("issued_previews", IssuedPreviews)


def seal_readings() -> SealReadings:
    """The process's cache of offline seal readings (:class:`~legalize.cases.check.SealReadings`),
    shared by the QR link and the API's seal check."""
    return _service("seal_readings", SealReadings)


def _service(name: str, make: Callable[[], T]) -> T:
    """The app's one ``name`` service, made by ``make`` the first time (not on every call:
    the QR link asks on every request); two threads racing keep the first one stored."""
    services = state().services
    found: T | None = services.get(name)
    if found is None:
        found = services.setdefault(name, make())
    return found


def close_db(_exc: BaseException | None = None) -> None:
    for name in ("public_session", "db_session"):
        session: Session | None = g.pop(name, None)
        if session is not None:
            session.close()
    connection: Connection | None = g.pop("public_connection", None)
    if connection is not None:
        connection.close()
