"""The register's answer to a check, as checks of the verifier's report (DESIGN §2, §6).

The offline verifier knows only the seal (or the paper) in front of it; the register knows what
became of the document the seal names. :func:`check_seal` verifies the SCANNED seal against the
trust store and adds the register's answer as two more checks of the same
:class:`~verifier.report.Report`, so the one verdict rule (:func:`verifier.report.verdict_of`)
decides — no page or API view judges "genuine" or "valid" on its own:

* ``register.record`` — the register holds this very seal for the number it names (``OK``);
  ``DOCUMENT_NOT_IN_REGISTER`` for a seal of our state the register never issued;
  ``SEAL_NOT_IN_REGISTER`` when the register holds a different seal for that number (only a
  stolen signing key makes one); ``DOCUMENT_OF_ANOTHER_STATE`` (skipped, so the verdict stays
  INDETERMINATE) for a genuine seal of another state, whose own register alone can answer;
* ``register.status`` — :func:`status_check`: ``DOCUMENT_USED``, ``DOCUMENT_REVOKED``,
  ``DOCUMENT_EXPIRED`` or ``OK``.

The register is consulted only when the seal's signature verified: a forged seal must not
borrow the register's answer. "Same seal" compares what the signature covers (header and
message zone), not the signature: anyone can turn a genuine ECDSA signature (r, s) into
(r, n - s), which verifies just as well, and a compressed IDB can be re-compressed — neither is
a different seal.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from legalize.cases.views import DocumentView, document_by_pdf_hash, find_document
from legalize.kept import LatestKept
from legalize.kinds import DocumentType
from legalize.pki.devkeys import TRUST_DIR
from legalize.pki.trust import TrustStore, TrustStoreError
from legalize.registry import audit
from legalize.seal.errors import SealError
from legalize.seal.profiles import decode
from legalize.seal.qrtext import parse_qr_text, strip_url
from verifier.codes import Code
from verifier.report import Category, Check, Report, Status, fail, ok, skipped
from verifier.seal import SealReading, read_seal, report_at

RECORD: Final = "register.record"
STATUS: Final = "register.status"
ISSUED_PDF: Final = "register.pdf"

_CLOSED: Final[Mapping[str, tuple[Code, str]]] = {
    "used": (Code.DOCUMENT_USED, "This document has already been used"),
    "revoked": (Code.DOCUMENT_REVOKED, "The issuing authority has revoked this document"),
    "expired": (Code.DOCUMENT_EXPIRED, "The document has expired"),
}


def published_trust(keys_dir: Path) -> TrustStore | None:
    """The trust store the service publishes (``<keys_dir>/trust``: root, signer certificates,
    CRLs), or None when there is none to verify seals with."""
    try:
        return TrustStore.load(keys_dir / TRUST_DIR)
    except TrustStoreError:
        return None


TRUST_RECHECK_SECONDS: Final = 5.0
"""How often a running service looks whether the published trust store changed: a signer
revoked with ``legalize keys revoke`` (a new CRL in ``<keys>/trust``) is refused by every
worker within this time, without a restart. Looking costs a few ``stat`` calls."""


class PublishedTrust:
    """The trust store published in ``<keys_dir>/trust``, re-read when a file in it changes
    (name, size, modification time), looked at no more than every ``recheck_seconds``; None
    while there is none. One per process, shared by its threads (the web app, the task
    worker's photo checks).

    A writer replacing files while they are read (a CRL half written) cannot leave a stale
    store behind: the folder is looked at before and after reading it, and a read during
    which it changed is not taken as the folder's state, so the next look reads it again."""

    def __init__(
        self,
        keys_dir: Path,
        recheck_seconds: float = TRUST_RECHECK_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keys_dir = keys_dir
        self._recheck = recheck_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._looked_at: float | None = None
        self._seen: tuple[tuple[str, int, int], ...] | None = None
        self._store: TrustStore | None = None

    def store(self) -> TrustStore | None:
        now = self._clock()
        looked = self._looked_at
        if looked is not None and now - looked < self._recheck:
            return self._store
        with self._lock:
            if self._looked_at is not None and now - self._looked_at < self._recheck:
                return self._store  # another thread looked meanwhile
            files = _listing(self._keys_dir / TRUST_DIR)
            if files != self._seen:
                store = published_trust(self._keys_dir)
                unchanged = _listing(self._keys_dir / TRUST_DIR) == files
                self._store, self._seen = store, files if unchanged else None
            self._looked_at = now
            return self._store


def _listing(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Every file under ``folder`` with its size and modification time (ns); () when there is
    no folder."""
    found: list[tuple[str, int, int]] = []
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            try:
                st = os.stat(path)
            except OSError:
                continue  # removed while listed: the next look sees the folder as it is
            found.append((os.path.relpath(path, folder), st.st_size, st.st_mtime_ns))
    return tuple(sorted(found))


def sealed_number(data: Mapping[str, Any]) -> str | None:
    """The document number a verified seal's fields name, if any."""
    number = data.get("document_number") or data.get("number")
    return number.strip().upper() if isinstance(number, str) and number.strip() else None


def same_seal(stored_text: str | None, scanned_text: str) -> bool:
    """Whether two QR texts carry the same signed content (the bytes the signature covers)."""
    if not stored_text:
        return False
    if strip_url(stored_text) == strip_url(scanned_text):
        return True  # one text decodes to one seal (the link's path is the QR's payload)
    try:
        stored = decode(parse_qr_text(stored_text))
        given = decode(parse_qr_text(scanned_text))
    except SealError:
        return False
    return type(stored) is type(given) and stored.signed_bytes == given.signed_bytes


class SealReadings:
    """The offline reading of the seals checked lately (:func:`verifier.seal.read_seal`:
    decoding, profile, signer lookup and ECDSA verification), at most ``size`` of them, the
    least recently used dropped first; shared by the threads of one process.

    Keyed by the seal text and the trust store's :attr:`~legalize.pki.trust.TrustStore.version`,
    so another trust store never sees a reading made against this one. Only genuine seals
    (the signature verified) are kept: a forger's stream of made-up seals cannot push the
    genuine ones out, and a forged seal is verified afresh every time. What depends on the
    time — the signer's validity and revocation, the document's expiry — and the register's
    answer are never cached (:func:`verifier.seal.report_at`, :func:`check_seal`)."""

    def __init__(self, size: int = 2048) -> None:
        self._kept: LatestKept[tuple[str, str], SealReading] = LatestKept(size)

    def read(self, seal_text: str, trust: TrustStore) -> SealReading:
        key = (seal_text, trust.version)
        found = self._kept.get(key)
        if found is not None:
            return found
        reading = read_seal(seal_text, trust)
        if reading.genuine:
            self._kept.put(key, reading)
        return reading

    def __len__(self) -> int:
        return len(self._kept)


def check_seal(
    session: Session | Connection,
    seal_text: str,
    trust: TrustStore,
    at: datetime,
    *,
    issuing_country: str,
    readings: SealReadings | None = None,
) -> Report:
    """The report on the scanned ``seal_text`` at ``at``: the offline verification and the
    register's two checks. ``issuing_country``: the state whose register this is (a genuine
    seal of another state is not ours to answer for). Never raises for bad input; the read
    transaction is left to the caller."""
    return seal_answer(
        session, seal_text, trust, at, issuing_country=issuing_country, readings=readings
    )[0]


def seal_answer(
    session: Session | Connection,
    seal_text: str,
    trust: TrustStore,
    at: datetime,
    *,
    issuing_country: str,
    readings: SealReadings | None = None,
) -> tuple[Report, DocumentView | None]:
    """:func:`check_seal`'s report and the register's document the seal names, when the
    register holds this very seal (so a caller need not look it up again). ``readings``: a
    cache of offline readings (:class:`SealReadings`); the register is read every time."""
    reading = (
        readings.read(seal_text, trust) if readings is not None else read_seal(seal_text, trust)
    )
    offline = report_at(reading, trust, at)
    signature = offline.check("seal.signature")
    if signature is None or signature.status is not Status.VALID:
        why = "The seal's signature did not verify: the register is not consulted."
        checks = [skipped(RECORD, Category.BINDING, why), skipped(STATUS, Category.STATUS, why)]
        return Report.of([*offline.checks, *checks], offline.data), None
    record, doc = _record_check(session, seal_text, offline.data, issuing_country)
    if doc is None or record.status is not Status.VALID:
        status = skipped(STATUS, Category.STATUS, "The register holds no record of this seal.")
        found = None
    else:
        status = register_status(doc, at)
        found = doc
    return Report.of([*offline.checks, record, status], offline.data), found


def _record_check(
    session: Session | Connection, seal_text: str, data: Mapping[str, Any], issuing_country: str
) -> tuple[Check, DocumentView | None]:
    number = sealed_number(data)
    state = data.get("issuing_country")
    if state != issuing_country:
        return skipped(
            RECORD,
            Category.BINDING,
            f"The seal was issued by {state}: only that state's register can tell the "
            "document's status.",
            Code.DOCUMENT_OF_ANOTHER_STATE,
            issuing_country=state,
        ), None
    doc = find_document(session, number) if number is not None else None
    facts: dict[str, Any] = {"number": number}
    if doc is None or DocumentType.of_profile(str(data.get("profile"))) != doc.type:
        return fail(
            RECORD,
            Category.BINDING,
            Code.DOCUMENT_NOT_IN_REGISTER,
            f"The register holds no document {number} of this kind.",
            facts,
        ), None
    if not same_seal(doc.seal_text, seal_text):
        return fail(
            RECORD,
            Category.BINDING,
            Code.SEAL_NOT_IN_REGISTER,
            f"The register holds a different seal for document {number}: report this document "
            "to the issuing authority.",
            facts,
        ), doc
    return ok(RECORD, Category.BINDING, f"The register issued {number}.", facts, type=doc.type), doc


def _use_time(doc: DocumentView) -> dict[str, Any]:
    return {"used_at": doc.status_changed_at.strftime("%Y-%m-%d %H:%M UTC")}


def _use(session: Session, doc: DocumentView, with_port: bool) -> dict[str, Any]:
    """When (and, if asked and the clearance said so, where) the document was used."""
    facts = _use_time(doc)
    if not with_port:
        return facts
    for entry in reversed(audit.entries_for(session, "case", doc.case_id)):
        if entry.action == "document.used":
            port = entry.details_dict.get("port")
            if isinstance(port, str) and port:
                facts["port"] = port
            break
    return facts


def status_check(
    session: Session, doc: DocumentView, at: datetime, *, with_port: bool = True
) -> Check:
    """The register's status of ``doc`` at ``at`` as a check. ``with_port``: say where a used
    TTD was cleared (staff screens; the public answer does not tell where a holder travelled)."""
    return register_status(doc, at, _use(session, doc, with_port) if doc.status == "used" else None)


def register_status(
    doc: DocumentView, at: datetime, used: Mapping[str, Any] | None = None
) -> Check:
    """:func:`status_check` without the database: ``used`` are the facts of a used
    document's clearance (:func:`_use`); without them only its time is told, never the port."""
    name, category = STATUS, Category.STATUS
    if doc.status in _CLOSED:
        code, message = _CLOSED[doc.status]
        facts: dict[str, Any] = {"status": doc.status}
        if doc.status == "used":
            facts.update(used or _use_time(doc))
            message += f" (cleared {facts['used_at']}" + (
                f" at {facts['port']})" if "port" in facts else ")"
            )
        elif doc.status == "revoked":
            message += f" ({doc.status_changed_at.strftime('%Y-%m-%d')})"
        return fail(name, category, code, message + ".", facts)
    if doc.status != "issued":
        return fail(
            name,
            category,
            Code.DOCUMENT_REVOKED,
            f"The register holds the document as {doc.status}, not as issued.",
            {"status": doc.status},
        )
    if doc.expires_on is not None and at.date() > doc.expires_on:
        return fail(
            name,
            category,
            Code.DOCUMENT_EXPIRED,
            f"The document expired on {doc.expires_on.isoformat()}.",
            {"status": doc.status, "expiry_date": doc.expires_on.isoformat()},
        )
    return ok(
        name,
        category,
        "The register holds the document as issued"
        + (", not used." if doc.type == DocumentType.TTD else ", not revoked."),
        {"status": doc.status},
    )


def check_pdf_copy(session: Session, pdf: bytes, report: Report, at: datetime) -> Report:
    """``report`` (``verify_pdf`` on ``pdf``) with the register's comparison added:
    ``register.pdf`` — ``OK`` when ``pdf`` is byte for byte the PDF we issued (its SHA-256 is
    the register's); ``DOCUMENT_MISMATCH`` when the seal names one of our documents but the file
    is another (changed after issuance: the message names the verifier's failed integrity and
    binding checks, which say what changed); ``DOCUMENT_NOT_IN_REGISTER`` otherwise — and the
    register's status of the document. The read transaction is left to the caller."""
    digest = hashlib.sha256(pdf).hexdigest()
    doc = document_by_pdf_hash(session, digest)
    if doc is not None:
        copy = ok(
            ISSUED_PDF,
            Category.BINDING,
            f"Exactly the document we issued as {doc.number}.",
            {"number": doc.number, "sha256": digest},
        )
        return Report.of(
            [*report.checks, copy, status_check(session, doc, at, with_port=False)], report.data
        )
    number = sealed_number(report.data)
    doc = find_document(session, number) if number is not None else None
    if doc is None:
        missing = fail(
            ISSUED_PDF,
            Category.BINDING,
            Code.DOCUMENT_NOT_IN_REGISTER,
            "The register holds no document this file could be.",
            {"sha256": digest, "number": number},
        )
        why = "The register holds no record of this file."
        return Report.of(
            [*report.checks, missing, skipped(STATUS, Category.STATUS, why)], report.data
        )
    changes = [
        c
        for c in report.checks
        if c.status in (Status.INVALID, Status.ERROR)
        and c.category in (Category.INTEGRITY, Category.BINDING)
    ]
    what = "; ".join(c.message for c in changes) or "its bytes differ from the file issued."
    changed = fail(
        ISSUED_PDF,
        Category.BINDING,
        Code.DOCUMENT_MISMATCH,
        f"Changed after issuance: this is not the PDF we issued as {doc.number}. {what}",
        {"number": doc.number, "sha256": digest, "changes": [c.name for c in changes]},
    )
    return Report.of(
        [*report.checks, changed, status_check(session, doc, at, with_port=False)], report.data
    )
