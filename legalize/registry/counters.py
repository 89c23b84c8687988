"""Gap-tolerant, never-repeating counters: document numbers and the audit chain head.

A counter is a row locked with ``SELECT … FOR UPDATE`` (PostgreSQL) for the rest of the
transaction; on SQLite every transaction already holds the database write lock (``BEGIN
IMMEDIATE``, see :mod:`legalize.registry.db`). A number is therefore handed out to one
transaction at a time; if that transaction rolls back, nothing carries the number and the
next transaction gets it again — no document ever shares a number with another.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from legalize.kinds import DocumentType
from legalize.registry.models import Counter

NUMBER_PREFIX = {DocumentType.TTD: "T", DocumentType.LEGALIZATION: "L"}
"""Numbers are 9 characters (the TD3 MRZ document-number field): prefix, 2-digit year, 6 digits."""
NUMBER_LIMIT = 1_000_000


class CounterExhausted(RuntimeError):
    """A year's number range is used up (a million documents of one type)."""


def lock_counter(session: Session, name: str) -> Counter:
    """The counter row ``name``, created at 0 if missing, locked until the transaction ends."""
    stmt = select(Counter).where(Counter.name == name).with_for_update()
    counter = session.scalars(stmt).one_or_none()
    if counter is not None:
        return counter
    try:
        # A concurrent creator of the same row makes this insert wait, then fail: the
        # savepoint keeps the outer transaction usable and the re-select then locks its row.
        with session.begin_nested():
            session.add(Counter(name=name, value=0))
    except IntegrityError:
        pass
    return session.scalars(stmt.execution_options(populate_existing=True)).one()


def next_value(session: Session, name: str, by: int = 1) -> int:
    """Advance the counter ``name`` (created at 0 if missing) by ``by``; its new value (the
    values handed out are the ``by`` up to it). The UPDATE takes the row lock itself, so the
    common case is one statement, not a locking SELECT and an UPDATE."""
    if by < 1:
        raise ValueError("a counter advances by at least one")
    stepped = session.execute(
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + by)
        .returning(Counter.value)
        .execution_options(synchronize_session="fetch")
    ).scalar_one_or_none()
    if stepped is not None:
        return int(stepped)
    counter = lock_counter(session, name)  # its first use: make the row
    counter.value += by
    session.flush()
    return counter.value


def next_document_number(session: Session, doc_type: DocumentType, at: datetime) -> str:
    """The next number of ``doc_type`` for the year of ``at``, e.g. ``T26000042``."""
    return next_document_numbers(session, doc_type, at, 1)[0]


def next_document_numbers(
    session: Session, doc_type: DocumentType, at: datetime, count: int
) -> list[str]:
    """The next ``count`` numbers of ``doc_type`` for the year of ``at``, in order (one
    statement for a group of documents issued together)."""
    last = next_value(session, f"document:{doc_type.value}:{at.year}", count)
    if last >= NUMBER_LIMIT:
        raise CounterExhausted(f"{doc_type.value} numbers of {at.year} are used up")
    return [format_number(doc_type, at.year, v) for v in range(last - count + 1, last + 1)]


def format_number(doc_type: DocumentType, year: int, value: int) -> str:
    """The document number of counter value ``value`` of ``doc_type`` in ``year``."""
    return f"{NUMBER_PREFIX[doc_type]}{year % 100:02d}{value:06d}"
