"""Decoding message values by their catalog coding into named, labelled fields.

Every value is checked against its feature's length rule and coding; a value that breaks
either is :class:`SealMalformed` (a known profile is read strictly). Tags the catalog does
not list become :class:`Field` items with coding ``UNKNOWN`` and their raw bytes: TR-03137
and the IDB report require that an unknown tag never invalidates a seal, and an officer must
still see that it is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from legalize.seal import c40
from legalize.seal.catalog import MRZ_FORMS, Catalog, FeatureDef, ProfileDef
from legalize.seal.dates import decode_date
from legalize.seal.errors import SealMalformed
from legalize.seal.tlv import Tlv, read_all

Value = str | int | date | tuple[str, ...] | bytes | None


@dataclass(frozen=True)
class Field:
    """One decoded message or feature."""

    tag: int
    name: str
    coding: str
    """The catalog coding, or ``UNKNOWN`` for a tag the catalog does not list."""
    label: Mapping[str, str]
    value: Value
    """str (C40, UTF-8, a partly masked date as ``YYYY-MM-DD`` with ``X``), int (BYTE), date,
    tuple of lines (MRZ), bytes (BYTES, IMAGE, UNKNOWN), None for a PROFILE group."""
    children: tuple[Field, ...] = ()
    """The features of a PROFILE message (the visa or ETD inside an IDB)."""
    mrz_form: str | None = None

    def walk(self) -> tuple[Field, ...]:
        """This field and, depth first, its children."""
        return (self, *(f for child in self.children for f in child.walk()))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tag": f"0x{self.tag:02X}",
            "name": self.name,
            "label": dict(self.label),
            "coding": self.coding,
            "value": json_value(self),
        }
        if self.children:
            out["fields"] = [c.to_json() for c in self.children]
        return out


def image_format(data: bytes) -> str:
    """``jpeg2000`` (JP2 file or bare codestream), ``jpeg`` or ``unknown``."""
    if data.startswith(b"\x00\x00\x00\x0cjP  \r\n\x87\n") or data.startswith(b"\xff\x4f\xff\x51"):
        return "jpeg2000"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    return "unknown"


def json_value(item: Field) -> Any:
    value = item.value
    if item.coding == "IMAGE" and isinstance(value, bytes):
        return {"format": image_format(value), "bytes": len(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple):
        return list(value)
    return value


def unknown_label(tag: int) -> Mapping[str, str]:
    return MappingProxyType(
        {
            "en": f"Unknown message 0x{tag:02X}",
            "si": f"නොදන්නා පණිවිඩය 0x{tag:02X}",
            "ta": f"அறியப்படாத செய்தி 0x{tag:02X}",
        }
    )


def unknown(item: Tlv) -> Field:
    return Field(
        item.tag, f"unknown_0x{item.tag:02x}", "UNKNOWN", unknown_label(item.tag), item.value
    )


def mrz_lines(text: str, form: str) -> tuple[str, ...]:
    """Split an MRZ into its form's lines. 9303-13 stores a visa's MRZ without the optional
    data at the end of line 2, so a shorter MRZ is padded with filler to the form's length."""
    lines, width = MRZ_FORMS[form]
    if len(text) > lines * width:
        raise SealMalformed(f"MRZ of {len(text)} characters; form {form} has {lines * width}")
    text = text.ljust(lines * width, "<")
    return tuple(text[i * width : (i + 1) * width] for i in range(lines))


def masked_date(data: bytes) -> date | str:
    """An IDB date: mask byte (bit 7 = first digit of MMDDYYYY unknown, ...) + 3-byte date.
    Fully known: a date; otherwise ``YYYY-MM-DD`` with ``X`` for each unknown digit."""
    if len(data) != 4:
        raise SealMalformed("masked date is not 4 bytes")
    if data[0] == 0:
        return decode_date(data[1:])
    digits = list(f"{int.from_bytes(data[1:], 'big'):08d}")
    if len(digits) != 8:
        raise SealMalformed("masked date out of range")
    for i in range(8):
        if data[0] & (0x80 >> i):
            digits[i] = "X"
    return f"{''.join(digits[4:])}-{''.join(digits[:2])}-{''.join(digits[2:4])}"


def decode_value(defn: FeatureDef, raw: bytes, catalog: Catalog) -> Field:
    """Decode one value by its definition; :class:`SealMalformed` when it breaks the rules."""
    if not defn.min <= len(raw) <= defn.max:
        raise SealMalformed(
            f"{defn.name} (tag 0x{defn.tag:02X}) of {len(raw)} bytes; the profile allows "
            f"{defn.min}-{defn.max}"
        )
    coding = defn.coding
    value: Value
    children: tuple[Field, ...] = ()
    if coding == "MRZ":
        assert defn.mrz_form is not None  # the catalog loader guarantees it
        value = mrz_lines(c40.decode_mrz(raw), defn.mrz_form)
    elif coding == "C40":
        value = c40.decode(raw)
    elif coding == "UTF8":
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SealMalformed(f"{defn.name} is not UTF-8") from None
    elif coding == "BYTE":
        if len(raw) != 1:
            raise SealMalformed(f"{defn.name}: one-byte field of another length")
        value = raw[0]
    elif coding == "DATE":
        value = decode_date(raw)
    elif coding == "MASKED_DATE":
        value = masked_date(raw)
    elif coding == "PROFILE":
        assert defn.profile is not None
        value = None
        children = read_features(catalog.profiles[defn.profile], read_all(raw), catalog)
    elif coding == "IMAGE":
        if image_format(raw) == "unknown":
            raise SealMalformed(f"{defn.name} is neither JPEG nor JPEG 2000")
        value = raw
    else:  # BYTES
        value = raw
    return Field(defn.tag, defn.name, coding, defn.label, value, children, defn.mrz_form)


def read_features(
    profile: ProfileDef | Mapping[int, FeatureDef], items: tuple[Tlv, ...], catalog: Catalog
) -> tuple[Field, ...]:
    """Decode a message list by a profile (or an IDB message table): known tags by their
    coding, a repeated or unlisted tag kept raw; a required feature missing is malformed."""
    table = profile.features if isinstance(profile, ProfileDef) else profile
    seen: set[int] = set()
    out: list[Field] = []
    for item in items:
        defn = table.get(item.tag)
        if defn is None or item.tag in seen:
            out.append(unknown(item))
            continue
        seen.add(item.tag)
        out.append(decode_value(defn, item.value, catalog))
    for defn in table.values():
        if defn.required and defn.tag not in seen:
            raise SealMalformed(f"{defn.name} (tag 0x{defn.tag:02X}) missing")
    return tuple(out)


def mrz_expiry(lines: tuple[str, ...], form: str | None) -> date | None:
    """Date of expiry of an MRZ (TD1: line 2, characters 9-14; every two-line form: line 2,
    characters 22-27), read as 20YY; None when unreadable."""
    if form == "TD1" and len(lines) == 3:
        raw = lines[1][8:14]
    elif len(lines) == 2:
        raw = lines[1][21:27]
    else:
        return None
    try:
        return date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        return None


@dataclass(frozen=True)
class Document:
    """What the decoded fields of one seal say, whatever the profile: the first MRZ, the
    document's expiry (an explicit expiry field first, else the MRZ's), the face image."""

    fields: tuple[Field, ...] = field(default_factory=tuple)

    def all(self) -> tuple[Field, ...]:
        return tuple(f for top in self.fields for f in top.walk())

    def first(self, name: str) -> Field | None:
        return next((f for f in self.all() if f.name == name), None)

    @property
    def mrz(self) -> Field | None:
        return next((f for f in self.all() if f.coding == "MRZ"), None)

    @property
    def expiry_date(self) -> date | None:
        explicit = self.first("expiry_date")
        if explicit is not None and isinstance(explicit.value, date):
            return explicit.value
        mrz = self.mrz
        if mrz is not None and isinstance(mrz.value, tuple):
            return mrz_expiry(mrz.value, mrz.mrz_form)
        return None

    @property
    def face_image(self) -> bytes | None:
        image = next((f for f in self.all() if f.coding == "IMAGE"), None)
        return image.value if image is not None and isinstance(image.value, bytes) else None
