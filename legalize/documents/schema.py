"""The JSON request formats of the two documents (examples/ttd.json, examples/legalization.json).

The issuing pipeline assigns the document number and the check code; a request may carry
them (for re-issuing a known document, or in tests), otherwise the caller passes them in.
Dates are ISO ``YYYY-MM-DD``. The schemas are documented in docs/documents.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from legalize import countries

from .errors import DocumentError
from .legalization import LegalizationData
from .ttd import TtdData

TTD_REQUIRED = (
    "surname",
    "given_names",
    "birth_date",
    "place_of_birth",
    "sex",
    "nationality",
    "issue_date",
    "expiry_date",
    "issuing_post",
)
TTD_OPTIONAL = ("document_number", "check_code", "issuing_state", "personal_number", "photo")
LEGALIZATION_REQUIRED = ("country", "signed_by", "capacity", "seal_of", "place", "certified_by")
LEGALIZATION_OPTIONAL = ("number", "check_code", "date", "document_title")


def _text(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{key!r} must be a non-empty string")
    return value.strip()


def _date(obj: Mapping[str, Any], key: str) -> date:
    try:
        return date.fromisoformat(_text(obj, key))
    except ValueError as exc:
        raise DocumentError(f"{key!r} must be a date YYYY-MM-DD") from exc


def _check_keys(
    obj: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    if not isinstance(obj, Mapping):
        raise DocumentError("the request must be a JSON object")
    missing = [k for k in required if k not in obj]
    if missing:
        raise DocumentError(f"missing: {', '.join(missing)}")
    unknown = sorted(set(obj) - set(required) - set(optional))
    if unknown:
        raise DocumentError(f"unknown keys: {', '.join(unknown)}")


def _assigned(obj: Mapping[str, Any], key: str, given: str | None) -> str:
    if given is not None:
        return given
    if key in obj:
        return _text(obj, key)
    raise DocumentError(f"{key!r} is neither in the request nor assigned by the issuer")


def _country(obj: Mapping[str, Any], key: str) -> str:
    """An ICAO 9303 country code (legalize.countries), as the register stores it."""
    try:
        return countries.normalize(_text(obj, key))
    except countries.UnknownCountry as exc:
        raise DocumentError(f"{key}: {exc}") from None


def ttd_from_json(
    obj: Mapping[str, Any], document_number: str | None = None, check_code: str | None = None
) -> TtdData:
    """TtdData from a parsed ttd.json; ``document_number`` / ``check_code`` override."""
    _check_keys(obj, TTD_REQUIRED, TTD_OPTIONAL)
    data = TtdData(
        document_number=_assigned(obj, "document_number", document_number),
        surname=_text(obj, "surname"),
        given_names=str(obj.get("given_names", "")).strip(),
        birth_date=_date(obj, "birth_date"),
        place_of_birth=_text(obj, "place_of_birth"),
        sex=_text(obj, "sex").upper(),
        nationality=_country(obj, "nationality"),
        issue_date=_date(obj, "issue_date"),
        expiry_date=_date(obj, "expiry_date"),
        issuing_post=_text(obj, "issuing_post"),
        check_code=_assigned(obj, "check_code", check_code),
        issuing_state=_country({"issuing_state": "LKA", **obj}, "issuing_state"),
        personal_number=str(obj.get("personal_number", "")).strip(),
    )
    if data.expiry_date < data.issue_date:
        raise DocumentError("expiry_date is before issue_date")
    data.mrz_lines()  # raises MrzError (a DocumentError) for what an MRZ cannot hold
    return data


def ttd_photo_path(obj: Mapping[str, Any], base: Path) -> Path:
    """The photo named in a ttd.json, relative to the JSON file's folder ``base``."""
    return base / _text(obj, "photo")


def legalization_from_json(
    obj: Mapping[str, Any],
    number: str | None = None,
    check_code: str | None = None,
    default_date: date | None = None,
) -> LegalizationData:
    """LegalizationData from a parsed legalization.json; ``date`` defaults to
    ``default_date`` (the issuing day)."""
    _check_keys(obj, LEGALIZATION_REQUIRED, LEGALIZATION_OPTIONAL)
    if "date" in obj:
        when = _date(obj, "date")
    elif default_date is not None:
        when = default_date
    else:
        raise DocumentError("'date' is neither in the request nor given by the issuer")
    return LegalizationData(
        number=_assigned(obj, "number", number),
        country=_text(obj, "country"),
        signed_by=_text(obj, "signed_by"),
        capacity=_text(obj, "capacity"),
        seal_of=_text(obj, "seal_of"),
        place=_text(obj, "place"),
        date=when,
        certified_by=_text(obj, "certified_by"),
        check_code=_assigned(obj, "check_code", check_code),
        document_title=str(obj.get("document_title", "")).strip(),
    )
