"""TOTP secrets at rest: encrypted with a key from the configuration (issue 12, item 10).

A stored secret is ``v1:`` + Base64url(AES-SIV(raw secret bytes)), 51 characters for the
usual 160-bit secret: it fits the existing 64-character column, so no migration. The key is
derived with HKDF-SHA256 from ``LEGALIZE_TOTP_KEY`` when set, else from
``LEGALIZE_SECRET_KEY`` (set ``LEGALIZE_TOTP_KEY`` before rotating the secret key, or every
user re-enrols). AES-SIV is deterministic (no nonce to store); a secret is random, so equal
ciphertexts reveal nothing an attacker could use.

Secrets stored in plain Base32 by earlier versions are still read; :func:`reseal` turns one
into the encrypted form (sign-in does it after the first accepted code).
"""

from __future__ import annotations

import base64
import binascii
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from legalize.config import Config

PREFIX = "v1:"
_AD = b"legalize totp secret v1"
_PLAIN = re.compile(r"[A-Z2-7]{16,64}")
MAX_SECRET_BYTES = 29
"""The most a 64-character column holds once encrypted (3 + 4/3 · (29 + 16) = 63)."""


class TotpKeyError(ValueError):
    """A stored TOTP secret cannot be read with this key (the key changed) or is damaged."""


def is_plain(stored: str) -> bool:
    """A Base32 secret stored by an earlier version, not encrypted."""
    return _PLAIN.fullmatch(stored) is not None


class TotpCipher:
    def __init__(self, key_material: str) -> None:
        key = HKDF(
            algorithm=hashes.SHA256(), length=64, salt=None, info=b"legalize totp secrets v1"
        ).derive(key_material.encode("utf-8"))
        self._aead = AESSIV(key)

    @classmethod
    def from_config(cls, config: Config) -> TotpCipher:
        return cls(config.totp_key or config.secret_key)

    def seal(self, secret: str) -> str:
        """The stored form of a Base32 secret."""
        raw = _b32decode(secret)
        if len(raw) > MAX_SECRET_BYTES:
            raise ValueError(f"a TOTP secret of more than {MAX_SECRET_BYTES} bytes")
        sealed = self._aead.encrypt(raw, [_AD])
        return PREFIX + base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def open(self, stored: str) -> str:
        """The Base32 secret of a stored value (encrypted, or plain from an earlier version)."""
        if is_plain(stored):
            return stored
        if not stored.startswith(PREFIX):
            raise TotpKeyError("unknown TOTP secret format")
        text = stored[len(PREFIX) :]
        try:
            sealed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            raw = self._aead.decrypt(sealed, [_AD])
        except (InvalidTag, binascii.Error, ValueError):
            raise TotpKeyError(
                "the TOTP secret cannot be decrypted: LEGALIZE_TOTP_KEY (or the secret key it "
                "defaults to) changed since it was set; turn TOTP off and on for the user"
            ) from None
        return base64.b32encode(raw).decode("ascii").rstrip("=")


def _b32decode(secret: str) -> bytes:
    try:
        return base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("a TOTP secret is Base32") from None
