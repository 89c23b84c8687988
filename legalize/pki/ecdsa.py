"""ECDSA with raw r‖s signatures on every curve BSI TR-03116 allows, and the one public-key
type of the package.

NIST P-256/384/521 and brainpool P256r1/P384r1/P512r1 go through ``cryptography`` (OpenSSL):
fast and constant-time. brainpoolP224r1 and brainpoolP320r1 go through
:mod:`legalize.pki.ecmath`. Curves and hash pairing: :mod:`legalize.pki.curves`.

Seals (:mod:`legalize.seal`) and trust validation use this module; it imports nothing outside
``legalize.pki`` (keys and signatures are pki's; the seal formats only use them).
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from legalize.pki import der, ecmath
from legalize.pki.curves import CURVES, Curve, curve, curve_by_oid, default_hash, hash_algorithm
from legalize.pki.curves import hash_name as canonical_hash
from legalize.pki.ecmath import Point
from legalize.pki.errors import EcdsaError as EcdsaError  # the error of this module

if TYPE_CHECKING:
    from cryptography import x509

_EC_PUBLIC_KEY = "1.2.840.10045.2.1"


@dataclass(frozen=True)
class PublicKey:
    """An EC public key on one of the allowed curves, as its SubjectPublicKeyInfo says it."""

    spki_der: bytes
    """The SubjectPublicKeyInfo DER it was read from (named curve or explicit parameters)."""
    curve: Curve
    point: Point
    """The affine point (x, y), checked to lie on the curve."""
    native: ec.EllipticCurvePublicKey | None
    """OpenSSL's key object when ``cryptography`` implements the curve."""

    @classmethod
    def from_der(cls, spki_der: bytes) -> PublicKey:
        """Parse a SubjectPublicKeyInfo (named curve, or explicit parameters equal to a named
        curve's, as some government certificates carry). Raises :class:`EcdsaError`."""
        return _parse_spki(bytes(spki_der))

    @classmethod
    def from_key(cls, key: ec.EllipticCurvePublicKey) -> PublicKey:
        from cryptography.hazmat.primitives import serialization  # not on a verifier's path

        return cls.from_der(
            key.public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    @classmethod
    def of_certificate(cls, cert: x509.Certificate) -> PublicKey:
        """The certificate's key, also on curves ``cryptography`` cannot load."""
        return cls.from_der(spki_of_certificate(cert))

    @classmethod
    def of_point(cls, curve_name: str, point: Point) -> PublicKey:
        """The key with this point, written as a named-curve SubjectPublicKeyInfo."""
        c = curve(curve_name)
        algorithm = der.encode(der.SEQUENCE, der.encode_oid(_EC_PUBLIC_KEY) + der.encode_oid(c.oid))
        bits = der.encode(der.BIT_STRING, b"\x00" + ecmath.encode_point(c, point))
        return cls.from_der(der.encode(der.SEQUENCE, algorithm + bits))

    def key_identifier(self) -> bytes:
        """RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits."""
        bits = _spki_parts(self.spki_der)[1]
        return hashlib.sha1(bits, usedforsecurity=False).digest()

    def verify(self, data: bytes, signature: bytes, hash_name: str | None = None) -> bool:
        """True when ``signature`` (raw r‖s, or DER) is a valid ECDSA signature of ``data``,
        hashed with ``hash_name`` (default: the curve's)."""
        c = self.curve
        name = c.hash_name if hash_name is None else canonical_hash(hash_name)
        for r, s in _split_signature(c, signature):
            if not (0 < r < c.n and 0 < s < c.n):
                continue
            if self.native is not None:
                try:
                    self.native.verify(encode_dss_signature(r, s), data, _ECDSA[name])
                    return True
                except InvalidSignature:
                    continue
            elif ecmath.verify_digest(c, self.point, hashlib.new(name, data).digest(), r, s):
                return True
        return False


_ECDSA = {name: ec.ECDSA(hash_algorithm(name)) for name in ("sha224", "sha256", "sha384", "sha512")}
"""One signature-algorithm object per hash, made once (the verify path is hot)."""


def _explicit_curve(encoded: bytes) -> Curve:
    """Map explicit domain parameters (a SpecifiedECDomain, DER) to a named curve: the
    parameters must equal a known curve's exactly, else the key is refused. Rare (some
    states' certificates): asn1crypto is imported only for it."""
    from asn1crypto import keys as asn1keys

    try:
        params: asn1keys.SpecifiedECDomain = asn1keys.SpecifiedECDomain.load(encoded, strict=True)
        p = int(params["field_id"]["parameters"].native)
        a = int.from_bytes(params["curve"]["a"].native, "big")
        b = int.from_bytes(params["curve"]["b"].native, "big")
        base = params["base"].native
        n = int(params["order"].native)
    except (KeyError, TypeError, ValueError) as exc:
        raise EcdsaError("unreadable explicit EC parameters") from exc
    for c in CURVES.values():
        if (c.p, c.a, c.b, c.n) == (p, a, b, n):
            g = ecmath.decode_point(c, base)
            if g == (c.gx, c.gy):
                return c
    raise EcdsaError("explicit EC parameters match no supported curve")


def _spki_parts(spki_der: bytes) -> tuple[list[der.Element], bytes]:
    """(the AlgorithmIdentifier's elements, the subjectPublicKey's bits) of an SPKI."""
    try:
        info = der.children(der.single(spki_der, der.SEQUENCE).content)
        if len(info) != 2 or info[0].tag != der.SEQUENCE or info[1].tag != der.BIT_STRING:
            raise der.DerError("not a SubjectPublicKeyInfo")
        algorithm = der.children(info[0].content)
        bits = info[1].content
        if not algorithm or not bits or bits[0] != 0:
            raise der.DerError("not a SubjectPublicKeyInfo")
        return algorithm, bits[1:]  # BIT STRING: skip the unused-bits byte
    except der.DerError as exc:
        raise EcdsaError("unreadable SubjectPublicKeyInfo") from exc


@lru_cache(maxsize=256)
def _parse_spki(spki_der: bytes) -> PublicKey:
    # Cached: a verifier sees the same few signer keys over and over.
    algorithm, raw = _spki_parts(spki_der)
    try:
        if der.oid(algorithm[0]) != _EC_PUBLIC_KEY:
            raise EcdsaError("not an EC public key")
    except der.DerError as exc:
        raise EcdsaError("unreadable SubjectPublicKeyInfo") from exc
    params = algorithm[1] if len(algorithm) == 2 else None
    if params is not None and params.tag == der.OID:
        try:
            c = curve_by_oid(der.oid(params))
        except der.DerError as exc:
            raise EcdsaError("unreadable SubjectPublicKeyInfo") from exc
    elif params is not None and params.tag == der.SEQUENCE:
        c = _explicit_curve(params.encoded)
    else:
        raise EcdsaError("EC key without curve parameters")
    point = ecmath.decode_point(c, raw)
    native = None
    if c.in_cryptography:
        native = ec.EllipticCurvePublicNumbers(
            point[0], point[1], c.cryptography_curve()
        ).public_key()
    return PublicKey(spki_der, c, point, native)


def public_key(spki_der: bytes) -> PublicKey:
    """Parse a SubjectPublicKeyInfo; see :meth:`PublicKey.from_der`."""
    return PublicKey.from_der(spki_der)


def curve_of_spki(spki_der: bytes) -> str:
    """The name of the curve of a SubjectPublicKeyInfo (one of ``curves.CURVE_NAMES``)."""
    return public_key(spki_der).curve.name


# --- private scalars -------------------------------------------------------------------------


def generate_private_scalar(curve_name: str) -> int:
    """A uniformly random private scalar in [1, n-1] from the OS random source."""
    return secrets.randbelow(curve(curve_name).n - 1) + 1


def _check_scalar(c: Curve, scalar: int) -> None:
    if not 0 < scalar < c.n:
        raise EcdsaError("private scalar out of range")


def public_point(curve_name: str, scalar: int) -> Point:
    c = curve(curve_name)
    _check_scalar(c, scalar)
    if c.in_cryptography:
        pn = ec.derive_private_key(scalar, c.cryptography_curve()).public_key().public_numbers()
        return (pn.x, pn.y)
    point = ecmath.affine(c, ecmath.mul(c, scalar, (c.gx, c.gy)))
    if point is None:  # pragma: no cover - impossible for 0 < scalar < n
        raise EcdsaError("degenerate key")
    return point


def public_spki_der(curve_name: str, scalar: int) -> bytes:
    """DER SubjectPublicKeyInfo (named curve, uncompressed point) of the scalar's public key."""
    return PublicKey.of_point(curve_name, public_point(curve_name, scalar)).spki_der


@lru_cache(maxsize=32)
def _openssl_private(curve_name: str, scalar: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(scalar, curve(curve_name).cryptography_curve())


def sign_raw(curve_name: str, scalar: int, data: bytes, hash_name: str | None = None) -> bytes:
    """ECDSA-sign ``data``; returns r‖s, each half as long as the curve order."""
    c = curve(curve_name)
    _check_scalar(c, scalar)
    name = default_hash(c.name) if hash_name is None else canonical_hash(hash_name)
    if c.in_cryptography:
        der = _openssl_private(c.name, scalar).sign(data, _ECDSA[name])
        r, s = decode_dss_signature(der)
    else:
        r, s = ecmath.sign_digest(c, scalar, hashlib.new(name, data).digest(), name)
    return r.to_bytes(c.size, "big") + s.to_bytes(c.size, "big")


# --- signatures ------------------------------------------------------------------------------


def low_s(curve_name: str, signature: bytes) -> bytes:
    """Raw r‖s with s in the lower half of the group order (s ≤ n/2), the form BIP 62 and
    RFC 6979 users call "low-s". (r, s) and (r, n - s) are both valid signatures of the same
    data; emitting one form only means that a seal we issue is never re-signed bit-for-bit
    differently by us. Verification accepts both (docs/seal-format.md §1.3)."""
    c = curve(curve_name)
    if len(signature) != 2 * c.size:
        raise EcdsaError("not a raw r||s signature of this curve")
    r, s = signature[: c.size], int.from_bytes(signature[c.size :], "big")
    if s > c.n // 2:
        s = c.n - s
    return r + s.to_bytes(c.size, "big")


def _split_signature(c: Curve, signature: bytes) -> list[tuple[int, int]]:
    """Candidate (r, s) readings: raw r‖s of the right length, and DER (which some field
    implementations write where r‖s is due)."""
    out: list[tuple[int, int]] = []
    if len(signature) == 2 * c.size:
        out.append(
            (
                int.from_bytes(signature[: c.size], "big"),
                int.from_bytes(signature[c.size :], "big"),
            )
        )
    if signature[:1] == b"\x30":
        with contextlib.suppress(ValueError):  # not DER either: no candidate
            out.append(decode_dss_signature(signature))
    return out


def verify_raw(
    spki_der: bytes, data: bytes, signature: bytes, hash_name: str | None = None
) -> bool:
    """True when ``signature`` (raw r‖s, or DER) is a valid ECDSA signature of ``data`` by the
    key in ``spki_der``. Raises :class:`EcdsaError` only when the key itself is unusable."""
    return public_key(spki_der).verify(data, signature, hash_name)


@lru_cache(maxsize=256)
def spki_of_certificate_der(cert_der: bytes) -> bytes:
    """The SubjectPublicKeyInfo bytes of a DER certificate, read here (not by ``cryptography``)
    so that keys on curves ``cryptography`` cannot load (brainpoolP224r1/P320r1, explicit
    parameters) still come out as they are written."""
    try:
        cert = der.children(der.single(cert_der, der.SEQUENCE).content)
        if len(cert) != 3 or cert[0].tag != der.SEQUENCE:
            raise der.DerError("not a certificate")
        tbs = der.children(cert[0].content)
        # version [0] (optional), serial, signature, issuer, validity, subject, the key
        index = 6 if tbs and tbs[0].tag == der.EXPLICIT_0 else 5
        if len(tbs) <= index or tbs[index].tag != der.SEQUENCE:
            raise der.DerError("no SubjectPublicKeyInfo")
        return tbs[index].encoded
    except der.DerError as exc:
        raise EcdsaError("unreadable certificate") from exc


@lru_cache(maxsize=256)
def spki_of_certificate(cert: x509.Certificate) -> bytes:
    """Cached per certificate object: a verifier sees the same few signers again and again."""
    return spki_of_certificate_der(der.of_certificate(cert))
