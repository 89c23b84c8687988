"""QR text: URL prefix in capitals + Base32 VDS or RDB1 IDB; Base45 per RFC 9285."""

from __future__ import annotations

import pytest

from legalize.seal import base45
from legalize.seal.errors import SealUnreadable
from legalize.seal.qrtext import parse_qr_text, qr_text, strip_url

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
VDS = bytes.fromhex("dc03d9c5d9cac8a73a990f7134b834595e0302") + bytes(range(256)) + b"\xff\x02ab"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"AB", "BB8"),
        (b"Hello!!", "%69 VD92EX0"),
        (b"base-45", "UJCLQE7W581"),
        (b"", ""),
        (b"\xff\xff", "FGW"),
    ],
)
def test_base45_rfc9285_examples(raw: bytes, text: str) -> None:
    assert base45.encode(raw) == text
    assert base45.decode(text) == raw


@pytest.mark.parametrize("text", ["GGW", "A", "ab", "~~~", "ZZ"])
def test_base45_bad(text: str) -> None:
    with pytest.raises(base45.Base45Error):
        base45.decode(text)


def test_vds_qr_text_is_an_upper_case_url_in_the_alphanumeric_set() -> None:
    text = qr_text(VDS, "https://check.example.lk/s")
    assert text.startswith("HTTPS://CHECK.EXAMPLE.LK/S/3QB")
    assert set(text) <= QR_ALPHANUMERIC
    assert " " not in text and "%" not in text
    assert parse_qr_text(text) == VDS


def test_idb_passes_through() -> None:
    barcode = "RDB1BNK6ACBIEAMBACAE"
    assert (
        qr_text(barcode, "https://check.example.lk/s/") == "HTTPS://CHECK.EXAMPLE.LK/S/" + barcode
    )
    assert parse_qr_text("HTTPS://CHECK.EXAMPLE.LK/S/" + barcode) == barcode
    assert parse_qr_text(barcode) == barcode


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        "HTTPS://CHECK.EXAMPLE.LK/S/",
        "https://check.example.lk/s/",
        "Http://x/",
        "  HTTPS://A.B/C/D/",
    ],
)
def test_prefixes_are_stripped_in_any_case(prefix: str) -> None:
    payload = qr_text(VDS, "")
    assert parse_qr_text(prefix + payload + "\n") == VDS
    assert parse_qr_text(prefix + payload.lower()) == VDS


def test_bare_base45_vds_is_read() -> None:
    assert parse_qr_text(base45.encode(VDS)) == VDS


def test_hex_vds_is_read() -> None:
    assert parse_qr_text(VDS.hex()) == VDS
    assert parse_qr_text(VDS.hex().upper()) == VDS


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HELLO WORLD",
        "https://example.com/",
        "https://example.com/page",
        "HC1:NCFOXN",
        "MFRGG===",
    ],
)
def test_not_a_seal(text: str) -> None:
    with pytest.raises(SealUnreadable):
        parse_qr_text(text)


def test_strip_url() -> None:
    assert strip_url("https://a.b/c/PAYLOAD") == "PAYLOAD"
    assert strip_url("PAYLOAD") == "PAYLOAD"


def test_refuses_non_seals() -> None:
    with pytest.raises(ValueError):
        qr_text(b"\x00\x01", "https://x/")
    with pytest.raises(ValueError):
        qr_text("HELLO", "https://x/")
