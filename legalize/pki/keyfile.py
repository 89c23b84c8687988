"""Key-file signer: an encrypted PKCS#8 PEM key next to its certificate.

The key file is the standard ``ENCRYPTED PRIVATE KEY`` PEM (PKCS#8 with PBES2: PBKDF2-HMAC-SHA256
and AES-256-CBC), written by us for every curve, so OpenSSL reads it too
(``openssl pkey -in key.pem``). We write and read it with asn1crypto and ``cryptography``'s
primitives because ``cryptography`` refuses to serialize keys on brainpoolP224r1/P320r1.
Files written by other tools in a PBES2 form we do not parse fall back to ``cryptography``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from asn1crypto import algos, pem
from asn1crypto import keys as asn1_keys
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from legalize.pki.ecdsa import PublicKey
from legalize.pki.eckeys import PrivateKey
from legalize.pki.errors import KeyFileError, PkiError
from legalize.pki.signing import CertificateSigner

PBKDF2_ITERATIONS = 600_000
"""OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Dev keys use fewer: their passphrase is public."""


def encrypt_key(key: PrivateKey, passphrase: str, iterations: int = PBKDF2_ITERATIONS) -> bytes:
    """``key`` as an encrypted PKCS#8 PEM."""
    if not passphrase:
        raise KeyFileError("a key file needs a non-empty passphrase")
    salt, iv = os.urandom(16), os.urandom(16)
    derived = hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, iterations, 32)
    padder = padding.PKCS7(128).padder()
    plain = padder.update(key.to_pkcs8()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(derived), modes.CBC(iv)).encryptor()
    encrypted = encryptor.update(plain) + encryptor.finalize()
    info = asn1_keys.EncryptedPrivateKeyInfo(
        {
            "encryption_algorithm": algos.EncryptionAlgorithm(
                {
                    "algorithm": "pbes2",
                    "parameters": {
                        "key_derivation_func": {
                            "algorithm": "pbkdf2",
                            "parameters": {
                                "salt": algos.Pbkdf2Salt(name="specified", value=salt),
                                "iteration_count": iterations,
                                "prf": {"algorithm": "sha256", "parameters": None},
                            },
                        },
                        "encryption_scheme": {"algorithm": "aes256_cbc", "parameters": iv},
                    },
                }
            ),
            "encrypted_data": encrypted,
        }
    )
    return bytes(pem.armor("ENCRYPTED PRIVATE KEY", info.dump()))


def decrypt_key(data: bytes, passphrase: str) -> PrivateKey:
    """Read an encrypted PKCS#8 key (PEM or DER); :class:`KeyFileError` when it cannot."""
    try:
        der = pem.unarmor(data)[2] if pem.detect(data) else data
        info = asn1_keys.EncryptedPrivateKeyInfo.load(der)
        algorithm = info["encryption_algorithm"]
        name = algorithm["algorithm"].native
    except (ValueError, TypeError) as exc:
        raise KeyFileError(f"not an encrypted PKCS#8 key file: {exc}") from None
    if name != "pbes2" or not _is_ours(algorithm):
        return _decrypt_with_cryptography(der, passphrase)
    params = algorithm["parameters"]
    kdf = params["key_derivation_func"]["parameters"]
    iv = params["encryption_scheme"]["parameters"].native
    derived = hashlib.pbkdf2_hmac(
        "sha256",
        passphrase.encode(),
        kdf["salt"].native,
        kdf["iteration_count"].native,
        32,
    )
    decryptor = Cipher(algorithms.AES(derived), modes.CBC(iv)).decryptor()
    padded = decryptor.update(info["encrypted_data"].native) + decryptor.finalize()
    try:
        unpadder = padding.PKCS7(128).unpadder()
        plain = unpadder.update(padded) + unpadder.finalize()
        return PrivateKey.from_pkcs8(plain)
    except (ValueError, PkiError):
        raise KeyFileError("wrong passphrase, or the key file is damaged") from None


def _is_ours(algorithm: algos.EncryptionAlgorithm) -> bool:
    try:
        params = algorithm["parameters"]
        kdf = params["key_derivation_func"]
        return bool(
            kdf["algorithm"].native == "pbkdf2"
            and kdf["parameters"]["prf"]["algorithm"].native == "sha256"
            and params["encryption_scheme"]["algorithm"].native == "aes256_cbc"
        )
    except (ValueError, TypeError, KeyError):
        return False


def _decrypt_with_cryptography(der: bytes, passphrase: str) -> PrivateKey:
    try:
        native = serialization.load_der_private_key(der, password=passphrase.encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise KeyFileError("wrong passphrase, or an unsupported or damaged key file") from None
    if not isinstance(native, ec.EllipticCurvePrivateKey):
        raise KeyFileError("the key file holds no EC key")
    try:
        return PrivateKey.from_native(native)
    except PkiError as exc:
        raise KeyFileError(str(exc)) from None


def load_certificate(path: Path) -> x509.Certificate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PkiError(f"cannot read certificate {path}: {exc.strerror}") from None
    try:
        if b"-----BEGIN" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise PkiError(f"not a certificate: {path}: {exc}") from None


class KeyFileSigner(CertificateSigner):
    """A :class:`legalize.pki.signer.Signer` whose key is an encrypted key file."""

    def __init__(self, certificate: x509.Certificate, key: PrivateKey) -> None:
        if PublicKey.of_certificate(certificate).point != key.public_key().point:
            raise KeyFileError("the key does not belong to the certificate")
        super().__init__(certificate, KeyFileError)
        self._key = key

    @classmethod
    def load(cls, cert_path: Path, key_path: Path, passphrase: str | None) -> KeyFileSigner:
        if not passphrase:
            raise KeyFileError("the signer key file needs a passphrase (LEGALIZE_KEY_PASSPHRASE)")
        certificate = load_certificate(cert_path)
        try:
            data = key_path.read_bytes()
        except OSError as exc:
            raise KeyFileError(f"cannot read key file {key_path}: {exc.strerror}") from None
        return cls(certificate, decrypt_key(data, passphrase))

    @property
    def curve(self) -> str:
        return self._key.curve.name

    @property
    def private_key(self) -> ec.EllipticCurvePrivateKey | None:
        """The ``cryptography`` key (for pyhanko), None on curves cryptography lacks."""
        return self._key.native

    def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
        return self._key.sign(data, hash_name)
