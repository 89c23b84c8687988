"""verify_seal and `verifier seal`: every reason code, the CLI contract, the published vectors."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from legalize.pki.curves import CURVE_NAMES
from legalize.pki.trust import TrustStore
from legalize.seal import vds
from legalize.seal.profiles import seal_legalization, seal_ttd, seal_ttd_idb
from legalize.seal.qrtext import qr_text
from legalize.seal.tlv import Tlv
from tests.vectors.build import (
    AT,
    CHECK_URL,
    VALID_AT,
    SealPki,
    _resign_unknown_profile,
    build_pki,
    sample_legalization,
    sample_ttd,
)
from verifier.cli import main
from verifier.report import Report, Status
from verifier.seal import verify_seal

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SealPki:
    return build_pki(tmp_path_factory.mktemp("verifier-seal-pki"))


@pytest.fixture(scope="module")
def store(pki: SealPki) -> TrustStore:
    return TrustStore.load(pki.trust_dir)


def reason_codes(report: Report) -> list[str]:
    """Codes of the checks that did not pass: INVALID/ERROR, and SKIPPED with a reason code
    of its own (not NOT_APPLICABLE / PRECONDITION_FAILED). The vectors' "codes" mean this."""
    return [
        c.code
        for c in report.checks
        if c.status in (Status.INVALID, Status.ERROR)
        or (c.status is Status.SKIPPED and c.code not in ("NOT_APPLICABLE", "PRECONDITION_FAILED"))
    ]


def test_valid_ttd_report(pki: SealPki, store: TrustStore) -> None:
    report = verify_seal(seal_ttd(sample_ttd(), pki.signers["secp256r1"], AT), store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert [c.name for c in report.checks] == [
        "seal.format",
        "seal.profile",
        "seal.signer",
        "seal.signature",
        "seal.trust",
        "document.validity",
    ]
    assert report.data["profile"] == "TTD"
    assert report.data["document_number"] == "N1234567"
    assert report.data["signer_id"] == pki.signers["secp256r1"].signer_id
    assert report.data["photo_hash"] == sample_ttd().photo_hash.hex()  # type: ignore[union-attr]


def test_a_seal_is_verified_without_the_trust_list(pki: SealPki) -> None:
    """The folder's signed list and its summary of every signer are not a seal's business:
    a command-line verifier does not pay for checking them (issue 9)."""
    fresh = TrustStore.load(pki.trust_dir)
    report = verify_seal(seal_ttd(sample_ttd(), pki.signers["secp256r1"], AT), fresh, VALID_AT)
    assert report.verdict.value == "VALID"
    assert "trust_list" not in vars(fresh)


def test_valid_legalization_report(pki: SealPki, store: TrustStore) -> None:
    seal = seal_legalization(sample_legalization(), pki.signers["LEG"], AT)
    report = verify_seal(seal, store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert report.data["number"] == "LEG/2026/000123"
    check = report.check("document.validity")
    assert check is not None and check.code == "NOT_APPLICABLE"


@pytest.mark.parametrize("curve", CURVE_NAMES)
@pytest.mark.parametrize("kind", ["ttd", "legalization", "idb"])
def test_every_curve_and_profile_verifies_and_tamper_fails(
    curve: str, kind: str, pki: SealPki, store: TrustStore
) -> None:
    signer = pki.signers[curve]
    seal: bytes | str
    if kind == "legalization":
        # Only the LEG signer may sign legalizations: the curve signers' seals verify, then
        # fail SIGNER_NOT_ALLOWED, which is what proves their signature checked out.
        seal = seal_legalization(sample_legalization(), signer, AT)
        expect = ["SIGNER_NOT_ALLOWED"]
    elif kind == "idb":
        seal = seal_ttd_idb(sample_ttd(), signer, AT)
        expect = []
    else:
        seal = seal_ttd(sample_ttd(), signer, AT)
        expect = []
    assert reason_codes(verify_seal(seal, store, VALID_AT)) == expect
    tampered: bytes | str
    if isinstance(seal, str):
        # One Base32 character inside the photo hash: payload byte 70 = bits 560-567, i.e.
        # character 112 after "RDB1B" (12-byte header, 0x61 group, 50-byte MRZ item, 0xC0 20).
        i = 5 + 112
        tampered = seal[:i] + ("A" if seal[i] != "A" else "B") + seal[i + 1 :]
    else:
        flipped = bytearray(seal)
        flipped[25] ^= 0x04
        tampered = bytes(flipped)
    assert reason_codes(verify_seal(tampered, store, VALID_AT)) == ["SEAL_SIGNATURE_INVALID"]


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 1
    return bytes(out)


def _cases(pki: SealPki) -> list[tuple[str, Any, datetime, list[str]]]:
    p256 = pki.signers["secp256r1"]
    ttd = seal_ttd(sample_ttd(), p256, AT)
    wrong_ref = vds.VdsHeader(4, "LKA", p256.signer_id, "FFFFF", AT.date(), AT.date(), 0x5E, 0x03)
    decoded = vds.decode(ttd)
    return [
        ("garbage-text", "THIS IS NOT A SEAL", VALID_AT, ["SEAL_UNREADABLE"]),
        ("garbage-bytes", b"\x00\x01\x02\xfe", VALID_AT, ["SEAL_UNREADABLE"]),
        ("empty", "", VALID_AT, ["SEAL_UNREADABLE"]),
        ("truncated", ttd[:40], VALID_AT, ["SEAL_MALFORMED"]),
        ("flipped", _flip(ttd, 40), VALID_AT, ["SEAL_SIGNATURE_INVALID"]),
        (
            "wrong-cert-reference",
            wrong_ref.encode() + ttd[len(wrong_ref.encode()) :],
            VALID_AT,
            ["SIGNER_UNKNOWN"],
        ),
        ("unknown-profile", _resign_unknown_profile(p256), VALID_AT, ["SEAL_UNSUPPORTED"]),
        ("version", ttd[:1] + b"\x07" + ttd[2:], VALID_AT, ["SEAL_UNSUPPORTED"]),
        ("expired-document", ttd, datetime(2026, 3, 16, tzinfo=UTC), ["DOCUMENT_EXPIRED"]),
        (
            "not-yet-valid-document",
            ttd,
            datetime(2026, 1, 10, tzinfo=UTC),
            ["SIGNER_NOT_YET_VALID", "DOCUMENT_NOT_YET_VALID"],
        ),
        (
            "revoked",
            seal_ttd(sample_ttd(), pki.signers["REVOKED"], AT),
            VALID_AT,
            ["SIGNER_REVOKED"],
        ),
        (
            "signer-expired",
            seal_ttd(sample_ttd(), pki.signers["EXPIRED"], AT),
            VALID_AT,
            ["SIGNER_EXPIRED"],
        ),
        (
            "not-allowed",
            seal_ttd(sample_ttd(), pki.signers["LEG"], AT),
            VALID_AT,
            ["SIGNER_NOT_ALLOWED"],
        ),
        (
            "malformed-profile",
            _resign(decoded.header, [Tlv(0x02, b"\x59\xd9")], p256),
            VALID_AT,
            ["SEAL_MALFORMED"],
        ),
    ]


def _resign(header: vds.VdsHeader, messages: list[Tlv], signer: Any) -> bytes:
    unsigned = vds.build_unsigned(header, messages)
    return unsigned + vds.signature_zone(signer.sign(unsigned))


CASES = [
    "garbage-text",
    "garbage-bytes",
    "empty",
    "truncated",
    "flipped",
    "wrong-cert-reference",
    "unknown-profile",
    "version",
    "expired-document",
    "not-yet-valid-document",
    "revoked",
    "signer-expired",
    "not-allowed",
    "malformed-profile",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_yields_its_reason_code(case: str, pki: SealPki, store: TrustStore) -> None:
    cases = {name: (data, at, expected) for name, data, at, expected in _cases(pki)}
    assert set(cases) == set(CASES)
    data, at, expected = cases[case]
    report = verify_seal(data, store, at)
    assert reason_codes(report) == expected, report.to_text()
    assert report.verdict.value != "VALID"


def test_der_signature_in_the_field_still_verifies(pki: SealPki, store: TrustStore) -> None:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    seal = vds.decode(seal_ttd(sample_ttd(), pki.signers["secp256r1"], AT))
    r, s = int.from_bytes(seal.signature[:32], "big"), int.from_bytes(seal.signature[32:], "big")
    with_der = seal.signed_bytes + vds.signature_zone(encode_dss_signature(r, s))
    assert verify_seal(with_der, store, VALID_AT).verdict.value == "VALID"


def test_qr_text_and_idb_inputs(pki: SealPki, store: TrustStore) -> None:
    p256 = pki.signers["secp256r1"]
    text = qr_text(seal_ttd(sample_ttd(), p256, AT), CHECK_URL)
    assert verify_seal(text, store, VALID_AT).verdict.value == "VALID"
    assert verify_seal(text.encode(), store, VALID_AT).verdict.value == "VALID"
    barcode = seal_ttd_idb(sample_ttd(), p256, AT)
    report = verify_seal(barcode, store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert report.data["format"] == "IDB"
    assert reason_codes(verify_seal(barcode[:-4] + "AAAA", store, VALID_AT)) == [
        "SEAL_SIGNATURE_INVALID"
    ]


def test_third_party_root_only_store(pki: SealPki, tmp_path: Path) -> None:
    """A store holding only the root: an IDB with the embedded signer certificate verifies
    (it chains to the root); a VDS naming a certificate the store lacks is SIGNER_UNKNOWN."""
    root_only = tmp_path / "root-only"
    root_only.mkdir()
    for f in pki.trust_dir.glob("*-root.*"):
        shutil.copy(f, root_only / f.name)
    store = TrustStore.load(root_only)
    p256 = pki.signers["secp256r1"]
    embedded = seal_ttd_idb(sample_ttd(), p256, AT, embed_certificate=True)
    report = verify_seal(embedded, store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    signer_check = report.check("seal.signer")
    assert signer_check is not None and signer_check.data.get("embedded") is True
    assert reason_codes(verify_seal(seal_ttd_idb(sample_ttd(), p256, AT), store, VALID_AT)) == [
        "SIGNER_UNKNOWN"
    ]
    assert reason_codes(verify_seal(seal_ttd(sample_ttd(), p256, AT), store, VALID_AT)) == [
        "SIGNER_UNKNOWN"
    ]


def test_a_crashing_trust_store_is_an_error_check(pki: SealPki) -> None:
    class Broken:
        def find_seal_signers(self, signer_id: str, cert_ref: str) -> list[Any]:
            raise RuntimeError("disk on fire")

    seal = seal_ttd(sample_ttd(), pki.signers["secp256r1"], AT)
    report = verify_seal(seal, Broken(), VALID_AT)  # type: ignore[arg-type]
    assert report.verdict.value == "INDETERMINATE"
    assert report.codes == ("CHECK_ERROR",)
    assert "disk on fire" not in report.to_text()


def test_zipped_idb_verifies(pki: SealPki, store: TrustStore) -> None:
    from legalize.seal import idb

    signed = idb.decode(seal_ttd_idb(sample_ttd(), pki.signers["secp384r1"], AT))
    zipped = idb.encode(signed.header, signed.messages, signed.signature, zipped=True)
    assert zipped.startswith("RDB1D")
    report = verify_seal(zipped, store, VALID_AT)
    assert report.verdict.value == "VALID", report.to_text()
    assert report.data["zipped"] is True


def test_unsigned_idb_is_unsupported(store: TrustStore) -> None:
    from legalize.seal import c40, idb

    text = idb.encode(idb.IdbHeader("LKA"), [Tlv(0x02, c40.encode(sample_ttd().mrz))])
    report = verify_seal(text, store, VALID_AT)
    assert report.verdict.value == "INVALID"
    assert reason_codes(report) == ["SEAL_UNSUPPORTED"]


def test_naive_time_refused(store: TrustStore) -> None:
    with pytest.raises(ValueError):
        verify_seal(b"", store, datetime(2026, 1, 1))


# --- the CLI contract ------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_cli_text_hex_file(
    pki: SealPki, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seal = seal_ttd(sample_ttd(), pki.signers["secp256r1"], AT)
    common = ["--trust-store", str(pki.trust_dir), "--at", "2026-02-01"]
    code, out = _run(capsys, "seal", "--hex", seal.hex(), *common)
    assert code == 0 and out.startswith("verdict: VALID")
    code, _ = _run(capsys, "seal", "--text", qr_text(seal, CHECK_URL), *common)
    assert code == 0
    binary = tmp_path / "seal.bin"
    binary.write_bytes(seal)
    text_file = tmp_path / "seal.txt"
    text_file.write_text(qr_text(seal, CHECK_URL) + "\n")
    for path in (binary, text_file):
        code, _ = _run(capsys, "seal", "--file", str(path), *common)
        assert code == 0
    code, _ = _run(
        capsys,
        "seal",
        "--hex",
        seal.hex(),
        "--trust-store",
        str(pki.trust_dir),
        "--at",
        "2026-03-16",
    )
    assert code == 1


def test_cli_json_shape(pki: SealPki, capsys: pytest.CaptureFixture[str]) -> None:
    seal = seal_legalization(sample_legalization(), pki.signers["LEG"], AT)
    code, out = _run(
        capsys,
        "seal",
        "--hex",
        seal.hex(),
        "--trust-store",
        str(pki.trust_dir),
        "--at",
        "2026-02-01",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert set(doc) >= {"verdict", "checks", "data"}
    assert doc["verdict"] == "VALID"
    assert all({"name", "status", "code", "message"} <= set(c) for c in doc["checks"])
    assert doc["data"]["signed_by"] == sample_legalization().signed_by
    code, out = _run(
        capsys, "seal", "--text", "NOT A SEAL", "--trust-store", str(pki.trust_dir), "--json"
    )
    assert code == 1
    assert json.loads(out)["checks"][0]["code"] == "SEAL_UNREADABLE"


@pytest.mark.parametrize(
    "argv",
    [
        ["seal"],
        ["seal", "--hex", "zz", "--trust-store", "{trust}"],
        ["seal", "--hex", "dc03", "--at", "yesterday", "--trust-store", "{trust}"],
        ["seal", "--hex", "dc03", "--trust-store", "/nonexistent/trust"],
        ["seal", "--file", "/nonexistent/seal.bin", "--trust-store", "{trust}"],
        ["seal", "--hex", "dc03", "--text", "x"],
        ["seal", "--hex", "dc03", "--trust-store", "{trust}", "--photo-out", "/nonexistent/f.jp2"],
    ],
)
def test_cli_usage_errors_exit_2(argv: list[str], pki: SealPki) -> None:
    argv = [a.replace("{trust}", str(pki.trust_dir)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits 2 on bad arguments
        code = int(exc.code or 0)
    assert code == 2


# --- published conformance vectors -----------------------------------------------------------


def test_published_vectors(capsys: pytest.CaptureFixture[str]) -> None:
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    store = TrustStore.load(VECTORS / manifest["trust_store"])
    assert len(manifest["vectors"]) >= 20
    for vector in manifest["vectors"]:
        data = bytes.fromhex(vector["value"]) if vector["input"] == "hex" else vector["value"]
        at = datetime.fromisoformat(vector["at"]).replace(hour=12, tzinfo=UTC)
        report = verify_seal(data, store, at)
        assert report.verdict.value == vector["verdict"], (vector["name"], report.to_text())
        assert reason_codes(report) == vector["codes"], (vector["name"], report.to_text())
    # And through the CLI, as another implementation would call it.
    first = manifest["vectors"][0]
    code = main(
        [
            "seal",
            f"--{first['input']}",
            first["value"],
            "--trust-store",
            str(VECTORS / "trust"),
            "--at",
            first["at"],
        ]
    )
    capsys.readouterr()
    assert code == 0


@pytest.mark.parametrize(
    "name",
    [
        "ttd-vds4-p256",  # with our extension (photo hash, check code)
        "ttd-idb-icao",  # ICAO's ETD message without our extension: still ours, by its signer
        "signer-not-allowed",  # our legalization signer: ours, and SIGNER_NOT_ALLOWED
        "wrong-cert-reference",  # no signer certificate: nothing says otherwise
    ],
)
def test_our_ttds_keep_their_profile_whatever_they_carry(name: str) -> None:
    """Only a TTD seal whose signer is not of our PKI reads as another state's ICAO_ETD
    (tests/test_seal_conformance.py); ours are TTDs with or without our extension."""
    manifest = json.loads((VECTORS / "manifest.json").read_text())
    store = TrustStore.load(VECTORS / manifest["trust_store"])
    (vector,) = [v for v in manifest["vectors"] if v["name"] == name]
    data = bytes.fromhex(vector["value"]) if vector["input"] == "hex" else vector["value"]
    report = verify_seal(data, store, datetime(2026, 2, 1, 12, tzinfo=UTC))
    profile = report.check("seal.profile")
    assert report.data["profile"] == "TTD", report.to_text()
    assert profile is not None and profile.message == "Profile TTD."
