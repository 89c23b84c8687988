"""The development PKI (``legalize keys init-dev``).

Dev keys are for development and tests only: their passphrase is published below and in
``keys/dev/README.md``, and the folder carries a ``DEV_ONLY`` marker that production
configuration refuses (:meth:`legalize.config.Config.validate`). The service's signer is
loaded by :func:`legalize.signers.load_signer`.

Curves: document signers use P-256 (every seal reader and PDF reader supports it; the smallest
seal). The root uses P-384 with SHA-384: it outlives its signers by years, so it gets the next
security level, and a NIST curve because PDF readers (Acrobat) validate NIST chains everywhere
while brainpool support is patchy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from legalize.kinds import CERT_CODES
from legalize.pki.authority import CRL_FILE, INDEX, ROOT_CERT, ROOT_KEY, Authority
from legalize.pki.errors import PkiExistsError
from legalize.pki.keyfile import KeyFileSigner
from legalize.pki.trust import TrustStore, export_trust_store

DEV_PASSPHRASE = "legalize-dev-only"  # noqa: S105 - published on purpose: dev keys only
DEV_ITERATIONS = 10_000
"""PBKDF2 iterations of dev key files: the passphrase is public, so key stretching buys nothing
and tests load keys often."""
DEV_MARKER = "DEV_ONLY"
TRUST_DIR = "trust"

README = """\
# DEV ONLY — development keys

These keys were made by `legalize keys init-dev`. They are for development and tests only.
**Never use them for real documents.** Production mode (`LEGALIZE_ENV=production`) refuses any
keys folder that contains the `DEV_ONLY` marker file.

The key files are encrypted with the published dev passphrase:

    legalize-dev-only

(`LEGALIZE_KEY_PASSPHRASE=legalize-dev-only`; it is the default in development.)

| file | what |
|---|---|
| `root.crt.pem`, `root.key.pem` | root CA (country signing CA), P-384, 10 years |
| `signers/LKTD-<serial>.crt.pem` / `.key.pem` | TTD document signer (signer id `LKTD`), P-256 |
| `signers/LKLG-<serial>.crt.pem` / `.key.pem` | legalization document signer (`LKLG`), P-256 |
| `crl.pem` | the current CRL of the root |
| `pki.json` | index: signers, revocations, CRL number |
| `trust/` | the trust store: default of `verifier --trust-store`; signed `trust-list.json` |
| `DEV_ONLY` | marker refused in production |

Signer certificates: subject `C=LK, O=…, OU=<issuing post>, CN=TD` (so `C||CN` is the
TR-03137 signer id `LKTD`), five-hex-digit serial numbers (the certificate reference),
key usage period one year, validity one year and two months, a document-type extension.

Commands: `legalize keys list`, `legalize keys rollover --doc-type TTD`,
`legalize keys revoke SERIAL --reason keyCompromise`, `legalize trust export DIR`.
Delete this folder to start again; `make run` recreates it when missing.
These files are not committed (see `.gitignore`); only this README is.
"""


@dataclass(frozen=True)
class DevSigner:
    doc_type: str
    signer_id: str
    cert_reference: str
    cert: Path
    key: Path


@dataclass(frozen=True)
class DevPki:
    """Paths of a dev PKI made by :func:`init_dev`."""

    dir: Path
    root_cert: Path
    root_key: Path
    crl: Path
    trust_dir: Path
    passphrase: str
    at: datetime
    """When it was made: every certificate is valid from here."""
    signers: Mapping[str, DevSigner] = field(default_factory=dict)
    """By document type (``TTD``, ``LEG``)."""

    def signer(self, doc_type: str) -> KeyFileSigner:
        entry = self.signers[doc_type]
        return KeyFileSigner.load(entry.cert, entry.key, self.passphrase)

    def authority(self) -> Authority:
        return Authority.open(self.dir)

    def trust_store(self) -> TrustStore:
        return TrustStore.load(self.trust_dir)


def has_keys(path: Path) -> bool:
    return any((path / name).exists() for name in (INDEX, ROOT_KEY, ROOT_CERT, DEV_MARKER))


def init_dev(path: Path, at: datetime, *, passphrase: str = DEV_PASSPHRASE) -> DevPki:
    """Make the dev PKI in ``path``: root, TTD and legalization signers, CRL, trust export."""
    path = Path(path)
    if has_keys(path):
        raise PkiExistsError(f"keys already exist in {path}; refusing to overwrite them")
    authority = Authority.create(path, at=at, passphrase=passphrase, iterations=DEV_ITERATIONS)
    signers = {}
    for doc_type in CERT_CODES:
        record = authority.issue_signer(
            passphrase, doc_type=doc_type, at=at, iterations=DEV_ITERATIONS
        )
        assert record.key_file is not None
        signers[doc_type] = DevSigner(
            doc_type,
            record.signer_id,
            record.cert_reference,
            path / record.cert_file,
            path / record.key_file,
        )
    export_trust_store(authority, path / TRUST_DIR, passphrase=passphrase, at=at)
    (path / "README.md").write_text(README)
    (path / DEV_MARKER).write_text("These keys are for development only.\n")
    return DevPki(
        dir=path,
        root_cert=path / ROOT_CERT,
        root_key=path / ROOT_KEY,
        crl=path / CRL_FILE,
        trust_dir=path / TRUST_DIR,
        passphrase=passphrase,
        at=at,
        signers=signers,
    )
