"""PNG preview of page 1."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from legalize.documents.errors import DocumentError
from legalize.documents.preview import preview_png


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
