"""Malformed input never crashes the sanitizer: it returns a document or raises
UnderlyingDocumentError, in bounded time.

The regression inputs are minimal forms of what a mutation fuzzer (bit flips, truncations,
``/Length`` lies, filter and box rewrites on a real underlying PDF) found; the property test
keeps mutating a small PDF, a bounded number of times so the file stays fast.
"""

from __future__ import annotations

import contextlib
import io
import random
import time
import zlib

import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfgen.canvas import Canvas

from legalize.documents import sanitize
from legalize.documents.errors import UnderlyingDocumentError
from legalize.documents.sanitize import MALFORMED, TOO_LARGE, sanitize_underlying


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF with a correct xref table around ``objects`` (numbered from 1; object 1 is the
    catalog), so qpdf reads it without repair and the sanitizer walks what we wrote."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def one_page(
    page_extra: bytes = b"",
    stream_dict: bytes = b"",
    mediabox: bytes = b"[0 0 595 842]",
    catalog: bytes = b"<< /Type /Catalog /Pages 2 0 R >>",
) -> bytes:
    content = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
    return raw_pdf(
        catalog,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox "
        + mediabox
        + b" /Contents 4 0 R"
        + page_extra
        + b" >>",
        b"<< /Length %d" % len(content) + stream_dict + b" >>\nstream\n" + content + b"\nendstream",
    )


def outcome(data: bytes) -> str:
    try:
        sanitize_underlying(data, "document.pdf")
    except UnderlyingDocumentError as exc:
        return exc.code
    return "OK"


def test_the_handmade_pdf_is_sanitized() -> None:
    assert outcome(one_page()) == "OK"


@pytest.mark.parametrize(
    "stream_dict",
    [
        b" /Filter []",  # found: IndexError on the first filter of an empty array
        b" /Filter /F#c1q#14r",  # found: UnicodeDecodeError on a name that is not UTF-8
        b" /Filter [/F#ff /FlateDecode]",
        b" /Filter 5",
        b" /Filter [5 /FlateDecode]",
    ],
)
def test_odd_filters_are_not_a_crash(stream_dict: bytes) -> None:
    assert outcome(one_page(stream_dict=stream_dict)) in (
        "OK",
        MALFORMED,
        "UNDERLYING_RASTERIZE_FAILED",
    )


@pytest.mark.parametrize(
    "mediabox",
    [b"[0 0 595]", b"[]", b"[0 0 595 842 7]", b"[0 0 /A /B]", b"5", b"[0 0 1e400 842]"],
)
def test_malformed_page_boxes_are_not_a_crash(mediabox: bytes) -> None:
    # qpdf substitutes a default box for some of these: cleaned, or refused with a code
    assert outcome(one_page(mediabox=mediabox)) in ("OK", MALFORMED, "UNDERLYING_PAGE_TOO_LARGE")


@pytest.mark.parametrize(
    "page_extra",
    [
        b" /Annots 5",
        b" /Annots [1 0 R 1 0 R]",
        b" /AA 7",
        b" /Resources 4 0 R",
        b" /UserUnit /Big",
    ],
)
def test_wrong_types_in_pages_are_not_a_crash(page_extra: bytes) -> None:
    assert outcome(one_page(page_extra=page_extra)) in (
        "OK",
        MALFORMED,
        "UNDERLYING_RASTERIZE_FAILED",
    )


@pytest.mark.parametrize(
    "catalog",
    [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 5 /Names 6 >>",
        b"<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 5 >> /AcroForm [1] >>",
        b"<< /Type /Catalog /Pages 1 0 R >>",
        b"<< /Type /Catalog /Pages 3 0 R >>",
    ],
)
def test_wrong_types_in_the_catalog_are_not_a_crash(catalog: bytes) -> None:
    data = one_page(catalog=catalog)
    assert outcome(data) in ("OK", MALFORMED, "UNDERLYING_NO_PAGES", "UNDERLYING_RASTERIZE_FAILED")


def _with_trailer_prev(data: bytes, loop_over_two: bool) -> bytes:
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n", 1)[0])
    if not loop_over_two:  # the trailer's /Prev names its own xref section
        return data.replace(b"/Root 1 0 R >>", b"/Root 1 0 R /Prev %d >>" % start)
    end = len(data)
    return data + (
        b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n"
        b"startxref\n%d\n%%%%EOF\n" % (end, end)
    )


@pytest.mark.parametrize(
    "data",
    [
        one_page(catalog=b"<< /Type /Catalog /Pages 1 0 R >>"),  # the root as its page tree
        one_page(page_extra=b" /Parent 3 0 R"),
        one_page(stream_dict=b" /Length 4 0 R"),
        one_page(stream_dict=b" /Type /ObjStm /N 1 /First 4 /Extends 4 0 R"),
        _with_trailer_prev(one_page(), loop_over_two=False),
        _with_trailer_prev(one_page(), loop_over_two=True),
    ],
    ids=["root-pages", "page-parent-self", "length-self", "objstm-self", "prev-self", "prev-2"],
)
def test_hostile_structures(data: bytes) -> None:
    start = time.monotonic()
    assert outcome(data) in ("OK", MALFORMED, "UNDERLYING_NO_PAGES", "UNDERLYING_RASTERIZE_FAILED")
    assert time.monotonic() - start < 10


def streams_pdf(count: int, mib: int) -> bytes:
    """One page and ``count`` unreferenced streams of ``mib`` MiB of zeros, deflated."""
    deflate = zlib.compressobj(9)
    bomb = b"".join(deflate.compress(bytes(1 << 20)) for _ in range(mib)) + deflate.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(bomb) + bomb
    content = b"BT ET"
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *[stream + b"\nendstream"] * count,
    )


def test_many_streams_under_the_stream_limit_are_refused_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # found: 50 streams of 63 MiB each (3 MB of file) took 45 s to measure
    monkeypatch.setattr(sanitize, "MAX_DECODED_BYTES", 8 << 20)
    assert outcome(streams_pdf(2, 3)) == "OK"
    assert outcome(streams_pdf(3, 3)) == TOO_LARGE


@pytest.mark.parametrize("understated", [False, True])
def test_object_floods_are_refused(monkeypatch: pytest.MonkeyPatch, understated: bool) -> None:
    # found: 300,000 small objects (16 MB) took 11 s, most of it listing them twice
    monkeypatch.setattr(sanitize, "MAX_OBJECTS", 1000)
    data = raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        *[b"<< /K %d >>" % i for i in range(1200)],
    )
    if understated:
        data = data.replace(b"/Size 1204 ", b"/Size 4    ")
    assert outcome(data) == TOO_LARGE


def test_deep_nesting_is_refused_or_cleaned_quickly() -> None:
    deep = b"[" * 20000 + b"]" * 20000
    start = time.monotonic()
    # qpdf stops at its nesting limit; the page is then unreadable
    assert outcome(one_page(page_extra=b" /X " + deep)) in ("OK", MALFORMED, "UNDERLYING_NO_PAGES")
    assert time.monotonic() - start < 10


def _underlying() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(595, 842))
    canvas.drawString(72, 760, "CERTIFICATE OF BIRTH")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


SEED = _underlying()


def mutate(data: bytes, seed: int, edits: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(edits):
        i = rng.randrange(len(out))
        op = rng.randrange(4)
        if op == 0:
            out[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            del out[i : i + rng.randrange(1, 40)]
        elif op == 2:
            out[i:i] = rng.choice((b"[", b"]", b"<<", b">>", b" 0 R", b"/Filter []", b"9999999"))
        else:
            out[i:i] = out[rng.randrange(len(out)) :][: rng.randrange(1, 60)]
    return bytes(out)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(st.integers(0, 2**32), st.integers(1, 6))
def test_mutated_pdfs_never_crash(seed: int, edits: int) -> None:
    start = time.monotonic()
    with contextlib.suppress(UnderlyingDocumentError):
        sanitize_underlying(mutate(SEED, seed, edits), "document.pdf")
    assert time.monotonic() - start < 30


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    st.binary(max_size=300), st.sampled_from([b"%PDF-1.7\n", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"])
)
def test_short_garbage_behind_a_magic_number_is_refused(tail: bytes, magic: bytes) -> None:
    with pytest.raises(UnderlyingDocumentError):
        sanitize_underlying(magic + tail)


def _images() -> list[bytes]:
    from PIL import Image

    out = []
    image = Image.new("RGB", (40, 30), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the sanitizer rotates by it
    exif[0x010E] = "scan"
    for kind, extra in (("JPEG", {"exif": exif.tobytes()}), ("PNG", {"exif": exif.tobytes()})):
        buffer = io.BytesIO()
        image.save(buffer, kind, **extra)
        out.append(buffer.getvalue())
    return out


IMAGES = _images()


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.sampled_from(IMAGES), st.integers(0, 2**32), st.integers(1, 4))
def test_mutated_images_never_crash(image: bytes, seed: int, edits: int) -> None:
    # keep the magic number: the mutations are to reach the decoders and EXIF parser
    data = image[:8] + mutate(image[8:], seed, edits)
    with contextlib.suppress(UnderlyingDocumentError):
        sanitize_underlying(data)


@pytest.mark.parametrize(
    ("seed", "tag"),
    [
        # found: Pillow's EXIF parser raised TypeError ("bad operand type for abs(): 'str'")
        (1136, b"\x01\x1e"),  # ImageDescription (ASCII) renumbered XPosition (RATIONAL)
        (16924, b"\x01\x4e"),  # likewise, an unknown tag: struct.error in Pillow
    ],
)
def test_hostile_exif_tags_are_dropped_unread(seed: int, tag: bytes) -> None:
    # legalize.imaging.decode reads only the orientation, with its own parser: a tag of the
    # wrong type elsewhere in the EXIF is dropped with the rest of the metadata, unread
    data = IMAGES[0][:8] + mutate(IMAGES[0][8:], seed, 1)
    assert tag + b"\x00\x02" in data  # the one-byte change the fuzzer found (as Pillow writes)
    result = sanitize_underlying(data, "scan.jpg")
    with pikepdf.open(io.BytesIO(result.pdf)) as clean:
        (img,) = clean.pages[0].Resources.XObject.values()
        assert (int(img.Width), int(img.Height)) == (30, 40)  # orientation 6 still applied
    assert b"scan" not in result.pdf


def test_structurally_corrupt_exif_is_malformed() -> None:
    # the first directory claims more entries than the EXIF holds
    data = IMAGES[0].replace(
        b"MM\x00*\x00\x00\x00\x08\x00\x02", b"MM\x00*\x00\x00\x00\x08\x00\x72", 1
    )
    assert data != IMAGES[0]
    with pytest.raises(UnderlyingDocumentError) as raised:
        sanitize_underlying(data, "scan.jpg")
    assert raised.value.code == MALFORMED
