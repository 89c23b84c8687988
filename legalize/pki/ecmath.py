"""Pure-Python ECDSA arithmetic (Jacobian coordinates) on any curve of
:mod:`legalize.pki.curves`: what the two curves ``cryptography`` lacks (brainpoolP224r1,
brainpoolP320r1) are signed and verified with, and the point decoding every public key goes
through.

Nonces are deterministic (RFC 6979), so a signature never depends on the quality of a random
source. This path is not constant-time: it is meant for verifying third-party seals and for the
rare signer on those curves; :mod:`legalize.pki.ecdsa` uses OpenSSL wherever it can.
"""

from __future__ import annotations

import hashlib
import hmac

from legalize.pki.curves import Curve
from legalize.pki.errors import EcdsaError

Point = tuple[int, int]
"""An affine point (x, y)."""

_Jac = tuple[int, int, int]
_INF: _Jac = (1, 1, 0)
"""The point at infinity (Z = 0)."""


def double(c: Curve, P: _Jac) -> _Jac:
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


def add(c: Curve, P: _Jac, Q: _Jac) -> _Jac:
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
        return double(c, P) if R == 0 else _INF
    HH = H * H % p
    HHH = H * HH % p
    V = U1 * HH % p
    X3 = (R * R - HHH - 2 * V) % p
    Y3 = (R * (V - X3) - S1 * HHH) % p
    Z3 = Z1 * Z2 * H % p
    return (X3, Y3, Z3)


def affine(c: Curve, P: _Jac) -> Point | None:
    if P[2] == 0:
        return None
    zi = pow(P[2], -1, c.p)
    zi2 = zi * zi % c.p
    return (P[0] * zi2 % c.p, P[1] * zi2 * zi % c.p)


def mul(c: Curve, k: int, P: Point) -> _Jac:
    """k·P with a 4-bit fixed window (not constant-time; see the module docstring)."""
    base: _Jac = (P[0], P[1], 1)
    table = [_INF, base]
    for _ in range(14):
        table.append(add(c, table[-1], base))
    acc = _INF
    for shift in range((k.bit_length() + 3) // 4 * 4 - 4, -1, -4):
        for _ in range(4):
            acc = double(c, acc)
        acc = add(c, acc, table[(k >> shift) & 0xF])
    return acc


def mul2(c: Curve, k1: int, P: Point, k2: int, Q: Point) -> _Jac:
    """k1·P + k2·Q with Shamir's trick (one shared doubling chain)."""
    PJ: _Jac = (P[0], P[1], 1)
    QJ: _Jac = (Q[0], Q[1], 1)
    both = add(c, PJ, QJ)
    acc = _INF
    for i in range(max(k1.bit_length(), k2.bit_length()) - 1, -1, -1):
        acc = double(c, acc)
        b1, b2 = (k1 >> i) & 1, (k2 >> i) & 1
        if b1 and b2:
            acc = add(c, acc, both)
        elif b1:
            acc = add(c, acc, PJ)
        elif b2:
            acc = add(c, acc, QJ)
    return acc


def on_curve(c: Curve, x: int, y: int) -> bool:
    return 0 <= x < c.p and 0 <= y < c.p and (y * y - x * x * x - c.a * x - c.b) % c.p == 0


def bits2int(c: Curve, digest: bytes) -> int:
    value = int.from_bytes(digest, "big")
    excess = len(digest) * 8 - c.n.bit_length()
    return value >> excess if excess > 0 else value


def rfc6979_nonces(c: Curve, scalar: int, digest: bytes, hash_name: str) -> list[int]:
    """Deterministic nonce candidates per RFC 6979 §3.2 (first one is almost always used)."""
    qlen = c.n.bit_length()
    rlen = (qlen + 7) // 8
    x = scalar.to_bytes(rlen, "big")
    h = (bits2int(c, digest) % c.n).to_bytes(rlen, "big")
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
        k = bits2int(c, T[:rlen]) if len(T) * 8 >= qlen else 0
        if 0 < k < c.n:
            out.append(k)
        K = hmac.new(K, V + b"\x00", hash_name).digest()
        V = hmac.new(K, V, hash_name).digest()
    return out


def sign_digest(c: Curve, scalar: int, digest: bytes, hash_name: str) -> tuple[int, int]:
    """(r, s) over an already hashed ``digest``, with an RFC 6979 nonce."""
    e = bits2int(c, digest)
    for k in rfc6979_nonces(c, scalar, digest, hash_name):
        point = affine(c, mul(c, k, (c.gx, c.gy)))
        if point is None:
            continue
        r = point[0] % c.n
        if r == 0:
            continue
        s = pow(k, -1, c.n) * (e + r * scalar) % c.n
        if s != 0:
            return r, s
    raise EcdsaError("no usable nonce (astronomically unlikely)")


def verify_digest(c: Curve, point: Point, digest: bytes, r: int, s: int) -> bool:
    """True when (r, s), both in [1, n-1], signs ``digest`` for the public ``point``."""
    e = bits2int(c, digest)
    w = pow(s, -1, c.n)
    result = affine(c, mul2(c, e * w % c.n, (c.gx, c.gy), r * w % c.n, point))
    return result is not None and result[0] % c.n == r


def encode_point(c: Curve, point: Point) -> bytes:
    """SEC 1 uncompressed encoding (0x04 || x || y)."""
    size = c.coord_size
    return b"\x04" + point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big")


def decode_point(c: Curve, data: bytes) -> Point:
    """SEC 1 point (uncompressed or compressed) on ``c``; refuses a point off the curve."""
    size = c.coord_size
    if len(data) == 1 + 2 * size and data[0] == 4:
        x = int.from_bytes(data[1 : 1 + size], "big")
        y = int.from_bytes(data[1 + size :], "big")
    elif len(data) == 1 + size and data[0] in (2, 3):
        x = int.from_bytes(data[1:], "big")
        if x >= c.p:
            raise EcdsaError("point not on curve")
        rhs = (x * x * x + c.a * x + c.b) % c.p
        root = sqrt_mod(rhs, c.p)
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


def sqrt_mod(value: int, p: int) -> int | None:
    """Square root modulo p. Every supported field prime is ≡ 3 (mod 4), where the root is
    value^((p+1)/4); None when value is not a square."""
    if p % 4 != 3:  # pragma: no cover - no such curve in CURVES
        raise EcdsaError("field prime not ≡ 3 mod 4")
    root = pow(value, (p + 1) // 4, p)
    return root if root * root % p == value % p else None
