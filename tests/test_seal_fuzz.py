"""Property tests: no input makes a decoder or the verifier crash; codecs round-trip."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from legalize.pki.trust import TrustStore
from legalize.seal import base45, c40, checkcode, idb, vds
from legalize.seal.errors import SealError
from legalize.seal.profiles import read_profile
from legalize.seal.qrtext import parse_qr_text
from legalize.seal.tlv import Tlv
from verifier.report import Status
from verifier.seal import verify_seal

VECTORS = Path(__file__).parent / "vectors"
STORE = TrustStore.load(VECTORS / "trust")
AT = datetime(2026, 2, 1, 12, tzinfo=UTC)
C40_TEXT = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=60)
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(C40_TEXT)
def test_c40_round_trip(text: str) -> None:
    assert c40.decode(c40.encode(text)) == text


@FAST
@given(st.binary(max_size=64))
def test_base45_round_trip(data: bytes) -> None:
    assert base45.decode(base45.encode(data)) == data


@FAST
@given(st.binary(max_size=400))
def test_vds_decoder_never_crashes(data: bytes) -> None:
    try:
        seal = vds.decode(b"\xdc" + data)
    except SealError:
        return
    assert seal.encode() == b"\xdc" + data
    with contextlib.suppress(SealError):
        read_profile(seal)


@FAST
@given(st.text(max_size=200))
def test_text_inputs_never_crash(text: str) -> None:
    for candidate in (text, "RDB1" + text, "HTTPS://X.Y/S/" + text):
        with contextlib.suppress(SealError):
            parse_qr_text(candidate)
        with contextlib.suppress(SealError):
            idb.decode(candidate)


@FAST
@given(
    st.sampled_from([3, 4]),
    C40_TEXT.filter(lambda t: 1 <= len(t) <= 5 and " " not in t),
    st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)),
    st.lists(st.tuples(st.integers(0, 0xFE), st.binary(max_size=300)), min_size=1, max_size=6),
)
def test_vds_round_trip(version: int, ref: str, day: date, items: list[tuple[int, bytes]]) -> None:
    header = vds.VdsHeader(version, "LKA", "LKTD", ref, day, day, 0x5E, 0x03)
    messages = [Tlv(tag, value) for tag, value in items]
    data = vds.build_unsigned(header, messages) + vds.signature_zone(b"\x01" * 64)
    seal = vds.decode(data)
    assert seal.messages == tuple(messages)
    assert seal.header.issue_date == day


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300)))
def test_verify_seal_never_raises(data: bytes | str) -> None:
    report = verify_seal(data, STORE, AT)
    assert report.verdict.value != "VALID"
    assert all(c.status is not Status.ERROR for c in report.checks)


@FAST
@given(st.text(max_size=30))
def test_check_code_normalize_is_total(text: str) -> None:
    if checkcode.is_valid(text):
        assert checkcode.is_valid(checkcode.normalize(text))
    else:
        try:
            checkcode.normalize(text)
        except checkcode.CheckCodeError:
            return
        raise AssertionError("normalize accepted what is_valid refused")
