"""Field checks of the workflow inputs: every bad field is named, all of them at once.

:class:`Fields` collects :class:`FieldError`s while a mapping (a JSON body, a CSV row, a form)
is read; :meth:`Fields.raise_if_any` turns them into one :class:`InvalidInput`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from legalize.cases.errors import FieldError, InvalidInput, ReasonRequired
from legalize.imaging.decode import PHOTO_LIMITS
from legalize.registry.identity import NIC_RE

COUNTRY_RE = re.compile(r"^[A-Z]{3}$")
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$")
TRAVEL_DOC_RE = re.compile(r"^[A-Z0-9]{5,20}$")
SEXES = ("F", "M", "X")
MAX_NAME = 100
MAX_TEXT = 200
MAX_REASON = 2000
MAX_PHOTO_BYTES = PHOTO_LIMITS.max_bytes
"""The holder-photo limit of legalize.imaging.decode: one limit from intake to print."""
MAX_UNDERLYING_BYTES = 20 * 1024 * 1024


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
                self.fail(key, f"{self.name(key)} is required", "REQUIRED")
            return ""
        if not isinstance(value, str):
            self.fail(key, f"{self.name(key)} must be text")
            return ""
        value = " ".join(value.split())
        if len(value) > limit:
            self.fail(key, f"{self.name(key)} is longer than {limit} characters")
            return ""
        if any(ord(c) < 32 for c in value):
            self.fail(key, f"{self.name(key)} contains control characters")
            return ""
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"{self.name(key)} has an invalid format")
            return ""
        return value

    def sealed_text(self, key: str, max_bytes: int) -> str:
        """Required text that the seal carries: at most ``max_bytes`` in UTF-8."""
        value = self.text(key)
        if value and len(value.encode("utf-8")) > max_bytes:
            self.fail(key, f"{self.name(key)} is longer than the seal carries ({max_bytes} bytes)")
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

    def date(self, key: str, *, required: bool = True) -> date | None:
        value = self.data.get(key)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        if value is None or value == "":
            if required:
                self.fail(key, f"{self.name(key)} is required", "REQUIRED")
            return None
        if not isinstance(value, str):
            self.fail(key, f"{self.name(key)} must be a date YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            self.fail(key, f"{self.name(key)} must be a date YYYY-MM-DD")
            return None

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = True) -> str:
        value = self.text(key, required=required, limit=20).upper()
        if value and value not in choices:
            self.fail(key, f"{self.name(key)} must be one of {', '.join(choices)}")
            return ""
        return value

    def binary(self, key: str, *, required: bool, limit: int) -> bytes | None:
        """Bytes as given, or Base64 text (JSON bodies)."""
        value = self.data.get(key)
        if value is None or value in ("", b""):
            if required:
                self.fail(key, f"{self.name(key)} is required", "REQUIRED")
            return None
        if isinstance(value, str):
            try:
                value = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                self.fail(key, f"{self.name(key)} must be Base64")
                return None
        if not isinstance(value, bytes):
            self.fail(key, f"{self.name(key)} must be a file")
            return None
        if len(value) > limit:
            self.fail(key, f"{self.name(key)} is larger than {limit // (1024 * 1024)} MiB")
            return None
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.data.get(key)
        if not isinstance(value, Mapping):
            self.fail(key, f"{self.name(key)} must be an object", "REQUIRED")
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
        raise InvalidInput(f"reason is longer than {MAX_REASON} characters", field="reason")
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
        fields.fail(key, f"{fields.name(key)} is in the future")
    elif value.year < 1900:
        fields.fail(key, f"{fields.name(key)} is before 1900")


__all__ = [
    "COUNTRY_RE",
    "NIC_RE",
    "REFERENCE_RE",
    "SEXES",
    "TRAVEL_DOC_RE",
    "Fields",
    "check_birth_date",
    "document_media_type",
    "image_media_type",
    "require_reason",
]
