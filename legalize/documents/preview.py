"""PNG preview of a page of a PDF we made or sanitized (the staff pages, the web check, a
legalization's underlying pages for the reviewer) — never of an applicant's upload as
received: that is sanitized first (legalize.documents.sanitize).

Rendered with PDFium (pypdfium2): measured on this machine for our TTD page at 72 dpi,
about 150 ms per preview including PNG encoding, against about 660 ms for poppler's
pdftoppm (which also pays a process start). PDFium is not thread-safe, so renders are
serialised with the process's one PDFium lock (``legalize.imaging.decode.PDFIUM_LOCK``, which
the image decoder's PDF pages hold too).
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium

from legalize.imaging.decode import PDFIUM_LOCK

from .errors import DocumentError

MAX_WIDTH = 2400


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Width and height of every page of ``pdf``, in points."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise DocumentError(f"cannot open the PDF for a preview: {exc}") from exc
        try:
            return [document.get_page_size(i) for i in range(len(document))]
        finally:
            document.close()


def preview_png(pdf: bytes, width: int = 600, page_index: int = 0) -> bytes:
    """Page ``page_index`` (0: the first) of ``pdf`` as a PNG ``width`` pixels wide (aspect
    ratio kept)."""
    if not 16 <= width <= MAX_WIDTH:
        raise DocumentError(f"preview width must be 16 to {MAX_WIDTH} pixels")
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(pdf)
        except pdfium.PdfiumError as exc:
            raise DocumentError(f"cannot open the PDF for a preview: {exc}") from exc
        try:
            if len(document) == 0:
                raise DocumentError("the PDF has no pages")
            if not 0 <= page_index < len(document):
                raise DocumentError(f"the PDF has no page {page_index + 1}")
            page = document[page_index]
            scale = width / page.get_width()
            image = page.render(scale=scale).to_pil()
            page.close()
        finally:
            document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()
