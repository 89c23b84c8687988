"""The log of public checks, and what the risk-analysis unit reads from it.

Every public check (by number and check code, QR link, PDF, photo, API, camera scan) is one
:class:`~legalize.registry.checks.PublicCheck` row: when, how, the verdict, the failed checks'
reason codes, the document number when the check named one, its type and issuing post when
known. Nothing about the checker but a hash of the client address under a random salt of
the day (:func:`day_salt`); :func:`purge` deletes the salt once its day is over and every
check past the retention period (``legalize registry expire``, run daily).

:func:`dashboard` aggregates the window in the database (counts by day, reason, type,
method and post), lists the recent failures and raises the alerts: repeated failures
against one document number, or from one source.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum, unique
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Table, case, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from legalize.registry.checks import CheckSalt, PublicCheck
from legalize.registry.plain import PlainStatement

SALT_BYTES = 32
RECENT_FAILURES = 50
"""Failures the dashboard lists, newest first."""
VERDICTS = ("valid", "invalid", "indeterminate")


@unique
class Method(StrEnum):
    """How a public check was made; the value is what the log stores."""

    NUMBER = "number"
    """Number and check code on the web check's form (``/``)."""
    QR_LINK = "qr-link"
    """The QR's link opened (``/V/<seal>``)."""
    PDF = "pdf"
    PHOTO = "photo"
    API = "api"
    """The status API of a foreign authority's client."""
    SCAN = "scan"
    """The camera scan page."""


@dataclass(frozen=True)
class CheckOutcome:
    """What a public check answered: the part of it the log keeps."""

    method: Method
    verdict: str
    """``valid``, ``invalid`` or ``indeterminate``."""
    reasons: tuple[str, ...] = ()
    """Reason codes of the failed checks (verifier.codes.Code values)."""
    document_number: str | None = None
    document_type: str | None = None
    issuing_post: str | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}, not {self.verdict!r}")


def day_salt(session: Session, day: date) -> bytes:
    """The random salt of ``day``'s client hashes, made by the first check of the day. Two
    workers may make one at once: the second insert fails on the key and reads the first."""
    found = session.get(CheckSalt, day)
    if found is not None:
        return found.salt
    try:
        with session.begin_nested():
            session.add(CheckSalt(day=day, salt=secrets.token_bytes(SALT_BYTES)))
    except IntegrityError:
        pass
    row = session.get(CheckSalt, day, populate_existing=True)
    if row is None:  # pragma: no cover - the insert or the other worker's made it
        raise RuntimeError(f"no check salt for {day}")
    return row.salt


def client_hash(salt: bytes, address: str) -> str:
    """The address's 128-bit HMAC under the day's salt: the same client within a day has
    one hash (alerts can count it); without the salt it cannot be tied to an address."""
    return hmac.new(salt, address.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def record(target: Session | Connection, outcome: CheckOutcome, source: str, at: datetime) -> None:
    """Insert one check (the caller commits, unless ``target`` is an autocommit connection);
    ``source`` is :func:`client_hash`. A plain INSERT, no unit of work: it runs on every
    public check."""
    row = {
        "checked_at": at,
        "method": outcome.method.value,
        "verdict": outcome.verdict,
        "reasons": " ".join(sorted(set(outcome.reasons)))[:500],
        "document_number": (outcome.document_number or None) and outcome.document_number[:20],
        "document_type": outcome.document_type,
        "issuing_post": outcome.issuing_post and outcome.issuing_post[:100],
        "client_hash": source,
    }
    _INSERT.rows(target, row)


_INSERT = PlainStatement(insert(cast(Table, PublicCheck.__table__)))
"""A Core INSERT, no ORM bulk-insert machinery per check; on the public connection run on
the driver's cursor (:mod:`legalize.registry.plain`)."""


@dataclass(frozen=True)
class Purged:
    checks: int
    salts: int


def purge(session: Session, at: datetime, retention_days: int) -> Purged:
    """Delete the checks older than ``retention_days`` and the salts of the days before
    ``at``'s (a past day's hashes can no longer be recomputed). The caller commits."""
    cutoff = at - timedelta(days=retention_days)
    checks = session.execute(delete(PublicCheck).where(PublicCheck.checked_at < cutoff))
    salts = session.execute(delete(CheckSalt).where(CheckSalt.day < at.date()))
    return Purged(checks.rowcount or 0, salts.rowcount or 0)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Tally:
    """Checks and failures (verdict not ``valid``) of one group."""

    key: str
    checks: int
    failures: int


@dataclass(frozen=True)
class Alert:
    kind: str
    """``document`` (one number failed repeatedly) or ``source`` (one client did)."""
    key: str
    """The document number, or the first 12 characters of the source's hash."""
    failures: int
    last_at: datetime


@dataclass(frozen=True)
class Dashboard:
    since: datetime
    until: datetime
    total: Tally
    days: tuple[Tally, ...]
    """One per day of the window, oldest first, days without checks included."""
    reasons: tuple[Tally, ...]
    """Failures per reason code (checks = failures), most frequent first."""
    types: tuple[Tally, ...]
    methods: tuple[Tally, ...]
    posts: tuple[Tally, ...]
    recent: tuple[PublicCheck, ...]
    alerts: tuple[Alert, ...]


UNKNOWN = "unknown"


def _failed() -> ColumnElement[int]:
    return case((PublicCheck.verdict != "valid", 1), else_=0)


def _tallies(
    session: Session, column: ColumnElement[Any] | InstrumentedAttribute[Any], since: datetime
) -> list[Tally]:
    rows = session.execute(
        select(column, func.count(), func.sum(_failed()))
        .where(PublicCheck.checked_at >= since)
        .group_by(column)
    ).all()
    tallies = [Tally(str(k) if k else UNKNOWN, int(n), int(f or 0)) for k, n, f in rows]
    return sorted(tallies, key=lambda t: (-t.checks, t.key))


def _day_column(session: Session) -> ColumnElement[str]:
    """The UTC day of a check as ``YYYY-MM-DD`` text, on either backend."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", PublicCheck.checked_at), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", PublicCheck.checked_at)  # stored as naive UTC


def dashboard(
    session: Session,
    at: datetime,
    *,
    days: int,
    window_hours: int,
    document_failures: int,
    source_failures: int,
) -> Dashboard:
    """The last ``days`` days (today included) of checks, and the alerts over the last
    ``window_hours``: a document number with at least ``document_failures`` failed checks,
    a source with at least ``source_failures``."""
    first = at.date() - timedelta(days=days - 1)
    since = datetime(first.year, first.month, first.day, tzinfo=at.tzinfo)
    by_day = {t.key: t for t in _tallies(session, _day_column(session), since)}
    series = []
    for i in range(days):
        key = (first + timedelta(days=i)).isoformat()
        series.append(by_day.get(key, Tally(key, 0, 0)))
    total = Tally("all", sum(t.checks for t in series), sum(t.failures for t in series))
    reasons: Counter[str] = Counter()
    combos = session.execute(
        select(PublicCheck.reasons, func.count())
        .where(PublicCheck.checked_at >= since, PublicCheck.verdict != "valid")
        .group_by(PublicCheck.reasons)
    ).all()
    for text, n in combos:  # few distinct combinations: split them here, not per row
        for code in (text or UNKNOWN).split():
            reasons[code] += int(n)
    recent = session.scalars(
        select(PublicCheck)
        .where(PublicCheck.checked_at >= since, PublicCheck.verdict != "valid")
        .order_by(PublicCheck.checked_at.desc(), PublicCheck.id.desc())
        .limit(RECENT_FAILURES)
    ).all()
    return Dashboard(
        since=since,
        until=at,
        total=total,
        days=tuple(series),
        reasons=tuple(
            Tally(k, n, n) for k, n in sorted(reasons.items(), key=lambda x: (-x[1], x[0]))
        ),
        types=tuple(_tallies(session, PublicCheck.document_type, since)),
        methods=tuple(_tallies(session, PublicCheck.method, since)),
        posts=tuple(_tallies(session, PublicCheck.issuing_post, since)),
        recent=tuple(recent),
        alerts=tuple(
            alerts(
                session,
                at,
                window_hours=window_hours,
                document_failures=document_failures,
                source_failures=source_failures,
            )
        ),
    )


def alerts(
    session: Session,
    at: datetime,
    *,
    window_hours: int,
    document_failures: int,
    source_failures: int,
) -> list[Alert]:
    """Documents and sources with repeated failures in the window, most failures first.
    A source's hash changes every day, so a source is counted within its day."""
    since = at - timedelta(hours=window_hours)
    failed = (PublicCheck.checked_at >= since, PublicCheck.verdict != "valid")
    found: list[Alert] = []
    for kind, column, threshold in (
        ("document", PublicCheck.document_number, document_failures),
        ("source", PublicCheck.client_hash, source_failures),
    ):
        rows = session.execute(
            select(column, func.count(), func.max(PublicCheck.checked_at))
            .where(*failed, column.is_not(None))
            .group_by(column)
            .having(func.count() >= threshold)
        ).all()
        for key, n, last in rows:
            shown = str(key) if kind == "document" else str(key)[:12]
            found.append(Alert(kind, shown, int(n), _aware(last, at)))
    return sorted(found, key=lambda a: (-a.failures, a.kind, a.key))


def _aware(value: datetime, like: datetime) -> datetime:
    """``max()`` bypasses the column type on SQLite: tag its naive UTC value."""
    return value if value.tzinfo is not None else value.replace(tzinfo=like.tzinfo)
