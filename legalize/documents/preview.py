"""PNG preview of a page of a PDF we made or sanitized (the staff pages, the web check, a
legalization's underlying pages for the reviewer) — never of an applicant's upload as
received: that is sanitized first (legalize.documents.sanitize).

Rendered in process with PDFium (pypdfium2), the one way the service makes page previews:
for our TTD page at 496 px it took a median 107 ms against 349 ms for poppler's pdftoppm in
a subprocess (measured side by side, issue 9; docs/documents.md has the bench figure). What
is previewed is our own or sanitized output, so the process boundary pdftoppm gave bought
nothing against hostile input. PDFium is not thread-safe, so renders are serialised with the
process's one PDFium lock (``legalize.imaging.decode.PDFIUM_LOCK``, which the image decoder's
PDF pages hold too).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pypdfium2 as pdfium

from legalize.imaging.decode import PDFIUM_LOCK
from legalize.kept import LatestKept

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


class IssuedPreviews:
    """First-page previews of issued PDFs, the last ``size`` kept per process and keyed by
    the PDF's SHA-256 and the width: an issued PDF never changes, so a kept preview never goes
    stale. The check by number and check code shows a legalization's certificate page, whose
    rendering cost about 80 ms of CPU on every check (``bench/webcheck.sh``'s machine)."""

    def __init__(self, size: int = 32) -> None:
        self._kept: LatestKept[tuple[str, int], bytes] = LatestKept(size)

    def png(self, sha256: str, width: int, load: Callable[[], bytes]) -> bytes:
        """The preview of the PDF whose SHA-256 is ``sha256``; ``load`` gives the PDF, called
        only when the preview is not kept. A PDF that cannot be rendered raises
        :class:`DocumentError` every time (nothing is kept for it)."""
        key = (sha256.lower(), width)
        found = self._kept.get(key)
        if found is None:
            found = preview_png(load(), width)
            self._kept.put(key, found)
        return found

    def __len__(self) -> int:
        return len(self._kept)
