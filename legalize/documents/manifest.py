"""The passenger manifest of a charter flight: a printable list of the temporary travel
documents issued for one batch, for the host country's escort and the airline's check-in.

It carries the least data they need to match a passenger to a document — name, birth date,
nationality, document number, validity and the host country's case reference — and nothing
else (no NIC number, no photo, no check code: the TTD itself carries those). A plain A4
landscape table in Noto Sans, embedded; not signed (the TTDs are).
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from .fonts import NOTO_DIR, SUBSET_LOCK, FontError, register

BOLD = "LzSansBold"
_bold_lock = threading.Lock()


@dataclass(frozen=True)
class ManifestRow:
    """One passenger: what the airline and the host country need, no more."""

    surname: str
    given_names: str
    birth_date: date
    nationality: str
    """ICAO code."""
    document_number: str
    valid_from: date
    valid_until: date | None
    reference: str
    """The host country's case reference."""


@dataclass(frozen=True)
class Manifest:
    title: str
    """E.g. "Charter flight DEU CHARTER-2026-11-20"."""
    host_country: str
    """Name of the host country."""
    issuing_country: str
    """Name of the state that issued the documents."""
    generated_at: datetime
    rows: tuple[ManifestRow, ...]
    not_listed: int = 0
    """Cases of the batch without a valid TTD (not issued, refused, used, revoked …)."""


def _bold() -> str:
    with _bold_lock:
        if BOLD not in pdfmetrics.getRegisteredFontNames():
            path = NOTO_DIR / "NotoSans-Bold.ttf"
            if not path.is_file():
                raise FontError(f"font not installed: {path} (install Debian fonts-noto-core)")
            pdfmetrics.registerFont(TTFont(BOLD, str(path)))
    return BOLD


def _when(d: date | None) -> str:
    return d.strftime("%d %b %Y").upper() if d else "—"


def render_manifest(manifest: Manifest) -> bytes:
    """The manifest as a PDF (A4 landscape, as many pages as the list needs)."""
    regular, bold = register().sans, _bold()
    body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11)
    head = ParagraphStyle("head", fontName=bold, fontSize=15, leading=19)
    note = ParagraphStyle("note", fontName=regular, fontSize=8.5, leading=11)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=16 * mm,
        title=f"Passenger manifest — {manifest.title}",
        author=manifest.issuing_country,
    )
    header: list[object] = [
        "No.",
        "Surname",
        "Given names",
        "Date of birth",
        "Nationality",
        "Document number",
        "Valid from",
        "Valid until",
        "Case reference",
    ]
    data: list[list[object]] = [header]
    for n, r in enumerate(manifest.rows, start=1):
        data.append(
            [
                str(n),
                Paragraph(_escape(r.surname.upper()), body),
                Paragraph(_escape(r.given_names), body),
                _when(r.birth_date),
                r.nationality,
                r.document_number,
                _when(r.valid_from),
                _when(r.valid_until),
                Paragraph(_escape(r.reference), body),
            ]
        )
    widths = [10, 42, 52, 26, 22, 32, 24, 24, 37]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), bold, 9),
                ("FONT", (0, 1), (-1, -1), regular, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde3ee")),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f6fa")]),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a94a6")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("FONT", (5, 1), (5, -1), bold, 9.5),
            ]
        )
    )
    count = len(manifest.rows)
    summary = (
        f"Host country: {_escape(manifest.host_country)}. "
        f"Issued by {_escape(manifest.issuing_country)}. "
        f"{count} passenger{'' if count == 1 else 's'} with a valid single-journey temporary "
        "travel document."
    )
    if manifest.not_listed == 1:
        summary += " One further case of this batch holds no valid document and is not listed."
    elif manifest.not_listed:
        summary += (
            f" {manifest.not_listed} further cases of this batch hold no valid document and are"
            " not listed."
        )
    story = [
        Paragraph(f"Passenger manifest — {_escape(manifest.title)}", head),
        Paragraph(summary, note),
        Spacer(1, 4 * mm),
        table,
    ]
    stamp = manifest.generated_at.strftime("%d %b %Y %H:%M UTC").upper()

    def footer(canvas: Canvas, _doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(
            14 * mm,
            9 * mm,
            f"Generated {stamp}. Each TTD carries a digital seal: verify it by its QR code.",
        )
        canvas.drawRightString(landscape(A4)[0] - 14 * mm, 9 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    with SUBSET_LOCK:  # reportlab subsets the shared font files while saving
        doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _escape(text: str) -> str:
    """Paragraph text is a small markup language: a name must not be read as a tag."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
