"""Field checks of the workflow inputs: every bad field is named, all of them at once.

:class:`Fields` collects :class:`FieldError`s while a mapping (a JSON body, a CSV row, a form)
is read; :meth:`Fields.raise_if_any` turns them into one :class:`InvalidInput`.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from legalize import countries
from legalize.cases.errors import FieldError, InvalidInput, ReasonRequired
from legalize.documents.mrz import MrzError, transliterate
from legalize.documents.ttd import REPERTOIRE
from legalize.imaging.decode import PHOTO_LIMITS
from legalize.phrases import P_
from legalize.registry.identity import NIC_RE

REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$")
TRAVEL_DOC_RE = re.compile(r"^[A-Z0-9]{5,20}$")
SEXES = ("F", "M", "X")
MAX_NAME = 100
MAX_TEXT = 200
MAX_REASON = 2000
MAX_PHOTO_BYTES = PHOTO_LIMITS.max_bytes
"""The holder-photo limit of legalize.imaging.decode: one limit from intake to print."""
MAX_UNDERLYING_BYTES = 20 * 1024 * 1024


_LINE_BREAKS = str.maketrans("\t\n\r", "   ")
"""Tabs and line breaks (a pasted text area) are white space, collapsed like spaces."""
_JOINERS = "\u200c\u200d"
"""ZWNJ and ZWJ: part of Sinhala and Tamil spelling (ශ්\u200dරී), nowhere else."""
_INDIC = re.compile(r"[\u0b80-\u0bff\u0d80-\u0dff]")


def normalise_text(value: str) -> str:
    """What may be normalised, normalised: NFKC (fullwidth and compatibility forms become
    their plain letters and digits, no-break spaces spaces), then trimmed with every run of
    white space one space."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def hidden_character(value: str) -> str | None:
    """The first character of ``value`` that must never be stored or printed, described, or
    None: controls (C0, DEL, C1), format characters (bidirectional overrides and marks,
    zero-width characters, the BOM, tag characters, soft hyphens), private-use, surrogate and
    unassigned code points. ZWNJ and ZWJ pass between Sinhala or Tamil letters only."""
    for index, char in enumerate(value):
        category = unicodedata.category(char)
        if category[0] != "C" and category not in ("Zl", "Zp"):
            continue
        if (
            char in _JOINERS
            and 0 < index < len(value) - 1
            and _INDIC.match(value[index - 1])
            and _INDIC.match(value[index + 1])
        ):
            continue
        name = unicodedata.name(char, "")
        return f"U+{ord(char):04X}" + (f" {name}" if name else "")
    return None


PRINTED_NAME_CHARACTERS = frozenset(REPERTOIRE) - frozenset("0123456789;:()/&#")
"""What a holder's name may hold: the TTD page's repertoire (Latin letters with diacritics,
upper-cased for print) less digits and symbols; the MRZ must transliterate it too."""
PRINTED_TEXT_CHARACTERS = frozenset(REPERTOIRE)
"""What other text printed on the TTD page (place of birth) may hold, upper-cased."""


class Fields:
    """Reads typed values out of a mapping, collecting one error per bad field."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data = data
        self.prefix = prefix
        self.errors: list[FieldError] = []

    def name(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def fail(self, key: str, message: str, code: str = "INVALID_INPUT") -> None:
        self.errors.append(FieldError(self.name(key), code, message))

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        limit: int = MAX_TEXT,
        pattern: re.Pattern[str] | None = None,
    ) -> str:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(key, P_("%(field)s is required", field=self.name(key)), "REQUIRED")
            return ""
        if not isinstance(value, str):
            self.fail(key, P_("%(field)s must be text", field=self.name(key)))
            return ""
        # before white space is collapsed: Python splits on C1 NEL and the separators \x1c-\x1f
        hidden = hidden_character(unicodedata.normalize("NFKC", value).translate(_LINE_BREAKS))
        value = normalise_text(value)
        if len(value) > limit:
            self.fail(
                key,
                P_(
                    "%(field)s is longer than %(limit)s characters",
                    field=self.name(key),
                    limit=limit,
                ),
            )
            return ""
        if hidden is not None:
            self.fail(
                key,
                P_(
                    "%(field)s contains an invisible or control character (%(character)s)",
                    field=self.name(key),
                    character=hidden,
                ),
                "INVALID_CHARACTERS",
            )
            return ""
        if pattern is not None and not pattern.match(value):
            self.fail(key, P_("%(field)s has an invalid format", field=self.name(key)))
            return ""
        return value

    def printed_text(
        self, key: str, *, required: bool = True, limit: int = MAX_NAME, name: bool = False
    ) -> str:
        """Text printed on the TTD page (and, for a ``name``, written into the MRZ): checked at
        intake with the rules the page and the MRZ apply at issuance, so what is filed can be
        issued. Latin letters (with diacritics) only; a letter of another script among them
        (Cyrillic а, Greek Ο: look-alikes) is refused."""
        value = self.text(key, required=required, limit=limit)
        if not value:
            return value
        allowed = PRINTED_NAME_CHARACTERS if name else PRINTED_TEXT_CHARACTERS
        bad = sorted({c for c in value if not set(c.upper()) <= allowed})
        if bad:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad[:3])
            self.fail(
                key,
                P_(
                    "%(field)s may use Latin letters only, as printed on the document (not "
                    "%(characters)s)",
                    field=self.name(key),
                    characters=shown,
                ),
                "INVALID_CHARACTERS",
            )
            return ""
        if name:
            try:
                transliterate(value)
            except MrzError:
                self.fail(
                    key,
                    P_(
                        "%(field)s cannot be written in the machine-readable zone",
                        field=self.name(key),
                    ),
                    "INVALID_CHARACTERS",
                )
                return ""
        return value

    def sealed_text(self, key: str, max_bytes: int) -> str:
        """Required text that the seal carries: at most ``max_bytes`` in UTF-8."""
        value = self.text(key)
        if value and len(value.encode("utf-8")) > max_bytes:
            self.fail(
                key,
                P_(
                    "%(field)s is longer than the seal carries (%(limit)s bytes)",
                    field=self.name(key),
                    limit=max_bytes,
                ),
            )
            return ""
        return value

    def upper(
        self, key: str, pattern: re.Pattern[str], *, required: bool = True, limit: int = 20
    ) -> str:
        value = self.data.get(key)
        if isinstance(value, str):
            value = value.strip().upper().replace(" ", "")
        probe = Fields({key: value}, self.prefix)
        result = probe.text(key, required=required, limit=limit, pattern=pattern)
        self.errors.extend(probe.errors)
        return result

    def country(self, key: str, *, required: bool = True) -> str:
        """An ICAO 9303 country code (legalize.countries), as the register stores it."""
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(key, P_("%(field)s is required", field=self.name(key)), "REQUIRED")
            return ""
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            self.fail(
                key,
                P_("%(field)s must be an ICAO country code", field=self.name(key)),
                "UNKNOWN_COUNTRY",
            )
            return ""
        try:
            return countries.normalize(value)
        except countries.UnknownCountry as exc:
            self.fail(
                key,
                P_("%(field)s: %(reason)s", field=self.name(key), reason=str(exc)),
                "UNKNOWN_COUNTRY",
            )
            return ""

    def date(self, key: str, *, required: bool = True) -> date | None:
        value = self.data.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if value is None or value == "":
            if required:
                self.fail(key, P_("%(field)s is required", field=self.name(key)), "REQUIRED")
            return None
        if not isinstance(value, str):
            self.fail(key, P_("%(field)s must be a date YYYY-MM-DD", field=self.name(key)))
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self.fail(key, P_("%(field)s must be a date YYYY-MM-DD", field=self.name(key)))
            return None

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = True) -> str:
        value = self.text(key, required=required, limit=20).upper()
        if value and value not in choices:
            self.fail(
                key,
                P_(
                    "%(field)s must be one of %(choices)s",
                    field=self.name(key),
                    choices=", ".join(choices),
                ),
            )
            return ""
        return value

    def binary(self, key: str, *, required: bool, limit: int) -> bytes | None:
        """Bytes as given, or Base64 text (JSON bodies)."""
        value = self.data.get(key)
        if value is None or value in ("", b""):
            if required:
                self.fail(key, P_("%(field)s is required", field=self.name(key)), "REQUIRED")
            return None
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                self.fail(key, P_("%(field)s must be Base64", field=self.name(key)))
                return None
        if not isinstance(value, bytes):
            self.fail(key, P_("%(field)s must be a file", field=self.name(key)))
            return None
        if len(value) > limit:
            self.fail(
                key,
                P_(
                    "%(field)s is larger than %(limit)s MiB",
                    field=self.name(key),
                    limit=limit // (1024 * 1024),
                ),
            )
            return None
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            self.fail(key, P_("%(field)s must be an object", field=self.name(key)), "REQUIRED")
            return {}
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise InvalidInput(first.message, errors=tuple(self.errors))


def require_reason(reason: str | None) -> str:
    if reason is None or not reason.strip():
        raise ReasonRequired()
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise InvalidInput(
            P_("%(field)s is longer than %(limit)s characters", field="reason", limit=MAX_REASON),
            field="reason",
        )
    return reason


def image_media_type(data: bytes) -> str | None:
    """JPEG or PNG by their magic numbers (what photos and specimens may be)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def document_media_type(data: bytes) -> str | None:
    """PDF, JPEG or PNG: what an underlying document may be."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    return image_media_type(data)


def check_birth_date(fields: Fields, key: str, value: date | None, at: datetime) -> None:
    if value is None:
        return
    if value > at.date():
        fields.fail(key, P_("%(field)s is in the future", field=fields.name(key)))
    elif value.year < 1900:
        fields.fail(key, P_("%(field)s is before 1900", field=fields.name(key)))


__all__ = [
    "NIC_RE",
    "REFERENCE_RE",
    "SEXES",
    "TRAVEL_DOC_RE",
    "Fields",
    "check_birth_date",
    "document_media_type",
    "hidden_character",
    "image_media_type",
    "normalise_text",
    "require_reason",
]
