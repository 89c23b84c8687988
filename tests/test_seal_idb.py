"""IDB codec: RDB1 + flag + Base32; signed, zipped, embedded certificate; strict decoding."""

from __future__ import annotations

import base64
import zlib
from datetime import date

import pytest

from legalize.seal import idb
from legalize.seal.errors import SealError, SealMalformed, SealUnreadable, SealUnsupported
from legalize.seal.tlv import Tlv

# Published by the BSI reference tooling (vdstools): signed, not zipped, brainpoolP224r1 (56-byte
# signature), country "D<<", reference 0504030201, signed 2024-10-18, one message 0x04.
REFERENCE = (
    "RDB1BNK6ACBIEAMBACAE3LWEGCEQECCYLDMVTWS23NN5YXG5LXPF5X27X6OBEXO5TGL2WFKKPJB63MI5Y3NK4JJS3"
    "TT2TFKKZQQ5GUNHBC72WGQ5JJVPBQ7ZIEYUUHWCFPGXUNVCIATHWGKH2KI6H"
)


def test_reference_barcode_round_trip() -> None:
    seal = idb.decode(REFERENCE)
    h = seal.header
    assert (h.country, h.signature_algorithm, h.cert_reference, h.signature_date) == (
        "D<<",
        1,
        bytes.fromhex("0504030201"),
        date(2024, 10, 18),
    )
    assert seal.messages == (Tlv(0x04, bytes(range(0xB0, 0xC0))),)
    assert len(seal.signature or b"") == 56
    assert seal.hash_name == "sha256"
    assert idb.encode(seal.header, seal.messages, seal.signature) == REFERENCE
    assert seal.signed_bytes == h.encode() + idb.message_group(seal.messages)


HEADER = idb.IdbHeader("LKA", 1, b"\x01\x02\x03\x04\x05", date(2026, 1, 15))
MESSAGES = [Tlv(0x02, b"\x59\xd9" * 24), Tlv(0xC0, bytes(32))]


@pytest.mark.parametrize("zipped", [False, True])
@pytest.mark.parametrize("cert", [None, b"\x30\x03\x02\x01\x05"])
def test_round_trip(zipped: bool, cert: bytes | None) -> None:
    text = idb.encode(HEADER, MESSAGES, b"\x22" * 64, cert, zipped=zipped)
    assert text.startswith("RDB1" + ("D" if zipped else "B"))
    seal = idb.decode(text)
    assert (seal.header, seal.messages, seal.signature, seal.certificate, seal.zipped) == (
        HEADER,
        tuple(MESSAGES),
        b"\x22" * 64,
        cert,
        zipped,
    )


def test_unsigned_barcode() -> None:
    text = idb.encode(idb.IdbHeader("LKA"), MESSAGES)
    assert text.startswith("RDB1A")
    seal = idb.decode(text)
    assert seal.signature is None and not seal.header.signed


def test_old_identifier_and_lower_case_read() -> None:
    assert idb.decode("NDB1" + REFERENCE[4:]).messages == idb.decode(REFERENCE).messages
    assert (
        idb.decode(REFERENCE[:5] + REFERENCE[5:].lower()).signature
        == idb.decode(REFERENCE).signature
    )


def test_certificate_reference_is_sha1_tail() -> None:
    import hashlib

    assert idb.certificate_reference(b"abc") == hashlib.sha1(b"abc").digest()[-5:]  # noqa: S324


def _payload_text(payload: bytes, flag: str = "B") -> str:
    return "RDB1" + flag + base64.b32encode(payload).decode().rstrip("=")


SIGNED_PAYLOAD = HEADER.encode() + idb.message_group(MESSAGES) + Tlv(0x7F, b"\x22" * 64).encode()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", SealUnreadable),
        ("HC1:ABC", SealUnreadable),
        ("RDB1", SealMalformed),
        ("RDB1E" + REFERENCE[5:], SealUnsupported),
        ("RDB1B" + "!!!!", SealMalformed),
        ("RDB1B" + "A", SealMalformed),
        (REFERENCE[:-8], SealMalformed),
        (_payload_text(SIGNED_PAYLOAD[:-70]), SealMalformed),  # signature missing
        (_payload_text(SIGNED_PAYLOAD, "A"), SealMalformed),  # flagged unsigned, has signature
        (_payload_text(SIGNED_PAYLOAD[:2] + b"\x09" + SIGNED_PAYLOAD[3:]), SealUnsupported),
        (_payload_text(SIGNED_PAYLOAD + Tlv(0x55, b"x").encode()), SealMalformed),
        (_payload_text(HEADER.encode() + Tlv(0x62, b"").encode()), SealMalformed),
        (_payload_text(b"not zlib at all", "D"), SealMalformed),
        (_payload_text(zlib.compress(b"\x00" * 200_000), "D"), SealMalformed),  # inflation bomb
    ],
)
def test_bad_inputs(text: str, error: type[SealError]) -> None:
    with pytest.raises(error):
        idb.decode(text)
