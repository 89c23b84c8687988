"""The fixed-features reference page matches the fixed parts of a real document."""

from __future__ import annotations

import io
import subprocess

import numpy as np
import pytest
from PIL import Image

from legalize.documents import layout
from legalize.documents.errors import DocumentError
from legalize.documents.reference import reference_page
from tests.helpers.support import need_tool


def raster(pdf: bytes) -> np.ndarray:
    out = subprocess.run(
        [need_tool("pdftoppm"), "-r", "100", "-gray", "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return np.asarray(Image.open(io.BytesIO(out)).convert("L")).astype(np.int16)


def test_reference_shows_the_fixed_features_of_a_ttd() -> None:
    from legalize.documents.ttd import render_ttd
    from tests.test_documents_ttd import AT, DATA, EXAMPLES, QR_TEXT

    ref = raster(reference_page("ttd"))
    doc = raster(render_ttd(DATA, QR_TEXT, (EXAMPLES / "holder.jpg").read_bytes(), AT))
    assert ref.shape == doc.shape
    px = 100 / 25.4
    for rect in (layout.TTD_FINE_LINES, layout.TTD_MICROTEXT.grown(1.0), layout.TTD_VALIDITY):
        y0, y1 = round(rect.y * px), round((rect.y + rect.h) * px)
        x0, x1 = round(rect.x * px), round((rect.x + rect.w) * px)
        a, b = ref[y0:y1, x0:x1], doc[y0:y1, x0:x1]
        assert a.std() > 5  # something is drawn there
        assert np.abs(a - b).mean() < 1.0  # and it is exactly what the document shows


def test_unknown_kind() -> None:
    with pytest.raises(DocumentError):
        reference_page("passport")
