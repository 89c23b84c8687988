"""A Core statement run on the driver's own cursor: the public check's two statements.

The QR link runs one SELECT and one INSERT per request on an autocommit PostgreSQL
connection. Through SQLAlchemy's execution path (execution context, result metadata, row
objects) each cost about 150 µs of the worker's CPU, where psycopg's own round trip costs
about 55; on a 2-core machine serving ``/V/`` the two differences were 8 % of a request's CPU.

:class:`PlainStatement` keeps the statement's one definition in Core (the table's columns,
their types) and compiles it once per dialect; on an autocommit psycopg connection it runs
the compiled text on a cursor kept with the pooled connection, and passes values through
the columns' own type processors (``UtcDateTime`` re-tags times as UTC both ways), so a row
reads exactly as Core would give it. Anywhere else — SQLite, a connection inside a
transaction — it runs through Core. Driver errors come out as SQLAlchemy's (``DBAPIError``
with ``connection_invalidated`` set when the server dropped the connection, which is then
invalidated in the pool), so callers handle one kind of error either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Insert, Select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
_CURSOR = "legalize.plain_cursor"
"""Key of the kept cursor in the pooled connection's ``info`` (the DBAPI connection's life)."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    binds: tuple[tuple[str, Processor], ...]
    """Each parameter's name and its column type's bind processor."""
    results: tuple[Processor, ...]
    """Each result column's type result processor, in order."""


class PlainStatement:
    """``statement`` (a SELECT of named ``bindparam``s, or an INSERT of the columns its
    parameters name) run as :mod:`legalize.registry.plain` says."""

    def __init__(self, statement: Select[Any] | Insert) -> None:
        self.statement = statement
        self._returns_rows = isinstance(statement, Select)
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def rows(
        self, connection: Session | Connection, params: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """The statement's result rows as tuples (none for an INSERT); on a Session, or a
        connection the driver's cursor may not use, through Core in its transaction."""
        if not isinstance(connection, Connection) or not _plain(connection):
            result = connection.execute(self.statement, dict(params))
            return [tuple(row) for row in result] if self._returns_rows else []
        compiled = self._compile(connection.dialect, tuple(params))
        values = {
            name: process(params[name]) if process else params[name]
            for name, process in compiled.binds
        }
        raw = connection.connection
        try:
            cursor = raw.info.get(_CURSOR)
            if cursor is None or cursor.closed:
                cursor = raw.info[_CURSOR] = raw.driver_connection.cursor()  # type: ignore[union-attr]
            cursor.execute(compiled.sql, values)
            # not cursor.description: it builds a Column object per column on every call
            fetched = cursor.fetchall() if self._returns_rows else []
        except connection.dialect.loaded_dbapi.Error as exc:
            gone = connection.dialect.is_disconnect(exc, raw.dbapi_connection, None)
            if gone:
                connection.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql,
                values,
                exc,
                connection.dialect.loaded_dbapi.Error,
                hide_parameters=connection.engine.hide_parameters,
                connection_invalidated=gone,
                dialect=connection.dialect,
            ) from exc
        return [
            tuple(p(v) if p else v for p, v in zip(compiled.results, row, strict=True))
            for row in fetched
        ]

    def one_or_none(
        self, connection: Session | Connection, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        found = self.rows(connection, params)
        if len(found) > 1:
            raise ValueError(f"{len(found)} rows where one at most was expected")
        return found[0] if found else None

    def _compile(self, dialect: Dialect, names: tuple[str, ...]) -> _Compiled:
        """The statement's text for ``dialect`` (an INSERT's for the columns ``names``)."""
        key = (dialect.name, names)
        found = self._compiled.get(key)
        if found is None:
            statement = self.statement
            if isinstance(statement, Insert):
                statement = statement.inline()  # no RETURNING of the new key: nobody reads it
            compiled = statement.compile(dialect=dialect, column_keys=list(names))
            assert isinstance(compiled, SQLCompiler)
            unnamed = set(compiled.binds) - set(names)
            if unnamed:  # a column default Core would have computed: name it in the row
                raise ValueError(f"parameters missing for {', '.join(sorted(unnamed))}")
            binds = tuple(
                (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                for name, bind in compiled.binds.items()
            )
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in getattr(self.statement, "selected_columns", ())
            )
            found = self._compiled[key] = _Compiled(compiled.string, binds, results)
        return found


def _plain(connection: Connection) -> bool:
    """Whether the driver's cursor may run the statement: psycopg, in autocommit (the
    driver's own flag: asking the server would cost the round trip this saves), outside a
    transaction SQLAlchemy began."""
    if connection.dialect.driver != "psycopg" or connection.in_transaction():
        return False
    return bool(getattr(connection.connection.driver_connection, "autocommit", False))
