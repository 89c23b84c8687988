"""The legalization: certificate page, attached underlying document, catalog contract."""

from __future__ import annotations

import hashlib
import io
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from legalize.documents import layout
from legalize.documents.errors import DocumentError
from legalize.documents.legalization import LegalizationData, render_legalization
from legalize.documents.sanitize import SanitizedDocument, sanitize_underlying
from tests.helpers.support import need_tool

AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
QR_TEXT = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/" + "QRSTUVWXYZ234567ABCDEFGHIJKLMNOP" * 8
DATA = LegalizationData(
    number="L2026000123",
    country="Democratic Socialist Republic of Sri Lanka",
    signed_by="ආර්. ඒ. පෙරේරා (R. A. Perera)",
    capacity="Additional District Registrar, Colombo",
    seal_of="Registrar General's Department",
    place="Colombo",
    date=date(2026, 11, 20),
    certified_by="Consular Affairs Division, Ministry of Foreign Affairs",
    check_code="K7QX-4MRP-2WZD-9",
    document_title="Birth certificate No. 4711",
)


def text_pdf(pages: int = 2) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842))
    for n in range(pages):
        canvas.setFont("Helvetica", 16)  # not embedded: the PDF/A claim must be dropped
        canvas.drawString(72, 760, f"BIRTH CERTIFICATE page {n + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


@pytest.fixture(scope="module")
def underlying() -> SanitizedDocument:
    return sanitize_underlying(text_pdf(), "birth.pdf")


@pytest.fixture(scope="module")
def pdf(underlying: SanitizedDocument) -> bytes:
    return render_legalization(DATA, QR_TEXT, underlying, AT)


def raster_page1(pdf: bytes, dpi: int = 150) -> np.ndarray:
    tool = need_tool("pdftoppm")
    out = subprocess.run(
        [tool, "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    return np.asarray(Image.open(io.BytesIO(out)).convert("L"))


def test_catalog_carries_the_exact_underlying_bytes_and_the_seal(
    pdf: bytes, underlying: SanitizedDocument
) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        stored = doc.Root.LegalizeUnderlying.read_bytes()
        assert stored == underlying.pdf
        assert hashlib.sha256(stored).hexdigest() == underlying.sha256
        assert isinstance(doc.Root.LegalizeSeal, pikepdf.String)
        assert str(doc.Root.LegalizeSeal) == QR_TEXT
        assert len(doc.pages) == 1 + underlying.pages
        assert "L2026000123" in str(doc.docinfo.Title)


def test_markers_and_qr_on_the_certificate(pdf: bytes) -> None:
    import cv2
    import zxingcpp

    page = raster_page1(pdf)
    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    corners, ids, _ = detector.detectMarkers(page)
    assert ids is not None
    found = {
        int(i): c.reshape(4, 2).mean(axis=0) for i, c in zip(ids.ravel(), corners, strict=True)
    }
    assert set(found) == {m.id for m in layout.LEGALIZATION_MARKERS}
    for marker in layout.LEGALIZATION_MARKERS:
        assert np.allclose(found[marker.id] / (150 / 25.4), marker.rect.centre, atol=1.0)
    results = zxingcpp.read_barcodes(page, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == [QR_TEXT]


def test_trilingual_text_layer(pdf: bytes, tmp_path: Path) -> None:
    tool = need_tool("pdftotext")
    path = tmp_path / "l.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [tool, "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    for english in ("has been signed by", "acting in the capacity of", "bears the seal/stamp of"):
        assert english in out
    assert "නීතිගත" in out  # Sinhala title
    assert "சான்றிதழ்" in out  # Tamil title
    assert "පෙරේරා" in out  # the Sinhala value, shaped and extractable
    assert "Registrar General's Department" in out
    text = subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True)
    assert "BIRTH CERTIFICATE page 2" in text.stdout  # the attached pages follow


def test_fonts_of_our_page_are_embedded(pdf: bytes, tmp_path: Path) -> None:
    tool = need_tool("pdffonts")
    path = tmp_path / "l.pdf"
    path.write_bytes(pdf)
    rows = subprocess.run(
        [tool, "-f", "1", "-l", "1", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert rows
    assert all(row.split()[-5] == "yes" for row in rows)


def test_pdfa_claim_only_when_all_fonts_are_embedded(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert b"pdfaid:part" not in doc.Root.Metadata.read_bytes()  # Helvetica underlying
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), "white").save(buf, "JPEG")
    scan = sanitize_underlying(buf.getvalue(), "scan.jpg")
    with pikepdf.open(io.BytesIO(render_legalization(DATA, QR_TEXT, scan, AT))) as doc:
        assert b"<pdfaid:part>2</pdfaid:part>" in doc.Root.Metadata.read_bytes()
        assert len(doc.pages) == 2


def test_latin_only_values(underlying: SanitizedDocument, tmp_path: Path) -> None:
    latin = replace(DATA, signed_by="Renée Åberg-Perera")
    path = tmp_path / "l.pdf"
    path.write_bytes(render_legalization(latin, QR_TEXT, underlying, AT))
    tool = need_tool("pdftotext")
    out = subprocess.run(
        [tool, "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Renée Åberg-Perera" in out


@pytest.mark.parametrize(
    ("change", "qr_text"),
    [
        ({"signed_by": "  "}, QR_TEXT),
        ({}, "not alphanumeric"),
    ],
)
def test_bad_input(underlying: SanitizedDocument, change: dict[str, str], qr_text: str) -> None:
    with pytest.raises(DocumentError):
        render_legalization(replace(DATA, **change), qr_text, underlying, AT)  # type: ignore[arg-type]


def test_long_values_shrink_or_are_refused(underlying: SanitizedDocument) -> None:
    long = replace(
        DATA,
        capacity="Additional District Registrar of Births, Marriages and Deaths, "
        "Colombo Divisional Secretariat, Western Province",
        document_title="Certified extract of the register of births, entry 1988/03/0412",
    )
    pdf = render_legalization(long, QR_TEXT, underlying, AT)
    assert pdf.startswith(b"%PDF-1.7")
    with pytest.raises(DocumentError, match="too long"):
        render_legalization(replace(DATA, capacity="Registrar " * 40), QR_TEXT, underlying, AT)
