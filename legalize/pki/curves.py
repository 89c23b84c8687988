"""The ECDSA curves BSI TR-03116 allows for seals, and what each needs.

``cryptography`` implements five of the eight; brainpoolP224r1 and brainpoolP320r1 go through
:mod:`legalize.seal.ecdsa` (pure Python). Curve names are OpenSSL's.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec

from legalize.pki.errors import PkiError


@dataclass(frozen=True)
class Curve:
    name: str
    """OpenSSL name, e.g. ``secp256r1``, ``brainpoolP320r1``."""
    oid: str
    """namedCurve OID as written in SubjectPublicKeyInfo and PKCS#11 CKA_EC_PARAMS."""
    bits: int
    """Bit length of the group order: r and s are each ``(bits + 7) // 8`` bytes."""
    hash_name: str
    """The hash TR-03116 pairs with this key size."""

    @property
    def byte_length(self) -> int:
        return (self.bits + 7) // 8

    @property
    def in_cryptography(self) -> bool:
        """True when ``cryptography`` can generate, sign and verify on this curve."""
        return self.name in _CRYPTOGRAPHY

    def cryptography_curve(self) -> ec.EllipticCurve:
        try:
            return _CRYPTOGRAPHY[self.name]()
        except KeyError:
            raise PkiError(f"curve {self.name} is not implemented by cryptography") from None


CURVES: dict[str, Curve] = {
    c.name: c
    for c in (
        Curve("secp256r1", "1.2.840.10045.3.1.7", 256, "sha256"),
        Curve("secp384r1", "1.3.132.0.34", 384, "sha384"),
        Curve("secp521r1", "1.3.132.0.35", 521, "sha512"),
        Curve("brainpoolP224r1", "1.3.36.3.3.2.8.1.1.5", 224, "sha224"),
        Curve("brainpoolP256r1", "1.3.36.3.3.2.8.1.1.7", 256, "sha256"),
        Curve("brainpoolP320r1", "1.3.36.3.3.2.8.1.1.9", 320, "sha384"),
        Curve("brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11", 384, "sha384"),
        Curve("brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13", 512, "sha512"),
    )
}
"""Every curve a seal may use (BSI TR-03116), by OpenSSL name."""

_ALIASES = {
    "p-256": "secp256r1",
    "p-384": "secp384r1",
    "p-521": "secp521r1",
    "prime256v1": "secp256r1",
}

_CRYPTOGRAPHY: dict[str, type[ec.EllipticCurve]] = {
    "secp256r1": ec.SECP256R1,
    "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1,
    "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP384r1": ec.BrainpoolP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
}

_BY_OID = {c.oid: c for c in CURVES.values()}


def curve(name: str) -> Curve:
    """The curve named ``name`` (OpenSSL name, case-insensitive, or P-256/P-384/P-521)."""
    key = _ALIASES.get(name.lower(), name)
    for candidate in CURVES.values():
        if candidate.name.lower() == key.lower():
            return candidate
    raise PkiError(f"unsupported curve {name!r}; allowed: {', '.join(CURVES)}")


def curve_by_oid(oid: str) -> Curve:
    try:
        return _BY_OID[oid]
    except KeyError:
        raise PkiError(f"unsupported curve OID {oid}") from None
