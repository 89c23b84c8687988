"""C40 as ICAO 9303-13 / TR-03137 use it: triples, the two-character and one-character tails."""

from __future__ import annotations

import pytest

from legalize.seal import c40
from legalize.seal.errors import SealMalformed


@pytest.mark.parametrize(
    ("text", "hexed"),
    [
        ("", ""),
        ("UTO", "d9c5"),  # 1600·34 + 40·33 + 28 + 1 = 0xD9C5 (9303-13 example header)
        ("A", "fe42"),  # one character left: 0xFE, then ASCII + 1
        ("AB", "59d9"),  # two left: Shift 1 (value 0) pads the third: 1600·14 + 40·15 + 0 + 1
        ("AB1", "59de"),
    ],
)
def test_known_encodings(text: str, hexed: str) -> None:
    assert c40.encode(text).hex() == hexed
    assert c40.decode(bytes.fromhex(hexed)) == text


def test_icao_example_country_and_signer() -> None:
    # Header of the ICAO 9303-13 ETD example seal: DC 03 | D9C5 = "UTO" | D9CA C8A7 = "UTTS02".
    assert c40.decode(bytes.fromhex("d9c5")) == "UTO"
    assert c40.decode(bytes.fromhex("d9cac8a7")) == "UTTS02"


@pytest.mark.parametrize("length", range(0, 12))
def test_round_trip_every_tail_length(length: int) -> None:
    text = "AZ09 XY7Q1 K"[:length]
    data = c40.encode(text)
    assert len(data) == c40.encoded_length(length)
    assert c40.decode(data) == text


def test_mrz_filler_is_space() -> None:
    assert c40.encode("P<LKA") == c40.encode("P LKA")
    assert c40.decode_mrz(c40.encode("P<LKA<<")) == "P<LKA<<"


@pytest.mark.parametrize("text", ["abc", "A-B", "É", "A.B"])
def test_refuses_non_c40_text(text: str) -> None:
    with pytest.raises(c40.C40Error):
        c40.encode(text)


@pytest.mark.parametrize(
    "hexed",
    [
        "a0",  # odd length
        "fe42a00f",  # single-character tail not at the end
        "fe00",  # unlatch with no character
        "fe2e",  # unlatch with '-' (not C40)
        "ffff",  # value out of range
        "0001",  # shift characters as text
        "59d9d9c5",  # padding (Shift 1) before the end
    ],
)
def test_decoder_is_strict(hexed: str) -> None:
    with pytest.raises(SealMalformed):
        c40.decode(bytes.fromhex(hexed))
