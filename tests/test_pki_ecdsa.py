"""ECDSA on the eight TR-03116 curves: sign/verify/tamper, DER and explicit-parameter tolerance,
and cross-checks of the pure-Python path against OpenSSL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from asn1crypto import keys as asn1keys
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from legalize.pki import curves, ecdsa, ecmath
from tests.helpers.support import need_tool

MESSAGE = b"header and message zone"


@pytest.fixture(scope="module")
def keys() -> dict[str, tuple[int, bytes]]:
    out = {}
    for name in curves.CURVE_NAMES:
        scalar = ecdsa.generate_private_scalar(name)
        out[name] = (scalar, ecdsa.public_spki_der(name, scalar))
    return out


def test_eight_curves_and_hash_pairing() -> None:
    assert curves.CURVE_NAMES == (
        "secp256r1",
        "secp384r1",
        "secp521r1",
        "brainpoolP224r1",
        "brainpoolP256r1",
        "brainpoolP320r1",
        "brainpoolP384r1",
        "brainpoolP512r1",
    )
    assert [curves.default_hash(n) for n in curves.CURVE_NAMES] == [
        "sha256",
        "sha384",
        "sha512",
        "sha224",
        "sha256",
        "sha384",
        "sha384",
        "sha512",
    ]


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_curve_parameters(name: str) -> None:
    c = curves.CURVES[name]
    assert ecmath.on_curve(c, c.gx, c.gy)
    # n·G is the point at infinity, (n-1)·G = -G: n is the order of G.
    assert ecmath.mul(c, c.n, (c.gx, c.gy))[2] == 0
    assert ecmath.affine(c, ecmath.mul(c, c.n - 1, (c.gx, c.gy))) == (c.gx, c.p - c.gy)


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_sign_verify_tamper(name: str, keys: dict[str, tuple[int, bytes]]) -> None:
    scalar, spki = keys[name]
    c = curves.CURVES[name]
    signature = ecdsa.sign_raw(name, scalar, MESSAGE)
    assert len(signature) == 2 * c.size
    assert ecdsa.curve_of_spki(spki) == name
    assert ecdsa.verify_raw(spki, MESSAGE, signature)
    assert not ecdsa.verify_raw(spki, MESSAGE + b"!", signature)
    flipped = bytearray(signature)
    flipped[3] ^= 0x40
    assert not ecdsa.verify_raw(spki, MESSAGE, bytes(flipped))
    assert not ecdsa.verify_raw(spki, MESSAGE, signature[:-1])
    other = ecdsa.public_spki_der(name, ecdsa.generate_private_scalar(name))
    assert not ecdsa.verify_raw(other, MESSAGE, signature)


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_pure_path_agrees_with_fast_path(name: str, keys: dict[str, tuple[int, bytes]]) -> None:
    """The pure arithmetic verifies what OpenSSL signed (and computes the same public key)."""
    import hashlib

    scalar, spki = keys[name]
    c = curves.CURVES[name]
    key = ecdsa.public_key(spki)
    assert ecmath.affine(c, ecmath.mul(c, scalar, (c.gx, c.gy))) == key.point
    signature = ecdsa.sign_raw(name, scalar, MESSAGE)
    r = int.from_bytes(signature[: c.size], "big")
    s = int.from_bytes(signature[c.size :], "big")
    digest = hashlib.new(curves.default_hash(name), MESSAGE).digest()
    assert ecmath.verify_digest(c, key.point, digest, r, s)
    assert not ecmath.verify_digest(c, key.point, digest, r, (s + 1) % c.n)


@pytest.mark.parametrize("name", ["brainpoolP224r1", "brainpoolP320r1"])
def test_pure_curves_are_deterministic(name: str, keys: dict[str, tuple[int, bytes]]) -> None:
    scalar, _ = keys[name]
    assert not curves.curve(name).in_cryptography
    assert ecdsa.sign_raw(name, scalar, MESSAGE) == ecdsa.sign_raw(name, scalar, MESSAGE)
    assert ecdsa.sign_raw(name, scalar, MESSAGE) != ecdsa.sign_raw(name, scalar, MESSAGE + b"x")


def test_rfc6979_nonce_vector() -> None:
    """RFC 6979 A.2.5 (P-256, SHA-256, message "sample"): k = A6E3C57D…"""
    import hashlib

    c = curves.CURVES["secp256r1"]
    x = 0xC9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721
    digest = hashlib.sha256(b"sample").digest()
    k = ecmath.rfc6979_nonces(c, x, digest, "sha256")[0]
    assert k == 0xA6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60
    r, s = ecmath.sign_digest(c, x, digest, "sha256")
    assert r == 0xEFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716
    assert s == 0xF7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_der_signatures_accepted(name: str, keys: dict[str, tuple[int, bytes]]) -> None:
    scalar, spki = keys[name]
    c = curves.CURVES[name]
    raw = ecdsa.sign_raw(name, scalar, MESSAGE)
    der = encode_dss_signature(
        int.from_bytes(raw[: c.size], "big"), int.from_bytes(raw[c.size :], "big")
    )
    assert ecdsa.verify_raw(spki, MESSAGE, der)
    assert not ecdsa.verify_raw(spki, MESSAGE + b"!", der)


def _explicit_spki(name: str, point: tuple[int, int]) -> bytes:
    c = curves.CURVES[name]
    size = c.coord_size
    params = asn1keys.SpecifiedECDomain(
        {
            "version": "ecdpVer1",
            "field_id": {"field_type": "prime_field", "parameters": c.p},
            "curve": {"a": c.a.to_bytes(size, "big"), "b": c.b.to_bytes(size, "big")},
            "base": b"\x04" + c.gx.to_bytes(size, "big") + c.gy.to_bytes(size, "big"),
            "order": c.n,
            "cofactor": 1,
        }
    )
    info = asn1keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1keys.ECDomainParameters(name="specified", value=params),
            },
            "public_key": b"\x04" + point[0].to_bytes(size, "big") + point[1].to_bytes(size, "big"),
        }
    )
    return bytes(info.dump())


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_explicit_parameters_map_to_the_named_curve(
    name: str, keys: dict[str, tuple[int, bytes]]
) -> None:
    scalar, spki = keys[name]
    explicit = _explicit_spki(name, ecdsa.public_key(spki).point)
    assert ecdsa.curve_of_spki(explicit) == name
    assert ecdsa.verify_raw(explicit, MESSAGE, ecdsa.sign_raw(name, scalar, MESSAGE))


def test_explicit_parameters_of_an_unknown_curve_refused(
    keys: dict[str, tuple[int, bytes]],
) -> None:
    _, spki = keys["secp256r1"]
    explicit = bytearray(_explicit_spki("secp256r1", ecdsa.public_key(spki).point))
    # Change one byte of b: the parameters no longer describe P-256.
    b = curves.CURVES["secp256r1"].b.to_bytes(32, "big")
    at = bytes(explicit).index(b)
    explicit[at + 5] ^= 1
    with pytest.raises(ecdsa.EcdsaError):
        ecdsa.curve_of_spki(bytes(explicit))


@pytest.mark.parametrize(
    "spki",
    [
        b"",
        b"\x30\x03\x02\x01\x01",
        bytes.fromhex("3059301306072a8648ce3d020106082a8648ce3d0301070342000400"),
    ],
)
def test_unusable_keys_raise(spki: bytes) -> None:
    with pytest.raises(ecdsa.EcdsaError):
        ecdsa.verify_raw(spki, MESSAGE, b"\x00" * 64)


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_compressed_points_accepted(name: str, keys: dict[str, tuple[int, bytes]]) -> None:
    scalar, spki = keys[name]
    c = curves.CURVES[name]
    x, y = ecdsa.public_key(spki).point
    compressed = bytes((2 + (y & 1),)) + x.to_bytes(c.coord_size, "big")
    info = asn1keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "ec",
                "parameters": asn1keys.ECDomainParameters(name="named", value=c.oid),
            },
            "public_key": compressed,
        }
    )
    key = ecdsa.public_key(bytes(info.dump()))
    assert key.point == (x, y)
    assert key.verify(MESSAGE, ecdsa.sign_raw(name, scalar, MESSAGE))


def test_point_not_on_curve_refused(keys: dict[str, tuple[int, bytes]]) -> None:
    _, spki = keys["brainpoolP320r1"]
    bad = bytearray(spki)
    bad[-1] ^= 1
    with pytest.raises(ecdsa.EcdsaError):
        ecdsa.public_key(bytes(bad))


@pytest.mark.parametrize("name", ["brainpoolP224r1", "brainpoolP320r1"])
def test_pure_curves_interoperate_with_openssl_cli(name: str, tmp_path: Path) -> None:
    """OpenSSL (CLI) signs, we verify; we sign, OpenSSL verifies."""
    openssl = need_tool("openssl")
    key_pem = tmp_path / "key.pem"
    pub_der = tmp_path / "pub.der"
    data = tmp_path / "data.bin"
    data.write_bytes(MESSAGE)
    subprocess.run(
        [openssl, "ecparam", "-name", name, "-genkey", "-noout", "-out", str(key_pem)],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [openssl, "ec", "-in", str(key_pem), "-pubout", "-outform", "DER", "-out", str(pub_der)],
        check=True,
        capture_output=True,
    )
    hash_name = curves.default_hash(name)
    sig = subprocess.run(
        [openssl, "dgst", f"-{hash_name}", "-sign", str(key_pem), str(data)],
        check=True,
        capture_output=True,
    ).stdout
    spki = pub_der.read_bytes()
    assert ecdsa.curve_of_spki(spki) == name
    assert ecdsa.verify_raw(spki, MESSAGE, sig)  # DER from OpenSSL
    # Our signature, checked by OpenSSL: read the private scalar from OpenSSL's key.
    text = subprocess.run(
        [openssl, "ec", "-in", str(key_pem), "-text", "-noout"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    priv_hex = text.split("priv:")[1].split("pub:")[0]
    scalar = int("".join(priv_hex.split()).replace(":", ""), 16)
    c = curves.CURVES[name]
    raw = ecdsa.sign_raw(name, scalar, MESSAGE)
    der = encode_dss_signature(
        int.from_bytes(raw[: c.size], "big"), int.from_bytes(raw[c.size :], "big")
    )
    sig_file = tmp_path / "sig.der"
    sig_file.write_bytes(der)
    result = subprocess.run(
        [
            openssl,
            "dgst",
            f"-{hash_name}",
            "-verify",
            str(pub_der),
            "-keyform",
            "DER",
            "-signature",
            str(sig_file),
            str(data),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- the one curve table and the one PublicKey ------------------------------------------------


@pytest.mark.parametrize("name", curves.CURVE_NAMES)
def test_curve_table_agrees_with_cryptography(name: str) -> None:
    c = curves.curve(name)
    if not c.in_cryptography:
        with pytest.raises(ecdsa.EcdsaError):
            c.cryptography_curve()
        return
    native = ec.generate_private_key(c.cryptography_curve())
    assert ec.get_curve_for_oid(x509.ObjectIdentifier(c.oid)).name == name
    assert native.curve.key_size == c.bits
    pn = native.public_key().public_numbers()
    assert ecmath.on_curve(c, pn.x, pn.y)


@pytest.mark.parametrize(
    ("alias", "name"),
    [("P-256", "secp256r1"), ("prime256v1", "secp256r1"), ("BRAINPOOLP320R1", "brainpoolP320r1")],
)
def test_curve_aliases(alias: str, name: str) -> None:
    assert curves.curve(alias).name == name


@pytest.mark.parametrize("bad", ["secp192r1", "", "sha256"])
def test_unknown_curve_refused(bad: str) -> None:
    with pytest.raises(ecdsa.EcdsaError):
        curves.curve(bad)


@pytest.mark.parametrize("bad", ["md5", "sha1", "sha3-256", ""])
def test_unknown_hash_refused(bad: str) -> None:
    with pytest.raises(ecdsa.EcdsaError):
        curves.hash_algorithm(bad)
    assert curves.hash_algorithm("SHA-256").name == "sha256"


def test_public_key_from_openssl_matches_parsed_and_key_identifier() -> None:
    native = ec.generate_private_key(ec.SECP384R1()).public_key()
    key = ecdsa.PublicKey.from_key(native)
    pn = native.public_numbers()
    assert key.curve.name == "secp384r1"
    assert key.point == (pn.x, pn.y)
    assert key.native is not None and key.native.public_numbers() == pn
    # RFC 5280 method 1, as cryptography computes it
    assert key.key_identifier() == x509.SubjectKeyIdentifier.from_public_key(native).digest


def test_public_key_of_pure_curve_has_no_native_and_verifies() -> None:
    scalar = ecdsa.generate_private_scalar("brainpoolP320r1")
    key = ecdsa.PublicKey.of_point("brainpoolP320r1", ecdsa.public_point("brainpoolP320r1", scalar))
    assert key.native is None
    signature = ecdsa.sign_raw("brainpoolP320r1", scalar, MESSAGE)
    assert key.verify(MESSAGE, signature)
    assert not key.verify(MESSAGE + b"!", signature)
