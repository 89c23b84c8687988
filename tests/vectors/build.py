"""A seal-test PKI (one root, a signer on each of the eight curves, a revoked signer, an
expired signer) and the generator of the published conformance vectors.

Used two ways:
- by the seal tests (``build_pki(tmp_path, AT)``) to get fresh keys once per session;
- by hand, to (re)write the published vectors: ``.venv/bin/python tests/vectors/build.py``.
  That writes ``tests/vectors/trust/`` and ``tests/vectors/manifest.json``; the keys are
  thrown away, so the published vectors cannot be extended with the same signers later.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from legalize.pki.authority import Authority  # noqa: E402
from legalize.pki.curves import CURVE_NAMES  # noqa: E402
from legalize.pki.keyfile import KeyFileSigner  # noqa: E402
from legalize.pki.signer import Signer  # noqa: E402
from legalize.pki.trust import export_trust_store  # noqa: E402
from legalize.seal import c40, vds  # noqa: E402
from legalize.seal.profiles import (  # noqa: E402
    LegalizationSeal,
    TtdSeal,
    seal_legalization,
    seal_ttd,
    seal_ttd_idb,
)
from legalize.seal.qrtext import qr_text  # noqa: E402
from legalize.seal.tlv import Tlv  # noqa: E402

PASSPHRASE = "seal-tests-only"
AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
"""When the test PKI is made and the seals signed."""
VALID_AT = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
"""A validation time at which the good vectors are valid."""
CHECK_URL = "https://check.example.lk/s/"
HERE = Path(__file__).resolve().parent


def mrz_check(field: str) -> str:
    weights = (7, 3, 1)
    total = 0
    for i, ch in enumerate(field):
        value = 0 if ch == "<" else int(ch) if ch.isdigit() else ord(ch) - 55
        total += value * weights[i % 3]
    return str(total % 10)


def td2_mrz(
    surname: str, given: str, number: str, nationality: str, birth: str, sex: str, expiry: str
) -> str:
    """A TD2 MRZ (2 × 36) with check digits (ICAO 9303-6), for tests and vectors."""
    name = f"{surname}<<{given}".replace(" ", "<")
    line1 = f"PD{'LKA'}{name}"[:36].ljust(36, "<")
    num = number.ljust(9, "<")
    optional = "<" * 7
    body = (
        num
        + mrz_check(num)
        + nationality
        + birth
        + mrz_check(birth)
        + sex
        + expiry
        + mrz_check(expiry)
        + optional
    )
    composite = num + mrz_check(num) + birth + mrz_check(birth) + expiry + mrz_check(expiry)
    composite += optional
    line2 = body + mrz_check(composite)
    assert len(line1) == 36 and len(line2) == 36
    return line1 + line2


@dataclass(frozen=True)
class SealPki:
    authority: Authority
    trust_dir: Path
    signers: dict[str, Signer]
    """By name: each curve name (TTD signers), ``LEG``, ``REVOKED``, ``EXPIRED``."""


def build_pki(path: Path, at: datetime = AT) -> SealPki:
    authority = Authority.create(
        path / "ca",
        at=at - timedelta(days=800),
        passphrase=PASSPHRASE,
        root_curve="secp256r1",
        iterations=1000,
    )
    records: dict[str, Any] = {}
    for i, curve_name in enumerate(CURVE_NAMES):
        records[curve_name] = authority.issue_signer(
            PASSPHRASE,
            doc_type="TTD",
            at=at,
            code=f"T{i}",
            curve_name=curve_name,
            iterations=1000,
        )
    records["LEG"] = authority.issue_signer(
        PASSPHRASE, doc_type="LEG", at=at, code="LG", iterations=1000
    )
    records["REVOKED"] = authority.issue_signer(
        PASSPHRASE, doc_type="TTD", at=at, code="TR", iterations=1000
    )
    # Issued two years before AT: its certificate (key usage 1 year + 2 months) has expired.
    records["EXPIRED"] = authority.issue_signer(
        PASSPHRASE, doc_type="TTD", at=at - timedelta(days=730), code="TX", iterations=1000
    )
    authority.revoke(PASSPHRASE, records["REVOKED"].serial, "keyCompromise", at)
    trust_dir = path / "trust"
    export_trust_store(authority, trust_dir)
    signers: dict[str, Signer] = {
        name: KeyFileSigner.load(
            authority.path / r.cert_file, authority.path / r.key_file, PASSPHRASE
        )
        for name, r in records.items()
    }
    return SealPki(authority, trust_dir, signers)


def sample_ttd(photo_hash: bytes | None = None, check_code: str | None = None) -> TtdSeal:
    return TtdSeal(
        issuing_country="LKA",
        issue_date=date(2026, 1, 15),
        mrz=td2_mrz("PERERA", "KAMALA SUDARSHANI", "N1234567", "LKA", "850714", "F", "260315"),
        photo_hash=photo_hash if photo_hash is not None else hashlib.sha256(b"photo").digest(),
        check_code=check_code or "7K3M-9QXR-2HVD-9G",
    )


def sample_legalization(**overrides: Any) -> LegalizationSeal:
    seal = LegalizationSeal(
        issuing_country="LKA",
        date=date(2026, 1, 15),
        number="LEG/2026/000123",
        country="LKA",
        signed_by="W. M. Chandrika Kumari Wickramasinghe",
        capacity="Additional Registrar-General",
        seal_of="Registrar-General's Department, Colombo",
        place="Colombo",
        document_sha256=hashlib.sha256(b"underlying document").digest(),
        check_code="7K3M-9QXR-2HVD-9G",
    )
    return replace(seal, **overrides)


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def _resign_unknown_profile(signer: Signer) -> bytes:
    header = vds.VdsHeader(
        4, "LKA", signer.signer_id, signer.cert_reference, date(2026, 1, 15), AT.date(), 0x7A, 0x02
    )
    unsigned = vds.build_unsigned(header, [Tlv(0x01, b"third-party content")])
    return unsigned + vds.signature_zone(signer.sign(unsigned))


def icao_visa(signer: Signer, expiry: str = "261231") -> bytes:
    """An ICAO 9303-13 visa seal (5D01) as another state would issue it."""
    header = vds.VdsHeader(
        4, "UTO", signer.signer_id, signer.cert_reference, date(2026, 1, 10), AT.date(), 0x5D, 0x01
    )
    mrz = td2_mrz("ERIKSSON", "ANNA MARIA", "L898902C", "UTO", "740812", "F", expiry)
    messages = [
        Tlv(0x02, c40.encode(mrz)),
        Tlv(0x03, b"\x01"),
        Tlv(0x04, b"\x00\x03\x00"),
        Tlv(0x05, c40.encode("L898902C3")),
    ]
    unsigned = vds.build_unsigned(header, messages)
    return unsigned + vds.signature_zone(signer.sign(unsigned))


def vectors(pki: SealPki) -> list[dict[str, Any]]:
    """The conformance vectors: name, input, validation time, expected verdict and codes."""
    p256 = pki.signers["secp256r1"]
    ttd = seal_ttd(sample_ttd(), p256, AT)
    leg = seal_legalization(sample_legalization(), pki.signers["LEG"], AT)
    out: list[dict[str, Any]] = []

    def add(
        name: str,
        kind: str,
        value: str,
        verdict: str,
        codes: list[str],
        at: datetime = VALID_AT,
        note: str = "",
    ) -> None:
        out.append(
            {
                "name": name,
                "input": kind,
                "value": value,
                "at": at.date().isoformat(),
                "verdict": verdict,
                "codes": codes,
                "note": note,
            }
        )

    add("ttd-vds4-p256", "hex", ttd.hex(), "VALID", [], note="TTD, VDS header v4, P-256")
    add(
        "ttd-qr-text",
        "text",
        qr_text(ttd, CHECK_URL),
        "VALID",
        [],
        note="the same seal as QR text: URL prefix + Base32",
    )
    add(
        "ttd-vds3-p256",
        "hex",
        seal_ttd(sample_ttd(), p256, AT, version=3).hex(),
        "VALID",
        [],
        note="TTD, VDS header v3",
    )
    add(
        "ttd-idb-p256",
        "text",
        seal_ttd_idb(sample_ttd(), p256, AT),
        "VALID",
        [],
        note="TTD as an ICAO IDB barcode (RDB1B...)",
    )
    add(
        "ttd-idb-embedded-cert",
        "text",
        seal_ttd_idb(sample_ttd(), p256, AT, embed_certificate=True),
        "VALID",
        [],
        note="IDB with the signer certificate embedded (0x7E)",
    )
    add("legalization-p256", "hex", leg.hex(), "VALID", [], note="legalization profile")
    for curve_name in CURVE_NAMES:
        seal = seal_ttd(sample_ttd(), pki.signers[curve_name], AT)
        add(f"ttd-{curve_name}", "hex", seal.hex(), "VALID", [], note=f"TTD signed on {curve_name}")
    add(
        "third-party-icao-visa",
        "hex",
        icao_visa(pki.signers["brainpoolP256r1"]).hex(),
        "VALID",
        [],
        note="ICAO visa profile (5D01) on brainpoolP256r1: a published third-party profile",
    )
    add(
        "garbage",
        "text",
        "HELLO WORLD",
        "INVALID",
        ["SEAL_UNREADABLE"],
        note="a QR code that is not a seal",
    )
    add(
        "truncated",
        "hex",
        ttd[:-10].hex(),
        "INVALID",
        ["SEAL_MALFORMED"],
        note="last 10 bytes cut off",
    )
    add(
        "flipped-message-byte",
        "hex",
        _flip(ttd, 30).hex(),
        "INVALID",
        ["SEAL_SIGNATURE_INVALID"],
        note="one bit flipped inside the MRZ",
    )
    add(
        "flipped-signature-byte",
        "hex",
        _flip(ttd, len(ttd) - 5).hex(),
        "INVALID",
        ["SEAL_SIGNATURE_INVALID"],
        note="one bit flipped inside the signature",
    )
    wrong_ref = bytearray(ttd)
    # v4 header: bytes 8..11 hold the C40 certificate reference; re-encode another serial.
    other = vds.VdsHeader(
        4, "LKA", p256.signer_id, "FFFFF", date(2026, 1, 15), AT.date(), 0x5E, 0x03
    ).encode()
    wrong_ref[: len(other)] = other
    add(
        "wrong-cert-reference",
        "hex",
        bytes(wrong_ref).hex(),
        "INVALID",
        ["SIGNER_UNKNOWN"],
        note="certificate reference FFFFF: no such certificate in the trust store",
    )
    add(
        "unknown-profile",
        "hex",
        _resign_unknown_profile(p256).hex(),
        "INDETERMINATE",
        ["SEAL_UNSUPPORTED"],
        note="validly signed, profile 7A02 unknown: content not read",
    )
    add(
        "document-expired",
        "hex",
        ttd.hex(),
        "INVALID",
        ["DOCUMENT_EXPIRED"],
        at=datetime(2026, 3, 16, 12, 0, tzinfo=UTC),
        note="validated the day after MRZ expiry",
    )
    add(
        "signer-revoked",
        "hex",
        seal_ttd(sample_ttd(), pki.signers["REVOKED"], AT).hex(),
        "INVALID",
        ["SIGNER_REVOKED"],
        note="signer revoked (keyCompromise)",
    )
    add(
        "signer-expired",
        "hex",
        seal_ttd(sample_ttd(), pki.signers["EXPIRED"], AT).hex(),
        "INVALID",
        ["SIGNER_EXPIRED"],
        note="signer certificate expired before the validation date",
    )
    add(
        "signer-not-allowed",
        "hex",
        seal_ttd(sample_ttd(), pki.signers["LEG"], AT).hex(),
        "INVALID",
        ["SIGNER_NOT_ALLOWED"],
        note="a TTD signed by the legalization signer",
    )
    add(
        "unsupported-version",
        "hex",
        (ttd[:1] + b"\x05" + ttd[2:]).hex(),
        "INVALID",
        ["SEAL_UNSUPPORTED"],
        note="VDS version byte 0x05",
    )
    return out


def write_published(target: Path = HERE) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pki = build_pki(Path(tmp))
        trust = target / "trust"
        if trust.exists():
            shutil.rmtree(trust)
        shutil.copytree(pki.trust_dir, trust)
        manifest = {
            "description": "legalize seal conformance vectors; see README.md",
            "trust_store": "trust",
            "vectors": vectors(pki),
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    write_published()
    print(f"wrote {HERE / 'manifest.json'} and {HERE / 'trust'}")
