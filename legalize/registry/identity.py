"""Identity sources behind adapter interfaces: the national identity card (NIC) registry and
the stolen/lost travel document (SLTD) list.

The embedded implementations are tables filled from CSV or JSON files
(``legalize registry import-nic FILE``, ``import-sltd FILE``); a real connector to the
Department for Registration of Persons or to INTERPOL's SLTD replaces them by implementing
the same protocol.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Date, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from legalize import countries
from legalize.registry.base import Base
from legalize.registry.timestamps import UtcDateTime

NIC_RE = re.compile(r"^(\d{9}[VX]|\d{12})$")
"""Sri Lankan NIC numbers: the old 9 digits + V/X, or the new 12 digits."""
DOCUMENT_NUMBER_RE = re.compile(r"^[A-Z0-9]{5,20}$")
SEXES = ("F", "M", "X")
SLTD_STATUSES = ("stolen", "lost", "revoked", "invalid")
MAX_NAME = 100


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV/JSON, missing columns)."""


# --- values -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityRecord:
    """One person as the national identity card registry knows them."""

    nic_number: str
    surname: str
    given_names: str
    birth_date: date
    sex: str
    birth_place: str = ""


@dataclass(frozen=True)
class WatchlistHit:
    """A travel document reported stolen, lost or otherwise invalid."""

    document_number: str
    issuing_country: str
    status: str
    reported_on: date | None


@dataclass(frozen=True)
class RowError:
    line: int
    """CSV: the line in the file (header = 1); JSON: the 1-based position in the array."""
    field: str | None
    message: str


@dataclass(frozen=True)
class ImportReport:
    imported: int
    """Rows added or updated."""
    errors: tuple[RowError, ...]
    """Rows refused, with why; the other rows were imported."""


# --- interfaces ---------------------------------------------------------------------------


class NationalIdRegistry(Protocol):
    def by_number(self, nic_number: str) -> IdentityRecord | None: ...

    def by_name_and_birth_date(
        self, surname: str, given_names: str, birth_date: date
    ) -> list[IdentityRecord]: ...


class TravelDocumentWatchlist(Protocol):
    def lookup(
        self, document_number: str, issuing_country: str | None = None
    ) -> list[WatchlistHit]: ...


# --- embedded tables ----------------------------------------------------------------------


class NicEntry(Base):
    __tablename__ = "nic_records"

    nic_number: Mapped[str] = mapped_column(String(12), primary_key=True)
    surname: Mapped[str] = mapped_column(String(MAX_NAME), index=True)
    given_names: Mapped[str] = mapped_column(String(MAX_NAME))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str] = mapped_column(String(MAX_NAME), default="")
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)

    def record(self) -> IdentityRecord:
        return IdentityRecord(
            self.nic_number,
            self.surname,
            self.given_names,
            self.birth_date,
            self.sex,
            self.birth_place,
        )


class SltdEntry(Base):
    __tablename__ = "sltd_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_number: Mapped[str] = mapped_column(String(20), index=True)
    issuing_country: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10))
    reported_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("issuing_country", "document_number"),)


def normalize_name(value: str) -> str:
    """Upper case, single spaces: the form names are compared in."""
    return " ".join(value.upper().split())


class EmbeddedNationalIdRegistry:
    """:class:`NationalIdRegistry` over the ``nic_records`` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def by_number(self, nic_number: str) -> IdentityRecord | None:
        entry = self._session.get(NicEntry, nic_number.strip().upper())
        return entry.record() if entry else None

    def by_name_and_birth_date(
        self, surname: str, given_names: str, birth_date: date
    ) -> list[IdentityRecord]:
        rows = self._session.scalars(
            select(NicEntry)
            .where(NicEntry.surname == normalize_name(surname))
            .where(NicEntry.birth_date == birth_date)
            .order_by(NicEntry.nic_number)
        )
        wanted = normalize_name(given_names)
        return [r.record() for r in rows if not wanted or r.given_names == wanted]


class EmbeddedTravelDocumentWatchlist:
    """:class:`TravelDocumentWatchlist` over the ``sltd_records`` table."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def lookup(
        self, document_number: str, issuing_country: str | None = None
    ) -> list[WatchlistHit]:
        stmt = select(SltdEntry).where(SltdEntry.document_number == document_number.strip().upper())
        if issuing_country:
            stmt = stmt.where(SltdEntry.issuing_country == issuing_country.strip().upper())
        return [
            WatchlistHit(e.document_number, e.issuing_country, e.status, e.reported_on)
            for e in self._session.scalars(stmt.order_by(SltdEntry.issuing_country))
        ]


# --- import -------------------------------------------------------------------------------


class _RowInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _text(
    row: Mapping[str, Any], field: str, *, required: bool = True, limit: int = MAX_NAME
) -> str:
    value = row.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _RowInvalid(field, f"{field} is missing")
        return ""
    if not isinstance(value, str):
        raise _RowInvalid(field, f"{field} must be text")
    value = " ".join(value.split())
    if len(value) > limit:
        raise _RowInvalid(field, f"{field} longer than {limit} characters")
    return value


def _date(row: Mapping[str, Any], field: str, *, required: bool = True) -> date | None:
    text = _text(row, field, required=required, limit=10)
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _RowInvalid(field, f"{field} must be a date YYYY-MM-DD, got {text!r}") from None


def _nic_row(row: Mapping[str, Any], at: datetime) -> NicEntry:
    nic = _text(row, "nic_number", limit=12).upper()
    if not NIC_RE.match(nic):
        raise _RowInvalid("nic_number", f"not a NIC number: {nic!r}")
    birth = _date(row, "birth_date")
    assert birth is not None
    if birth > at.date():
        raise _RowInvalid("birth_date", "birth date in the future")
    sex = _text(row, "sex", limit=1).upper()
    if sex not in SEXES:
        raise _RowInvalid("sex", "sex must be F, M or X")
    return NicEntry(
        nic_number=nic,
        surname=normalize_name(_text(row, "surname")),
        given_names=normalize_name(_text(row, "given_names", required=False)),
        birth_date=birth,
        sex=sex,
        birth_place=_text(row, "birth_place", required=False),
        imported_at=at,
    )


def _sltd_row(row: Mapping[str, Any], at: datetime) -> SltdEntry:
    number = _text(row, "document_number", limit=20).upper().replace(" ", "")
    if not DOCUMENT_NUMBER_RE.match(number):
        raise _RowInvalid("document_number", f"not a travel document number: {number!r}")
    try:
        country = countries.normalize(_text(row, "issuing_country", limit=40))
    except countries.UnknownCountry as exc:
        raise _RowInvalid("issuing_country", f"issuing_country: {exc}") from None
    status = _text(row, "status", limit=10).lower()
    if status not in SLTD_STATUSES:
        raise _RowInvalid("status", f"status must be one of {', '.join(SLTD_STATUSES)}")
    reported = _date(row, "reported_on", required=False)
    return SltdEntry(
        document_number=number,
        issuing_country=country,
        status=status,
        reported_on=reported,
        imported_at=at,
    )


def read_rows(
    data: bytes, filename: str, required: tuple[str, ...] = ()
) -> Iterator[tuple[int, Mapping[str, Any] | None]]:
    """(line, row) pairs of a CSV or JSON file; row is None when the item is not an object.
    A CSV whose header lacks a ``required`` column is refused as a whole."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{filename}: not UTF-8 text") from exc
    is_json = filename.lower().endswith(".json") or text.lstrip().startswith("[")
    if is_json:
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{filename}: not valid JSON ({exc})") from exc
        except RecursionError:
            # nesting deeper than the parser's stack: hostile or broken, never a register file
            raise ImportFileError(f"{filename}: JSON nested too deeply") from None
        if not isinstance(items, list):
            raise ImportFileError(f"{filename}: JSON must be an array of objects")
        try:
            # "\ud800" escapes decode to lone surrogates the database cannot store
            json.dumps(items, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ImportFileError(f"{filename}: JSON holds text that is not Unicode") from None
        for index, item in enumerate(items, start=1):
            yield index, item if isinstance(item, dict) else None
        return
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ImportFileError(f"{filename}: empty CSV (a header line is needed)")
    missing = [c for c in required if c not in {f.strip() for f in reader.fieldnames}]
    if missing:
        raise ImportFileError(f"{filename}: CSV header lacks {', '.join(missing)}")
    try:
        for row in reader:
            yield reader.line_num, {k.strip(): v for k, v in row.items() if isinstance(k, str)}
    except csv.Error as exc:
        raise ImportFileError(f"{filename}: CSV error on line {reader.line_num}: {exc}") from exc


def _import(
    session: Session,
    data: bytes,
    filename: str,
    at: datetime,
    parse: Callable[[Mapping[str, Any], datetime], Base],
    merge: Callable[[Session, Any], None],
    required: tuple[str, ...],
) -> ImportReport:
    imported = 0
    errors: list[RowError] = []
    for line, row in read_rows(data, filename, required):
        if row is None:
            errors.append(RowError(line, None, "not an object"))
            continue
        try:
            entry = parse(row, at)
        except _RowInvalid as exc:
            errors.append(RowError(line, exc.field, str(exc)))
            continue
        merge(session, entry)
        imported += 1
    session.flush()
    return ImportReport(imported, tuple(errors))


def _merge_nic(session: Session, entry: NicEntry) -> None:
    session.merge(entry)


def _merge_sltd(session: Session, entry: SltdEntry) -> None:
    existing = session.scalars(
        select(SltdEntry)
        .where(SltdEntry.document_number == entry.document_number)
        .where(SltdEntry.issuing_country == entry.issuing_country)
    ).one_or_none()
    if existing is None:
        session.add(entry)
        session.flush()
        return
    existing.status = entry.status
    existing.reported_on = entry.reported_on
    existing.imported_at = entry.imported_at


def import_nic(session: Session, data: bytes, filename: str, at: datetime) -> ImportReport:
    """Add or update NIC records (columns nic_number, surname, given_names, birth_date, sex,
    birth_place). Flushed, not committed."""
    return _import(
        session,
        data,
        filename,
        at,
        _nic_row,
        _merge_nic,
        ("nic_number", "surname", "birth_date", "sex"),
    )


def import_sltd(session: Session, data: bytes, filename: str, at: datetime) -> ImportReport:
    """Add or update watchlist entries (columns document_number, issuing_country, status,
    reported_on). Flushed, not committed."""
    return _import(
        session,
        data,
        filename,
        at,
        _sltd_row,
        _merge_sltd,
        ("document_number", "issuing_country", "status"),
    )


def import_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror}") from exc
