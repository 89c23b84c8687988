"""PlainStatement: a Core statement on the driver's cursor reads and writes as Core does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, bindparam, insert, select, text
from sqlalchemy.exc import DBAPIError

from legalize.registry.checks import PublicCheck
from legalize.registry.db import make_engine
from legalize.registry.plain import PlainStatement
from tests.helpers.db import backend, clear_tables, db_engine  # noqa: F401 - fixtures

TABLE = PublicCheck.__table__
INSERT = PlainStatement(insert(TABLE))  # type: ignore[arg-type]
BY_CLIENT = PlainStatement(
    select(TABLE.c.checked_at, TABLE.c.verdict, TABLE.c.reasons, TABLE.c.document_number)
    .where(TABLE.c.client_hash == bindparam("client"))
    .order_by(TABLE.c.id)
)
COLOMBO = timezone(timedelta(hours=5, minutes=30))


def _row(client: str, at: datetime, **changes: object) -> dict[str, object]:
    return {
        "checked_at": at,
        "method": "qr_link",
        "verdict": "valid",
        "reasons": "",
        "document_number": "T26000001",
        "document_type": "ttd",
        "issuing_post": None,
        "client_hash": client,
        **changes,
    }


def _public_engine(db_engine: Engine) -> Engine:  # noqa: F811
    """The public check's kind of engine (autocommit), its session in Colombo's time zone: a
    time must still come back in UTC, as UtcDateTime gives it through Core."""
    url = db_engine.url.render_as_string(hide_password=False)
    if db_engine.dialect.name != "postgresql":
        return make_engine(url)
    return make_engine(
        url, isolation_level="AUTOCOMMIT", connect_args={"options": "-c timezone=Asia/Colombo"}
    )


def test_rows_written_and_read_are_core_s(db_engine: Engine) -> None:  # noqa: F811
    clear_tables(db_engine)
    engine = _public_engine(db_engine)
    at = datetime(2026, 12, 5, 1, 2, 3, tzinfo=UTC)
    try:
        with engine.connect() as conn:
            assert INSERT.rows(conn, _row("a" * 32, at)) == []
            INSERT.rows(conn, _row("a" * 32, at.astimezone(COLOMBO), verdict="invalid"))
            if conn.in_transaction():  # SQLite: Core ran it, in the connection's transaction
                conn.commit()
            plain = BY_CLIENT.rows(conn, {"client": "a" * 32})
            core = [tuple(r) for r in conn.execute(BY_CLIENT.statement, {"client": "a" * 32})]
            assert plain == core
            assert [r[0] for r in plain] == [at, at]
            assert all(r[0].utcoffset() == timedelta(0) for r in plain)
            assert [r[1] for r in plain] == ["valid", "invalid"]
            assert BY_CLIENT.one_or_none(conn, {"client": "b" * 32}) is None
            with pytest.raises(ValueError, match="2 rows"):
                BY_CLIENT.one_or_none(conn, {"client": "a" * 32})
    finally:
        engine.dispose()


def test_a_naive_time_is_refused_as_core_refuses_it(db_engine: Engine) -> None:  # noqa: F811
    engine = _public_engine(db_engine)
    try:
        with engine.connect() as conn, pytest.raises(Exception, match="naive datetime"):
            INSERT.rows(conn, _row("c" * 32, datetime(2026, 12, 5, 1, 2, 3)))
    finally:
        engine.dispose()


def test_a_column_default_must_be_named(db_engine: Engine) -> None:  # noqa: F811
    """Core fills ``reasons``' default itself; the plain path would send nothing for it."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("on SQLite the statement runs through Core, which fills the default")
    engine = _public_engine(db_engine)
    row = _row("d" * 32, datetime(2026, 12, 5, tzinfo=UTC))
    del row["reasons"]
    try:
        with engine.connect() as conn, pytest.raises(ValueError, match="reasons"):
            INSERT.rows(conn, row)
    finally:
        engine.dispose()


def test_a_dropped_connection_is_sqlalchemy_s_invalidated_error(db_engine: Engine) -> None:  # noqa: F811
    """The QR link retries once on ``connection_invalidated``: the plain path must say so as
    Core does, and leave the pool a fresh connection."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite connections are not dropped by a server")
    engine = _public_engine(db_engine)
    try:
        with engine.connect() as conn:
            assert BY_CLIENT.rows(conn, {"client": "e" * 32}) == []
            with db_engine.connect() as admin:
                admin.execute(
                    text("SELECT pg_terminate_backend(:pid)"),
                    {"pid": conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()},
                )
            with pytest.raises(DBAPIError) as caught:
                BY_CLIENT.rows(conn, {"client": "e" * 32})
            assert caught.value.connection_invalidated
        with engine.connect() as conn:
            assert BY_CLIENT.rows(conn, {"client": "e" * 32}) == []
    finally:
        engine.dispose()


def test_an_error_quotes_no_parameter(db_engine: Engine) -> None:  # noqa: F811
    """Engines hide a failed statement's parameters (make_engine): SQLAlchemy would list
    every value the statement carried (a case's: a holder's name and birth date). The
    server's own DETAIL may still quote the row, which is why a failure is logged by type
    and place only (legalize.logs)."""
    engine = _public_engine(db_engine)
    at = datetime(2026, 12, 5, tzinfo=UTC)
    try:
        with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
            INSERT.rows(conn, _row("JAYAWARDENA-1992", at, verdict=None))
        text = str(caught.value)
        assert "parameters hidden" in text and "'client_hash':" not in text
    finally:
        engine.dispose()
