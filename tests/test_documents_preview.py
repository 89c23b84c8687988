"""PNG preview of page 1."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from legalize.documents.errors import DocumentError
from legalize.documents.preview import IssuedPreviews, preview_png


def a4_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595.28, 841.89))
    canvas.rect(100, 100, 200, 200, fill=1)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def test_preview_is_a_png_of_the_requested_width() -> None:
    png = preview_png(a4_pdf(), width=300)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.width == 300
    assert abs(image.height - 300 * 841.89 / 595.28) <= 1
    # the black square is drawn where the page has it (lower left)
    assert image.convert("L").getpixel((100, image.height - 100)) < 50
    assert image.convert("L").getpixel((10, 10)) > 200


@pytest.mark.parametrize(("data", "width"), [(b"not a pdf", 300), (a4_pdf(), 5), (a4_pdf(), 9999)])
def test_bad_input(data: bytes, width: int) -> None:
    with pytest.raises(DocumentError):
        preview_png(data, width)


def test_issued_previews_render_a_pdf_once_and_keep_the_latest() -> None:
    """Keyed by the PDF's SHA-256 and the width: the PDF is loaded and rendered on the first
    ask only; the least recently used goes first; a PDF that cannot be rendered is not kept."""
    pdf = a4_pdf()
    loads: list[str] = []

    def loader(name: str, data: bytes) -> Callable[[], bytes]:
        def load() -> bytes:
            loads.append(name)
            return data

        return load

    kept = IssuedPreviews(size=2)
    first = kept.png("A" * 64, 300, loader("a", pdf))
    assert kept.png("a" * 64, 300, loader("a", pdf)) == first == preview_png(pdf, 300)
    assert loads == ["a"]
    assert Image.open(io.BytesIO(kept.png("a" * 64, 200, loader("a200", pdf)))).width == 200
    kept.png("a" * 64, 300, loader("a", pdf))  # a/300 used last: a/200 is the oldest
    kept.png("b" * 64, 300, loader("b", pdf))
    assert len(kept) == 2 and loads == ["a", "a200", "b"]
    kept.png("a" * 64, 200, loader("a200", pdf))
    assert loads == ["a", "a200", "b", "a200"]
    for _ in range(2):
        with pytest.raises(DocumentError):
            kept.png("c" * 64, 300, loader("c", b"not a pdf"))
    assert loads[-2:] == ["c", "c"]
