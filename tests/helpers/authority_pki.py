"""An issuing authority's own small PKI for the tests: a CA, signing certificates under it,
a CRL, and PDFs those certificates sign (as a registrar's office would send them)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import crl as asn1_crl
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

START = datetime(2020, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Identity:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "LK"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Registrar General's Department"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_ca(common: str = "Registrar General CA") -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(_name(common))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=3650 * 2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Identity(key, cert)


def make_signer(ca: Identity, common: str) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(common))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(START + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return Identity(key, cert)


def make_crl(ca: Identity, revoked: list[Identity], at: datetime) -> bytes:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(at - timedelta(days=1))
        .next_update(at + timedelta(days=30))
    )
    for who in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(who.cert.serial_number)
            .revocation_date(START + timedelta(days=1))
            .build()
        )
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def plain_pdf(text: str = "Birth certificate No. 4711") -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=0)  # text findable in the bytes
    c.setFont("Helvetica", 18)
    c.drawString(72, 760, text)
    c.drawString(72, 730, "Registrar of Births, Colombo")
    c.showPage()
    c.save()
    return out.getvalue()


def sign(
    pdf: bytes,
    signer: Identity,
    ca: Identity,
    *,
    crl: bytes | None = None,
    at: datetime | None = None,
) -> bytes:
    """``pdf`` signed by ``signer`` (a PAdES signature, the CA in the CMS; with ``crl`` the
    revocation data embedded in the file's DSS)."""
    cert = asn1_x509.Certificate.load(signer.der)
    ca_cert = asn1_x509.Certificate.load(ca.der)
    key = asn1_keys.PrivateKeyInfo.load(
        signer.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cms_signer = signers.SimpleSigner(
        signing_cert=cert,
        signing_key=key,
        cert_registry=SimpleCertificateStore.from_certs([cert, ca_cert]),
    )
    meta = signers.PdfSignatureMetadata(field_name="AuthoritySignature")
    if crl is not None:
        meta = signers.PdfSignatureMetadata(
            field_name="AuthoritySignature",
            embed_validation_info=True,
            validation_context=ValidationContext(
                trust_roots=[ca_cert],
                crls=[asn1_crl.CertificateList.load(crl)],
                allow_fetching=False,
                moment=at,
            ),
        )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    out = signers.sign_pdf(writer, meta, signer=cms_signer, timestamper=None)
    return out.getvalue()
