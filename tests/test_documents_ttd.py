"""The TTD page: markers, QR, MRZ, fonts, metadata and the per-document rosette."""

from __future__ import annotations

import io
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pikepdf
import pytest

from legalize.documents import guilloche, layout, mrz, qr
from legalize.documents.errors import DocumentError, PhotoError
from legalize.documents.ttd import TtdData, print_pixels, render_ttd
from legalize.imaging.photo import PHOTO_PIXELS, photo_gray
from tests.helpers.support import need_tool

EXAMPLES = Path(__file__).parent.parent / "examples"
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
QR_TEXT = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 8
DATA = TtdData(
    document_number="T00012345",
    surname="Perera",
    given_names="Kumari Nirmala",
    birth_date=date(1988, 3, 14),
    place_of_birth="Kandy",
    sex="F",
    nationality="LKA",
    issue_date=date(2026, 11, 20),
    expiry_date=date(2026, 12, 20),
    issuing_post="Embassy of Sri Lanka, Rome",
    check_code="K7QX-4MRP-2WZD-9",
    personal_number="198857400123",
)


@pytest.fixture(scope="module")
def photo() -> bytes:
    return (EXAMPLES / "holder.jpg").read_bytes()


@pytest.fixture(scope="module")
def pdf(photo: bytes) -> bytes:
    return render_ttd(DATA, QR_TEXT, photo, AT)


def raster(pdf: bytes, dpi: int) -> np.ndarray:
    tool = need_tool("pdftoppm")
    out = subprocess.run(
        [tool, "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-singlefile", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(out)).convert("L"))


@pytest.fixture(scope="module")
def page150(pdf: bytes) -> np.ndarray:
    return raster(pdf, 150)


def test_four_aruco_markers_where_the_layout_puts_them(page150: np.ndarray) -> None:
    import cv2

    detector = cv2.aruco.ArucoDetector(
        cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50), cv2.aruco.DetectorParameters()
    )
    corners, ids, _ = detector.detectMarkers(page150)
    assert ids is not None
    found = {int(i): c.reshape(4, 2) for i, c in zip(ids.ravel(), corners, strict=True)}
    assert set(found) == {m.id for m in layout.TTD_MARKERS}
    px_per_mm = 150 / 25.4
    for marker in layout.TTD_MARKERS:
        centre = found[marker.id].mean(axis=0) / px_per_mm
        assert np.allclose(centre, marker.rect.centre, atol=1.0), (marker, centre)
        side = np.linalg.norm(found[marker.id][0] - found[marker.id][1]) / px_per_mm
        assert abs(side - layout.MARKER_SIZE) < 1.0


def test_qr_decodes_to_the_exact_text(page150: np.ndarray) -> None:
    import zxingcpp

    results = zxingcpp.read_barcodes(page150, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [r.text for r in results] == [QR_TEXT]
    assert results[0].ec_level == "M"


def test_qr_is_at_least_40_mm_wide() -> None:
    symbol = qr.encode(QR_TEXT)
    assert qr.module_size(symbol, layout.TTD_QR) * symbol.size >= 40.0


def test_fonts_are_embedded(pdf: bytes, tmp_path: Path) -> None:
    tool = need_tool("pdffonts")
    path = tmp_path / "ttd.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run([tool, str(path)], capture_output=True, text=True, check=True)
    rows = lines.stdout.splitlines()[2:]
    assert len(rows) >= 5
    names = " ".join(rows)
    for family in ("OCRB", "NotoSansSinhala", "NotoSansTamil", "NotoSans-Bold"):
        assert family in names
    for row in rows:
        emb = row.split()[-5]
        assert emb == "yes", row


def test_text_layer_holds_data_mrz_sinhala_and_tamil(pdf: bytes, tmp_path: Path) -> None:
    tool = need_tool("pdftotext")
    path = tmp_path / "ttd.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([tool, str(path), "-"], capture_output=True, text=True, check=True)
    out = text.stdout
    line1, line2 = DATA.mrz_lines()
    assert line1 in out and line2 in out
    assert "KUMARI NIRMALA" in out
    assert "VALID FOR A SINGLE JOURNEY TO SRI LANKA" in out
    assert "ශ්‍රී" in out or "ශ්රී" in out  # Sinhala, with or without the ZWJ
    assert "இலங்கை" in out


def test_mrz_on_the_page_is_valid() -> None:
    parsed = mrz.parse(DATA.mrz_lines())
    assert parsed.valid
    assert parsed.document_number == "T00012345"
    assert parsed.optional_data == "198857400123"


def test_catalog_metadata_and_output_intent(pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.Root.LegalizeSeal) == QR_TEXT
        assert "/LegalizeUnderlying" not in doc.Root
        xmp = doc.Root.Metadata.read_bytes().decode()
        assert "<pdfaid:part>2</pdfaid:part>" in xmp
        assert "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
        assert "T00012345" in xmp
        assert "T00012345" in str(doc.docinfo.Title)
        intent = doc.Root.OutputIntents[0]
        assert intent.S == "/GTS_PDFA1"
        assert intent.DestOutputProfile.read_bytes()[36:40] == b"acsp"
        assert len(doc.pages) == 1
        width, height = (float(v) for v in doc.pages[0].MediaBox[2:])
        assert abs(width - 595.28) < 0.1 and abs(height - 841.89) < 0.1


def test_rendering_is_stable_except_for_the_per_document_parts(photo: bytes) -> None:
    a = render_ttd(DATA, QR_TEXT, photo, AT)
    b = render_ttd(DATA, QR_TEXT, print_pixels(photo), AT)
    assert len(a) == len(b)  # bytes or pre-normalised array: same pixels


def test_rosette_is_deterministic_and_per_document() -> None:
    p1 = guilloche.rosette_params("T00012345")
    assert p1 == guilloche.rosette_params("T00012345")
    others = {guilloche.rosette_params(f"T{n:08d}") for n in range(40)}
    assert len({(p.lobes, p.counter, round(p.phase, 3)) for p in others}) == 40
    strands = guilloche.rosette(p1, (0.0, 0.0), 13.0)
    assert sum(len(s) for s in strands) < 600
    radius = np.hypot(*np.concatenate(strands).T)
    assert radius.max() <= 13.0 + 1e-9


def test_photo_normalisation_is_shared_by_print_and_hash(photo: bytes) -> None:
    pixels = print_pixels(photo)
    assert pixels.shape == (PHOTO_PIXELS[1], PHOTO_PIXELS[0], 3)
    gray = photo_gray(pixels)
    assert gray.shape == pixels.shape[:2] and gray.dtype == np.uint8
    assert np.array_equal(pixels, print_pixels(photo))


def test_exif_orientation_is_applied() -> None:
    from PIL import Image

    image = Image.new("RGB", (400, 300), "white")
    image.paste((0, 0, 0), (0, 0, 200, 300))  # left half black
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise for display
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    pixels = print_pixels(buf.getvalue())
    # displayed upright, the black half is at the top
    assert pixels[: pixels.shape[0] // 4].mean() < 60
    assert pixels[-pixels.shape[0] // 4 :].mean() > 200


@pytest.mark.parametrize(
    "bad",
    [b"", b"not an image", b"GIF89a" + b"\0" * 100, b"\x89PNG\r\n\x1a\n" + b"\0" * 50],
)
def test_bad_photos_are_refused(bad: bytes) -> None:
    with pytest.raises(PhotoError):
        print_pixels(bad)


def test_tiny_and_oversized_photos_are_refused() -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (50, 60)).save(buf, "PNG")
    with pytest.raises(PhotoError, match="too small"):
        print_pixels(buf.getvalue())
    buf = io.BytesIO()
    Image.new("1", (9000, 9000)).save(buf, "PNG")  # 81 Mpx, a few kB compressed
    with pytest.raises(PhotoError, match="too large"):
        print_pixels(buf.getvalue())


@pytest.mark.parametrize(
    ("change", "qr_text"),
    [
        ({}, "lower case is not alphanumeric"),
        ({"surname": "Петров"}, QR_TEXT),
        ({"document_number": "T0001234567"}, QR_TEXT),
        ({"place_of_birth": "カンディ"}, QR_TEXT),
    ],
)
def test_unprintable_data_raises_document_error(
    photo: bytes, change: dict[str, str], qr_text: str
) -> None:
    with pytest.raises(DocumentError):
        render_ttd(replace(DATA, **change), qr_text, photo, AT)  # type: ignore[arg-type]


def test_naive_time_is_refused(photo: bytes) -> None:
    with pytest.raises(DocumentError):
        render_ttd(DATA, QR_TEXT, photo, datetime(2026, 1, 1))


def test_short_and_overlong_qr_texts() -> None:
    short = qr.encode("HTTPS://X.EXAMPLE/V/ABC")
    assert qr.module_size(short, layout.TTD_QR) * short.size >= 40.0
    qr.qr_ops(short, layout.TTD_QR)
    with pytest.raises(qr.QrError):
        qr.qr_ops(qr.encode("A" * 1500), layout.TTD_QR)


def _drawn_rosette(number: str, shape: tuple[int, int], origin: tuple[float, float]) -> np.ndarray:
    import cv2

    px_per_mm = 150 / 25.4
    canvas = np.zeros(shape, np.uint8)
    r = layout.TTD_ROSETTE
    for strand in guilloche.document_rosette(number, r.centre, r.w / 2):
        pts = ((strand - np.array(origin)) * px_per_mm).round().astype(np.int32)
        cv2.polylines(canvas, [pts], isClosed=False, color=255, thickness=1)
    return cv2.GaussianBlur(canvas.astype(np.float32), (5, 5), 1.5)


def test_a_verifier_can_redraw_the_printed_rosette(page150: np.ndarray) -> None:
    px_per_mm = 150 / 25.4
    box = layout.TTD_ROSETTE.grown(1.0)
    x0, y0 = round(box.x * px_per_mm), round(box.y * px_per_mm)
    x1, y1 = round((box.x + box.w) * px_per_mm), round((box.y + box.h) * px_per_mm)
    ink = 255.0 - page150[y0:y1, x0:x1].astype(np.float32)  # dark strokes → high values

    def score(number: str) -> float:
        drawn = _drawn_rosette(number, ink.shape, (x0 / px_per_mm, y0 / px_per_mm))
        return float(np.corrcoef(ink.ravel(), drawn.ravel())[0, 1])

    genuine = score(DATA.document_number)
    others = [score(f"T{n:08d}") for n in range(5)]
    assert genuine > 0.5
    assert genuine > max(others) + 0.2


def test_pdf_version_is_1_7(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-1.7\n")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_long_values_shrink_to_fit_or_are_refused(photo: bytes, tmp_path: Path) -> None:
    long_names = replace(
        DATA,
        surname="Wickramasinghe Arachchige Don",
        given_names="Mudiyanselage Kamalasiri Bandara Jayawardena",
        place_of_birth="Anuradhapura",
    )
    pdf = render_ttd(long_names, QR_TEXT, photo, AT)
    tool = need_tool("pdftotext")
    path = tmp_path / "t.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        [tool, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "MUDIYANSELAGE KAMALASIRI BANDARA JAYAWARDENA" in out
    with pytest.raises(DocumentError, match="too long"):
        render_ttd(replace(DATA, given_names="Abcdefghij " * 9), QR_TEXT, photo, AT)


def test_background_and_template_are_built_once_and_shared(photo: bytes) -> None:
    from legalize.documents.background import security_background
    from legalize.documents.ttd import template

    assert security_background("ttd") is security_background("ttd")
    assert template() is template()

    def form_streams(pdf: bytes) -> set[bytes]:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            return {
                bytes(obj.read_raw_bytes())
                for obj in doc.objects
                if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Form"
            }

    a = form_streams(render_ttd(DATA, QR_TEXT, photo, AT))
    b = form_streams(render_ttd(replace(DATA, document_number="T99999999"), QR_TEXT, photo, AT))
    assert len(a) == 3  # background, microtext phrase, template
    assert a == b  # the very same compressed bytes in every document


def test_printed_photo_is_the_hashed_photo(page150: np.ndarray, photo: bytes) -> None:
    """The photo region of a 150 dpi raster matches photo_gray(print_pixels(...)):
    what the seal's photo hash is computed from is what the page shows."""
    from PIL import Image

    px_per_mm = 150 / 25.4
    r = layout.TTD_PHOTO
    region = page150[
        round(r.y * px_per_mm) : round((r.y + r.h) * px_per_mm),
        round(r.x * px_per_mm) : round((r.x + r.w) * px_per_mm),
    ]
    expected = photo_gray(print_pixels(photo))
    small = np.asarray(
        Image.fromarray(expected).resize((region.shape[1], region.shape[0]), Image.Resampling.BOX)
    )
    corr = np.corrcoef(region.ravel().astype(float), small.ravel().astype(float))[0, 1]
    assert corr > 0.97
    other = np.asarray(Image.fromarray(np.flipud(expected)).resize(small.shape[::-1]))
    assert np.corrcoef(region.ravel().astype(float), other.ravel().astype(float))[0, 1] < 0.8


def test_empty_optional_values_render(photo: bytes) -> None:
    """A host country may not know the place of birth; a mononymous holder has no given names."""
    data = replace(DATA, given_names="", place_of_birth="")
    pdf = render_ttd(data, QR_TEXT, photo, AT)
    assert pdf.startswith(b"%PDF-")
    assert data.mrz_lines()[0].startswith("PELKA")
