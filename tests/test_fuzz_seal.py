"""Malformed seals never crash the codecs or the verifier.

Contract (DESIGN §6, §9): ``profiles.decode``/``read_profile`` raise only the seal errors;
``verify_seal`` always returns a report, and for bad input its checks say why (an ERROR
check means an exception escaped a check). Inputs are mutations of the conformance vectors
(bit flips, truncations, insertions, DER length fields rewritten to overflow or to declare
huge lengths), in each form a scanner hands over (bytes, hex, Base32 behind a URL, Base45,
``RDB1`` text), and QR texts with odd characters and prefixes. tests/test_seal_fuzz.py holds
the codec round trips.
"""

from __future__ import annotations

import base64
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legalize.pki.trust import TrustStore
from legalize.seal import base45, idb, qrtext, vds
from legalize.seal.errors import SealError
from legalize.seal.profiles import decode, read_profile
from legalize.seal.qrtext import parse_qr_text
from verifier import seal as verifier_seal
from verifier.report import Report, Status
from verifier.seal import verify_seal

VECTORS = Path(__file__).parent / "vectors"
STORE = TrustStore.load(VECTORS / "trust")
AT = datetime(2026, 2, 1, 12, tzinfo=UTC)
MANIFEST = json.loads((VECTORS / "manifest.json").read_text())
BINARY = [bytes.fromhex(v["value"]) for v in MANIFEST["vectors"] if v["input"] == "hex"]
TEXTS = [v["value"] for v in MANIFEST["vectors"] if v["input"] == "text"]
IDB_PAYLOADS = [
    base64.b32decode(t[5:] + "=" * (-len(t[5:]) % 8))
    for t in (qrtext.strip_url(t) for t in TEXTS)
    if idb.looks_like_idb(t)
]
FAST = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)


def no_error(report: Report) -> None:
    crashed = [(c.name, c.message) for c in report.checks if c.status is Status.ERROR]
    assert not crashed


def decodes_or_refuses(data: bytes | str) -> None:
    """The codec contract: a container and a profile, or a SealError."""
    try:
        container = decode(parse_qr_text(data) if isinstance(data, str) else data)
        read_profile(container)
    except SealError:
        pass


_LENGTHS = (b"\x83\xff\xff\xff", b"\x82\xff\xff", b"\x81\xff", b"\x80", b"\x84\x00\x00\x00\x01")


def mutate(data: bytes, seed: int, edits: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(edits):
        if not out:
            out += rng.randbytes(4)
        i = rng.randrange(len(out))
        op = rng.randrange(7)
        if op == 0:
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del out[i:]
        elif op == 2:
            out[i:i] = rng.randbytes(rng.randrange(1, 12))
        elif op == 3:  # a DER length rewritten: overflow, indefinite, huge declared length
            out[i : i + rng.randrange(1, 3)] = rng.choice(_LENGTHS)
        elif op == 4:
            del out[i : i + rng.randrange(1, 20)]
        elif op == 5:
            out[i] = rng.choice((0x00, 0x7F, 0x80, 0xFE, 0xFF, 0xDC, 0x61, 0x7E))
        else:
            out[i:i] = out[i : i + rng.randrange(1, 30)]
    return bytes(out)


def forms(data: bytes) -> list[bytes | str]:
    """The mutated bytes as each input form verify_seal takes."""
    return [
        data,
        data.hex(),
        "HTTPS://CHECK.EXAMPLE.LK/S/" + qrtext.base32(data),
        base45.encode(data),
        "RDB1B" + qrtext.base32(data),
        "RDB1D" + qrtext.base32(data),
    ]


@FAST
@given(st.sampled_from(BINARY), st.integers(0, 2**32), st.integers(1, 5))
def test_mutated_vds_never_crashes(seal: bytes, seed: int, edits: int) -> None:
    data = mutate(seal, seed, edits)
    for form in forms(data):
        decodes_or_refuses(form)
        no_error(verify_seal(form, STORE, AT))


@FAST
@given(st.sampled_from(IDB_PAYLOADS), st.integers(0, 2**32), st.integers(1, 5), st.booleans())
def test_mutated_idb_never_crashes(payload: bytes, seed: int, edits: int, signed: bool) -> None:
    data = mutate(payload, seed, edits)
    flag = "B" if signed else "A"
    for text in ("RDB1" + flag + qrtext.base32(data), "NDB1" + flag + qrtext.base32(data)):
        decodes_or_refuses(text)
        no_error(verify_seal(text, STORE, AT))


ODD = st.text(
    alphabet=st.sampled_from(
        [*"RDB1ABCDNdbrz27=/:.%$ \t\r\n\x00\x0b\ufeff\u200bßſıİﬀ\u0130\U0001f600", "\udcff"]
    ),
    max_size=40,
)
PREFIXES = ["", "HTTPS://X.LK/S/", "http://a//b/", "https://é/", " RDB1", "rdb1b", "\ufeff", "dc"]


@FAST
@given(st.sampled_from(PREFIXES), ODD, st.sampled_from([*TEXTS, ""]))
def test_odd_qr_texts_never_crash(prefix: str, odd: str, tail: str) -> None:
    for text in (prefix + odd + tail, prefix + tail + odd, prefix + odd):
        decodes_or_refuses(text)
        no_error(verify_seal(text, STORE, AT))
        no_error(verify_seal(text.encode("utf-8", "surrogatepass"), STORE, AT))


@pytest.mark.parametrize(
    "data",
    [
        "A" * 5_000_000,  # was 3.6 s of Base32 and Base45 decoding before the length limit
        "RDB1B" + "A" * 5_000_000,
        "dc" + "03" * 2_500_000,
        "0" * 5_000_000,
        ("A" * 5_000_000).encode(),
    ],
    ids=["base32", "idb", "hex", "base45", "bytes"],
)
def test_megabyte_texts_are_refused_at_once(data: bytes | str) -> None:
    start = time.monotonic()
    report = verify_seal(data, STORE, AT)
    assert time.monotonic() - start < 0.5
    assert report.checks[0].code in ("SEAL_UNREADABLE", "SEAL_MALFORMED")
    with pytest.raises(SealError):
        decode(parse_qr_text(data.decode() if isinstance(data, bytes) else data))


def test_longest_text_limit_keeps_real_seals() -> None:
    for text in (v["value"] for v in MANIFEST["vectors"] if v["verdict"] == "VALID"):
        assert len(text) < qrtext.MAX_TEXT
        decode(parse_qr_text(text))


def test_huge_declared_lengths_are_malformed() -> None:
    seal = BINARY[0]
    header_end = len(seal) - len(vds.decode(seal).encode()) + 1 + 27  # inside the header
    for length in _LENGTHS:
        data = seal[:header_end] + b"\x02" + length + seal[header_end:]
        with pytest.raises(SealError):
            decode(data)
        no_error(verify_seal(data, STORE, AT))


def test_a_codec_bug_becomes_an_error_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(data: bytes | str) -> None:
        raise KeyError("codec bug")

    monkeypatch.setattr(verifier_seal, "decode", broken)
    report = verify_seal(BINARY[0], STORE, AT)
    assert report.checks[0].name == "seal.format"
    assert report.checks[0].status is Status.ERROR
    assert report.checks[0].code == "CHECK_ERROR"
    assert all(c.status is Status.SKIPPED for c in report.checks[1:])
