"""An issued charter flight, as one download: every valid TTD of the batch as a PDF, and the
passenger manifest as CSV (for the host country's and the airline's systems) and as a
printable PDF (for the escort and the check-in desk).

Only documents still good for the journey are in it: a TTD used, expired or revoked, or a case
not issued, is counted as "not listed" and named nowhere. The manifest carries the least data
the receivers need (:mod:`legalize.documents.manifest`). Handing over personal data is
audited (``batch.flight_exported``, with counts only).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize import countries
from legalize.cases import common
from legalize.cases.errors import InvalidTransition, NotFound
from legalize.cases.rules import Action, Actor, require_role
from legalize.documents.manifest import Manifest, ManifestRow, render_manifest
from legalize.kinds import CaseState
from legalize.phrases import P_
from legalize.registry import audit
from legalize.registry.models import Batch, Case, Document, Person

MANIFEST_COLUMNS = (
    "case_reference",
    "surname",
    "given_names",
    "birth_date",
    "nationality",
    "document_number",
    "valid_from",
    "valid_until",
    "pdf_file",
)


@dataclass(frozen=True)
class FlightPackage:
    filename: str
    """E.g. ``flight-DEU-CHARTER-7.zip`` (ASCII)."""
    data: bytes
    """The ZIP."""
    listed: int
    """Passengers in the manifest (= TTD PDFs in the ZIP)."""
    not_listed: int
    """Cases of the batch without a valid TTD."""


def _ascii(text: str) -> str:
    """A file-name part: ASCII letters, digits and hyphens."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-") or "x"


def _cell(value: str) -> str:
    """A spreadsheet reads a cell starting with = + - @ as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def flight_package(
    session: Session,
    actor: Actor,
    batch_id: int,
    at: datetime,
    *,
    issuing_country: str = "LKA",
) -> FlightPackage:
    """The ZIP of an issued batch; InvalidTransition (``NOTHING_ISSUED``) while no TTD of it is
    valid. Records who took the personal data out, in the audit log."""
    common.check_time(at)
    require_role(actor, Action.EXPORT_FLIGHT)
    with common.unit_of_work(session):
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise NotFound(f"no batch {batch_id}", field="batch_id")
        total = len(list(session.scalars(select(Case.id).where(Case.batch_id == batch_id))))
        found = session.execute(
            select(Case, Person, Document)
            .join(Person, Case.person_id == Person.id)
            .join(Document, Document.case_id == Case.id)
            .where(Case.batch_id == batch_id)
            .where(Document.status == CaseState.ISSUED.value)
            .order_by(Person.surname, Person.given_names, Case.batch_line)
        ).all()
        if not found:
            raise InvalidTransition(
                P_("no travel document of this batch is issued and valid yet"),
                field="batch_id",
                code="NOTHING_ISSUED",
            )
        rows = tuple(
            ManifestRow(
                surname=p.surname,
                given_names=p.given_names,
                birth_date=p.birth_date,
                nationality=p.nationality,
                document_number=d.number,
                valid_from=d.issued_on,
                valid_until=d.expires_on,
                reference=f"{c.host_country} {c.host_reference}" if c.host_reference else "",
            )
            for c, p, d in found
        )
        pdfs = [(f"ttd/{d.number}-{_ascii(p.surname).upper()}.pdf", d.pdf) for _c, p, d in found]
        title = f"charter flight {batch.host_country} {batch.reference}"
        manifest = Manifest(
            title=title,
            host_country=f"{countries.name(batch.host_country)} ({batch.host_country})",
            issuing_country=countries.name(issuing_country),
            generated_at=at,
            rows=rows,
            not_listed=total - len(rows),
        )
        audit.append(
            session,
            actor=actor.id,
            action="batch.flight_exported",
            subject_type="batch",
            subject_id=batch_id,
            at=at,
            details={"documents": len(rows), "not_listed": total - len(rows)},
        )
        stem = f"flight-{_ascii(batch.host_country)}-{_ascii(batch.reference)}"
    # Rendering and zipping outside the transaction: the audit entry is committed first, so a
    # download is never handed out unrecorded.
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{stem}/manifest.csv", manifest_csv(rows, [name for name, _ in pdfs]))
        z.writestr(f"{stem}/manifest.pdf", render_manifest(manifest))
        for name, pdf in pdfs:
            # PDFs are compressed already: stored, not deflated again
            z.writestr(f"{stem}/{name}", pdf, compress_type=zipfile.ZIP_STORED)
    return FlightPackage(f"{stem}.zip", out.getvalue(), len(rows), total - len(rows))


def manifest_csv(rows: tuple[ManifestRow, ...], pdf_files: list[str]) -> bytes:
    """The manifest as CSV: UTF-8 with a BOM, dates YYYY-MM-DD, one passenger a line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    for r, pdf in zip(rows, pdf_files, strict=True):
        writer.writerow(
            [
                _cell(r.reference),
                _cell(r.surname.upper()),
                _cell(r.given_names),
                r.birth_date.isoformat(),
                r.nationality,
                r.document_number,
                r.valid_from.isoformat(),
                r.valid_until.isoformat() if r.valid_until else "",
                pdf,
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")
