"""Seals of other issuers, decoded by the profile catalog (``legalize/data/seal_profiles.toml``)
so that their content is shown, not only their signature verified.

A VDS is read by the profile its header names (ICAO 9303-13's visa, BSI TR-03137's German
profiles, whatever the catalog lists); an IDB by its message types (visa and ETD messages
holding their VDS profile's features, MRZ of each document form, face image, expiry date,
...). Tags the catalog does not list are kept raw; nothing here refuses a seal for them.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from legalize.seal.catalog import catalog
from legalize.seal.features import Document, Field, json_value, read_features
from legalize.seal.features import image_format as image_format
from legalize.seal.tlv import Tlv

IDB_TITLE: Mapping[str, str] = MappingProxyType(
    {"en": "ICAO barcode", "si": "ICAO තීරු කේතය", "ta": "ICAO பட்டைக் குறியீடு"}
)


def face_image_data(image: bytes) -> dict[str, Any]:
    """How a report carries a face image: its format, size and the bytes in Base64 (so the
    CLI can write it out and a web page can show it)."""
    return {
        "format": image_format(image),
        "bytes": len(image),
        "base64": base64.b64encode(image).decode("ascii"),
    }


@dataclass(frozen=True)
class ThirdPartySeal:
    """A seal of a published profile, decoded field by field."""

    profile: str
    issuing_country: str
    issue_date: date | None
    """VDS: the header's document issue date; IDB: the signature creation date, if any."""
    decoded: tuple[Field, ...]
    """Every message in order, unknown tags included (coding ``UNKNOWN``)."""
    container: str = "VDS"
    title: Mapping[str, str] = field(default_factory=lambda: IDB_TITLE)

    @property
    def document(self) -> Document:
        return Document(self.decoded)

    @property
    def values(self) -> dict[str, str | int]:
        """Known fields by name (MRZ lines joined, bytes as hex, dates ISO); the first of a
        name wins."""
        out: dict[str, str | int] = {}
        for item in self.document.all():
            if item.coding in ("UNKNOWN", "IMAGE", "PROFILE") or item.name in out:
                continue
            value = item.value
            if isinstance(value, tuple):
                out[item.name] = "".join(value)
            elif isinstance(value, str | int) and not isinstance(value, bool):
                out[item.name] = value
            else:
                out[item.name] = json_value(item)
        return out

    @property
    def unknown(self) -> tuple[Tlv, ...]:
        return tuple(
            Tlv(f.tag, f.value)
            for f in self.document.all()
            if f.coding == "UNKNOWN" and isinstance(f.value, bytes)
        )

    @property
    def mrz(self) -> str | None:
        item = self.document.mrz
        return "".join(item.value) if item is not None and isinstance(item.value, tuple) else None

    @property
    def expiry_date(self) -> date | None:
        return self.document.expiry_date

    @property
    def face_image(self) -> bytes | None:
        return self.document.face_image

    def fields(self) -> dict[str, object]:
        out: dict[str, object] = {
            "profile": self.profile,
            "container": self.container,
            "title": dict(self.title),
            "issuing_country": self.issuing_country,
            "issue_date": self.issue_date.isoformat() if self.issue_date else None,
        }
        for item in self.document.all():
            if item.coding not in ("UNKNOWN", "PROFILE", "IMAGE") and item.name not in out:
                out[item.name] = json_value(item)
        if self.expiry_date is not None:
            out["expiry_date"] = self.expiry_date.isoformat()
        if self.face_image is not None:
            out["face_image"] = face_image_data(self.face_image)
        out["unknown_messages"] = [
            {"tag": f"0x{m.tag:02X}", "value": m.value.hex()} for m in self.unknown
        ]
        out["decoded"] = [f.to_json() for f in self.decoded]
        return out


def read(
    feature_ref: int,
    category: int,
    issuing_country: str,
    issue_date: date,
    messages: tuple[Tlv, ...],
) -> ThirdPartySeal | None:
    """Decode a VDS by its catalog profile; None when (feature_ref, category) names none."""
    cat = catalog()
    profile = cat.vds_profile(feature_ref, category)
    if profile is None:
        return None
    decoded = read_features(profile, messages, cat)
    return ThirdPartySeal(profile.name, issuing_country, issue_date, decoded, "VDS", profile.title)


def read_idb(
    country: str, signed_on: date | None, messages: tuple[Tlv, ...]
) -> ThirdPartySeal | None:
    """Decode an IDB message group by the catalog's message types; None when it holds no
    message the catalog knows (the caller shows it raw as an unsupported profile)."""
    cat = catalog()
    decoded = read_features(cat.idb_messages, messages, cat)
    if all(f.coding == "UNKNOWN" for f in decoded):
        return None
    group = next((f for f in decoded if f.coding == "PROFILE"), None)
    name, title = "IDB", IDB_TITLE
    if group is not None:
        nested = cat.idb_messages[group.tag].profile
        assert nested is not None
        name, title = nested, cat.profiles[nested].title
    return ThirdPartySeal(name, country, signed_on, decoded, "IDB", title)
