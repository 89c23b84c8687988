"""The underlying-document sanitizer against hostile inputs."""

from __future__ import annotations

import hashlib
import io
import zlib
from collections.abc import Callable

import pikepdf
import pytest
from PIL import Image
from reportlab.pdfgen.canvas import Canvas

from legalize.documents import sanitize
from legalize.documents.errors import UnderlyingDocumentError
from legalize.documents.sanitize import sanitize_underlying

DANGER = (b"/JavaScript", b"/JS", b"/AcroForm", b"/Annots", b"/EmbeddedFile", b"/OpenAction")


def base_pdf(pages: int = 1) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842))
    for n in range(pages):
        canvas.setFont("Helvetica", 14)
        canvas.drawString(72, 760, f"CERTIFICATE OF BIRTH page {n + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def modify(edit: Callable[[pikepdf.Pdf], None], pages: int = 1) -> bytes:
    with pikepdf.open(io.BytesIO(base_pdf(pages))) as pdf:
        edit(pdf)
        out = io.BytesIO()
        # keep streams as the edit encoded them (qpdf would otherwise re-encode them)
        pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none)
        return out.getvalue()


def with_javascript(pdf: pikepdf.Pdf) -> None:
    js = pdf.make_indirect(
        pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
    )
    pdf.Root.OpenAction = js
    pdf.Root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), js]))
    )
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=js)


def with_form(pdf: pikepdf.Pdf) -> None:
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Widget,
            FT=pikepdf.Name.Tx,
            T=pikepdf.String("name"),
            V=pikepdf.String("FORGED NAME"),
            Rect=[72, 700, 300, 720],
            P=pdf.pages[0].obj,
        )
    )
    pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([field]))
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array([field]), XFA=pdf.make_stream(b"<xdp/>")
    )


def with_annotation(pdf: pikepdf.Pdf) -> None:
    appearance = pdf.make_stream(b"1 1 1 rg 0 0 300 30 re f 0 g BT /F1 12 Tf 5 10 Td (VOID) Tj ET")
    appearance.Type = pikepdf.Name.XObject
    appearance.Subtype = pikepdf.Name.Form
    appearance.BBox = [0, 0, 300, 30]
    annot = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FreeText,
        Rect=[72, 750, 372, 780],
        Contents=pikepdf.String("VOID"),
        AP=pikepdf.Dictionary(N=appearance),
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([annot])


def with_optional_content(pdf: pikepdf.Pdf) -> None:
    ocg = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("x")))
    pdf.Root.OCProperties = pikepdf.Dictionary(
        OCGs=[ocg], D=pikepdf.Dictionary(OFF=[ocg], Order=[ocg])
    )
    hidden = pdf.make_stream(b"BT /F1 30 Tf 72 400 Td (HIDDEN TEXT) Tj ET")
    hidden.Type = pikepdf.Name.XObject
    hidden.Subtype = pikepdf.Name.Form
    hidden.BBox = [0, 0, 595, 842]
    hidden.OC = ocg
    hidden.Resources = pdf.pages[0].Resources
    page = pdf.pages[0]
    page.Resources.XObject = pikepdf.Dictionary(Hid=hidden)
    page.contents_add(pdf.make_stream(b"q /Hid Do Q"))


def with_embedded_file(pdf: pikepdf.Pdf) -> None:
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ evil", filename="evil.exe")
    pdf.attachments["evil.exe"] = spec


def with_unreferenced_javascript(pdf: pikepdf.Pdf) -> None:
    pdf.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("x()")))


def with_js_in_resources(pdf: pikepdf.Pdf) -> None:
    # an action dictionary hidden where the rebuild keeps things: inside the resources
    pdf.pages[0].Resources.Evil = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String("x()")
    )


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (with_javascript, {"/OpenAction", "javascript", "page actions"}),
        (with_form, {"/AcroForm", "XFA", "1 annotations"}),
        (with_annotation, {"1 annotations"}),
        (with_embedded_file, {"embedded files"}),
        (with_unreferenced_javascript, set()),
    ],
)
def test_active_content_is_removed_without_rasterizing(
    edit: Callable[[pikepdf.Pdf], None], expected: set[str]
) -> None:
    result = sanitize_underlying(modify(edit), "application/pdf")
    assert not result.rasterized
    assert expected <= set(result.removed)
    for token in DANGER:
        assert token not in result.pdf, token
    assert result.sha256 == hashlib.sha256(result.pdf).hexdigest()
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        assert len(clean.pages) == 1
        assert b"CERTIFICATE OF BIRTH" in clean.pages[0].Contents.read_bytes()
        assert clean.objects  # rebuilt file still has the page's objects


@pytest.mark.parametrize("edit", [with_optional_content, with_js_in_resources])
def test_what_cannot_be_cleaned_is_rasterized(edit: Callable[[pikepdf.Pdf], None]) -> None:
    result = sanitize_underlying(modify(edit), "doc.pdf")
    assert result.rasterized
    assert result.pages == 1
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        page = clean.pages[0]
        images = list(page.Resources.XObject.values())
        assert len(images) == 1 and images[0].Filter == pikepdf.Name.DCTDecode
        assert abs(float(page.mediabox[2]) - 595) < 2  # same page size
    for token in (*DANGER, b"/OC", b"HIDDEN"):
        assert token not in result.pdf


def test_clean_pdf_keeps_its_pages() -> None:
    result = sanitize_underlying(base_pdf(3), "birth.pdf")
    assert (result.pages, result.rasterized) == (3, False)
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        assert len(clean.pages) == 3
        assert "/Info" not in clean.trailer or not dict(clean.docinfo)


def test_output_is_deterministic() -> None:
    data = modify(with_form)
    assert sanitize_underlying(data, "a.pdf").sha256 == sanitize_underlying(data, "a.pdf").sha256


def encrypted(owner_only: bool) -> bytes:
    with pikepdf.open(io.BytesIO(base_pdf())) as pdf:
        out = io.BytesIO()
        user = "" if owner_only else "secret"
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner", user=user))
        return out.getvalue()


def image_bomb(pdf: pikepdf.Pdf) -> None:
    bomb = pdf.make_stream(zlib.compress(b"\0" * 1000))
    bomb.Type = pikepdf.Name.XObject
    bomb.Subtype = pikepdf.Name.Image
    bomb.Width = 100_000
    bomb.Height = 100_000
    bomb.ColorSpace = pikepdf.Name.DeviceGray
    bomb.BitsPerComponent = 8
    pdf.pages[0].Resources.XObject = pikepdf.Dictionary(Bomb=bomb)


def flate_bomb(pdf: pikepdf.Pdf) -> None:
    stream = pikepdf.Stream(pdf, b"")
    stream.write(
        zlib.compress(b" " * (sanitize.MAX_STREAM_BYTES + 10), 9), filter=pikepdf.Name.FlateDecode
    )
    pdf.pages[0].obj.Contents = stream


def chained_bomb() -> bytes:
    """A content stream compressed twice (written by hand: qpdf would undo the chain)."""
    data = zlib.compress(zlib.compress(b" " * 10_000_000, 9), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter [/FlateDecode /FlateDecode] >>\nstream\n" % len(data)
        + data
        + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 5\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def huge_page(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.MediaBox = [0, 0, 14400, 14400]


@pytest.mark.parametrize(
    ("data", "hint", "code"),
    [
        (b"", "a.pdf", sanitize.EMPTY),
        (b"\0" * (sanitize.MAX_BYTES + 1), "a.pdf", sanitize.TOO_LARGE),
        (b"GIF89a....", "a.gif", sanitize.UNSUPPORTED_TYPE),
        (b"<html>hello</html>", "text/html", sanitize.UNSUPPORTED_TYPE),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "scan.pdf", sanitize.UNSUPPORTED_TYPE),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", sanitize.MALFORMED),
        (b"%PDF-1.7\n%garbage only\n", "a.pdf", sanitize.MALFORMED),
    ],
)
def test_refused_inputs(data: bytes, hint: str, code: str) -> None:
    with pytest.raises(UnderlyingDocumentError) as info:
        sanitize_underlying(data, hint)
    assert info.value.code == code
    assert info.value.message


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda: encrypted(owner_only=False), sanitize.ENCRYPTED),
        (lambda: encrypted(owner_only=True), sanitize.ENCRYPTED),
        (lambda: base_pdf(sanitize.MAX_PAGES + 1), sanitize.TOO_MANY_PAGES),
        (lambda: modify(image_bomb), sanitize.IMAGE_TOO_LARGE),
        (lambda: modify(flate_bomb), sanitize.TOO_LARGE),
        (lambda: modify(huge_page), sanitize.PAGE_TOO_LARGE),
        (chained_bomb, sanitize.TOO_LARGE),
    ],
    ids=[
        "encrypted",
        "owner-password",
        "too-many-pages",
        "image-bomb",
        "flate-bomb",
        "huge-page",
        "chained-compression",
    ],
)
def test_refused_pdfs(make: Callable[[], bytes], code: str) -> None:
    with pytest.raises(UnderlyingDocumentError) as info:
        sanitize_underlying(make(), "application/pdf")
    assert info.value.code == code


def test_truncated_pdf_is_refused_or_rasterized() -> None:
    data = base_pdf(2)
    for cut in (len(data) // 2, len(data) - 40):
        try:
            result = sanitize_underlying(data[:cut], "a.pdf")
        except UnderlyingDocumentError as exc:
            assert exc.code in (sanitize.MALFORMED, sanitize.NO_PAGES, sanitize.RASTERIZE_FAILED)
        else:
            assert result.rasterized  # qpdf had to repair it: never trusted as is
            assert b"/JavaScript" not in result.pdf


def test_jpeg_becomes_an_upright_page_without_metadata() -> None:
    image = Image.new("RGB", (800, 600), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated: portrait
    exif[0x010F] = "SecretCam"  # camera make
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif, comment=b"gps here")
    result = sanitize_underlying(buf.getvalue(), "image/jpeg")
    assert (result.pages, result.rasterized) == (1, False)
    assert b"SecretCam" not in result.pdf and b"gps here" not in result.pdf
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        page = clean.pages[0]
        width, height = float(page.mediabox[2]), float(page.mediabox[3])
        assert height > width
        (img,) = page.Resources.XObject.values()
        assert (int(img.Width), int(img.Height)) == (600, 800)


def test_png_with_alpha_is_flattened() -> None:
    image = Image.new("RGBA", (300, 400), (255, 0, 0, 0))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    result = sanitize_underlying(buf.getvalue(), "scan.png")
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        (img,) = clean.pages[0].Resources.XObject.values()
        pil = pikepdf.PdfImage(img).as_pil_image()
        assert pil.getpixel((10, 10)) > (240, 240, 240)  # transparent became white


def test_png_pixel_bomb_is_refused() -> None:
    buf = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(buf, "PNG")
    with pytest.raises(UnderlyingDocumentError) as info:
        sanitize_underlying(buf.getvalue(), "image/png")
    assert info.value.code == sanitize.IMAGE_TOO_LARGE


def test_inherited_page_attributes_survive_the_rebuild() -> None:
    def inherit(pdf: pikepdf.Pdf) -> None:
        page = pdf.pages[0].obj
        pdf.Root.Pages.Resources = page.Resources
        pdf.Root.Pages.MediaBox = page.MediaBox
        pdf.Root.Pages.Rotate = 90
        for key in ("/Resources", "/MediaBox", "/Rotate"):
            del page[key]

    result = sanitize_underlying(modify(inherit), "a.pdf")
    assert not result.rasterized
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        page = clean.pages[0].obj
        assert int(page.Rotate) == 90
        assert "/Font" in page.Resources
        assert [float(v) for v in page.MediaBox] == [0, 0, 595, 842]
