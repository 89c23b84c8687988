"""The offline-check vectors (``tests/vectors/offline/``): the published seal vectors again,
this time with a trust store whose ``trust-list.json`` is signed by its root and carries the
signer summary, so the browser's check (``legalize/web/static/scan/``) and the server's
(``verifier/seal.py``) are tested against the same files.

``manifest.json``: ``{"trust_store": "trust", "root_sha256": ..., "vectors": [...]}``; each
vector as in ``../README.md`` plus ``fields`` (the profile fields the server reads) and
``browser`` (the verdict and codes the browser must give: the server's, except where the
browser does not read the seal — an IDB, a brainpool signer, a third-party profile — and
answers INDETERMINATE). Re-write with ``.venv/bin/python tests/vectors/offline.py`` (new keys).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import tempfile
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[1]) not in sys.path:
    sys.path.insert(0, str(HERE.parents[1]))

from cryptography.hazmat.primitives import serialization  # noqa: E402

from legalize.pki.trust import TrustStore, export_trust_store  # noqa: E402
from legalize.seal.profiles import seal_legalization  # noqa: E402
from legalize.seal.qrtext import qr_text  # noqa: E402
from tests.vectors.build import (  # noqa: E402
    AT,
    CHECK_URL,
    PASSPHRASE,
    VALID_AT,
    build_pki,
    sample_legalization,
    vectors,
)
from verifier.seal import verify_seal  # noqa: E402

TARGET = HERE / "offline"
NOT_READ_IN_BROWSER = {
    "ttd-idb-p256": ("SEAL_UNSUPPORTED",),
    "ttd-idb-embedded-cert": ("SEAL_UNSUPPORTED",),
    "ttd-brainpoolP224r1": ("SEAL_UNSUPPORTED",),
    "ttd-brainpoolP256r1": ("SEAL_UNSUPPORTED",),
    "ttd-brainpoolP320r1": ("SEAL_UNSUPPORTED",),
    "ttd-brainpoolP384r1": ("SEAL_UNSUPPORTED",),
    "ttd-brainpoolP512r1": ("SEAL_UNSUPPORTED",),
    "third-party-icao-visa": ("SEAL_UNSUPPORTED", "SEAL_UNSUPPORTED"),  # profile, curve
}
"""Vectors the browser reports as not read (INDETERMINATE with these codes), and why: it
reads VDS only, verifies on WebCrypto's NIST curves only, and decodes our two profiles only."""


def expected(report: Any) -> dict[str, Any]:
    from verifier.report import Status

    codes = [
        c.code
        for c in report.checks
        if c.status in (Status.INVALID, Status.ERROR)
        or (c.status is Status.SKIPPED and c.code not in ("NOT_APPLICABLE", "PRECONDITION_FAILED"))
    ]
    return {"verdict": report.verdict.value, "codes": codes}


def profile_fields(report: Any) -> dict[str, Any] | None:
    """The decoded profile fields (those of ``fields()``), for TTD and legalization seals."""
    data = dict(report.data)
    if data.get("profile") not in ("TTD", "LEGALIZATION"):
        return None
    drop = {"format", "header_version", "signer_id", "cert_reference", "signature_date"}
    drop |= {"document_ref", "signer", "signer_certificate"}
    # the catalog's labelled rendering of the same fields, for display (names in en/si/ta):
    # the browser shows its own labels, so the vectors compare the fields themselves
    drop |= {"decoded"}
    return {k: v for k, v in data.items() if k not in drop}


def validation_time(day: str) -> datetime:
    """A vector's ``at`` (a date): checked at 12:00 UTC that day (../README.md)."""
    return datetime.combine(date.fromisoformat(day), time(12, 0), tzinfo=UTC)


def write_offline(target: Path = TARGET) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pki = build_pki(Path(tmp))
        export_trust_store(pki.authority, pki.trust_dir, passphrase=PASSPHRASE, at=AT)
        store = TrustStore.load(pki.trust_dir)
        assert store.trust_list is not None and store.trust_list.verified
        found = vectors(pki)
        # Non-ASCII text in a signed field: UTF-8 in the seal, \\u escapes nowhere.
        utf8 = seal_legalization(
            sample_legalization(signed_by="Jürgen Müller-Ñúñez", place="Köln"),
            pki.signers["LEG"],
            AT,
        )
        found.append(
            {
                "name": "legalization-utf8",
                "input": "text",
                "value": qr_text(utf8, CHECK_URL),
                "at": VALID_AT.date().isoformat(),
                "note": "legalization with non-ASCII names, as QR text",
            }
        )
        out = []
        for vector in found:
            value = vector["value"]
            data: bytes | str = bytes.fromhex(value) if vector["input"] == "hex" else value
            report = verify_seal(data, store, validation_time(vector["at"]))
            server = expected(report)
            browser = server
            if vector["name"] in NOT_READ_IN_BROWSER:
                codes = list(NOT_READ_IN_BROWSER[vector["name"]])
                browser = {"verdict": "INDETERMINATE", "codes": codes}
            out.append(
                {
                    "name": vector["name"],
                    "input": vector["input"],
                    "value": value,
                    "at": vector["at"],
                    **server,
                    "fields": profile_fields(report),
                    "browser": browser,
                    "note": vector.get("note", ""),
                }
            )
        trust = target / "trust"
        if trust.exists():
            shutil.rmtree(trust)
        shutil.copytree(pki.trust_dir, trust)
        root_der = pki.authority.root_certificate.public_bytes(serialization.Encoding.DER)
        manifest = {
            "description": "legalize offline-check vectors (browser and server); see offline.py",
            "trust_store": "trust",
            "root_certificate": f"{pki.authority.country}-root.crt",
            "root_sha256": hashlib.sha256(root_der).hexdigest(),
            "vectors": out,
        }
        (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    write_offline()
    print(f"wrote {TARGET}")
