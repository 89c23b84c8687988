"""The signer interface every signing use goes through: seals (raw ECDSA r‖s) and PAdES.

Backends: an encrypted key file (:mod:`legalize.pki.keyfile`) and PKCS#11
(:mod:`legalize.pki.pkcs11`). Callers never see a private key object, so a key in an HSM and a
key on disk are used the same way.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from cryptography import x509


@runtime_checkable
class Signer(Protocol):
    """A document signer: its certificate and a way to sign with the matching private key."""

    @property
    def certificate(self) -> x509.Certificate:
        """The document-signer certificate."""
        ...

    @property
    def signer_id(self) -> str:
        """TR-03137 signer identifier: 2-letter country code + 2 alphanumerics, e.g. ``LKTD``."""
        ...

    @property
    def cert_reference(self) -> str:
        """TR-03137 certificate reference: the certificate serial number as upper-case hex."""
        ...

    def sign(self, data: bytes, hash_name: str | None = None) -> bytes:
        """ECDSA-sign ``data`` (hashed here with ``hash_name``: ``sha224``, ``sha256``,
        ``sha384`` or ``sha512``; default: the hash TR-03116 pairs with the key size) and
        return the raw r‖s signature, each half as long as the curve order."""
        ...
