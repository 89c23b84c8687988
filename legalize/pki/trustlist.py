"""The signed trust list: what a published trust store holds, when it was issued, and until when
it is current — signed by the root, so an offline verifier knows how fresh its copy is
(DESIGN §4) and notices a file added, removed or changed.

``trust-list.json`` sits next to the certificates and CRLs::

    {"format": "legalize-trust-list/1", "issuer": "<root subject>",
     "issued_at": "...", "next_update": "...",
     "files": [{"name": "LK-root.crt", "sha256": "<hex>"}, ...],
     "signers": [{"signer_id": "LKTD", "cert_reference": "1A2B3", "public_key": "<b64>", ...}],
     "signature": {"algorithm": "ecdsa-with-SHA384", "signer_sha256": "<hex of root DER>",
                   "value": "<base64 DER ECDSA signature>"}}

The signature covers the canonical JSON (sorted keys, no blanks, ASCII) of everything except
``signature``. ``signers`` (optional; ``TrustStore.signer_summary``) restates what the listed
certificates and CRLs say of each signer, so a reader without an X.509 and CRL parser — the
/scan page's JavaScript — verifies seals from the signed list alone; readers that parse the
files ignore it. Time is a parameter; nothing here reads the clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from legalize.pki import der
from legalize.pki.errors import PkiError

FILE_NAME: Final = "trust-list.json"
FORMAT: Final = "legalize-trust-list/1"
VALIDITY = timedelta(days=30)
"""A published list is current for a month, like the CRL."""

_HASHES: dict[str, hashes.SHA256 | hashes.SHA384 | hashes.SHA512] = {
    "ecdsa-with-SHA256": hashes.SHA256(),
    "ecdsa-with-SHA384": hashes.SHA384(),
    "ecdsa-with-SHA512": hashes.SHA512(),
}


@dataclass(frozen=True)
class TrustList:
    """What a trust store's ``trust-list.json`` says, and whether it holds."""

    issued_at: datetime | None
    next_update: datetime | None
    verified: bool
    """Signed by a root in the store, and every listed file present and unchanged."""
    problems: tuple[str, ...]
    """Why not verified (empty when verified); also unlisted certificate/CRL files."""
    signers: tuple[dict[str, Any], ...] | None = None
    """The signed signer summary, when the list carries one (``TrustStore.load`` checks that
    it agrees with the certificates and CRLs)."""

    def is_stale(self, at: datetime) -> bool:
        return self.next_update is None or self.next_update < at


def _canonical(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_trust_list(
    folder: Path,
    root_cert: x509.Certificate,
    root_key: ec.EllipticCurvePrivateKey,
    at: datetime,
    validity: timedelta = VALIDITY,
    *,
    signers: Sequence[Mapping[str, Any]] | None = None,
) -> Path:
    """Sign the list of the certificate and CRL files now in ``folder`` (and ``signers``, the
    summary of them, when given)."""
    if at.tzinfo is None:
        raise PkiError("times must be timezone-aware (UTC)")
    if root_cert.public_key() != root_key.public_key():
        raise PkiError("the root key does not match the root certificate")
    files = [
        {"name": p.relative_to(folder).as_posix(), "sha256": _sha256(p.read_bytes())}
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != FILE_NAME and not p.name.startswith(".")
    ]
    bits = root_key.curve.key_size
    algorithm = (
        "ecdsa-with-SHA256"
        if bits <= 256
        else "ecdsa-with-SHA384"
        if bits <= 384
        else "ecdsa-with-SHA512"
    )
    document: dict[str, Any] = {
        "format": FORMAT,
        "issuer": root_cert.subject.rfc4514_string(),
        "issued_at": at.isoformat(),
        "next_update": (at + validity).isoformat(),
        "files": files,
    }
    if signers is not None:
        document["signers"] = [dict(entry) for entry in signers]
    signature = root_key.sign(_canonical(document), ec.ECDSA(_HASHES[algorithm]))
    document["signature"] = {
        "algorithm": algorithm,
        "signer_sha256": _sha256(der.of_certificate(root_cert)),
        "value": base64.b64encode(signature).decode(),
    }
    target = folder / FILE_NAME
    target.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    return target


def read_trust_list(folder: Path, roots: Iterable[x509.Certificate]) -> TrustList | None:
    """Check ``folder``'s trust list against ``roots``; None when the folder has none."""
    path = folder / FILE_NAME
    if not path.is_file():
        return None
    problems: list[str] = []
    try:
        document = json.loads(path.read_text())
        if document.get("format") != FORMAT:
            return TrustList(
                None, None, False, (f"unknown trust list format {document.get('format')!r}",)
            )
        issued_at = datetime.fromisoformat(document["issued_at"])
        next_update = datetime.fromisoformat(document["next_update"])
        signature = document["signature"]
        files = document["files"]
        summary = document.get("signers")
        signers = tuple(dict(s) for s in summary) if summary is not None else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return TrustList(None, None, False, (f"unreadable trust list: {exc}",))

    if not _signed_by_root(document, signature, roots):
        problems.append("the trust list's signature does not verify against a root in the store")
    listed = set()
    for entry in files:
        try:
            name, digest = str(entry["name"]), str(entry["sha256"])
        except (KeyError, TypeError):
            problems.append("malformed file entry")
            continue
        listed.add(name)
        file = folder / name
        if not file.is_file():
            problems.append(f"listed file missing: {name}")
        elif _sha256(file.read_bytes()) != digest:
            problems.append(f"file changed since the list was signed: {name}")
    for file in sorted(folder.rglob("*")):
        name = file.relative_to(folder).as_posix()
        ours = file.is_file() and file.name != FILE_NAME and not file.name.startswith(".")
        if ours and name not in listed:
            problems.append(f"file not on the signed list: {name}")
    return TrustList(issued_at, next_update, not problems, tuple(problems), signers)


def _signed_by_root(
    document: dict[str, Any], signature: Any, roots: Iterable[x509.Certificate]
) -> bool:
    try:
        algorithm = _HASHES[signature["algorithm"]]
        value = base64.b64decode(signature["value"], validate=True)
        wanted = str(signature["signer_sha256"])
    except (KeyError, TypeError, ValueError):
        return False
    for root in roots:
        if _sha256(der.of_certificate(root)) != wanted:
            continue
        try:
            key = root.public_key()
            if not isinstance(key, ec.EllipticCurvePublicKey):
                return False
            key.verify(value, _canonical(document), ec.ECDSA(algorithm))
            return True
        except (InvalidSignature, ValueError, UnsupportedAlgorithm):
            return False
    return False
