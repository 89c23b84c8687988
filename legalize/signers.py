"""The signer the service signs with, chosen by its configuration: PKCS#11 when an HSM module
is configured, else the signer's encrypted key file.

It lives above ``legalize.pki`` because it reads the service's :class:`~legalize.config.Config`;
pki itself knows keys, certificates and backends, not the service's settings (the arrow
config → pki runs one way).
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

from legalize.config import Config
from legalize.pki.authority import Authority
from legalize.pki.devkeys import DEV_PASSPHRASE
from legalize.pki.eckeys import PrivateKey
from legalize.pki.errors import KeyFileError, PkiError
from legalize.pki.keyfile import KeyFileSigner, decrypt_key
from legalize.pki.signer import Signer


def load_signer(config: Config, doc_type: str, at: datetime, post: str | None = None) -> Signer:
    """The signer of ``doc_type`` to use at ``at``: PKCS#11 when ``config.pkcs11_module`` is set,
    else the encrypted key file. :class:`PkiError` when there is none or it cannot be opened.

    ``post`` picks that issuing post's signer when several posts have one (None: the newest
    signer of the document type, whichever post)."""
    authority = Authority.open(config.keys_dir)
    record = authority.current_signer(doc_type, at, post)
    certificate = authority.certificate(record)
    if config.pkcs11_module:
        if record.pkcs11_id is None:
            raise PkiError(
                f"signer {record.signer_id} {record.cert_reference} has a key file, "
                "not an HSM key; "
                "unset LEGALIZE_PKCS11_MODULE or roll the signer over into the HSM"
            )
        from legalize.pki.pkcs11 import Pkcs11Signer

        return Pkcs11Signer(
            config.pkcs11_module,
            config.pkcs11_token_label,
            config.pkcs11_pin,
            certificate,
            bytes.fromhex(record.pkcs11_id),
        )
    if record.key_file is None:
        raise PkiError(
            f"the key of signer {record.signer_id} {record.cert_reference} is in an HSM; "
            "set LEGALIZE_PKCS11_MODULE"
        )
    passphrase = config.key_passphrase or (DEV_PASSPHRASE if not config.production else None)
    if not passphrase:
        raise KeyFileError("the signer key file needs LEGALIZE_KEY_PASSPHRASE")
    key_path = config.keys_dir / record.key_file
    try:
        stamp = key_path.stat().st_mtime_ns
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {key_path}: {exc.strerror}") from None
    key = _cached_key(str(key_path.resolve()), stamp, passphrase)
    return KeyFileSigner(certificate, key)


@functools.lru_cache(maxsize=16)
def _cached_key(path: str, stamp: int, passphrase: str) -> PrivateKey:
    """Decrypting costs a key stretch (PBKDF2); a server signs many documents with one key."""
    del stamp  # part of the cache key only: a replaced file is read again
    return decrypt_key(Path(path).read_bytes(), passphrase)
