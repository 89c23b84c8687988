"""A reference page of the fixed features only, for the image verifier.

The verifier checks that the fixed security features (microtext line, fine-line band,
guilloche, markers, fixed wording) stand where :mod:`layout` puts them. Rasterizing
:func:`reference_page` gives it the expected appearance of those regions, drawn by the very
same cached forms every document uses (no holder data, photo, rosette, QR or MRZ).
"""

from __future__ import annotations

import io

from reportlab.pdfgen.canvas import Canvas

from . import legalization, ttd
from .background import KINDS, security_background
from .errors import DocumentError
from .fonts import SUBSET_LOCK, register
from .layout import MM, PAGE_HEIGHT, PAGE_WIDTH


def reference_page(kind: str) -> bytes:
    """A one-page PDF with the background and template of ``kind`` ("ttd" or "legalization")."""
    if kind not in KINDS:
        raise DocumentError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer, pagesize=(PAGE_WIDTH * MM, PAGE_HEIGHT * MM), initialFontName=register().sans
    )
    canvas.doForm(security_background(kind).attach(canvas))
    template = ttd.template().form if kind == "ttd" else legalization.template()
    canvas.doForm(template.attach(canvas))
    canvas.showPage()
    with SUBSET_LOCK:  # reportlab's font subsetting is not thread-safe
        canvas.save()
    return buffer.getvalue()
