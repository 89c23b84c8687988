"""The ECDSA curves BSI TR-03116 allows for seals and signer keys: one table for the whole
package — domain parameters, OID, the hash each key size is paired with, and whether
``cryptography`` (OpenSSL) implements it.

``cryptography`` implements six of the eight; brainpoolP224r1 and brainpoolP320r1 take the
pure-Python path of :mod:`legalize.pki.ecmath`. Curve names are OpenSSL's.

Hash pairing: TR-03116 (and ICAO 9303-13 §2.4, which selects the hash by the curve's field
size: ≤ 224 bits SHA-224, ≤ 256 SHA-256, ≤ 384 SHA-384, ≤ 512 SHA-512) pairs each key size
with the SHA-2 function whose output is at least as long as the group order; P-521, beyond
the table, takes SHA-512:

=================  ==========
curve              hash
=================  ==========
brainpoolP224r1    SHA-224
secp256r1, bP256   SHA-256
brainpoolP320r1    SHA-384
secp384r1, bP384   SHA-384
bP512, secp521r1   SHA-512
=================  ==========

A VDS does not name its hash, so a verifier uses the same pairing.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from legalize.pki.errors import EcdsaError


@dataclass(frozen=True)
class Curve:
    """Short-Weierstrass curve y² = x³ + ax + b over GF(p), base point G of prime order n."""

    name: str
    """OpenSSL name, e.g. ``secp256r1``, ``brainpoolP320r1``."""
    oid: str
    """namedCurve OID as written in SubjectPublicKeyInfo and PKCS#11 CKA_EC_PARAMS."""
    hash_name: str
    """The hash TR-03116 pairs with this key size (see the module docstring)."""
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int

    @property
    def bits(self) -> int:
        """Bit length of the group order."""
        return self.n.bit_length()

    @property
    def size(self) -> int:
        """Bytes of one signature half: r and s are each this long in a raw r‖s signature."""
        return (self.n.bit_length() + 7) // 8

    @property
    def coord_size(self) -> int:
        """Bytes of one point coordinate."""
        return (self.p.bit_length() + 7) // 8

    @property
    def in_cryptography(self) -> bool:
        """True when ``cryptography`` can generate, sign and verify on this curve."""
        return self.name in _CRYPTOGRAPHY

    def cryptography_curve(self) -> ec.EllipticCurve:
        try:
            return _CRYPTOGRAPHY[self.name]
        except KeyError:
            raise EcdsaError(f"curve {self.name} is not implemented by cryptography") from None


# Parameters as OpenSSL prints them (`openssl ecparam -name X -param_enc explicit -text`);
# the test suite checks that G lies on each curve and has order n.
CURVES: dict[str, Curve] = {
    c.name: c
    for c in (
        Curve(
            "secp256r1",
            hash_name="sha256",
            p=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF,
            a=0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC,
            b=0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B,
            gx=0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
            gy=0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
            n=0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
            oid="1.2.840.10045.3.1.7",
        ),
        Curve(
            "secp384r1",
            hash_name="sha384",
            p=int(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
                "ffffffff0000000000000000ffffffff",
                16,
            ),
            a=int(
                "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe"
                "ffffffff0000000000000000fffffffc",
                16,
            ),
            b=int(
                "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875a"
                "c656398d8a2ed19d2a85c8edd3ec2aef",
                16,
            ),
            gx=int(
                "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a38"
                "5502f25dbf55296c3a545e3872760ab7",
                16,
            ),
            gy=int(
                "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c0"
                "0a60b1ce1d7e819d7a431d7c90ea0e5f",
                16,
            ),
            n=int(
                "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf"
                "581a0db248b0a77aecec196accc52973",
                16,
            ),
            oid="1.3.132.0.34",
        ),
        Curve(
            "secp521r1",
            hash_name="sha512",
            p=(1 << 521) - 1,
            a=(1 << 521) - 4,
            b=int(
                "51953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109"
                "e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00",
                16,
            ),
            gx=int(
                "c6858e06b70404e9cd9e3ecb662395b4429c648139053fb521f828af606b4d3d"
                "baa14b5e77efe75928fe1dc127a2ffa8de3348b3c1856a429bf97e7e31c2e5bd66",
                16,
            ),
            gy=int(
                "11839296a789a3bc0045c8a5fb42c7d1bd998f54449579b446817afbd17273e6"
                "62c97ee72995ef42640c550b9013fad0761353c7086a272c24088be94769fd16650",
                16,
            ),
            n=int(
                "1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409",
                16,
            ),
            oid="1.3.132.0.35",
        ),
        Curve(
            "brainpoolP224r1",
            hash_name="sha224",
            p=0xD7C134AA264366862A18302575D1D787B09F075797DA89F57EC8C0FF,
            a=0x68A5E62CA9CE6C1C299803A6C1530B514E182AD8B0042A59CAD29F43,
            b=0x2580F63CCFE44138870713B1A92369E33E2135D266DBB372386C400B,
            gx=0x0D9029AD2C7E5CF4340823B2A87DC68C9E4CE3174C1E6EFDEE12C07D,
            gy=0x58AA56F772C0726F24C6B89E4ECDAC24354B9E99CAA3F6D3761402CD,
            n=0xD7C134AA264366862A18302575D0FB98D116BC4B6DDEBCA3A5A7939F,
            oid="1.3.36.3.3.2.8.1.1.5",
        ),
        Curve(
            "brainpoolP256r1",
            hash_name="sha256",
            p=0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377,
            a=0x7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9,
            b=0x26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6,
            gx=0x8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262,
            gy=0x547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997,
            n=0xA9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7,
            oid="1.3.36.3.3.2.8.1.1.7",
        ),
        Curve(
            "brainpoolP320r1",
            hash_name="sha384",
            p=int(
                "d35e472036bc4fb7e13c785ed201e065f98fcfa6f6f40def4f92b9ec7893ec28fcd412b1f1b32e27",
                16,
            ),
            a=int(
                "3ee30b568fbab0f883ccebd46d3f3bb8a2a73513f5eb79da66190eb085ffa9f492f375a97d860eb4",
                16,
            ),
            b=int(
                "520883949dfdbc42d3ad198640688a6fe13f41349554b49acc31dccd884539816f5eb4ac8fb1f1a6",
                16,
            ),
            gx=int(
                "43bd7e9afb53d8b85289bcc48ee5bfe6f20137d10a087eb6e7871e2a10a599c710af8d0d39e20611",
                16,
            ),
            gy=int(
                "14fdd05545ec1cc8ab4093247f77275e0743ffed117182eaa9c77877aaac6ac7d35245d1692e8ee1",
                16,
            ),
            n=int(
                "d35e472036bc4fb7e13c785ed201e065f98fcfa5b68f12a32d482ec7ee8658e98691555b44c59311",
                16,
            ),
            oid="1.3.36.3.3.2.8.1.1.9",
        ),
        Curve(
            "brainpoolP384r1",
            hash_name="sha384",
            p=int(
                "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123"
                "acd3a729901d1a71874700133107ec53",
                16,
            ),
            a=int(
                "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f"
                "8aa5814a503ad4eb04a8c7dd22ce2826",
                16,
            ),
            b=int(
                "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d5"
                "7cb4390295dbc9943ab78696fa504c11",
                16,
            ),
            gx=int(
                "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8"
                "e826e03436d646aaef87b2e247d4af1e",
                16,
            ),
            gy=int(
                "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff9912928"
                "0e4646217791811142820341263c5315",
                16,
            ),
            n=int(
                "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7"
                "cf3ab6af6b7fc3103b883202e9046565",
                16,
            ),
            oid="1.3.36.3.3.2.8.1.1.11",
        ),
        Curve(
            "brainpoolP512r1",
            hash_name="sha512",
            p=int(
                "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330871"
                "7d4d9b009bc66842aecda12ae6a380e62881ff2f2d82c68528aa6056583a48f3",
                16,
            ),
            a=int(
                "7830a3318b603b89e2327145ac234cc594cbdd8d3df91610a83441caea9863bc"
                "2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a72bf2c7b9e7c1ac4d77fc94ca",
                16,
            ),
            b=int(
                "3df91610a83441caea9863bc2ded5d5aa8253aa10a2ef1c98b9ac8b57f1117a7"
                "2bf2c7b9e7c1ac4d77fc94cadc083e67984050b75ebae5dd2809bd638016f723",
                16,
            ),
            gx=int(
                "81aee4bdd82ed9645a21322e9c4c6a9385ed9f70b5d916c1b43b62eef4d0098e"
                "ff3b1f78e2d0d48d50d1687b93b97d5f7c6d5047406a5e688b352209bcb9f822",
                16,
            ),
            gy=int(
                "7dde385d566332ecc0eabfa9cf7822fdf209f70024a57b1aa000c55b881f8111"
                "b2dcde494a5f485e5bca4bd88a2763aed1ca2b2fa8f0540678cd1e0f3ad80892",
                16,
            ),
            n=int(
                "aadd9db8dbe9c48b3fd4e6ae33c9fc07cb308db3b3c9d20ed6639cca70330870"
                "553e5c414ca92619418661197fac10471db1d381085ddaddb58796829ca90069",
                16,
            ),
            oid="1.3.36.3.3.2.8.1.1.13",
        ),
    )
}

CURVE_NAMES: tuple[str, ...] = tuple(CURVES)
"""The eight curves, in the order TR-03116 lists them (NIST first, then brainpool)."""

_CRYPTOGRAPHY: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
}
"""Curves ``cryptography`` handles; the others take the pure-Python path."""

_ALIASES = {
    "p-256": "secp256r1",
    "p-384": "secp384r1",
    "p-521": "secp521r1",
    "prime256v1": "secp256r1",
}
_BY_LOWER_NAME = {c.name.lower(): c for c in CURVES.values()}
_BY_OID = {c.oid: c for c in CURVES.values()}

_HASHES: dict[str, hashes.HashAlgorithm] = {
    "sha224": hashes.SHA224(),
    "sha256": hashes.SHA256(),
    "sha384": hashes.SHA384(),
    "sha512": hashes.SHA512(),
}


def curve(name: str) -> Curve:
    """The curve named ``name`` (OpenSSL name, case-insensitive, or P-256/P-384/P-521)."""
    key = _ALIASES.get(name.lower(), name).lower()
    try:
        return _BY_LOWER_NAME[key]
    except KeyError:
        raise EcdsaError(f"unsupported curve {name!r}; allowed: {', '.join(CURVES)}") from None


def curve_by_oid(oid: str) -> Curve:
    try:
        return _BY_OID[oid]
    except KeyError:
        raise EcdsaError(f"unsupported curve OID {oid}") from None


def default_hash(curve_name: str) -> str:
    """The hash TR-03116 pairs with the curve's key size (see the module docstring)."""
    return curve(curve_name).hash_name


def hash_name(name: str) -> str:
    """``name`` in canonical form (``SHA-256`` -> ``sha256``); one of the four SHA-2 hashes."""
    canonical = name.lower().replace("-", "")
    if canonical not in _HASHES:
        raise EcdsaError(f"unsupported hash {name!r}; allowed: {', '.join(_HASHES)}")
    return canonical


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The ``cryptography`` hash object for ``name`` (see :func:`hash_name`)."""
    return _HASHES[hash_name(name)]
