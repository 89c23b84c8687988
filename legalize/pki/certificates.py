"""Certificates of our hierarchy: the root (country signing CA) and document signers.

Profile choices, and why:

- Signer subject: ``C`` = ISO 3166 alpha-2 country, ``CN`` = the two alphanumerics of the
  TR-03137 signer identifier, so that ``C || CN`` is the signer identifier a seal header carries
  (``C=LK, CN=TD`` -> ``LKTD``). That is how the BSI reference tooling (vdstools) maps a seal's
  signer identifier to its certificate; ``O`` and ``OU`` name the issuer and the issuing post.
- Serial numbers of signer certificates are random in [0x10000, 0xFFFFF]: always exactly five
  hex digits, so the certificate reference fits the fixed five characters of a VDS v3 header and
  reads the same (no leading-zero ambiguity) in a v4 header's length-prefixed hex string.
  TR-03137 wants the reference unique per signer; we make it unique per CA.
- Key usage period 1 year (PrivateKeyUsagePeriod), certificate validity 1 year + 2 months
  (TR-03137), so a document sealed on the key's last day still verifies for two months and a
  successor certificate overlaps its predecessor.
- KeyUsage digitalSignature + nonRepudiation (pyhanko's default policy for PDF signers),
  EKU: our seal-signer purpose, id-kp-documentSigning and id-kp-emailProtection (for NSS-based
  PDF validators, see oids.EKU_EMAIL_PROTECTION), plus our document-type extension.
- Leaf keys on curves ``cryptography`` lacks (brainpoolP224r1/P320r1): the certificate is built
  by ``cryptography`` around a placeholder key, then its SubjectPublicKeyInfo is replaced by the
  real one (asn1crypto) and the TBSCertificate re-signed by the root, so both paths produce the
  same extensions byte for byte.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from legalize.pki import der, oids
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import PkiError

KEY_USAGE_PERIOD = timedelta(days=365)
"""How long a signer key signs documents (TR-03137: one year)."""
CERTIFICATE_EXTRA = timedelta(days=61)
"""Certificate validity beyond the key usage period (TR-03137: about two months)."""
ROOT_VALIDITY = timedelta(days=10 * 365 + 2)
SERIAL_MIN, SERIAL_MAX = 0x10000, 0xFFFFF

_CODE = re.compile(r"^[A-Z0-9]{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def signer_subject(country: str, code: str, organization: str, post: str) -> x509.Name:
    if not _COUNTRY.match(country):
        raise PkiError(f"country must be two capital letters (ISO 3166), got {country!r}")
    if not _CODE.match(code):
        raise PkiError(f"signer code must be two capital letters or digits, got {code!r}")
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, post),
            x509.NameAttribute(NameOID.COMMON_NAME, code),
        ]
    )


def signer_id_of(cert: x509.Certificate) -> str | None:
    """The TR-03137 signer identifier ``C || CN`` of ``cert``, or None if it has no such form."""
    countries = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not countries or not names:
        return None
    country, name = str(countries[0].value).upper(), str(names[0].value).upper()
    if len(name) == 4 and name.startswith(country):
        return name  # some states put all four characters in CN
    return country + name


def cert_reference_of(cert: x509.Certificate) -> str:
    """TR-03137 certificate reference: the serial number in upper-case hex."""
    return format(cert.serial_number, "X")


def new_serial(taken: Collection[int] = ()) -> int:
    """A fresh random serial of exactly five hex digits, not in ``taken``."""
    if len(taken) >= SERIAL_MAX - SERIAL_MIN:
        raise PkiError("no signer serial numbers left")
    while True:
        serial = SERIAL_MIN + secrets.randbelow(SERIAL_MAX - SERIAL_MIN + 1)
        if serial not in taken:
            return serial


def make_root(
    key: ec.EllipticCurvePrivateKey,
    *,
    country: str,
    organization: str,
    common_name: str,
    at: datetime,
    validity: timedelta = ROOT_VALIDITY,
) -> x509.Certificate:
    """The self-signed country signing CA certificate."""
    if not _COUNTRY.match(country):
        raise PkiError(f"country must be two capital letters (ISO 3166), got {country!r}")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(at)
        .not_valid_after(at + validity)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier(PublicKey.from_key(public).key_identifier()), critical=False
        )
    )
    return builder.sign(key, _root_hash(key))


def issue_signer(
    root_cert: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    public_key: PublicKey,
    *,
    country: str,
    code: str,
    organization: str,
    post: str,
    doc_types: tuple[str, ...],
    at: datetime,
    serial: int,
    key_usage_period: timedelta = KEY_USAGE_PERIOD,
    certificate_extra: timedelta = CERTIFICATE_EXTRA,
) -> x509.Certificate:
    """A document-signer certificate for ``public_key``, signed by the root."""
    if not SERIAL_MIN <= serial <= SERIAL_MAX:
        raise PkiError(f"signer serial {serial:X} does not have five hex digits")
    if not doc_types:
        raise PkiError("a signer certificate needs at least one document type")
    if root_cert.public_key() != root_key.public_key():
        raise PkiError("the root key does not match the root certificate")
    if public_key.native is not None:
        subject_key = public_key.native
    else:
        # Placeholder: replaced by the real SubjectPublicKeyInfo below.
        subject_key = ec.generate_private_key(ec.SECP256R1()).public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(signer_subject(country, code, organization, post))
        .issuer_name(root_cert.subject)
        .public_key(subject_key)
        .serial_number(serial)
        .not_valid_before(at)
        .not_valid_after(at + key_usage_period + certificate_extra)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [oids.EKU_SEAL_SIGNER, oids.EKU_DOCUMENT_SIGNING, oids.EKU_EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(oids.document_types_extension(doc_types), critical=False)
        .add_extension(x509.PrivateKeyUsagePeriod(at, at + key_usage_period), critical=False)
        .add_extension(x509.SubjectKeyIdentifier(public_key.key_identifier()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
    )
    cert = builder.sign(root_key, _root_hash(root_key))
    if public_key.native is not None:
        return cert
    return _replace_public_key(cert, public_key, root_key)


def key_usage_period(cert: x509.Certificate) -> tuple[datetime, datetime]:
    """When the signer key may sign: PrivateKeyUsagePeriod, else the certificate validity."""
    start, end = cert.not_valid_before_utc, cert.not_valid_after_utc
    try:
        period = cert.extensions.get_extension_for_class(x509.PrivateKeyUsagePeriod).value
    except x509.ExtensionNotFound:
        return start, end
    # cryptography returns naive UTC datetimes for this extension.
    if period.not_before is not None:
        start = period.not_before.replace(tzinfo=UTC)
    if period.not_after is not None:
        end = period.not_after.replace(tzinfo=UTC)
    return start, end


def _root_hash(key: ec.EllipticCurvePrivateKey) -> hashes.SHA256 | hashes.SHA384 | hashes.SHA512:
    bits = key.curve.key_size
    return hashes.SHA256() if bits <= 256 else hashes.SHA384() if bits <= 384 else hashes.SHA512()


def _replace_public_key(
    cert: x509.Certificate, public_key: PublicKey, root_key: ec.EllipticCurvePrivateKey
) -> x509.Certificate:
    # Imported here: only issuing on the two brainpool curves needs it, and verifiers, which
    # import this module for signer_id_of, start faster without it (issue 9).
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509

    parsed = asn1_x509.Certificate.load(der.of_certificate(cert))
    tbs = parsed["tbs_certificate"]
    tbs["subject_public_key_info"] = asn1_keys.PublicKeyInfo.load(public_key.spki_der)
    tbs_der = tbs.dump(force=True)
    signature = root_key.sign(tbs_der, ec.ECDSA(_root_hash(root_key)))
    rebuilt = asn1_x509.Certificate(
        {
            "tbs_certificate": asn1_x509.TbsCertificate.load(tbs_der),
            "signature_algorithm": parsed["signature_algorithm"],
            "signature_value": signature,
        }
    )
    return x509.load_der_x509_certificate(rebuilt.dump())
