"""legalize.pki.der: the small DER and PEM readers of the verification path, checked against
asn1crypto (the general codec the rest of the package uses) on the same bytes, and refusing
what is not strict DER."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from asn1crypto import core, pem
from asn1crypto import keys as asn1keys
from asn1crypto import x509 as asn1x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from legalize.pki import der, ecdsa, oids
from legalize.pki.curves import CURVE_NAMES, curve

OIDS = [
    "1.2.840.10045.2.1",
    "1.3.36.3.3.2.8.1.1.13",
    "2.5.29.19",
    oids.ARC,
    f"{oids.ARC}.2.1",
    "0.9.2342.19200300.100.1.25",
    "2.999.3",
]


def _trust_files(dev_pki) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted(dev_pki.trust_dir.glob("*.crt"))


@pytest.mark.parametrize("dotted", OIDS)
def test_object_identifiers_as_asn1crypto_writes_and_reads_them(dotted: str) -> None:
    encoded = core.ObjectIdentifier(dotted).dump()
    assert der.encode_oid(dotted) == encoded
    assert der.oid(der.single(encoded, der.OID)) == dotted


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_a_named_curve_key_is_written_as_asn1crypto_writes_it(name: str) -> None:
    c = curve(name)
    point = ecdsa.public_point(name, ecdsa.generate_private_scalar(name))
    key = ecdsa.PublicKey.of_point(name, point)
    expected = asn1keys.PublicKeyInfo(
        {
            "algorithm": {"algorithm": "ec", "parameters": ("named", c.oid)},
            "public_key": b"\x04"
            + point[0].to_bytes(c.coord_size, "big")
            + point[1].to_bytes(c.coord_size, "big"),
        }
    ).dump()
    assert key.spki_der == expected
    assert (key.curve, key.point) == (c, point)
    bits = asn1keys.PublicKeyInfo.load(expected)["public_key"].contents[1:]
    assert key.key_identifier() == hashlib.sha1(bits, usedforsecurity=False).digest()


def test_the_key_of_a_certificate_is_the_one_asn1crypto_finds(dev_pki) -> None:  # type: ignore[no-untyped-def]
    for path in _trust_files(dev_pki):
        cert = x509.load_pem_x509_certificate(path.read_bytes())
        data = cert.public_bytes(serialization.Encoding.DER)
        assert der.of_certificate(cert) == data
        expected = asn1x509.Certificate.load(data)["tbs_certificate"]["subject_public_key_info"]
        assert ecdsa.spki_of_certificate_der(data) == expected.dump()
        # A version 1 certificate has no [0] version: the key is one field earlier.
        parsed = asn1x509.Certificate.load(data)
        parsed["tbs_certificate"]["version"] = "v1"
        v1 = asn1x509.Certificate(
            {
                "tbs_certificate": asn1x509.TbsCertificate.load(
                    parsed["tbs_certificate"].dump(force=True)
                ),
                "signature_algorithm": parsed["signature_algorithm"],
                "signature_value": parsed["signature_value"],
            }
        ).dump()
        assert v1 != data and ecdsa.spki_of_certificate_der.__wrapped__(v1) == expected.dump()


def test_the_encoding_object_is_cryptographys_public_one() -> None:
    """der imports Encoding from cryptography's private module to skip the SSH-key code."""
    assert der.Encoding is serialization.Encoding


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x30\x03\x02\x01\x01\x00", "bytes after"),
        (b"\x30\x04\x02\x01\x01", "truncated"),
        (b"\x30\x80\x02\x01\x01\x00\x00", "indefinite"),
        (b"\x30\x81\x03\x02\x01\x01", "shortest form"),
        (b"\x30\x82\x00\x03\x02\x01\x01", "shortest form"),
        (b"\x1f\x81\x01\x00", "multi-byte tag"),
        (b"\x02\x01\x01", "expected tag"),
        (b"\x30", "truncated"),
    ],
)
def test_what_is_not_strict_der_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(der.DerError, match=why):
        der.children(der.single(data, der.SEQUENCE).content)


@pytest.mark.parametrize("content", [b"\x80\x01", b"\x2a\x86", b""])
def test_a_malformed_object_identifier_is_refused(content: bytes) -> None:
    with pytest.raises(der.DerError):
        der.oid(der.Element(der.OID, content, der.encode(der.OID, content)))


def test_long_lengths_round_trip() -> None:
    for size in (0, 127, 128, 255, 256, 70000):
        element = der.single(der.encode(der.OCTET_STRING, bytes(size)), der.OCTET_STRING)
        assert element.content == bytes(size)
        assert element.encoded == core.OctetString(bytes(size)).dump()


def test_pem_blocks_as_asn1crypto_reads_them(dev_pki) -> None:  # type: ignore[no-untyped-def]
    files = _trust_files(dev_pki) + sorted(dev_pki.trust_dir.glob("*.crl"))
    bundle = b"text before\n" + b"\n".join(p.read_bytes() for p in files) + b"and after\n"
    expected = [(kind, body) for kind, _headers, body in pem.unarmor(bundle, multiple=True)]
    assert der.is_pem(bundle) and der.unarmor(bundle) == expected
    assert [kind for kind, _ in expected].count("X509 CRL") == 1


def test_broken_pem_is_refused(dev_pki) -> None:  # type: ignore[no-untyped-def]
    text = _trust_files(dev_pki)[0].read_bytes()
    with pytest.raises(der.DerError, match="END"):
        der.unarmor(text + b"-----BEGIN CERTIFICATE-----\nMIIB\n")
    with pytest.raises(der.DerError, match="END"):
        der.unarmor(text.replace(b"-----END CERTIFICATE-----", b""))
    with pytest.raises(der.DerError, match="CERTIFICATE"):
        der.unarmor(text.replace(b"\n", b"\n!", 2))


def test_the_document_type_extension_as_asn1crypto_writes_and_reads_it() -> None:
    class DocTypes(core.SequenceOf):  # type: ignore[misc]
        _child_spec = core.PrintableString

    ext = oids.document_types_extension(("TTD", "LEG"))
    assert ext.value == DocTypes([core.PrintableString("TTD"), core.PrintableString("LEG")]).dump()
    assert [str(item.native) for item in DocTypes.load(ext.value)] == ["TTD", "LEG"]


def _with_extension(value: bytes) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TD")])
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1ABCD)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.UnrecognizedExtension(oids.EXT_DOCUMENT_TYPES, value), critical=False)
        .sign(key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    ("value", "types"),
    [
        (b"\x30\x0a\x13\x03TTD\x13\x03LEG", {"TTD", "LEG"}),
        (b"\x30\x00", set()),
        (b"\x30\x05\x16\x03TTD", set()),  # IA5String, not PrintableString
        (b"\x30\x05\x13\x03TTD\x00", set()),  # bytes after the list
        (b"\x31\x05\x13\x03TTD", set()),  # a SET
        (b"\x30\x06\x13\x03TTD", set()),  # truncated
    ],
)
def test_a_malformed_document_type_extension_restricts_to_nothing(
    value: bytes, types: set[str]
) -> None:
    assert oids.document_types(_with_extension(value)) == frozenset(types)
