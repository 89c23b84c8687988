"""Dates in seals: ICAO 9303-13 packs MMDDYYYY as a decimal number into 3 bytes; the IDB
signature creation date adds a leading mask byte (one bit per unknown digit)."""

from __future__ import annotations

from datetime import date

from legalize.seal.errors import SealMalformed


def encode_date(day: date) -> bytes:
    return int(f"{day.month:02d}{day.day:02d}{day.year:04d}").to_bytes(3, "big")


def decode_date(data: bytes) -> date:
    if len(data) != 3:
        raise SealMalformed("date is not 3 bytes")
    digits = f"{int.from_bytes(data, 'big'):08d}"
    try:
        return date(int(digits[4:]), int(digits[:2]), int(digits[2:4]))
    except ValueError:
        raise SealMalformed(f"not a date: {digits}") from None


def encode_masked_date(day: date) -> bytes:
    """IDB form of a fully known date: mask byte 0 + the 3-byte date."""
    return b"\x00" + encode_date(day)


def decode_masked_date(data: bytes) -> date | None:
    """Decode an IDB masked date; ``None`` when any digit is masked as unknown."""
    if len(data) != 4:
        raise SealMalformed("masked date is not 4 bytes")
    if data[0] != 0:
        return None
    return decode_date(data[1:])
