"""ECDSA over every curve BSI TR-03116 allows for seals, with raw r‖s signatures.

NIST P-256/384/521 and brainpool P256r1/P384r1/P512r1 go through ``cryptography`` (OpenSSL):
fast and constant-time. ``cryptography`` has no brainpoolP224r1 or brainpoolP320r1, so those
two use the pure-Python arithmetic below, with deterministic nonces (RFC 6979) so that a
signature never depends on the quality of a random source. The pure path is not constant-time;
it is meant for verifying third-party seals and for the rare signer on those curves.

Hash pairing (:func:`default_hash`): TR-03116 (and ICAO 9303-13 §2.4, which selects the hash
by the curve's field size: ≤ 224 bits SHA-224, ≤ 256 SHA-256, ≤ 384 SHA-384, ≤ 512 SHA-512)
pair each key size with the SHA-2 function whose output is at least as long as the group
order; P-521, beyond the table, takes SHA-512:

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

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from asn1crypto import core as asn1core
from asn1crypto import keys as asn1keys
from asn1crypto import x509 as asn1x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)


class EcdsaError(ValueError):
    """A key, curve or hash this module cannot use (not: a signature that does not verify)."""


@dataclass(frozen=True)
class Curve:
    """Short-Weierstrass curve y² = x³ + ax + b over GF(p), base point G of prime order n."""

    name: str
    p: int
    a: int
    b: int
    gx: int
    gy: int
    n: int
    oid: str
    """Object identifier of the named curve."""

    @property
    def size(self) -> int:
        """Bytes of one signature half (and of a coordinate)."""
        return (self.n.bit_length() + 7) // 8

    @property
    def coord_size(self) -> int:
        return (self.p.bit_length() + 7) // 8


# Parameters as OpenSSL prints them (`openssl ecparam -name X -param_enc explicit -text`);
# the test suite checks that G lies on each curve and has order n.
CURVES: dict[str, Curve] = {
    c.name: c
    for c in (
        Curve(
            "secp256r1",
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

_OPENSSL_CURVES: dict[str, ec.EllipticCurve] = {
    "secp256r1": ec.SECP256R1(),
    "secp384r1": ec.SECP384R1(),
    "secp521r1": ec.SECP521R1(),
    "brainpoolP256r1": ec.BrainpoolP256R1(),
    "brainpoolP384r1": ec.BrainpoolP384R1(),
    "brainpoolP512r1": ec.BrainpoolP512R1(),
}
"""Curves ``cryptography`` handles; the others take the pure-Python path."""

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}

_BY_OID = {c.oid: c for c in CURVES.values()}
_ECDSA = {name: ec.ECDSA(algorithm()) for name, algorithm in _HASHES.items()}
"""One signature-algorithm object per hash, made once (the verify path is hot)."""


def curve(name: str) -> Curve:
    try:
        return CURVES[name]
    except KeyError:
        raise EcdsaError(f"unsupported curve: {name!r}") from None


def uses_openssl(curve_name: str) -> bool:
    """True when ``cryptography`` does the arithmetic for this curve."""
    return curve_name in _OPENSSL_CURVES


def default_hash(curve_name: str) -> str:
    """The hash TR-03116 pairs with the curve's key size (see the module docstring)."""
    bits = curve(curve_name).n.bit_length()
    if bits <= 224:
        return "sha224"
    if bits <= 256:
        return "sha256"
    if bits <= 384:
        return "sha384"
    return "sha512"


def _hash_name(curve_name: str, hash_name: str | None) -> str:
    name = default_hash(curve_name) if hash_name is None else hash_name.lower().replace("-", "")
    if name not in _HASHES:
        raise EcdsaError(f"unsupported hash: {hash_name!r}")
    return name


def generate_private_scalar(curve_name: str) -> int:
    """A uniformly random private scalar in [1, n-1] from the OS random source."""
    return secrets.randbelow(curve(curve_name).n - 1) + 1


def _check_scalar(c: Curve, scalar: int) -> None:
    if not 0 < scalar < c.n:
        raise EcdsaError("private scalar out of range")


# --- pure-Python curve arithmetic (Jacobian coordinates) ------------------------------------

_Jac = tuple[int, int, int]
_INF: _Jac = (1, 1, 0)


def _double(c: Curve, P: _Jac) -> _Jac:
    X, Y, Z = P
    if Z == 0 or Y == 0:
        return _INF
    p = c.p
    YY = Y * Y % p
    S = 4 * X * YY % p
    ZZ = Z * Z % p
    M = (3 * X * X + c.a * ZZ * ZZ) % p
    X3 = (M * M - 2 * S) % p
    Y3 = (M * (S - X3) - 8 * YY * YY) % p
    Z3 = 2 * Y * Z % p
    return (X3, Y3, Z3)


def _add(c: Curve, P: _Jac, Q: _Jac) -> _Jac:
    if P[2] == 0:
        return Q
    if Q[2] == 0:
        return P
    p = c.p
    X1, Y1, Z1 = P
    X2, Y2, Z2 = Q
    Z1Z1 = Z1 * Z1 % p
    Z2Z2 = Z2 * Z2 % p
    U1 = X1 * Z2Z2 % p
    U2 = X2 * Z1Z1 % p
    S1 = Y1 * Z2 * Z2Z2 % p
    S2 = Y2 * Z1 * Z1Z1 % p
    H = (U2 - U1) % p
    R = (S2 - S1) % p
    if H == 0:
        return _double(c, P) if R == 0 else _INF
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (R * R - HHH - 2 * V) % p
    Y3 = (R * (V - X3) - S1 * HHH) % p
    Z3 = Z1 * Z2 * H % p
    return (X3, Y3, Z3)


def _affine(c: Curve, P: _Jac) -> tuple[int, int] | None:
    if P[2] == 0:
        return None
    zi = pow(P[2], -1, c.p)
    zi2 = zi * zi % c.p
    return (P[0] * zi2 % c.p, P[1] * zi2 * zi % c.p)


def _mul(c: Curve, k: int, P: tuple[int, int]) -> _Jac:
    """k·P with a 4-bit fixed window (not constant-time; see the module docstring)."""
    base: _Jac = (P[0], P[1], 1)
    table = [_INF, base]
    for _ in range(14):
        table.append(_add(c, table[-1], base))
    acc = _INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -1, -4):
        for _ in range(4):
            acc = _double(c, acc)
        acc = _add(c, acc, table[(k >> shift) & 0xF])
    return acc


def _mul2(c: Curve, k1: int, P: tuple[int, int], k2: int, Q: tuple[int, int]) -> _Jac:
    """k1·P + k2·Q with Shamir's trick (one shared doubling chain)."""
    PJ: _Jac = (P[0], P[1], 1)
    QJ: _Jac = (Q[0], Q[1], 1)
    both = _add(c, PJ, QJ)
    acc = _INF
    for i in range(max(k1.bit_length(), k2.bit_length()) - 1, -1, -1):
        acc = _double(c, acc)
        b1, b2 = (k1 >> i) & 1, (k2 >> i) & 1
        if b1 and b2:
            acc = _add(c, acc, both)
        elif b1:
            acc = _add(c, acc, PJ)
        elif b2:
            acc = _add(c, acc, QJ)
    return acc


def on_curve(c: Curve, x: int, y: int) -> bool:
    return 0 <= x < c.p and 0 <= y < c.p and (y * y - x * x * x - c.a * x - c.b) % c.p == 0


def _bits2int(c: Curve, digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - c.n.bit_length()
    return value >> excess if excess > 0 else value


def _rfc6979_nonces(c: Curve, scalar: int, digest: bytes, hash_name: str) -> list[int]:
    """Deterministic nonce candidates per RFC 6979 §3.2 (first one is almost always used)."""
    qlen = c.n.bit_length()
    rlen = (qlen + 7) // 8
    x = scalar.to_bytes(rlen, "big")
    h = (_bits2int(c, digest) % c.n).to_bytes(rlen, "big")
    V = b"\x01" * hashlib.new(hash_name).digest_size
    K = b"\x00" * len(V)
    K = hmac.new(K, V + b"\x00" + x + h, hash_name).digest()
    V = hmac.new(K, V, hash_name).digest()
    K = hmac.new(K, V + b"\x01" + x + h, hash_name).digest()
    V = hmac.new(K, V, hash_name).digest()
    out: list[int] = []
    while len(out) < 4:
        T = b""
        while len(T) * 8 < qlen:
            V = hmac.new(K, V, hash_name).digest()
            T += V
        k = _bits2int(c, T[:rlen]) if len(T) * 8 >= qlen else 0
        if 0 < k < c.n:
            out.append(k)
        K = hmac.new(K, V + b"\x00", hash_name).digest()
        V = hmac.new(K, V, hash_name).digest()
    return out


def _pure_sign(c: Curve, scalar: int, digest: bytes, hash_name: str) -> tuple[int, int]:
    e = _bits2int(c, digest)
    for k in _rfc6979_nonces(c, scalar, digest, hash_name):
        point = _affine(c, _mul(c, k, (c.gx, c.gy)))
        if point is None:
            continue
        r = point[0] % c.n
        if r == 0:
            continue
        s = pow(k, -1, c.n) * (e + r * scalar) % c.n
        if s != 0:
            return r, s
    raise EcdsaError("no usable nonce (astronomically unlikely)")


def _pure_verify(c: Curve, point: tuple[int, int], digest: bytes, r: int, s: int) -> bool:
    e = _bits2int(c, digest)
    w = pow(s, -1, c.n)
    result = _affine(c, _mul2(c, e * w % c.n, (c.gx, c.gy), r * w % c.n, point))
    return result is not None and result[0] % c.n == r


# --- keys ------------------------------------------------------------------------------------


def public_point(curve_name: str, scalar: int) -> tuple[int, int]:
    c = curve(curve_name)
    _check_scalar(c, scalar)
    if curve_name in _OPENSSL_CURVES:
        nums = ec.derive_private_key(scalar, _OPENSSL_CURVES[curve_name]).public_key()
        pn = nums.public_numbers()
        return (pn.x, pn.y)
    point = _affine(c, _mul(c, scalar, (c.gx, c.gy)))
    if point is None:  # pragma: no cover - impossible for 0 < scalar < n
        raise EcdsaError("degenerate key")
    return point


def _encode_point(c: Curve, point: tuple[int, int]) -> bytes:
    size = c.coord_size
    return b"\x04" + point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big")


def public_spki_der(curve_name: str, scalar: int) -> bytes:
    """DER SubjectPublicKeyInfo (named curve, uncompressed point) of the scalar's public key."""
    return spki_der_of_point(curve_name, public_point(curve_name, scalar))


def spki_der_of_point(curve_name: str, point: tuple[int, int]) -> bytes:
    c = curve(curve_name)
    info = asn1keys.PublicKeyInfo(
        {
            "algorithm": asn1keys.PublicKeyAlgorithm(
                {
                    "algorithm": "ec",
                    "parameters": asn1keys.ECDomainParameters(name="named", value=c.oid),
                }
            ),
            "public_key": _encode_point(c, point),
        }
    )
    return bytes(info.dump())


@dataclass(frozen=True)
class PublicKey:
    """A parsed EC public key: the curve, the point, and OpenSSL's key object when it has one."""

    curve: Curve
    point: tuple[int, int]
    openssl: ec.EllipticCurvePublicKey | None


def _explicit_curve(params: asn1keys.SpecifiedECDomain) -> Curve:
    """Map explicit domain parameters (as some government certificates carry) to a named
    curve: the parameters must equal a known curve's exactly, else the key is refused."""
    try:
        p = int(params["field_id"]["parameters"].native)
        a = int.from_bytes(params["curve"]["a"].native, "big")
        b = int.from_bytes(params["curve"]["b"].native, "big")
        base = params["base"].native
        n = int(params["order"].native)
    except (KeyError, TypeError, ValueError) as exc:
        raise EcdsaError("unreadable explicit EC parameters") from exc
    for c in CURVES.values():
        if (c.p, c.a, c.b, c.n) == (p, a, b, n):
            g = _decode_point(c, base)
            if g == (c.gx, c.gy):
                return c
    raise EcdsaError("explicit EC parameters match no supported curve")


def _decode_point(c: Curve, data: bytes) -> tuple[int, int]:
    size = c.coord_size
    if len(data) == 1 + 2 * size and data[0] == 4:
        x = int.from_bytes(data[1 : 1 + size], "big")
        y = int.from_bytes(data[1 + size :], "big")
    elif len(data) == 1 + size and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        if x >= c.p:
            raise EcdsaError("point not on curve")
        rhs = (x * x * x + c.a * x + c.b) % c.p
        root = _sqrt_mod(rhs, c.p)
        if root is None:
            raise EcdsaError("point not on curve")
        y = root
        if (y & 1) != (data[0] & 1):
            y = c.p - y
    else:
        raise EcdsaError("unsupported point encoding")
    if not on_curve(c, x, y):
        raise EcdsaError("point not on curve")
    return (x, y)


def _sqrt_mod(value: int, p: int) -> int | None:
    """Square root modulo p. Every supported field prime is ≡ 3 (mod 4), where the root is
    value^((p+1)/4); None when value is not a square."""
    if p % 4 != 3:  # pragma: no cover - no such curve in CURVES
        raise EcdsaError("field prime not ≡ 3 mod 4")
    root = pow(value, (p + 1) // 4, p)
    return root if root * root % p == value % p else None


@lru_cache(maxsize=256)
def public_key(spki_der: bytes) -> PublicKey:
    """Parse a SubjectPublicKeyInfo (named curve or explicit parameters); cached, since a
    verifier sees the same few signer keys over and over."""
    try:
        info = asn1keys.PublicKeyInfo.load(spki_der, strict=True)
        algorithm = info["algorithm"]
        if algorithm["algorithm"].dotted != "1.2.840.10045.2.1":
            raise EcdsaError("not an EC public key")
        params = algorithm["parameters"]
        if params.name == "named":
            c = _BY_OID.get(params.chosen.dotted)
            if c is None:
                raise EcdsaError(f"unsupported named curve {params.chosen.dotted}")
        elif params.name == "specified":
            c = _explicit_curve(params.chosen)
        else:
            raise EcdsaError("EC key without curve parameters")
        raw = bytes(info["public_key"].contents)[1:]  # BIT STRING: skip the unused-bits byte
    except EcdsaError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise EcdsaError("unreadable SubjectPublicKeyInfo") from exc
    point = _decode_point(c, raw)
    openssl = None
    if c.name in _OPENSSL_CURVES:
        openssl = ec.EllipticCurvePublicNumbers(
            point[0], point[1], _OPENSSL_CURVES[c.name]
        ).public_key()
    return PublicKey(c, point, openssl)


def curve_of_spki(spki_der: bytes) -> str:
    """The name of the curve of a SubjectPublicKeyInfo (one of :data:`CURVE_NAMES`)."""
    return public_key(spki_der).curve.name


# --- sign and verify -------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _openssl_private(curve_name: str, scalar: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(scalar, _OPENSSL_CURVES[curve_name])


def sign_raw(curve_name: str, scalar: int, data: bytes, hash_name: str | None = None) -> bytes:
    """ECDSA-sign ``data``; returns r‖s, each half as long as the curve order."""
    c = curve(curve_name)
    _check_scalar(c, scalar)
    name = _hash_name(curve_name, hash_name)
    if curve_name in _OPENSSL_CURVES:
        der = _openssl_private(curve_name, scalar).sign(data, _ECDSA[name])
        r, s = decode_dss_signature(der)
    else:
        r, s = _pure_sign(c, scalar, hashlib.new(name, data).digest(), name)
    return r.to_bytes(c.size, "big") + s.to_bytes(c.size, "big")


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
        try:
            seq = asn1core.Sequence.load(signature, strict=True)
            items = [seq[0], seq[1]] if len(seq) == 2 else []
            if items and all(isinstance(i, asn1core.Integer) for i in items):
                out.append((int(items[0].native), int(items[1].native)))
        except (ValueError, TypeError, IndexError):
            pass
    return out


def verify_raw(
    spki_der: bytes, data: bytes, signature: bytes, hash_name: str | None = None
) -> bool:
    """True when ``signature`` (raw r‖s, or DER) is a valid ECDSA signature of ``data`` by the
    key in ``spki_der``. Raises :class:`EcdsaError` only when the key itself is unusable."""
    key = public_key(spki_der)
    return verify_with_key(key, data, signature, hash_name)


def verify_with_key(
    key: PublicKey, data: bytes, signature: bytes, hash_name: str | None = None
) -> bool:
    c = key.curve
    name = _hash_name(c.name, hash_name)
    for r, s in _split_signature(c, signature):
        if not (0 < r < c.n and 0 < s < c.n):
            continue
        if key.openssl is not None:
            try:
                key.openssl.verify(encode_dss_signature(r, s), data, _ECDSA[name])
                return True
            except InvalidSignature:
                continue
        elif _pure_verify(c, key.point, hashlib.new(name, data).digest(), r, s):
            return True
    return False


def openssl_public_key_der(key: ec.EllipticCurvePublicKey) -> bytes:
    """SPKI bytes of a ``cryptography`` public key (convenience for callers holding one)."""
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@lru_cache(maxsize=256)
def spki_of_certificate_der(cert_der: bytes) -> bytes:
    """The SubjectPublicKeyInfo bytes of a DER certificate, read with asn1crypto so that keys
    on curves ``cryptography`` cannot load (brainpoolP224r1/P320r1, explicit parameters)
    still come out."""
    try:
        cert = asn1x509.Certificate.load(cert_der, strict=True)
        return bytes(cert["tbs_certificate"]["subject_public_key_info"].dump())
    except (ValueError, TypeError, KeyError) as exc:
        raise EcdsaError("unreadable certificate") from exc


@lru_cache(maxsize=256)
def spki_of_certificate(cert: x509.Certificate) -> bytes:
    """Cached per certificate object: a verifier sees the same few signers again and again."""
    return spki_of_certificate_der(cert.public_bytes(serialization.Encoding.DER))
