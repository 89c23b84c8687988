"""verify_pdf: genuine documents pass, every known PDF-signature attack fails with its code."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pdf_attacks import ATTACKS, MiniPki, add_annotation, make_pki, simple_pdf
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner
from support import need_tool
from tsa import LocalTsa, serve_tsa

from legalize.documents.pades import _CmsSigner, sign_pdf
from legalize.pki.trust import TrustStore
from verifier import pdf as V
from verifier.pdf import verify_pdf
from verifier.report import Status, Verdict

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> MiniPki:
    return make_pki(AT)


@pytest.fixture(scope="module")
def trust(pki: MiniPki) -> TrustStore:
    return TrustStore([pki.root])


@pytest.fixture(scope="module")
def genuine(pki: MiniPki) -> bytes:
    return sign_pdf(simple_pdf(), pki.signer, AT, chain=[pki.root]).pdf


@pytest.fixture(scope="module")
def tsa(pki: MiniPki) -> Iterator[LocalTsa]:
    with serve_tsa(pki.root, pki.root_key, at=AT) as running:
        yield running


@pytest.fixture(scope="module")
def timestamped(pki: MiniPki, tsa: LocalTsa) -> bytes:
    result = sign_pdf(simple_pdf(), pki.signer, AT, chain=[pki.root], tsa_url=tsa.url)
    assert result.level == "B-T"
    return result.pdf


def _signature_checks_valid(report) -> None:  # type: ignore[no-untyped-def]
    for name in (
        "pdf.readable",
        "pdf.trailing_data",
        "pdf.signatures",
        "pdf.certification",
        "pdf.signature",
        "pdf.signer",
        "pdf.coverage",
        "pdf.modifications",
    ):
        check = report.check(name)
        assert check is not None and check.status is Status.VALID, (name, check)


def test_genuine_signature_policy_passes(genuine: bytes, trust: TrustStore) -> None:
    report = verify_pdf(genuine, trust, AT)
    _signature_checks_valid(report)
    assert report.check("pdf.timestamps").code == "NOT_APPLICABLE"
    assert report.data["signing_time"] == AT.isoformat()


def test_genuine_with_document_timestamp_passes(timestamped: bytes, trust: TrustStore) -> None:
    report = verify_pdf(timestamped, trust, AT)
    _signature_checks_valid(report)
    stamps = report.check("pdf.timestamps")
    assert stamps.status is Status.VALID
    assert stamps.data["timestamps"] == [{"time": AT.isoformat(), "tsa_trusted": True}]


def test_later_document_timestamp_keeps_it_valid(
    genuine: bytes, trust: TrustStore, tsa: LocalTsa
) -> None:
    """A legitimate timestamp added later (archive renewal) is an allowed revision."""
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    from legalize.documents.timestamp import HttpTimeStamper

    writer = IncrementalPdfFileWriter(io.BytesIO(genuine))
    out = PdfTimeStamper(HttpTimeStamper(tsa.url), field_name="Archive").timestamp_pdf(
        writer, "sha256"
    )
    report = verify_pdf(out.getvalue(), trust, AT)
    _signature_checks_valid(report)
    assert report.check("pdf.timestamps").status is Status.VALID


EXPECTED = {
    "usf_zero_contents": V.PDF_SIGNATURE_INVALID,
    "usf_remove_contents": V.PDF_SIGNATURE_INVALID,
    "usf_remove_byterange": V.PDF_SIGNATURE_INVALID,
    "usf_zero_byterange": V.PDF_SIGNATURE_INVALID,
    "isa_with_xref": V.PDF_MODIFIED_AFTER_SIGNING,
    "isa_without_xref": V.PDF_MODIFIED_AFTER_SIGNING,
    "append_after_eof": V.PDF_MODIFIED_AFTER_SIGNING,
    "signature_wrapping": V.PDF_BYTERANGE_INVALID,
    "evil_annotation": V.PDF_ANNOTATION_ADDED,
    "sneaky_signature": V.PDF_SIGNATURE_FIELD_ADDED,
    "shadow_hide_and_replace": V.PDF_MODIFIED_AFTER_SIGNING,
    "shadow_hide_overlay": V.PDF_MODIFIED_AFTER_SIGNING,
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_is_rejected(attack: str, genuine: bytes, trust: TrustStore) -> None:
    attacked = ATTACKS[attack](genuine)
    assert attacked != genuine
    report = verify_pdf(attacked, trust, AT)
    assert report.verdict is Verdict.INVALID
    assert EXPECTED[attack] in report.codes, report.to_text()


@pytest.mark.parametrize(
    "attack",
    [
        "isa_with_xref",
        "evil_annotation",
        "sneaky_signature",
        "shadow_hide_overlay",
        "append_after_eof",
    ],
)
def test_attack_after_timestamp_is_rejected(
    attack: str, timestamped: bytes, trust: TrustStore
) -> None:
    report = verify_pdf(ATTACKS[attack](timestamped), trust, AT)
    assert report.verdict is Verdict.INVALID
    assert V.PDF_COVERAGE_INCOMPLETE in report.codes or V.PDF_MODIFIED_AFTER_SIGNING in report.codes


def _sign_with_pyhanko(
    pdf: bytes,
    pki: MiniPki,
    *,
    certify: bool,
    perm: fields.MDPPerm = fields.MDPPerm.NO_CHANGES,
    field_name: str = "Signature",
) -> bytes:
    meta = PdfSignatureMetadata(
        field_name=field_name,
        certify=certify,
        docmdp_permissions=perm,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    signer: signers.Signer = _CmsSigner(pki.signer, [pki.root])
    out = PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return out.getvalue()


@pytest.mark.parametrize("perm", [fields.MDPPerm.FILL_FORMS, fields.MDPPerm.ANNOTATE])
def test_evil_annotation_on_lenient_certification(
    perm: fields.MDPPerm, pki: MiniPki, trust: TrustStore
) -> None:
    """Mainka et al.: P=2/3 lets annotations through; we accept P=1 only."""
    certified = _sign_with_pyhanko(simple_pdf(), pki, certify=True, perm=perm)
    plain = verify_pdf(certified, trust, AT)
    assert plain.check("pdf.certification").code == V.PDF_NOT_CERTIFIED
    attacked = verify_pdf(add_annotation(certified), trust, AT)
    assert attacked.verdict is Verdict.INVALID
    assert V.PDF_NOT_CERTIFIED in attacked.codes


def test_approval_signature_is_not_certification(pki: MiniPki, trust: TrustStore) -> None:
    approval = _sign_with_pyhanko(simple_pdf(), pki, certify=False)
    report = verify_pdf(approval, trust, AT)
    assert report.check("pdf.certification").code == V.PDF_NOT_CERTIFIED


def test_second_signature_is_rejected(pki: MiniPki, trust: TrustStore) -> None:
    """Two approval signatures (the certified file refuses a second one in pyHanko)."""
    once = _sign_with_pyhanko(simple_pdf(), pki, certify=False)
    twice = _sign_with_pyhanko(once, pki, certify=False, field_name="Second")
    report = verify_pdf(twice, trust, AT)
    assert report.check("pdf.signatures").code == V.PDF_EXTRA_SIGNATURE


def test_unsigned_pdf(trust: TrustStore) -> None:
    report = verify_pdf(simple_pdf(), trust, AT)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.signatures").code == V.PDF_NOT_SIGNED


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"hello",
        b"%PDF-1.7\n",
        b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
        b"\x89PNG\r\n\x1a\n" + bytes(100),
    ],
)
def test_unreadable_input(data: bytes, trust: TrustStore) -> None:
    report = verify_pdf(data, trust, AT)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.readable").code == V.PDF_UNREADABLE
    assert all(c.status is not Status.ERROR for c in report.checks)


def test_truncated_signed_file(genuine: bytes, trust: TrustStore) -> None:
    report = verify_pdf(genuine[: len(genuine) // 2], trust, AT)
    assert report.verdict is Verdict.INVALID


def test_unknown_signer(genuine: bytes) -> None:
    other = make_pki(AT, common_name="Another Root")
    report = verify_pdf(genuine, TrustStore([other.root]), AT)
    assert report.check("pdf.signer").code == V.PDF_SIGNER_UNKNOWN
    assert report.verdict is Verdict.INVALID


def test_expired_and_not_yet_valid_signer(genuine: bytes, trust: TrustStore) -> None:
    assert verify_pdf(genuine, trust, AT + timedelta(days=500)).check("pdf.signer").code == (
        V.PDF_SIGNER_EXPIRED
    )
    assert verify_pdf(genuine, trust, AT - timedelta(days=30)).check("pdf.signer").code == (
        V.PDF_SIGNER_NOT_YET_VALID
    )


def test_revoked_signer(genuine: bytes, pki: MiniPki) -> None:
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(pki.signer.certificate.serial_number)
        .revocation_date(AT - timedelta(hours=1))
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(AT - timedelta(hours=1))
        .next_update(AT + timedelta(days=30))
        .add_revoked_certificate(revoked)
        .sign(pki.root_key, hashes.SHA384())
    )
    report = verify_pdf(genuine, TrustStore([pki.root], [crl]), AT)
    assert report.check("pdf.signer").code == V.PDF_SIGNER_REVOKED


# --- outside checks: poppler and qpdf on every genuine file --------------------------------------


@pytest.fixture(scope="module")
def nss_db(pki: MiniPki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting our test root, for pdfsig."""
    from cryptography.hazmat.primitives import serialization

    certutil = need_tool("certutil")
    folder = tmp_path_factory.mktemp("nss")
    root = folder / "root.pem"
    root.write_bytes(pki.root.public_bytes(serialization.Encoding.PEM))
    subprocess.run([certutil, "-N", "-d", f"sql:{folder}", "--empty-password"], check=True)
    subprocess.run(
        [certutil, "-A", "-d", f"sql:{folder}", "-n", "root", "-t", "CT,C,C", "-i", str(root)],
        check=True,
    )
    return folder


@pytest.mark.parametrize("which", ["genuine", "timestamped"])
def test_pdfsig_trusts_genuine_files(
    which: str, request: pytest.FixtureRequest, nss_db: Path, tmp_path: Path
) -> None:
    pdfsig = need_tool("pdfsig")
    qpdf = need_tool("qpdf")
    path = tmp_path / f"{which}.pdf"
    path.write_bytes(request.getfixturevalue(which))
    out = subprocess.run(
        [pdfsig, "-nssdir", f"sql:{nss_db}", str(path)], capture_output=True, text=True, check=False
    )
    first = out.stdout.split("Signature #2")[0]
    assert "Signature is Valid" in first, out.stdout
    assert "Certificate is Trusted" in first, out.stdout
    if which == "genuine":
        assert "Total document signed" in first
    check = subprocess.run([qpdf, "--check", str(path)], capture_output=True, check=False)
    assert check.returncode == 0
