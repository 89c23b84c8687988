"""Root and document-signer certificates on every seal curve; encrypted key files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from legalize.pki import certificates as certs
from legalize.pki import ecdsa, oids
from legalize.pki.curves import CURVES, curve
from legalize.pki.ecdsa import PublicKey
from legalize.pki.eckeys import PrivateKey
from legalize.pki.errors import KeyFileError, PkiError
from legalize.pki.keyfile import KeyFileSigner, decrypt_key, encrypt_key
from legalize.pki.signer import Signer

AT = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
ALL_CURVES = sorted(CURVES)


@pytest.fixture(scope="module")
def root() -> tuple[x509.Certificate, PrivateKey]:
    key = PrivateKey.generate("secp384r1")
    assert key.native is not None
    cert = certs.make_root(
        key.native, country="LK", organization="Test Ministry", common_name="Test Root", at=AT
    )
    return cert, key


def _issue(
    root: tuple[x509.Certificate, PrivateKey], key: PrivateKey, **kw: object
) -> x509.Certificate:
    root_cert, root_key = root
    assert root_key.native is not None
    args: dict[str, object] = {
        "country": "LK",
        "code": "TD",
        "organization": "Test Ministry",
        "post": "Colombo",
        "doc_types": ("TTD",),
        "at": AT,
        "serial": certs.new_serial(),
    }
    args.update(kw)
    return certs.issue_signer(root_cert, root_key.native, key.public_key(), **args)  # type: ignore[arg-type]


def test_root_profile(root: tuple[x509.Certificate, PrivateKey]) -> None:
    cert, _ = root
    cert.verify_directly_issued_by(cert)
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca and basic.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign and not usage.digital_signature
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=3650)


@pytest.mark.parametrize("curve_name", ALL_CURVES)
def test_signer_on_every_curve(root: tuple[x509.Certificate, PrivateKey], curve_name: str) -> None:
    key = PrivateKey.generate(curve_name)
    cert = _issue(root, key)
    cert.verify_directly_issued_by(root[0])  # the root's signature, whatever the leaf curve
    spki = PublicKey.of_certificate(cert)
    assert spki.curve.name == curve_name
    assert spki.point == key.public_key().point
    # A seal-style signature verifies with the certificate's key (seal's own verifier).
    data = b"\xdc\x03header and message zone"
    signature = KeyFileSigner(cert, key).sign(data)
    assert len(signature) == 2 * curve(curve_name).size
    assert ecdsa.verify_raw(spki.spki_der, data, signature)
    assert not ecdsa.verify_raw(spki.spki_der, data + b"!", signature)


def test_signer_profile(root: tuple[x509.Certificate, PrivateKey]) -> None:
    cert = _issue(root, PrivateKey.generate("secp256r1"), serial=0x0ABCD + 0x10000)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "LK"
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "TD"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == "Colombo"
    assert certs.signer_id_of(cert) == "LKTD"
    assert certs.cert_reference_of(cert) == "1ABCD"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert oids.EKU_SEAL_SIGNER in eku and oids.EKU_DOCUMENT_SIGNING in eku
    assert ExtendedKeyUsageOID.SERVER_AUTH not in eku
    doc_ext = cert.extensions.get_extension_for_oid(oids.EXT_DOCUMENT_TYPES)
    assert not doc_ext.critical
    assert oids.document_types(cert) == frozenset({"TTD"})
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
    start, end = certs.key_usage_period(cert)
    assert (start, end) == (AT, AT + timedelta(days=365))
    # Certificate validity: key usage period + about two months (TR-03137).
    assert cert.not_valid_after_utc == AT + timedelta(days=365 + 61)


def test_serials_fit_five_hex_digits() -> None:
    taken: set[int] = set()
    for _ in range(300):
        serial = certs.new_serial(taken)
        assert len(format(serial, "X")) == 5
        assert serial not in taken
        taken.add(serial)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"code": "T"}, "signer code"),
        ({"code": "t-"}, "signer code"),
        ({"country": "LKA"}, "country"),
        ({"serial": 0xFFFF}, "five hex digits"),
        ({"serial": 0x100000}, "five hex digits"),
        ({"doc_types": ()}, "document type"),
        ({"doc_types": ("PASSPORT",)}, "unknown document type"),
    ],
)
def test_signer_bad_input(
    root: tuple[x509.Certificate, PrivateKey], kw: dict[str, object], message: str
) -> None:
    with pytest.raises(PkiError, match=message):
        _issue(root, PrivateKey.generate("secp256r1"), **kw)


def test_root_key_must_match(root: tuple[x509.Certificate, PrivateKey]) -> None:
    other = PrivateKey.generate("secp384r1")
    assert other.native is not None
    with pytest.raises(PkiError, match="root key does not match"):
        certs.issue_signer(
            root[0],
            other.native,
            PrivateKey.generate("secp256r1").public_key(),
            country="LK",
            code="TD",
            organization="X",
            post="Y",
            doc_types=("TTD",),
            at=AT,
            serial=certs.new_serial(),
        )


@pytest.mark.parametrize("curve_name", ALL_CURVES)
def test_key_file_round_trip(
    root: tuple[x509.Certificate, PrivateKey], curve_name: str, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    key = PrivateKey.generate(curve_name)
    cert = _issue(root, key)
    pem = encrypt_key(key, "correct horse", iterations=1000)
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert key.scalar.to_bytes(curve(curve_name).size, "big") not in pem
    (tmp_path / "k.pem").write_bytes(pem)
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    signer = KeyFileSigner.load(tmp_path / "c.pem", tmp_path / "k.pem", "correct horse")
    assert isinstance(signer, Signer)
    assert signer.signer_id == "LKTD"
    assert signer.cert_reference == format(cert.serial_number, "X")
    assert signer.curve == curve_name
    spki = PublicKey.of_certificate(cert).spki_der
    assert ecdsa.verify_raw(spki, b"doc", signer.sign(b"doc", "sha512"), "sha512")
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        KeyFileSigner.load(tmp_path / "c.pem", tmp_path / "k.pem", "wrong horse")


def test_key_file_read_by_cryptography_when_supported() -> None:
    key = PrivateKey.generate("brainpoolP256r1")
    pem = encrypt_key(key, "pw", iterations=1000)
    loaded = serialization.load_pem_private_key(pem, b"pw")
    assert loaded.private_numbers().private_value == key.scalar  # type: ignore[union-attr]


def test_key_file_written_by_cryptography_is_read() -> None:
    key = PrivateKey.generate("secp384r1")
    assert key.native is not None
    pem = key.native.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    )
    assert decrypt_key(pem, "pw").scalar == key.scalar
    with pytest.raises(KeyFileError):
        decrypt_key(pem, "nope")


@pytest.mark.parametrize(
    "junk", [b"", b"hello", b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"]
)
def test_key_file_junk(junk: bytes) -> None:
    with pytest.raises(KeyFileError):
        decrypt_key(junk, "pw")


def test_key_file_tampered() -> None:
    pem = bytearray(encrypt_key(PrivateKey.generate("secp256r1"), "pw", iterations=1000))
    pem[100] = ord("A") if pem[100] != ord("A") else ord("B")
    with pytest.raises(KeyFileError):
        decrypt_key(bytes(pem), "pw")


def test_key_must_match_certificate(root: tuple[x509.Certificate, PrivateKey]) -> None:
    cert = _issue(root, PrivateKey.generate("secp256r1"))
    with pytest.raises(KeyFileError, match="does not belong"):
        KeyFileSigner(cert, PrivateKey.generate("secp256r1"))


def test_empty_passphrase_refused() -> None:
    with pytest.raises(KeyFileError):
        encrypt_key(PrivateKey.generate("secp256r1"), "")


@pytest.mark.parametrize("name", ["P-256", "prime256v1", "BRAINPOOLP320R1"])
def test_curve_aliases(name: str) -> None:
    assert curve(name).name in CURVES


def test_unknown_curve() -> None:
    with pytest.raises(PkiError, match="unsupported curve"):
        curve("secp256k1")
