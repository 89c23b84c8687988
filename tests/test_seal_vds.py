"""VDS codec: header versions 3 and 4, message zone, signature zone; strict decoding."""

from __future__ import annotations

from datetime import date

import pytest

from legalize.seal import c40, vds
from legalize.seal.errors import SealError, SealMalformed, SealUnreadable, SealUnsupported
from legalize.seal.tlv import Tlv

# ICAO 9303-13's emergency-travel-document example (header v4, UTO, signer UTTS, ref 5B).
ICAO_ETD = bytes.fromhex(
    "dc03d9c5d9cac8a73a990f7134b834595e0302308a0d62b9d917a4cca93ca4d0edfc133c133c133c133c"
    "133c3fef3a2938ee43f1593d1ae52dbb26751fe64b7c133c136bff403644690e5f2dd4e39b8bf10b4db6"
    "69a38e60c8e6a46b3da0d7ad0f6aaf59af2326e924e4f96033ea096e89b8a5265aa9f2a39435f17120fe"
    "bf9334af51618d94"
)


def _header(version: int = 4, ref: str = "1A2B3") -> vds.VdsHeader:
    return vds.VdsHeader(
        version, "LKA", "LKTD", ref, date(2026, 1, 15), date(2026, 1, 16), 0x5E, 0x03
    )


def _seal(header: vds.VdsHeader, messages: list[Tlv], signature: bytes = b"\x11" * 64) -> bytes:
    return vds.build_unsigned(header, messages) + vds.signature_zone(signature)


def test_decodes_the_icao_example() -> None:
    seal = vds.decode(ICAO_ETD)
    h = seal.header
    assert (h.version, h.issuing_country, h.signer_id, h.cert_reference) == (4, "UTO", "UTTS", "5B")
    assert (h.feature_ref, h.type_category) == (0x5E, 0x03)
    assert h.issue_date == date(2020, 1, 1)
    assert c40.decode_mrz(seal.message(0x02) or b"") == (
        "I<GBRSUPAMANN<<MARY<<<<<<<<<<<<<<<<<6525845096USA7008038M2201018<<<<<<06"
    )
    assert len(seal.signature) == 64
    assert seal.encode() == ICAO_ETD
    assert seal.signed_bytes == ICAO_ETD[:-66]


@pytest.mark.parametrize(
    ("version", "ref"), [(3, "1A2B3"), (3, "7"), (4, "1A2B3"), (4, "5B"), (4, "ABCDEF0123456789")]
)
def test_round_trip(version: int, ref: str) -> None:
    messages = [Tlv(0x02, c40.encode("P<LKA")), Tlv(0xC0, bytes(range(32))), Tlv(0x10, b"x" * 200)]
    data = _seal(_header(version, ref), messages)
    seal = vds.decode(data)
    expected_ref = ref.rjust(5, "0") if version == 3 else ref
    assert seal.header == _header(version, expected_ref)
    assert seal.messages == tuple(messages)
    assert seal.encode() == data
    assert data[1] == {3: 0x02, 4: 0x03}[version]


def test_v3_header_holds_five_characters() -> None:
    with pytest.raises(ValueError, match="5-character"):
        _header(3, "123456").encode()


def test_unknown_tags_are_kept_in_order() -> None:
    messages = [Tlv(0x7A, b"a"), Tlv(0x02, b"\x59\xd9"), Tlv(0x00, b"")]
    assert vds.decode(_seal(_header(), messages)).messages == tuple(messages)


def test_long_lengths() -> None:
    for n in (127, 128, 255, 256, 70000):
        seal = vds.decode(_seal(_header(), [Tlv(0x01, b"z" * n)]))
        assert len(seal.messages[0].value) == n


GOOD = _seal(_header(), [Tlv(0x02, c40.encode("ABC"))])


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", SealUnreadable),
        (b"\x00\x01\x02", SealUnreadable),
        (b"%PDF-1.7", SealUnreadable),
        (b"\xdc", SealMalformed),
        (b"\xdc\x05" + GOOD[2:], SealUnsupported),
        (GOOD[:-1], SealMalformed),
        (GOOD + b"\x00", SealMalformed),
        (GOOD[: len(GOOD) - 66], SealMalformed),  # no signature zone
        (GOOD[:22] + b"\xff\x40" + b"\x11" * 64, SealMalformed),  # empty message zone
        (GOOD[:20] + b"\x02\x81\x03ABC" + GOOD[-66:], SealMalformed),  # non-minimal length
        (GOOD[:20] + b"\x02\x80" + GOOD[-66:], SealMalformed),  # indefinite length
        (GOOD[:20] + b"\x02\x05AB" + GOOD[-66:], SealMalformed),  # item runs into signature
        (GOOD[:-66] + b"\xff\x00", SealMalformed),  # empty signature
        (GOOD[:12] + b"\x00\x00\x01" + GOOD[15:], SealMalformed),  # month 00: not a date
        (GOOD[:2] + b"\x00\x01" + GOOD[4:], SealMalformed),  # bad C40 country
    ],
)
def test_bad_inputs(data: bytes, error: type[SealError]) -> None:
    with pytest.raises(error):
        vds.decode(data)


def test_every_truncation_is_a_clean_error() -> None:
    for cut in range(len(ICAO_ETD)):
        with pytest.raises(SealError):
            vds.decode(ICAO_ETD[:cut])


def test_every_single_byte_change_decodes_or_fails_cleanly() -> None:
    for i in range(len(ICAO_ETD)):
        data = bytearray(ICAO_ETD)
        data[i] ^= 0xFF
        try:
            seal = vds.decode(bytes(data))
        except SealError:
            continue
        # What decodes must describe exactly these bytes (no silent repair).
        assert seal.encode() == bytes(data)
