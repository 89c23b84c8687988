"""``verifier trust sync URL``: fetch the published trust store (``/trust/`` of the web check:
root and signer certificates, CRLs and the root-signed ``trust-list.json``), check it, and
keep it in the user's data folder, the verifier's default trust store.

What is checked before anything replaces the stored copy:

- the list is signed by the pinned root: on the first sync the user names it (``--root-sha256``,
  the SHA-256 of its DER, read out of band; or ``--root FILE``); later syncs are pinned to the
  root already stored, so a server cannot swap roots under a user;
- every listed file arrives and has the SHA-256 the list gives (``legalize.pki.trustlist``);
- the list is current (next update not passed) and not older than the stored one (no
  rollback to a list from before a revocation).

The new copy is written beside the old and swapped in by renaming, so a failed sync leaves
the stored copy as it was. Time is a parameter; only :func:`default_folder` reads the
environment (through platformdirs).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import platformdirs
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from legalize.pki import trustlist
from legalize.pki.trust import TrustStore, TrustStoreError

APP_NAME: Final = "legalize-verifier"
TIMEOUT: Final = 15.0
"""Seconds for each request to connect and answer."""
MAX_FILE: Final = 1024 * 1024
"""Bytes read of any one file: a trust list or certificate is a few KiB, a CRL rarely more."""
MAX_FILES: Final = 1000
_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_HEX64: Final = re.compile(r"[0-9a-f]{64}")


class SyncError(Exception):
    """The trust store could not be fetched or did not pass its checks; nothing was changed."""


@dataclass(frozen=True)
class SyncResult:
    folder: Path
    issued_at: datetime
    next_update: datetime
    files: tuple[str, ...]
    root_sha256: str


def default_folder() -> Path:
    """The trust store ``verifier trust sync`` keeps (e.g. ``~/.local/share/legalize-verifier/
    trust`` on Linux, or under ``$XDG_DATA_HOME``)."""
    return platformdirs.user_data_path(APP_NAME) / "trust"


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def read_root(path: Path) -> str:
    """The pin of a root certificate file (PEM or DER): SHA-256 of its DER."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SyncError(f"cannot read {path}: {exc.strerror}") from None
    try:
        cert = (
            x509.load_pem_x509_certificate(data)
            if b"-----BEGIN" in data
            else x509.load_der_x509_certificate(data)
        )
    except ValueError:
        raise SyncError(f"{path} is not a certificate") from None
    return fingerprint(cert)


def list_url(url: str) -> tuple[str, str]:
    """(URL of trust-list.json, URL of the folder) for ``https://host/trust/`` or the list's URL."""
    if not re.match(r"https?://", url, re.IGNORECASE):
        raise SyncError(f"not an http(s) URL: {url!r}")
    if url.endswith("/" + trustlist.FILE_NAME):
        return url, url[: -len(trustlist.FILE_NAME)]
    base = url if url.endswith("/") else url + "/"
    return base + trustlist.FILE_NAME, base


def _fetch(url: str, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": f"{APP_NAME} trust sync"})  # noqa: S310 - scheme checked in list_url
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data: bytes = response.read(MAX_FILE + 1)
    except urllib.error.HTTPError as exc:
        raise SyncError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise SyncError(f"{url}: {reason}") from None
    if len(data) > MAX_FILE:
        raise SyncError(f"{url}: larger than {MAX_FILE} bytes")
    return data


def _pin(pin_sha256: str | None, target: Path) -> set[str]:
    if pin_sha256 is not None:
        pin = pin_sha256.strip().lower().replace(":", "")
        if not _HEX64.fullmatch(pin):
            raise SyncError("the root pin must be a SHA-256 in hex (64 digits)")
        return {pin}
    try:
        return {fingerprint(root) for root in TrustStore.load(target).roots}
    except TrustStoreError:
        raise SyncError(
            "the first sync needs the root you trust: --root-sha256 HEX (the SHA-256 of its "
            "certificate, from the publisher, out of band) or --root FILE"
        ) from None


def _stored_issue_time(target: Path) -> datetime | None:
    try:
        document = json.loads((target / trustlist.FILE_NAME).read_text())
        return datetime.fromisoformat(document["issued_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def sync(
    url: str,
    target: Path,
    at: datetime,
    *,
    pin_sha256: str | None = None,
    allow_stale: bool = False,
    timeout: float = TIMEOUT,
) -> SyncResult:
    """Fetch, check and store the trust store published at ``url`` into ``target``."""
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    pins = _pin(pin_sha256, target)
    list_address, base = list_url(url)
    raw_list = _fetch(list_address, timeout)
    try:
        document: dict[str, Any] = json.loads(raw_list)
        names = [str(entry["name"]) for entry in document["files"]]
        signer_sha256 = str(document["signature"]["signer_sha256"])
    except (ValueError, KeyError, TypeError):
        raise SyncError(f"{list_address} is not a trust list") from None
    if signer_sha256 not in pins:
        raise SyncError("the trust list is not signed by the pinned root")
    if len(names) > MAX_FILES or not all(_NAME.fullmatch(n) for n in names):
        raise SyncError("the trust list names files this verifier does not store")

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".trust-sync-", dir=target.parent))
    try:
        (staging / trustlist.FILE_NAME).write_bytes(raw_list)
        for name in names:
            (staging / name).write_bytes(_fetch(base + name, timeout))
        try:
            store = TrustStore.load(staging)
        except TrustStoreError as exc:
            raise SyncError(f"the published files are not a trust store: {exc}") from None
        roots = [r for r in store.roots if fingerprint(r) == signer_sha256]
        checked = trustlist.read_trust_list(staging, roots)
        if not roots:
            raise SyncError("the pinned root certificate is not among the published files")
        if checked is None or not checked.verified:
            problems = "; ".join(checked.problems) if checked else "no list"
            raise SyncError(f"the trust list does not verify: {problems}")
        assert checked.issued_at is not None and checked.next_update is not None
        if checked.is_stale(at) and not allow_stale:
            raise SyncError(
                f"the trust list is out of date: its next update was due "
                f"{checked.next_update.isoformat()}; the publisher has not issued a new one"
            )
        stored = _stored_issue_time(target)
        if stored is not None and checked.issued_at < stored:
            raise SyncError(
                f"the published list (issued {checked.issued_at.isoformat()}) is older than "
                f"the stored one (issued {stored.isoformat()}); kept the stored one"
            )
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SyncResult(target, checked.issued_at, checked.next_update, tuple(names), signer_sha256)


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` by ``staging`` with renames (each atomic on one file system)."""
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    staging.rename(target)
    shutil.rmtree(old, ignore_errors=True)
