"""PAdES signing: certification signature through our Signer, document timestamp, TSA failures."""

from __future__ import annotations

import io
import logging
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import validation
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from legalize.documents.pades import PadesError, SignedPdf, hash_for_key, sign_pdf
from legalize.documents.timestamp import HttpTimeStamper, TimestampError
from tests.helpers.pdf_attacks import MiniPki, make_pki, simple_pdf
from tests.helpers.support import need_tool
from tests.helpers.tsa import LocalTsa, serve_tsa
from tests.test_pki_pkcs11 import hsm  # noqa: F401 - the SoftHSM2 token fixture

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def pki() -> MiniPki:
    return make_pki(AT)


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return simple_pdf()


@pytest.fixture
def tsa(pki: MiniPki) -> Iterator[LocalTsa]:
    with serve_tsa(pki.root, pki.root_key, at=AT) as running:
        yield running


def _asn1(cert):  # type: ignore[no-untyped-def]
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _context(pki: MiniPki) -> ValidationContext:
    return ValidationContext(trust_roots=[_asn1(pki.root)], moment=AT, allow_fetching=False)


def _embedded(signed: bytes) -> list[validation.EmbeddedPdfSignature]:
    return list(PdfFileReader(io.BytesIO(signed)).embedded_signatures)


def test_certification_signature_round_trip(pki: MiniPki, pdf: bytes) -> None:
    result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], reason="Issued", location="Colombo")
    assert isinstance(result, SignedPdf)
    assert result.level == "B-B" and result.timestamp_error is None
    assert len(result.sha256) == 64
    import hashlib

    assert result.sha256 == hashlib.sha256(result.pdf).hexdigest()
    (sig,) = _embedded(result.pdf)
    assert sig.docmdp_level is MDPPerm.NO_CHANGES
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    status = validation.validate_pdf_signature(sig, _context(pki))
    assert status.intact and status.valid and status.trusted
    assert status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    assert status.signer_reported_dt == AT  # the signing time is our `at`, not the clock
    # the chain travels with the document (root embedded)
    embedded_subjects = {c.subject.human_friendly for c in sig.other_embedded_certs}
    assert any("Test Root" in s for s in embedded_subjects)


def test_signature_is_fixed_after_signing(pki: MiniPki, pdf: bytes) -> None:
    """Tamper: one byte changed inside the signed range breaks the signature."""
    signed = sign_pdf(pdf, pki.signer, AT, chain=[pki.root]).pdf
    index = signed.index(b"ReportLab Generated")  # reportlab compresses the page text
    tampered = signed[:index] + b"F" + signed[index + 1 :]
    (sig,) = _embedded(tampered)
    status = validation.validate_pdf_signature(sig, _context(pki))
    assert not status.intact


def test_hash_follows_curve(pki: MiniPki) -> None:
    assert hash_for_key(pki.signer.certificate) == "sha256"
    assert hash_for_key(pki.root) == "sha384"


@pytest.mark.parametrize("bad", [b"", b"not a pdf", b"%PDF-1.7\n%%EOF", simple_pdf()[:200]])
def test_unreadable_input_is_a_clear_error(pki: MiniPki, bad: bytes) -> None:
    with pytest.raises(PadesError):
        sign_pdf(bad, pki.signer, AT)


def test_encrypted_input_refused(pki: MiniPki, pdf: bytes) -> None:
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as source:
        out = io.BytesIO()
        source.save(out, encryption=pikepdf.Encryption(owner="owner", user=""))
    with pytest.raises(PadesError, match="encrypted"):
        sign_pdf(out.getvalue(), pki.signer, AT)


def test_naive_datetime_refused(pki: MiniPki, pdf: bytes) -> None:
    with pytest.raises(ValueError, match="timezone"):
        sign_pdf(pdf, pki.signer, datetime(2026, 1, 15), chain=[pki.root])


def test_document_timestamp_from_local_tsa(pki: MiniPki, pdf: bytes, tsa: LocalTsa) -> None:
    result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], tsa_url=tsa.url)
    assert result.level == "B-T", result.timestamp_error
    assert len(tsa.requests) == 1  # space reserved up front: no dry-run request
    sig, stamp = _embedded(result.pdf)
    assert stamp.sig_object_type == "/DocTimeStamp"
    context = _context(pki)
    ts_status = validation.validate_pdf_timestamp(stamp, validation_context=context)
    assert ts_status.intact and ts_status.valid and ts_status.trusted
    assert ts_status.timestamp == AT
    assert ts_status.coverage is SignatureCoverageLevel.ENTIRE_FILE
    # the certification signature still holds: the timestamp is an allowed later revision
    status = validation.validate_pdf_signature(sig, context)
    assert status.intact and status.valid and status.docmdp_ok


@pytest.mark.parametrize("mode", ["error", "garbage", "refuse", "wrong"])
def test_misbehaving_tsa_lowers_the_level(
    pki: MiniPki, pdf: bytes, tsa: LocalTsa, mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    tsa.mode = mode
    with caplog.at_level(logging.WARNING, logger="legalize.documents.pades"):
        result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], tsa_url=tsa.url)
    assert result.level == "B-B"
    assert result.timestamp_error
    (sig,) = _embedded(result.pdf)  # still a complete certified document
    assert validation.validate_pdf_signature(sig, _context(pki)).bottom_line
    (record,) = [r for r in caplog.records if r.name == "legalize.documents.pades"]
    assert "B-B" in record.getMessage()
    assert "PERERA" not in record.getMessage()  # no document content in the log


def test_tsa_down_lowers_the_level(
    pki: MiniPki, pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    with serve_tsa(pki.root, pki.root_key, at=AT) as stopped:
        url = stopped.url
    with caplog.at_level(logging.WARNING, logger="legalize.documents.pades"):
        result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], tsa_url=url)
    assert result.level == "B-B"
    assert result.timestamp_error is not None and "unreachable" in result.timestamp_error
    assert any("level lowered" in r.getMessage() for r in caplog.records)


def test_slow_tsa_times_out(pki: MiniPki, pdf: bytes, tsa: LocalTsa) -> None:
    import time

    tsa.mode, tsa.delay = "slow", 3.0
    started = time.perf_counter()
    result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], tsa_url=tsa.url, tsa_timeout=0.5)
    assert time.perf_counter() - started < 2.5
    assert result.level == "B-B"


def test_bad_tsa_url_refused() -> None:
    with pytest.raises(TimestampError):
        HttpTimeStamper("file:///etc/passwd")


def test_pdfsig_and_qpdf_accept_signed_files(
    pki: MiniPki, pdf: bytes, tsa: LocalTsa, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    pdfsig = need_tool("pdfsig")
    qpdf = need_tool("qpdf")
    for name, result in {
        "b-b.pdf": sign_pdf(pdf, pki.signer, AT, chain=[pki.root]),
        "b-t.pdf": sign_pdf(pdf, pki.signer, AT, chain=[pki.root], tsa_url=tsa.url),
    }.items():
        path = tmp_path / name
        path.write_bytes(result.pdf)
        out = subprocess.run([pdfsig, str(path)], capture_output=True, text=True, check=False)
        assert "Signature #1" in out.stdout
        first = out.stdout.split("Signature #2")[0]
        assert "Signature is Valid" in first
        check = subprocess.run([qpdf, "--check", str(path)], capture_output=True, check=False)
        assert check.returncode == 0, check.stdout


# --- the PKCS#11 backend: the same signing path with the key in SoftHSM2 -------------------------


@pytest.mark.softhsm
@pytest.mark.parametrize("curve_name", ["secp256r1", "brainpoolP256r1"])
def test_pkcs11_signer_certifies(hsm, tmp_path, curve_name: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from datetime import timedelta

    from legalize.pki.pkcs11 import Pkcs11Signer
    from legalize.pki.trust import TrustStore, export_trust_store
    from tests.test_pki_pkcs11 import T0, _hsm_signer
    from verifier.pdf import verify_pdf

    signer = _hsm_signer(hsm, tmp_path / "keys", curve_name)
    assert isinstance(signer, Pkcs11Signer)
    at = T0 + timedelta(days=1)
    exported = export_trust_store(tmp_path / "keys", tmp_path / "trust")
    store = TrustStore.load(exported[0].parent)
    result = sign_pdf(simple_pdf(), signer, at, chain=store.roots)
    report = verify_pdf(result.pdf, store, at)
    for name in (
        "pdf.signatures",
        "pdf.certification",
        "pdf.signature",
        "pdf.signer",
        "pdf.coverage",
        "pdf.modifications",
    ):
        assert report.check(name).status.value == "VALID", report.to_text()


def _empty_crl(pki: MiniPki):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    return (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.root.subject)
        .last_update(AT - timedelta(hours=1))
        .next_update(AT + timedelta(days=30))
        .sign(pki.root_key, hashes.SHA384())
    )


def test_validation_data_in_dss(pki: MiniPki, pdf: bytes, tsa: LocalTsa) -> None:
    result = sign_pdf(
        pdf, pki.signer, AT, chain=[pki.root], tsa_url=tsa.url, validation_crls=[_empty_crl(pki)]
    )
    assert result.level == "B-LT", result.timestamp_error
    reader = PdfFileReader(io.BytesIO(result.pdf))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) == 1 and len(dss["/Certs"]) >= 2
    sig, stamp = _embedded(result.pdf)
    context = _context(pki)
    assert validation.validate_pdf_timestamp(stamp, validation_context=context).coverage is (
        SignatureCoverageLevel.ENTIRE_FILE
    )
    status = validation.validate_pdf_signature(sig, context)
    assert status.intact and status.valid and status.docmdp_ok


def test_validation_data_dropped_with_the_timestamp(pki: MiniPki, pdf: bytes) -> None:
    """No TSA: no DSS either (it would be an uncovered revision), and the level says B-B."""
    result = sign_pdf(pdf, pki.signer, AT, chain=[pki.root], validation_crls=[_empty_crl(pki)])
    assert result.level == "B-B"
    assert "/DSS" not in PdfFileReader(io.BytesIO(result.pdf)).root


@pytest.mark.softhsm
def test_curve_no_pdf_validator_reads_is_refused(hsm, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """brainpoolP320r1 is fine for seals (our own ECDSA code) but OpenSSL/NSS cannot verify
    it in a PDF: refuse rather than issue a document nobody can check."""
    from tests.test_pki_pkcs11 import T0, _hsm_signer

    signer = _hsm_signer(hsm, tmp_path / "keys", "brainpoolP320r1")
    with pytest.raises(PadesError, match="curve"):
        sign_pdf(simple_pdf(), signer, T0)
