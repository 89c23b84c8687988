"""legalize.imaging.decode: one set of limits, stable codes, every accepted format, and the
hostile inputs (bombs, oversized, truncated, corrupted EXIF) refused with a code, never a crash."""

from __future__ import annotations

import contextlib
import io
import struct
import time
import zlib

import numpy as np
import pikepdf
import pytest
from numpy.typing import NDArray
from PIL import Image, ImageOps
from reportlab.pdfgen.canvas import Canvas

from legalize.cases import validation
from legalize.documents import sanitize
from legalize.imaging import decode
from legalize.imaging.decode import (
    CAPTURE_FORMATS,
    CAPTURE_LIMITS,
    IMAGE_FORMAT_UNSUPPORTED,
    IMAGE_TOO_LARGE,
    IMAGE_TOO_MANY_PIXELS,
    IMAGE_TOO_SMALL,
    IMAGE_UNREADABLE,
    PHOTO_FORMATS,
    PHOTO_LIMITS,
    UNDERLYING_LIMITS,
    ImageInputError,
    Limits,
    decode_image,
    exif_orientation,
    load_capture,
    probe_capture,
)
from legalize.imaging.portrait import DEFAULT_POLICY

Rgb = NDArray[np.uint8]


def pattern(width: int = 400, height: int = 300) -> Rgb:
    """An asymmetric picture: black top-left quarter, red top-right, the rest white."""
    rgb = np.full((height, width, 3), 255, np.uint8)
    rgb[: height // 2, : width // 2] = 0
    rgb[: height // 2, width // 2 :] = (255, 0, 0)
    return rgb


def encode(rgb: Rgb, fmt: str, **save: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, fmt, **save)
    return buf.getvalue()


def close(a: Rgb, b: Rgb, tolerance: float = 12.0) -> bool:
    return a.shape == b.shape and float(np.abs(a.astype(int) - b.astype(int)).mean()) < tolerance


def expect(code: str, data: object, limits: Limits = CAPTURE_LIMITS) -> ImageInputError:
    with pytest.raises(ImageInputError) as caught:
        decode_image(data, limits, CAPTURE_FORMATS)  # type: ignore[arg-type]
    assert caught.value.code == code, caught.value
    return caught.value


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height, with a few bytes of (zero) image data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def pdf_page(width_pt: float = 595.0, height_pt: float = 842.0) -> bytes:
    """A one-page PDF: a black square 72 pt from the top-left corner, 144 pt wide."""
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(width_pt, height_pt))
    canvas.rect(72, height_pt - 216, 144, 144, stroke=0, fill=1)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


# --- one set of limits, shown in one place ---------------------------------------------------


def test_the_limits_in_force() -> None:
    # The table docs/imaging.md shows; every caller uses these objects, none its own numbers.
    assert Limits(max_bytes=10 << 20, max_pixels=40_000_000, min_side=100) == PHOTO_LIMITS
    assert (
        Limits(
            max_bytes=20 << 20, max_pixels=60_000_000, min_side=1, max_decoded_pixels=2480 * 3508
        )
        == UNDERLYING_LIMITS
    )
    assert Limits(max_bytes=30 << 20, max_pixels=60_000_000, min_side=320) == CAPTURE_LIMITS
    assert DEFAULT_POLICY.limits is PHOTO_LIMITS  # the portrait check
    assert PHOTO_LIMITS.max_bytes == validation.MAX_PHOTO_BYTES  # intake (cases)
    assert UNDERLYING_LIMITS.max_bytes == sanitize.MAX_BYTES  # the sanitizer
    assert UNDERLYING_LIMITS.max_pixels == sanitize.MAX_IMAGE_PIXELS
    assert {"JPEG", "PNG"} == PHOTO_FORMATS
    assert {"JPEG", "PNG", "HEIF", "WEBP", "TIFF", "PDF"} == CAPTURE_FORMATS
    with pytest.raises(AttributeError):
        PHOTO_LIMITS.max_bytes = 1  # type: ignore[misc]


def test_a_jpeg_above_the_decoded_bound_is_decoded_smaller_others_refused() -> None:
    limits = Limits(
        max_bytes=20 << 20, max_pixels=60_000_000, min_side=1, max_decoded_pixels=10_000
    )
    big = Image.new("RGB", (300, 200), (200, 100, 50))
    jpeg, png = io.BytesIO(), io.BytesIO()
    big.save(jpeg, "JPEG")
    big.save(png, "PNG")
    rgb = decode_image(jpeg.getvalue(), limits)
    assert rgb.shape == (50, 75, 3)  # drafted at 1/4: 75 × 50 ≤ 10,000 pixels
    with pytest.raises(ImageInputError) as caught:
        decode_image(png.getvalue(), limits)
    assert caught.value.code == IMAGE_TOO_MANY_PIXELS


def test_a_caller_may_pass_tighter_limits() -> None:
    data = encode(pattern(), "PNG")
    assert decode_image(data).shape == (300, 400, 3)
    expect(IMAGE_TOO_LARGE, data, Limits(max_bytes=len(data) - 1, max_pixels=10**6, min_side=1))
    expect(IMAGE_TOO_MANY_PIXELS, data, Limits(max_bytes=10**6, max_pixels=119_999, min_side=1))
    expect(IMAGE_TOO_SMALL, data, Limits(max_bytes=10**6, max_pixels=10**6, min_side=301))


# --- formats ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "save"),
    [
        ("JPEG", {"quality": 95}),
        ("PNG", {}),
        ("HEIF", {"quality": 95}),
        ("WEBP", {"quality": 95}),
        ("TIFF", {}),
    ],
)
def test_capture_formats_decode_to_the_same_rgb(fmt: str, save: dict[str, object]) -> None:
    rgb = pattern(640, 480)
    out = load_capture(encode(rgb, fmt, **save))
    assert out.dtype == np.uint8 and out.flags.c_contiguous and out.flags.writeable
    assert close(out, rgb), fmt


def test_heic_from_an_iphone_is_upright() -> None:
    # an iPhone stores the sensor's pixels and a rotation; pillow-heif writes EXIF
    # orientation 6 as the file's own rotation, which libheif applies on decoding (and the
    # EXIF it reports then says 1, so nothing is rotated twice)
    stored = pattern(640, 480)
    exif = Image.Exif()
    exif[0x0112] = 6
    data = encode(stored, "HEIF", quality=95, exif=exif.tobytes())
    assert data[4:12] == b"ftypheic"
    out = load_capture(data)
    assert close(out, np.ascontiguousarray(np.rot90(stored, -1)))


def test_heic_with_alpha_is_flattened() -> None:
    rgba = np.zeros((400, 400, 4), np.uint8)
    rgba[100:300, 100:300] = (0, 0, 0, 255)
    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, "HEIF", quality=95)
    out = load_capture(buf.getvalue())
    assert out[10, 10].min() > 240 and out[200, 200].max() < 20


def test_pdf_capture_is_its_first_page_at_300_dpi() -> None:
    out = load_capture(pdf_page())
    height, width = out.shape[:2]
    assert abs(height - 842 * 300 / 72) <= 1 and abs(width - 595 * 300 / 72) <= 1
    assert out.shape[2] == 3
    # the black square: 72-216 pt from the top-left corner, i.e. 300-900 px
    assert out[350:850, 350:850].max() < 30
    assert out[100:250, 100:250].min() > 230 and out[-100:, -100:].min() > 230


def test_a_huge_pdf_page_is_rendered_within_the_limits() -> None:
    started = time.perf_counter()
    out = load_capture(pdf_page(14_400, 14_400))  # 5 m square, PDF's largest page
    assert out.shape[0] * out.shape[1] <= CAPTURE_LIMITS.max_pixels
    assert max(out.shape[:2]) <= decode.PDF_MAX_SIDE
    assert time.perf_counter() - started < 10


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n%garbage only\n", pdf_page()[:400], b"%PDF-1.4\n" + b"\0" * 100],
    ids=["garbage", "truncated", "zeros"],
)
def test_unreadable_pdfs(data: bytes) -> None:
    expect(IMAGE_UNREADABLE, data)


def test_encrypted_pdf_is_unreadable() -> None:
    with pikepdf.open(io.BytesIO(pdf_page())) as pdf:
        buf = io.BytesIO()
        pdf.save(buf, encryption=pikepdf.Encryption(owner="o", user="secret"))
    expect(IMAGE_UNREADABLE, buf.getvalue())


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", b"GIF89a" + bytes(100), b"BM" + bytes(100), encode(pattern(), "GIF")],
    ids=["empty", "text", "gif-magic", "bmp", "gif"],
)
def test_formats_not_accepted(data: bytes) -> None:
    expect(IMAGE_FORMAT_UNSUPPORTED, data)


def test_photo_formats_exclude_captures_only_formats() -> None:
    for fmt in ("HEIF", "WEBP", "TIFF"):
        with pytest.raises(ImageInputError) as caught:
            decode_image(encode(pattern(), fmt), PHOTO_LIMITS, PHOTO_FORMATS)
        assert caught.value.code == IMAGE_FORMAT_UNSUPPORTED
    with pytest.raises(ImageInputError) as caught:
        decode_image(pdf_page(), PHOTO_LIMITS, PHOTO_FORMATS)
    assert caught.value.code == IMAGE_FORMAT_UNSUPPORTED


def test_not_bytes_is_unreadable() -> None:
    expect(IMAGE_UNREADABLE, "a string")


# --- modes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparency_is_flattened_onto_white(mode: str) -> None:
    rgba = np.zeros((400, 400, 4), np.uint8)  # black, transparent: a decoder dropping alpha
    rgba[100:300, 100:300] = (0, 0, 0, 255)  # would see black everywhere
    image = Image.fromarray(rgba, "RGBA")
    if mode == "LA":
        image = image.convert("LA")
    elif mode == "P":
        image = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)
        image.info["transparency"] = image.getpixel((10, 10))
    out = decode_image(encode_image(image, "PNG"), CAPTURE_LIMITS, CAPTURE_FORMATS)
    assert out[10, 10].min() > 240, mode
    assert out[200, 200].max() < 20, mode


def encode_image(image: Image.Image, fmt: str) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt)
    return buf.getvalue()


def test_16_bit_grey_is_scaled_not_clipped() -> None:
    grey = np.full((400, 400), 32768, np.uint16)
    out = load_capture(encode_image(Image.fromarray(grey), "PNG"))
    assert out.shape == (400, 400, 3) and abs(int(out[0, 0, 0]) - 128) <= 1


# --- EXIF orientation ------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied(orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encode(pattern(), "JPEG", quality=95, exif=exif.tobytes())
    expected = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    assert close(decode_image(data), expected)
    assert decode_image(data).shape[:2] == ((300, 400) if orientation < 5 else (400, 300))


def test_png_exif_orientation_is_applied() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    out = decode_image(encode(pattern(), "PNG", exif=exif.tobytes()))
    assert np.array_equal(out, np.ascontiguousarray(np.rot90(pattern(), 1)))


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_orientation_outside_1_to_8_is_ignored(value: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = value
    data = encode(pattern(), "PNG", exif=exif.tobytes())
    assert np.array_equal(decode_image(data), pattern())


def tiff_ifd(entries: list[tuple[int, int, int, bytes]], order: str = ">") -> bytes:
    """Raw EXIF: a TIFF header and one directory of (tag, type, count, 4-byte value)."""
    head = (b"MM" if order == ">" else b"II") + struct.pack(order + "HI", 42, 8)
    body = struct.pack(order + "H", len(entries))
    for tag, kind, count, value in entries:
        body += struct.pack(order + "HHI", tag, kind, count) + value
    return head + body + b"\0\0\0\0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, 1),
        (b"", 1),
        (tiff_ifd([(0x0112, 3, 1, b"\x00\x06\x00\x00")]), 6),
        (b"Exif\x00\x00" + tiff_ifd([(0x0112, 3, 1, b"\x00\x03\x00\x00")]), 3),
        (tiff_ifd([(0x0112, 3, 1, b"\x08\x00\x00\x00")], "<"), 8),
        (tiff_ifd([(0x0112, 4, 1, b"\x00\x00\x00\x05")]), 5),  # a LONG, as some writers do
        (tiff_ifd([(0x010E, 2, 4, b"abc\x00")]), 1),  # no orientation
        (tiff_ifd([(0x011E, 2, 4, b"abc\x00"), (0x0112, 3, 1, b"\x00\x06\x00\x00")]), 6),
    ],
)
def test_exif_orientation_parser(raw: bytes | None, expected: int) -> None:
    assert exif_orientation(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"XX\x00*\x00\x00\x00\x08",  # not TIFF's byte order mark
        b"MM\x00\x2b\x00\x00\x00\x08\x00\x00",  # not TIFF's magic number
        b"MM\x00*",  # short header
        b"MM\x00*\x00\x00\xff\xff\x00\x00",  # first directory past the end
        b"MM\x00*\x00\x00\x00\x04\x00\x00",  # first directory inside the header
        tiff_ifd([(0x0112, 3, 1, b"\x00\x06\x00\x00")])[:-10],  # entries past the end
        tiff_ifd([(0x0112, 2, 4, b"abc\x00")]),  # orientation as text
        tiff_ifd([(0x0112, 3, 2, b"\x00\x06\x00\x06")]),  # two orientations
    ],
)
def test_corrupt_exif_is_unreadable(raw: bytes) -> None:
    with pytest.raises(ImageInputError) as caught:
        exif_orientation(raw)
    assert caught.value.code == IMAGE_UNREADABLE
    # and in a picture, whatever carries it (JPEG APP1, PNG eXIf)
    for fmt in ("JPEG", "PNG"):
        expect(IMAGE_UNREADABLE, encode(pattern(), fmt, exif=b"Exif\x00\x00" + raw), PHOTO_LIMITS)


# --- bombs, oversized, truncated ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (50_000, 50_000), (8_000, 8_000), (1_000_000, 61)],
    ids=["10-gigapixels", "past-pillow", "past-ours", "absurd-width"],
)
def test_pixel_bomb_is_refused_from_the_header(width: int, height: int) -> None:
    data = png_header(width, height)
    assert len(data) < 200
    started = time.perf_counter()
    expect(IMAGE_TOO_MANY_PIXELS, data)
    assert time.perf_counter() - started < 0.5


def test_tiff_bomb_is_refused_from_the_header() -> None:
    data = encode_image(Image.new("1", (9000, 9000)), "TIFF")  # 81 Mpx, a few kB
    expect(IMAGE_TOO_MANY_PIXELS, data)


def test_oversized_bytes_are_refused_before_anything_else() -> None:
    data = b"\xff\xd8\xff" + bytes(CAPTURE_LIMITS.max_bytes)
    expect(IMAGE_TOO_LARGE, data)


def test_too_small_capture() -> None:
    expect(IMAGE_TOO_SMALL, encode(pattern(300, 200), "PNG"))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "HEIF", "WEBP", "TIFF"])
def test_truncated_files_are_unreadable(fmt: str) -> None:
    rng = np.random.default_rng(1)
    noisy = rng.integers(0, 256, (480, 640, 3), dtype=np.uint8)  # nothing to compress away
    data = encode(noisy, fmt)
    expect(IMAGE_UNREADABLE, data[: len(data) // 2])


def test_hostile_bytes_never_escape_as_another_exception() -> None:
    rng = np.random.default_rng(7)
    bases = [encode(pattern(640, 480), fmt) for fmt in ("JPEG", "PNG", "HEIF", "WEBP", "TIFF")]
    bases.append(pdf_page())
    for base in bases:
        for _ in range(10):
            data = bytearray(base)
            for index in rng.integers(8, min(len(data), 600), rng.integers(1, 6)):
                data[int(index)] = int(rng.integers(0, 256))
            with contextlib.suppress(ImageInputError):
                load_capture(bytes(data))


# --- what the web request refuses before a worker decodes anything ---------------------------


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (png_header(30_000, 30_000), IMAGE_TOO_MANY_PIXELS),
        (png_header(200, 2000), IMAGE_TOO_SMALL),
        (b"GIF89a" + bytes(100), IMAGE_FORMAT_UNSUPPORTED),
        (b"\x89PNG\r\n\x1a\n" + bytes(64), IMAGE_UNREADABLE),
        (b"%PDF-1.7\n%garbage only\n", IMAGE_UNREADABLE),
        (b"\xff\xd8\xff" + bytes(CAPTURE_LIMITS.max_bytes), IMAGE_TOO_LARGE),
    ],
    ids=["bomb", "small", "gif", "png-no-header", "pdf-garbage", "too-many-bytes"],
)
def test_probe_refuses_from_the_header_what_decoding_would(data: bytes, code: str) -> None:
    with pytest.raises(ImageInputError) as caught:
        probe_capture(data)
    assert caught.value.code == code
    expect(code, data)  # the decoder gives the same answer


def test_probe_decodes_no_pixel_and_names_the_format(monkeypatch: pytest.MonkeyPatch) -> None:
    # Valid headers over pixel data that cannot decode: only decoding finds that out.
    truncated = encode(pattern(800, 600), "JPEG")[:700]
    assert probe_capture(truncated) == "JPEG"
    expect(IMAGE_UNREADABLE, truncated)
    assert probe_capture(pdf_page()) == "PDF"
    assert probe_capture(encode(pattern(800, 600), "PNG")) == "PNG"

    def no_decoding(self: Image.Image) -> None:
        raise AssertionError("the probe decoded pixels")

    monkeypatch.setattr(Image.Image, "load", no_decoding)
    assert probe_capture(png_header(7000, 7000)) == "PNG"  # 49 Mpx: within the limit
    with pytest.raises(AssertionError, match="decoded pixels"):
        load_capture(png_header(7000, 7000))  # the stand-in is what decoding calls
