"""Exceptions of the key subsystem: each means "could not process"; the message says why."""

from __future__ import annotations


class PkiError(Exception):
    """A key, certificate, CRL or key store could not be used; the message says why."""


class PkiExistsError(PkiError):
    """Keys are already there; the operation refuses to overwrite them."""


class KeyFileError(PkiError):
    """An encrypted key file cannot be read: wrong passphrase, corrupt or unsupported file."""


class Pkcs11Error(PkiError):
    """The PKCS#11 module, token or key cannot be used."""


class EcdsaError(PkiError, ValueError):
    """A key, curve, point or hash ECDSA cannot use (not: a signature that does not verify).
    Also a ValueError, so parsers that treat unusable input as bad values catch it too."""
