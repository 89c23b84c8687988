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
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner

from legalize.documents.pades import _CmsSigner, sign_pdf
from legalize.pki.trust import TrustStore
from tests.helpers.pdf_attacks import ATTACKS, MiniPki, add_annotation, make_pki, simple_pdf
from tests.helpers.support import need_tool
from tests.helpers.tsa import LocalTsa, serve_tsa
from verifier.codes import Code
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


def test_validation_data_and_timestamp_keep_it_valid(
    pki: MiniPki, trust: TrustStore, tsa: LocalTsa
) -> None:
    """B-LT: a DSS with the chain and a CRL, covered by the document timestamp."""
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(AT - timedelta(hours=1))
        .next_update(AT + timedelta(days=30))
        .sign(pki.root_key, hashes.SHA384())
    )
    result = sign_pdf(
        simple_pdf(), pki.signer, AT, chain=[pki.root], tsa_url=tsa.url, validation_crls=[crl]
    )
    assert result.level == "B-LT"
    report = verify_pdf(result.pdf, trust, AT)
    _signature_checks_valid(report)
    assert report.check("pdf.timestamps").status is Status.VALID


EXPECTED = {
    "usf_zero_contents": Code.PDF_SIGNATURE_INVALID,
    "usf_remove_contents": Code.PDF_SIGNATURE_INVALID,
    "usf_remove_byterange": Code.PDF_SIGNATURE_INVALID,
    "usf_zero_byterange": Code.PDF_SIGNATURE_INVALID,
    "isa_with_xref": Code.PDF_MODIFIED_AFTER_SIGNING,
    "isa_without_xref": Code.PDF_MODIFIED_AFTER_SIGNING,
    "isa_without_xref_eof": Code.PDF_COVERAGE_INCOMPLETE,
    "contents_padding": Code.PDF_MODIFIED_AFTER_SIGNING,
    "append_after_eof": Code.PDF_MODIFIED_AFTER_SIGNING,
    "signature_wrapping": Code.PDF_BYTERANGE_INVALID,
    "evil_annotation": Code.PDF_ANNOTATION_ADDED,
    "sneaky_signature": Code.PDF_SIGNATURE_FIELD_ADDED,
    "shadow_hide_and_replace": Code.PDF_MODIFIED_AFTER_SIGNING,
    "shadow_hide_overlay": Code.PDF_MODIFIED_AFTER_SIGNING,
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
    assert (
        Code.PDF_COVERAGE_INCOMPLETE in report.codes
        or Code.PDF_MODIFIED_AFTER_SIGNING in report.codes
    )


def test_forged_revision_sealed_with_a_timestamp(
    genuine: bytes, trust: TrustStore, tsa: LocalTsa
) -> None:
    """The attacker changes the page, then adds a document timestamp of their own over the
    whole file: coverage is complete, but the certification signature forbids the change."""
    from pyhanko.sign.signers.pdf_signer import PdfTimeStamper

    from legalize.documents.timestamp import HttpTimeStamper

    forged = ATTACKS["isa_with_xref"](genuine)
    writer = IncrementalPdfFileWriter(io.BytesIO(forged))
    out = PdfTimeStamper(HttpTimeStamper(tsa.url), field_name="Cover").timestamp_pdf(
        writer, "sha256"
    )
    report = verify_pdf(out.getvalue(), trust, AT)
    assert report.check("pdf.coverage").status is Status.VALID
    assert report.check("pdf.modifications").code == Code.PDF_MODIFIED_AFTER_SIGNING
    assert report.verdict is Verdict.INVALID


def test_shadow_attack_prepared_before_signing(pki: MiniPki, trust: TrustStore) -> None:
    """Rohlmann et al.: the signed file already holds the attacker's content, unreferenced;
    the update after signing only switches a reference. Still a change of a signed object."""
    from tests.helpers.pdf_attacks import shadow_prepare, shadow_switch

    prepared = sign_pdf(shadow_prepare(simple_pdf()), pki.signer, AT, chain=[pki.root]).pdf
    _signature_checks_valid(verify_pdf(prepared, trust, AT))  # innocent as signed
    report = verify_pdf(shadow_switch(prepared), trust, AT)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.modifications").code == Code.PDF_MODIFIED_AFTER_SIGNING


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
    assert plain.check("pdf.certification").code == Code.PDF_NOT_CERTIFIED
    attacked = verify_pdf(add_annotation(certified), trust, AT)
    assert attacked.verdict is Verdict.INVALID
    assert Code.PDF_NOT_CERTIFIED in attacked.codes


def test_non_pades_certification_is_refused(pki: MiniPki, trust: TrustStore) -> None:
    meta = PdfSignatureMetadata(
        field_name="Signature",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
        md_algorithm="sha256",
    )
    signer: signers.Signer = _CmsSigner(pki.signer, [pki.root])
    out = PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(simple_pdf())))
    report = verify_pdf(out.getvalue(), trust, AT)
    assert report.check("pdf.certification").code == Code.PDF_SIGNATURE_UNSUPPORTED


def test_sha1_signature_is_refused(pki: MiniPki, trust: TrustStore) -> None:
    meta = PdfSignatureMetadata(
        field_name="Signature",
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha1",
    )
    signer: signers.Signer = _CmsSigner(pki.signer, [pki.root])
    out = PdfSigner(meta, signer).sign_pdf(IncrementalPdfFileWriter(io.BytesIO(simple_pdf())))
    report = verify_pdf(out.getvalue(), trust, AT)
    assert report.check("pdf.certification").code == Code.PDF_SIGNATURE_UNSUPPORTED


def test_approval_signature_is_not_certification(pki: MiniPki, trust: TrustStore) -> None:
    approval = _sign_with_pyhanko(simple_pdf(), pki, certify=False)
    report = verify_pdf(approval, trust, AT)
    assert report.check("pdf.certification").code == Code.PDF_NOT_CERTIFIED


def test_second_signature_is_rejected(pki: MiniPki, trust: TrustStore) -> None:
    """Two approval signatures (the certified file refuses a second one in pyHanko)."""
    once = _sign_with_pyhanko(simple_pdf(), pki, certify=False)
    twice = _sign_with_pyhanko(once, pki, certify=False, field_name="Second")
    report = verify_pdf(twice, trust, AT)
    assert report.check("pdf.signatures").code == Code.PDF_EXTRA_SIGNATURE


def test_unsigned_pdf(trust: TrustStore) -> None:
    report = verify_pdf(simple_pdf(), trust, AT)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.signatures").code == Code.PDF_NOT_SIGNED


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
    assert report.check("pdf.readable").code == Code.PDF_UNREADABLE
    assert all(c.status is not Status.ERROR for c in report.checks)


def test_naive_time_refused(genuine: bytes, trust: TrustStore) -> None:
    with pytest.raises(ValueError, match="timezone"):
        verify_pdf(genuine, trust, datetime(2026, 1, 15))


def test_truncated_signed_file(genuine: bytes, trust: TrustStore) -> None:
    report = verify_pdf(genuine[: len(genuine) // 2], trust, AT)
    assert report.verdict is Verdict.INVALID


def test_unknown_signer(genuine: bytes) -> None:
    other = make_pki(AT, common_name="Another Root")
    report = verify_pdf(genuine, TrustStore([other.root]), AT)
    assert report.check("pdf.signer").code == Code.PDF_SIGNER_UNKNOWN
    assert report.verdict is Verdict.INVALID


def test_expired_and_not_yet_valid_signer(genuine: bytes, trust: TrustStore) -> None:
    assert verify_pdf(genuine, trust, AT + timedelta(days=500)).check("pdf.signer").code == (
        Code.PDF_SIGNER_EXPIRED
    )
    assert verify_pdf(genuine, trust, AT - timedelta(days=30)).check("pdf.signer").code == (
        Code.PDF_SIGNER_NOT_YET_VALID
    )


def test_trusted_timestamp_outlives_the_signer_certificate(
    timestamped: bytes, trust: TrustStore
) -> None:
    """Long-term validation: the signer expired since, but a trusted timestamp proves the
    document existed while it was valid."""
    later = AT + timedelta(days=500)
    check = verify_pdf(timestamped, trust, later).check("pdf.signer")
    assert check.status is Status.VALID
    assert check.data["validated_at"] == AT.isoformat()
    assert check.data["later_status"] == "SIGNER_EXPIRED"


def _crl(
    pki: MiniPki, revoked_at: datetime, reason: x509.ReasonFlags
) -> x509.CertificateRevocationList:
    revoked = (
        x509.RevokedCertificateBuilder()
        .serial_number(pki.signer.certificate.serial_number)
        .revocation_date(revoked_at)
        .add_extension(x509.CRLReason(reason), critical=False)
        .build()
    )
    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(revoked_at)
        .next_update(revoked_at + timedelta(days=30))
        .add_revoked_certificate(revoked)
        .sign(pki.root_key, hashes.SHA384())
    )


def test_revocation_after_the_timestamp(timestamped: bytes, genuine: bytes, pki: MiniPki) -> None:
    later = AT + timedelta(days=20)
    superseded = TrustStore(
        [pki.root], [_crl(pki, AT + timedelta(days=10), x509.ReasonFlags.superseded)]
    )
    assert verify_pdf(timestamped, superseded, later).check("pdf.signer").status is Status.VALID
    # without a timestamp nothing proves the document predates the revocation
    assert verify_pdf(genuine, superseded, later).check("pdf.signer").code == (
        Code.PDF_SIGNER_REVOKED
    )
    # a compromised key could have signed at any time: no timestamp saves it
    compromised = TrustStore(
        [pki.root], [_crl(pki, AT + timedelta(days=10), x509.ReasonFlags.key_compromise)]
    )
    assert verify_pdf(timestamped, compromised, later).check("pdf.signer").code == (
        Code.PDF_SIGNER_REVOKED
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
    assert report.check("pdf.signer").code == Code.PDF_SIGNER_REVOKED


# --- outside checks: poppler and qpdf on every genuine file --------------------------------------


@pytest.fixture(scope="module")
def nss_db(pki: MiniPki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An NSS database trusting our test root, for pdfsig."""
    return _make_nss_db(pki.root, tmp_path_factory.mktemp("nss"))


def _make_nss_db(root_cert: x509.Certificate, folder: Path) -> Path:
    from cryptography.hazmat.primitives import serialization

    certutil = need_tool("certutil")
    root = folder / "root.pem"
    root.write_bytes(root_cert.public_bytes(serialization.Encoding.PEM))
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


# --- with the dev PKI and real seals: the whole document verifies --------------------------------


@pytest.fixture(scope="module")
def dev_at(dev_pki) -> datetime:  # type: ignore[no-untyped-def]
    return dev_pki.at + timedelta(hours=1)


@pytest.fixture(scope="module")
def dev_trust(dev_pki) -> TrustStore:  # type: ignore[no-untyped-def]
    return TrustStore.load(dev_pki.trust_dir)


UNDERLYING = simple_pdf("Birth certificate issued by the Registrar General")
NUMBER = "L2026000042"


def _legalization_seal(
    dev_pki,
    at: datetime,
    *,
    underlying: bytes = UNDERLYING,  # type: ignore[no-untyped-def]
    number: str = NUMBER,
) -> str:
    import hashlib

    from legalize.seal.profiles import LegalizationSeal, seal_legalization
    from legalize.seal.qrtext import qr_text

    data = LegalizationSeal(
        issuing_country="LKA",
        date=at.date(),
        number=number,
        country="LKA",
        signed_by="A. PERERA",
        capacity="Registrar",
        seal_of="Registrar General",
        place="Colombo",
        document_sha256=hashlib.sha256(underlying).digest(),
    )
    seal = seal_legalization(data, dev_pki.signer("LEG"), at)
    return qr_text(seal, "https://check.example.lk/s/")


def _carrying(
    seal_text: str | None,
    *,
    title: str = f"Legalization {NUMBER}",
    underlying: bytes | None = UNDERLYING,
) -> bytes:
    """A PDF whose catalog carries the seal and the underlying document, as the rendering
    writes them (pikepdf here, before signing; nothing touches the file after signing)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(simple_pdf("Legalization certificate"))) as pdf:
        if seal_text is not None:
            pdf.Root.LegalizeSeal = pikepdf.String(seal_text)
        if underlying is not None:
            pdf.Root.LegalizeUnderlying = pikepdf.Stream(pdf, underlying)
        pdf.docinfo["/Title"] = title
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _issue(dev_pki, at: datetime, pdf: bytes, doc_type: str = "LEG") -> bytes:  # type: ignore[no-untyped-def]
    from cryptography.x509 import load_pem_x509_certificate

    root = load_pem_x509_certificate(dev_pki.root_cert.read_bytes())
    return sign_pdf(pdf, dev_pki.signer(doc_type), at, chain=[root]).pdf


@pytest.fixture(scope="module")
def legalization(dev_pki, dev_at: datetime) -> bytes:  # type: ignore[no-untyped-def]
    return _issue(dev_pki, dev_at, _carrying(_legalization_seal(dev_pki, dev_at)))


def test_genuine_legalization_is_valid(
    legalization: bytes, dev_trust: TrustStore, dev_at: datetime
) -> None:
    report = verify_pdf(legalization, dev_trust, dev_at)
    assert report.verdict is Verdict.VALID, report.to_text()
    assert report.check("pdf.underlying").status is Status.VALID
    assert report.check("pdf.number").data == {"number": NUMBER}
    assert report.check("seal.signature").status is Status.VALID
    assert report.data["number"] == NUMBER


@pytest.mark.parametrize(
    "attack",
    [
        "isa_with_xref",
        "append_after_eof",
        "signature_wrapping",
        "usf_zero_contents",
        "evil_annotation",
    ],
)
def test_attacked_legalization_is_invalid(
    attack: str, legalization: bytes, dev_trust: TrustStore, dev_at: datetime
) -> None:
    report = verify_pdf(ATTACKS[attack](legalization), dev_trust, dev_at)
    assert report.verdict is Verdict.INVALID
    assert EXPECTED[attack] in report.codes


def test_underlying_swapped_before_signing(
    dev_pki,
    dev_trust: TrustStore,  # type: ignore[no-untyped-def]
    dev_at: datetime,
) -> None:
    """The seal certifies one document, the PDF embeds another (signed all the same)."""
    other = simple_pdf("A different document")
    pdf = _issue(dev_pki, dev_at, _carrying(_legalization_seal(dev_pki, dev_at), underlying=other))
    report = verify_pdf(pdf, dev_trust, dev_at)
    assert report.verdict is Verdict.INVALID
    assert report.check("pdf.underlying").code == Code.UNDERLYING_HASH_MISMATCH
    missing = _issue(
        dev_pki, dev_at, _carrying(_legalization_seal(dev_pki, dev_at), underlying=None)
    )
    assert verify_pdf(missing, dev_trust, dev_at).check("pdf.underlying").code == (
        Code.UNDERLYING_MISSING
    )


def test_number_mismatch(dev_pki, dev_trust: TrustStore, dev_at: datetime) -> None:  # type: ignore[no-untyped-def]
    pdf = _issue(
        dev_pki,
        dev_at,
        _carrying(_legalization_seal(dev_pki, dev_at), title="Legalization L2026000043"),
    )
    report = verify_pdf(pdf, dev_trust, dev_at)
    assert report.check("pdf.number").code == Code.PDF_NUMBER_MISMATCH
    assert report.verdict is Verdict.INVALID


def test_seal_missing_or_forged(dev_pki, dev_trust: TrustStore, dev_at: datetime) -> None:  # type: ignore[no-untyped-def]
    bare = _issue(dev_pki, dev_at, _carrying(None))
    assert verify_pdf(bare, dev_trust, dev_at).check("seal").code == Code.PDF_SEAL_MISSING
    text = _legalization_seal(dev_pki, dev_at)
    # flip one payload character (Base32 alphabet) in the QR text: the seal no longer verifies
    flipped = text[:-10] + ("A" if text[-10] != "A" else "B") + text[-9:]
    report = verify_pdf(_issue(dev_pki, dev_at, _carrying(flipped)), dev_trust, dev_at)
    assert report.verdict is Verdict.INVALID
    assert any(code.startswith("SEAL_") for code in report.codes), report.to_text()


def test_pdf_signed_by_a_signer_not_allowed_for_legalizations(
    dev_pki,
    dev_trust: TrustStore,
    dev_at: datetime,  # type: ignore[no-untyped-def]
) -> None:
    pdf = _issue(dev_pki, dev_at, _carrying(_legalization_seal(dev_pki, dev_at)), doc_type="TTD")
    report = verify_pdf(pdf, dev_trust, dev_at)
    assert report.check("pdf.signer").code == Code.PDF_SIGNER_NOT_ALLOWED


def test_cli_contract(legalization: bytes, dev_pki, dev_at: datetime, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]

    from verifier.cli import main

    good = tmp_path / "good.pdf"
    good.write_bytes(legalization)
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(ATTACKS["isa_with_xref"](legalization))
    day = dev_at.date().isoformat()
    common = ["--trust-store", str(dev_pki.trust_dir), "--at", day]
    assert main(["pdf", str(good), *common]) == 0
    assert main(["pdf", str(bad), *common]) == 1
    assert main(["pdf", str(tmp_path / "missing.pdf"), *common]) == 2


def test_cli_json(
    legalization: bytes,
    dev_pki,
    dev_at: datetime,
    tmp_path: Path,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from verifier.cli import main

    good = tmp_path / "good.pdf"
    good.write_bytes(legalization)
    code = main(
        [
            "pdf",
            str(good),
            "--trust-store",
            str(dev_pki.trust_dir),
            "--at",
            dev_at.date().isoformat(),
            "--json",
        ]
    )
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["verdict"] == "VALID"
    assert {c["name"] for c in payload["checks"]} >= {
        "pdf.signature",
        "pdf.modifications",
        "seal.signature",
        "pdf.underlying",
    }


def _nss_accepts_eku(cert: x509.Certificate) -> bool:
    """NSS trusts a PDF signer only with no EKU or with emailProtection (measured)."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return ExtendedKeyUsageOID.EMAIL_PROTECTION in usages


def test_pdfsig_on_dev_pki_document(legalization: bytes, dev_pki, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pdfsig = need_tool("pdfsig")
    path = tmp_path / "legalization.pdf"
    path.write_bytes(legalization)
    root = x509.load_pem_x509_certificate(dev_pki.root_cert.read_bytes())
    db = _make_nss_db(root, tmp_path)
    out = subprocess.run(
        [pdfsig, "-nssdir", f"sql:{db}", str(path)], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature is Valid" in out and "Total document signed" in out
    if _nss_accepts_eku(dev_pki.signer("LEG").certificate):
        assert "Certificate is Trusted" in out, out
    check = subprocess.run(
        [need_tool("qpdf"), "--check", str(path)], capture_output=True, check=False
    )
    assert check.returncode == 0


# --- the real TTD page, sealed and signed, end to end ------------------------------------------


@pytest.fixture(scope="module")
def ttd_pdf(dev_pki, dev_at: datetime) -> bytes:  # type: ignore[no-untyped-def]
    from datetime import date

    from legalize.documents import mrz
    from legalize.documents.ttd import TtdData, render_ttd
    from legalize.seal.profiles import TtdSeal, seal_ttd
    from legalize.seal.qrtext import qr_text

    today = dev_at.date()
    data = TtdData(
        document_number="T00012345",
        surname="Perera",
        given_names="Kumari Nirmala",
        birth_date=date(1988, 3, 14),
        place_of_birth="Kandy",
        sex="F",
        nationality="LKA",
        issue_date=today,
        expiry_date=today + timedelta(days=30),
        issuing_post="Embassy of Sri Lanka, Rome",
        check_code="K7QX-4MRP-2WZD-9",
    )
    signer = dev_pki.signer("TTD")
    seal = seal_ttd(
        TtdSeal(issuing_country="LKA", issue_date=today, mrz="".join(mrz.td2(data.mrz_fields()))),
        signer,
        dev_at,
    )
    photo = (Path(__file__).parent.parent / "examples" / "holder.jpg").read_bytes()
    page = render_ttd(data, qr_text(seal, "https://check.example.lk/s/"), photo, dev_at)
    return _issue(dev_pki, dev_at, page, doc_type="TTD")


def test_rendered_ttd_verifies(
    ttd_pdf: bytes, dev_trust: TrustStore, dev_at: datetime, tmp_path: Path
) -> None:
    report = verify_pdf(ttd_pdf, dev_trust, dev_at)
    assert report.verdict is Verdict.VALID, report.to_text()
    assert report.check("pdf.number").data == {"number": "T00012345"}
    assert report.check("pdf.underlying").code == "NOT_APPLICABLE"
    path = tmp_path / "ttd.pdf"
    path.write_bytes(ttd_pdf)
    out = subprocess.run(
        [need_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature is Valid" in out and "Total document signed" in out
    assert (
        subprocess.run(
            [need_tool("qpdf"), "--check", str(path)], capture_output=True, check=False
        ).returncode
        == 0
    )
    # and an attack on the real page is refused
    attacked = verify_pdf(ATTACKS["sneaky_signature"](ttd_pdf), dev_trust, dev_at)
    assert Code.PDF_SIGNATURE_FIELD_ADDED in attacked.codes


def test_timestamped_legalization_stays_valid_after_the_signer_expires(
    dev_pki,
    dev_trust: TrustStore,
    dev_at: datetime,  # type: ignore[no-untyped-def]
) -> None:
    """Legalizations do not expire; with a trusted timestamp neither does their verification
    when the document signer's certificate does (seal and PDF signer alike)."""
    from cryptography.x509 import load_pem_x509_certificate

    tsa_root = make_pki(dev_at, common_name="Test TSA Root")
    trust = TrustStore([*dev_trust.certificates, tsa_root.root], dev_trust.crls)
    root = load_pem_x509_certificate(dev_pki.root_cert.read_bytes())
    with serve_tsa(tsa_root.root, tsa_root.root_key, at=dev_at) as tsa:
        pdf = sign_pdf(
            _carrying(_legalization_seal(dev_pki, dev_at)),
            dev_pki.signer("LEG"),
            dev_at,
            chain=[root],
            tsa_url=tsa.url,
        ).pdf
    later = dev_at + timedelta(days=800)
    report = verify_pdf(pdf, trust, later)
    assert report.verdict is Verdict.VALID, report.to_text()
    assert report.check("pdf.signer").data["later_status"] == "SIGNER_EXPIRED"
    assert report.check("seal.trust").data["later_status"] == "SIGNER_EXPIRED"
    # the same file without a trust anchor for its TSA: nothing proves when it existed
    assert verify_pdf(pdf, dev_trust, later).check("pdf.signer").code == Code.PDF_SIGNER_EXPIRED
