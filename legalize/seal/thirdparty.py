"""Published VDS profiles of other issuers, read so that their seals verify here too.

ICAO 9303-13's visa, and BSI TR-03137's German profiles (arrival attestation, residence
permit, supplementary sheet, social insurance card, address stickers). A profile is named by
its feature definition reference and document type category; each tag has a coding. Tags a
profile does not list are kept undecoded; nothing here refuses a seal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from legalize.seal import c40
from legalize.seal.errors import SealMalformed
from legalize.seal.tlv import Tlv


class Coding(Enum):
    C40 = "C40"
    MRZ = "MRZ"
    """C40 with spaces read back as the MRZ filler ``<``."""
    UTF8 = "UTF8"
    BYTE = "BYTE"
    BYTES = "BYTES"


@dataclass(frozen=True)
class Profile:
    name: str
    fields: dict[int, tuple[str, Coding]]


PROFILES: dict[tuple[int, int], Profile] = {
    (0x5D, 0x01): Profile(
        "ICAO_VISA",
        {
            0x01: ("mrz_mrva", Coding.MRZ),
            0x02: ("mrz_mrvb", Coding.MRZ),
            0x03: ("number_of_entries", Coding.BYTE),
            0x04: ("duration_of_stay", Coding.BYTES),
            0x05: ("passport_number", Coding.C40),
            0x06: ("visa_type", Coding.BYTES),
            0x07: ("additional_features", Coding.BYTES),
        },
    ),
    (0xFD, 0x02): Profile(
        "ARRIVAL_ATTESTATION", {0x02: ("mrz", Coding.MRZ), 0x03: ("azr", Coding.C40)}
    ),
    (0xFB, 0x06): Profile(
        "RESIDENCE_PERMIT", {0x02: ("mrz", Coding.MRZ), 0x03: ("passport_number", Coding.C40)}
    ),
    (0xFA, 0x06): Profile(
        "SUPPLEMENTARY_SHEET", {0x04: ("mrz", Coding.MRZ), 0x05: ("sheet_number", Coding.C40)}
    ),
    (0xFC, 0x04): Profile(
        "SOCIAL_INSURANCE_CARD",
        {
            0x01: ("social_insurance_number", Coding.C40),
            0x02: ("surname", Coding.UTF8),
            0x03: ("first_name", Coding.UTF8),
            0x04: ("birth_name", Coding.UTF8),
        },
    ),
    (0xF8, 0x0A): Profile(
        "ADDRESS_STICKER_PASSPORT",
        {
            0x01: ("document_number", Coding.C40),
            0x02: ("ags", Coding.C40),
            0x03: ("postal_code", Coding.C40),
        },
    ),
    (0xF9, 0x08): Profile(
        "ADDRESS_STICKER_ID",
        {
            0x01: ("document_number", Coding.C40),
            0x02: ("ags", Coding.C40),
            0x03: ("address", Coding.C40),
        },
    ),
    (0xF9, 0x0C): Profile(
        "ADDRESS_STICKER_RP",
        {
            0x01: ("document_number", Coding.C40),
            0x02: ("ags", Coding.C40),
            0x03: ("address", Coding.C40),
        },
    ),
}


@dataclass(frozen=True)
class ThirdPartySeal:
    """A seal of another issuer's published profile, decoded field by field."""

    profile: str
    issuing_country: str
    issue_date: date
    values: dict[str, str | int]
    """Decoded fields by name; bytes fields as hex."""
    unknown: tuple[Tlv, ...]
    """Messages the profile does not list, kept as they are."""

    @property
    def mrz(self) -> str | None:
        for key in ("mrz", "mrz_mrvb", "mrz_mrva"):
            value = self.values.get(key)
            if isinstance(value, str):
                return value
        return None

    @property
    def expiry_date(self) -> date | None:
        """Date of expiry / 'valid until' from a two-line MRZ (TD2, TD3, MRV-A, MRV-B all
        put it at characters 22-27 of line 2), read as 20YY; None when there is none."""
        mrz = self.mrz
        if mrz is None or len(mrz) % 2:
            return None
        line2 = mrz[len(mrz) // 2 :]
        raw = line2[21:27]
        try:
            return date(2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:6]))
        except ValueError:
            return None

    def fields(self) -> dict[str, object]:
        return {
            "profile": self.profile,
            "issuing_country": self.issuing_country,
            "issue_date": self.issue_date.isoformat(),
            **self.values,
            "unknown_messages": [
                {"tag": f"0x{m.tag:02X}", "value": m.value.hex()} for m in self.unknown
            ],
        }


def _decode(value: bytes, coding: Coding) -> str | int:
    if coding is Coding.MRZ:
        return c40.decode_mrz(value)
    if coding is Coding.C40:
        return c40.decode(value)
    if coding is Coding.UTF8:
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            raise SealMalformed("field is not UTF-8") from None
    if coding is Coding.BYTE:
        if len(value) != 1:
            raise SealMalformed("one-byte field of another length")
        return value[0]
    return value.hex()


def read(
    feature_ref: int,
    category: int,
    issuing_country: str,
    issue_date: date,
    messages: tuple[Tlv, ...],
) -> ThirdPartySeal | None:
    """Decode by a published profile; None when (feature_ref, category) names none."""
    profile = PROFILES.get((feature_ref, category))
    if profile is None:
        return None
    values: dict[str, str | int] = {}
    unknown: list[Tlv] = []
    for message in messages:
        spec = profile.fields.get(message.tag)
        if spec is None or spec[0] in values:
            unknown.append(message)
            continue
        values[spec[0]] = _decode(message.value, spec[1])
    return ThirdPartySeal(profile.name, issuing_country, issue_date, values, tuple(unknown))
