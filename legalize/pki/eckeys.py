"""EC private keys on every seal curve, behind one small type.

Keys on curves ``cryptography`` implements are ``cryptography`` key objects (constant-time,
OpenSSL). brainpoolP224r1 and brainpoolP320r1 are a bare scalar handed to
:mod:`legalize.pki.ecdsa`, which signs them on the pure-Python path.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import keys as asn1_keys
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from legalize.pki import ecdsa
from legalize.pki.curves import Curve, curve, curve_by_oid, hash_algorithm
from legalize.pki.ecdsa import PublicKey
from legalize.pki.errors import PkiError


@dataclass(frozen=True, repr=False)
class PrivateKey:
    """An EC private key on one of the allowed curves (repr hides the secret)."""

    curve: Curve
    scalar: int
    """The private scalar d."""
    native: ec.EllipticCurvePrivateKey | None
    """The ``cryptography`` key when the curve is implemented there."""

    def __repr__(self) -> str:
        return f"PrivateKey(curve={self.curve.name})"

    @classmethod
    def generate(cls, curve_name: str) -> PrivateKey:
        c = curve(curve_name)
        if c.in_cryptography:
            native = ec.generate_private_key(c.cryptography_curve())
            return cls(c, native.private_numbers().private_value, native)
        scalar = ecdsa.generate_private_scalar(c.name)
        return cls(c, scalar, None)

    @classmethod
    def from_native(cls, native: ec.EllipticCurvePrivateKey) -> PrivateKey:
        c = curve(native.curve.name)
        return cls(c, native.private_numbers().private_value, native)

    @classmethod
    def from_pkcs8(cls, der: bytes) -> PrivateKey:
        """Read an unencrypted PKCS#8 PrivateKeyInfo holding an EC key on an allowed curve."""
        try:
            info = asn1_keys.PrivateKeyInfo.load(der)
            algorithm = info["private_key_algorithm"]
            if algorithm["algorithm"].native != "ec":
                raise PkiError("the key file holds no EC key")
            params = algorithm["parameters"]
            if params.name != "named":
                raise PkiError("the key must name its curve")
            c = curve_by_oid(params.chosen.dotted)
            scalar = int(info["private_key"].parsed["private_key"].native)
        except (ValueError, TypeError, KeyError) as exc:
            raise PkiError(f"not an EC PKCS#8 key: {exc}") from None
        if not c.in_cryptography:
            return cls(c, scalar, None)
        try:
            native = serialization.load_der_private_key(der, password=None)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise PkiError(f"unreadable EC key: {exc}") from None
        if not isinstance(native, ec.EllipticCurvePrivateKey):
            raise PkiError("the key file holds no EC key")
        return cls(c, scalar, native)

    def to_pkcs8(self) -> bytes:
        """Unencrypted PKCS#8 DER (only ever written encrypted, see keyfile)."""
        if self.native is not None:
            return self.native.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ec_key = asn1_keys.ECPrivateKey(
            {
                "version": "ecPrivkeyVer1",
                "private_key": self.scalar,
            }
        )
        # RFC 5915: the private key octet string has the length of the group order.
        ec_key["private_key"].set_encoded_width(self.curve.size)
        info = asn1_keys.PrivateKeyInfo(
            {
                "version": 0,
                "private_key_algorithm": asn1_keys.PrivateKeyAlgorithm(
                    {
                        "algorithm": "ec",
                        "parameters": asn1_keys.ECDomainParameters(
                            name="named", value=self.curve.oid
                        ),
                    }
                ),
                "private_key": ec_key,
            }
        )
        return bytes(info.dump())

    def public_key(self) -> PublicKey:
        if self.native is not None:
            return PublicKey.from_key(self.native.public_key())
        return PublicKey.from_der(ecdsa.public_spki_der(self.curve.name, self.scalar))

    def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
        """ECDSA over ``data`` hashed with ``hash_name`` (default: the curve's); raw r||s."""
        name = (hash_name or self.curve.hash_name).lower()
        if self.native is not None:
            der = self.native.sign(data, ec.ECDSA(hash_algorithm(name)))
            r, s = decode_dss_signature(der)
            n = self.curve.size
            return r.to_bytes(n, "big") + s.to_bytes(n, "big")
        hash_algorithm(name)  # same error for an unknown hash on every curve
        return ecdsa.sign_raw(self.curve.name, self.scalar, data, name)
