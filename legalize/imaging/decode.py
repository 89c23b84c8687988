"""Safe decoding of untrusted pictures: one set of limits, one error class, RGB out.

Every picture that enters legalize — a holder photo, an underlying document scanned as an
image, a phone capture of a printed document for the image verifier — is decoded here:

1. the size of the bytes is checked against :attr:`Limits.max_bytes`;
2. the format is told from the magic bytes (never from a file name), and only the formats the
   caller accepts are opened, each with its own Pillow plugin only (no guessing among all of
   Pillow's plugins: some, like EPS, would start external programs);
3. the width and height are read from the header and checked against
   :attr:`Limits.max_pixels` and :attr:`Limits.min_side` *before* any pixel is decoded, so a
   decompression bomb (a tiny file declaring a huge picture) costs nothing;
4. the pixels are decoded, the first frame only; EXIF orientation is applied (see
   :func:`exif_orientation`: the orientation tag is read by our own small parser, never by
   Pillow's full EXIF parser, whose errors on hostile input were found by fuzzing); a picture
   whose EXIF is structurally corrupt is refused (``IMAGE_UNREADABLE``) — a camera or scanner
   does not write one, and refusing gives the same outcome wherever the decoder runs;
5. transparency is flattened onto white, 16-bit greys are scaled to 8 bits, and the result is
   an (height, width, 3) uint8 RGB array without any metadata.

Anything that goes wrong raises :class:`ImageInputError` with a stable code; callers map the
code to their own (the portrait check's ``UNREADABLE``, the sanitizer's ``UNDERLYING_*``,
the documents' ``PhotoError``). The limits in force are the named :class:`Limits` below, in
this one place; a caller may pass tighter ones.
"""

from __future__ import annotations

import io
import math
import struct
import threading
from dataclasses import dataclass

import numpy as np
import pillow_heif
import pypdfium2 as pdfium
from numpy.typing import NDArray
from PIL import Image

# HEIC/HEIF is what iPhones upload; pillow-heif adds it to Pillow (once, at import).
pillow_heif.register_heif_opener()

# Stable codes (never renamed; callers map them to their own).
IMAGE_UNREADABLE = "IMAGE_UNREADABLE"
IMAGE_TOO_LARGE = "IMAGE_TOO_LARGE"
IMAGE_TOO_MANY_PIXELS = "IMAGE_TOO_MANY_PIXELS"
IMAGE_TOO_SMALL = "IMAGE_TOO_SMALL"
IMAGE_FORMAT_UNSUPPORTED = "IMAGE_FORMAT_UNSUPPORTED"

# Format names (Pillow's, plus PDF for a document's first page).
JPEG, PNG, HEIF, WEBP, TIFF, PDF = "JPEG", "PNG", "HEIF", "WEBP", "TIFF", "PDF"
PHOTO_FORMATS = frozenset({JPEG, PNG})
"""Holder photos and scanned underlying documents: what the workflows have always taken."""
CAPTURE_FORMATS = frozenset({JPEG, PNG, HEIF, WEBP, TIFF, PDF})
"""Captures for the image verifier: phone photos (iPhones send HEIC), scans, a PDF page."""

PDF_DPI = 300
"""Resolution at which a PDF capture's first page is rendered (less for very large pages)."""
PDF_MAX_SIDE = 10_000
"""Longest side in pixels of a rendered PDF page: a poster-sized page is rendered coarser."""


class ImageInputError(Exception):
    """The picture cannot be used: unreadable, too large, too small or of a refused format."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        """One of the ``IMAGE_*`` codes of this module."""
        self.message = message
        """What went wrong, for a person."""


@dataclass(frozen=True)
class Limits:
    """What a decoder accepts. The named instances below are the one set in force."""

    max_bytes: int
    """Largest input, in bytes."""
    max_pixels: int
    """Largest width × height, read from the header before decoding (decompression bombs)."""
    min_side: int
    """Smallest width and height, in pixels (after EXIF orientation: it is the smaller side)."""
    max_decoded_pixels: int | None = None
    """Largest width × height decoded (the memory bound); None: ``max_pixels``. A JPEG above
    it is decoded at a reduced scale (``draft``: 1/2, 1/4 or 1/8, by libjpeg's DCT scaling, at
    no cost beyond the smaller picture) to at most this; any other format above it is refused
    (``IMAGE_TOO_MANY_PIXELS``): PNG and the others have no cheap way down."""


PHOTO_LIMITS = Limits(max_bytes=10 * 1024 * 1024, max_pixels=40_000_000, min_side=100)
"""Holder photos: intake (the portrait check), print and photo hash (legalize.imaging.photo).
10 MiB holds a 12-megapixel phone JPEG at high quality; 40 Mpx bounds the decoded array to
120 MB; under 100 px there is no face to check or print."""
UNDERLYING_DECODED_PIXELS = 2480 * 3508
"""An A4 page at 300 dpi, 8.7 million pixels: the most of an underlying document decoded at
full size (about 35 MB as RGBA). The sanitized page keeps an A4 page at 200 dpi (3.9 Mpx,
legalize.documents.sanitize.PAGE_MAX_PIXELS); a 300-dpi scan still decodes whole."""
UNDERLYING_LIMITS = Limits(
    max_bytes=20 * 1024 * 1024,
    max_pixels=60_000_000,
    min_side=1,
    max_decoded_pixels=UNDERLYING_DECODED_PIXELS,
)
"""A legalization's underlying document sent as a JPEG or PNG (legalize.documents.sanitize):
a JPEG scan of up to 60 Mpx, decoded at a reduced scale above 8.7 Mpx; a PNG of up to
8.7 Mpx (an A4 page at 300 dpi) — a 7700 × 7700 RGBA PNG of 225 KB would otherwise take
about 700 MB to decode and convert. Any side length."""
CAPTURE_LIMITS = Limits(max_bytes=30 * 1024 * 1024, max_pixels=60_000_000, min_side=320)
"""Captures for the image verifier (:func:`load_capture`): phone photos up to about 50 Mpx
(a 48 Mpx iPhone HEIC is 3-8 MB, the same as a best-quality JPEG up to about 25 MB); the
decoded array is at most 180 MB. Under 320 px no QR or page can be read."""

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread-safe, in the whole process: every render holds this one lock (here and
in legalize.documents.preview)."""


def sniff(data: bytes) -> str | None:
    """The format the magic bytes announce (one of the names above), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        return HEIF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


def decode_image(
    data: bytes, limits: Limits = PHOTO_LIMITS, formats: frozenset[str] = PHOTO_FORMATS
) -> NDArray[np.uint8]:
    """Picture bytes → (height, width, 3) uint8 RGB, upright, alpha flattened onto white.

    Raises :class:`ImageInputError`. ``formats`` are the accepted format names; PDF among them
    means the first page, rendered (:func:`render_pdf_page`).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageInputError(IMAGE_UNREADABLE, "the picture must be given as bytes")
    data = bytes(data)
    if len(data) > limits.max_bytes:
        raise ImageInputError(
            IMAGE_TOO_LARGE,
            f"the file is too large: {len(data)} bytes; at most {limits.max_bytes}",
        )
    fmt = sniff(data)
    if fmt is None or fmt not in formats:
        accepted = ", ".join(sorted(formats))
        raise ImageInputError(
            IMAGE_FORMAT_UNSUPPORTED,
            f"the file is {'not a picture' if fmt is None else fmt}; accepted: {accepted}",
        )
    rgb = render_pdf_page(data, limits) if fmt == PDF else _decode_raster(data, fmt, limits)
    height, width = rgb.shape[:2]
    if min(height, width) < limits.min_side:
        raise ImageInputError(
            IMAGE_TOO_SMALL,
            f"the picture is too small: {width}×{height} px; at least {limits.min_side} px a side",
        )
    return rgb


def load_capture(data: bytes, limits: Limits = CAPTURE_LIMITS) -> NDArray[np.uint8]:
    """A capture for the image verifier → RGB: JPEG, PNG, HEIC/HEIF, WebP, TIFF or the first
    page of a PDF. Raises :class:`ImageInputError`."""
    return decode_image(data, limits, CAPTURE_FORMATS)


_DECODER_ERRORS = (
    OSError,  # truncated or corrupt data (Pillow's decoders)
    SyntaxError,  # Pillow's way of saying "not this format" or a broken header
    ValueError,
    EOFError,
    LookupError,
    TypeError,  # Pillow's metadata parsers (EXIF, ICC, text chunks) meet hostile values
    ArithmeticError,  # with whatever their code raises (found by fuzzing)
    struct.error,
    RuntimeError,  # pillow-heif (libheif) errors
    Warning,  # Pillow warns about corrupt metadata and goes on; under pytest it raises
)


def probe_capture(data: bytes, limits: Limits = CAPTURE_LIMITS) -> str:
    """What :func:`load_capture` refuses before decoding any pixel, found in milliseconds:
    size, format, the header's dimensions (decompression bombs), a PDF without a first page.
    The format's name; raises :class:`ImageInputError`. A picture that passes may still fail
    to decode (corrupt pixel data): only decoding it tells."""
    if len(data) > limits.max_bytes:
        raise ImageInputError(
            IMAGE_TOO_LARGE, f"the file is too large: {len(data)} bytes; at most {limits.max_bytes}"
        )
    fmt = sniff(data)
    if fmt is None or fmt not in CAPTURE_FORMATS:
        raise ImageInputError(
            IMAGE_FORMAT_UNSUPPORTED, f"the file is {'not a picture' if fmt is None else fmt}"
        )
    if fmt == PDF:
        with PDFIUM_LOCK:
            try:
                document = pdfium.PdfDocument(data)
            except (pdfium.PdfiumError, ValueError, OSError) as exc:
                raise ImageInputError(
                    IMAGE_UNREADABLE, f"the PDF cannot be opened: {exc}"
                ) from None
            try:
                _first_page_size(document)
            except (pdfium.PdfiumError, ValueError, OSError) as exc:
                raise ImageInputError(
                    IMAGE_UNREADABLE, f"the PDF page cannot be read: {exc}"
                ) from None
            finally:
                document.close()
        return fmt
    try:
        _open_checked(data, fmt, limits).close()
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(IMAGE_TOO_MANY_PIXELS, f"the picture is too large: {exc}") from None
    except _DECODER_ERRORS as exc:
        raise ImageInputError(
            IMAGE_UNREADABLE, f"the {fmt} picture cannot be read: {exc}"
        ) from None
    return fmt


def _open_checked(data: bytes, fmt: str, limits: Limits) -> Image.Image:
    """The picture opened (header only) once its dimensions are within ``limits``."""
    img: Image.Image = Image.open(io.BytesIO(data), formats=[fmt])
    width, height = img.size
    if width * height > limits.max_pixels:
        img.close()
        raise ImageInputError(
            IMAGE_TOO_MANY_PIXELS,
            f"the picture is too large: {width}×{height} px, "
            f"{width * height / 1e6:.0f} million pixels; at most "
            f"{limits.max_pixels / 1e6:.0f} million",
        )
    if min(width, height) < limits.min_side:
        img.close()
        raise ImageInputError(
            IMAGE_TOO_SMALL,
            f"the picture is too small: {width}×{height} px; at least {limits.min_side} px a side",
        )
    return img


def _first_page_size(document: pdfium.PdfDocument) -> tuple[float, float]:
    """The first page's size in points; raises :class:`ImageInputError` without one."""
    if len(document) == 0:
        raise ImageInputError(IMAGE_UNREADABLE, "the PDF has no pages")
    page = document[0]
    try:
        width_pt, height_pt = (float(v) for v in page.get_size())
    finally:
        page.close()
    if not (math.isfinite(width_pt) and math.isfinite(height_pt) and min(width_pt, height_pt) >= 1):
        raise ImageInputError(IMAGE_UNREADABLE, "the PDF's first page has no size")
    return width_pt, height_pt


def _decode_raster(data: bytes, fmt: str, limits: Limits) -> NDArray[np.uint8]:
    try:
        # Pillow refuses headers past twice its own pixel limit (DecompressionBombError) and
        # warns past it; where warnings are errors, as under pytest, the warning is raised and
        # caught below. Ours is lower and checked from the header before anything is decoded.
        # No warnings.catch_warnings here: it changes process-wide state and is not
        # thread-safe.
        img = _open_checked(data, fmt, limits)
        width, height = img.size
        bound = limits.max_decoded_pixels
        if bound is not None and width * height > bound:
            _reduce_before_decoding(img, fmt, bound)
        orientation = _orientation(img, fmt)
        img.load()  # the first frame only (animations, multi-page TIFFs)
        rgb = _to_rgb(img)
        del img
        transpose = _TRANSPOSE.get(orientation)
        if transpose is not None:
            rgb = rgb.transpose(transpose)
        # Pillow hands numpy a read-only copy; once the image is freed, copying that into a
        # writable array costs no more memory at the peak than the decoding did
        frozen = np.asarray(rgb, dtype=np.uint8)
        del rgb
        arr = frozen.copy()
        del frozen
    except ImageInputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageInputError(IMAGE_TOO_MANY_PIXELS, f"the picture is too large: {exc}") from None
    except MemoryError:
        raise ImageInputError(IMAGE_TOO_MANY_PIXELS, "the picture is too large to decode") from None
    except _DECODER_ERRORS as exc:
        raise ImageInputError(
            IMAGE_UNREADABLE, f"the {fmt} picture cannot be decoded: {exc}"
        ) from exc
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ImageInputError(IMAGE_UNREADABLE, f"the {fmt} picture has no usable pixels")
    return np.ascontiguousarray(arr)


def _reduce_before_decoding(img: Image.Image, fmt: str, bound: int) -> None:
    """Make ``img`` decode to at most ``bound`` pixels, or raise: JPEG by ``draft`` (the
    decoder itself scales by 1/2, 1/4 or 1/8), every other format refused."""
    width, height = img.size
    if fmt == JPEG:
        for scale in (2, 4, 8):
            size = (-(-width // scale), -(-height // scale))
            if size[0] * size[1] <= bound:
                img.draft(img.mode if img.mode in ("L", "RGB") else "RGB", size)
                if img.size[0] * img.size[1] <= bound:
                    return
                break
    raise ImageInputError(
        IMAGE_TOO_MANY_PIXELS,
        f"the picture is too large: {width}×{height} px, {width * height / 1e6:.0f} million "
        f"pixels; at most {bound / 1e6:.1f} million for a {fmt} picture",
    )


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any mode → 8-bit RGB; transparency is flattened onto white (a light background)."""
    if img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        img.mode in ("P", "L", "RGB") and "transparency" in img.info
    ):
        # pasted through its alpha onto white: the same as compositing onto an opaque white
        # ground, with one full-size copy fewer than Image.alpha_composite needs
        rgba = img if img.mode == "RGBA" else img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit greyscale: scale to 8 bits ourselves (Pillow's convert clips).
        arr = np.asarray(img, dtype=np.uint32) >> 8
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).convert("RGB")
    return img if img.mode == "RGB" else img.convert("RGB")  # no copy of a 50 Mpx photo


# --- EXIF orientation -----------------------------------------------------------------------

# EXIF orientation → the transposition that shows the picture upright (as ImageOps does).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ORIENTATION_TAG = 0x0112


def _orientation(img: Image.Image, fmt: str) -> int:
    if fmt == TIFF:
        # a TIFF's own first directory holds the tag; Pillow parsed it to open the file
        value = img.getexif().get(_ORIENTATION_TAG, 1)
        return value if isinstance(value, int) and value in _TRANSPOSE else 1
    # HEIF: libheif applies the file's rotation itself and pillow-heif sets the EXIF
    # orientation it reports to 1, so reading it here does not rotate twice.
    raw = img.info.get("exif")
    return exif_orientation(raw if isinstance(raw, bytes) else None)


def exif_orientation(raw: bytes | None) -> int:
    """The EXIF orientation (1-8) in raw EXIF bytes (with or without the ``Exif\\0\\0``
    prefix); 1 without EXIF, without the tag, or with a value outside 1-8 (cameras write 0
    for "unknown").

    Only the TIFF header and the entries of the first directory are read. Raises
    :class:`ImageInputError` (``IMAGE_UNREADABLE``) when those are corrupt: a header that is
    not TIFF's, a directory outside the data, entries past its end, or an orientation of
    the wrong type or count.
    """
    if not raw:
        return 1
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]

    def corrupt(why: str) -> ImageInputError:
        return ImageInputError(IMAGE_UNREADABLE, f"the picture's EXIF data is corrupt: {why}")

    if len(raw) < 8 or raw[:2] not in (b"II", b"MM"):
        raise corrupt("no TIFF header")
    order = "<" if raw[:2] == b"II" else ">"
    magic, offset = struct.unpack(order + "HI", raw[2:8])
    if magic != 42:
        raise corrupt("no TIFF header")
    if offset < 8 or offset + 2 > len(raw):
        raise corrupt("the first directory lies outside the data")
    (count,) = struct.unpack(order + "H", raw[offset : offset + 2])
    if offset + 2 + 12 * count > len(raw):
        raise corrupt("the first directory runs past the data")
    for index in range(count):
        entry = raw[offset + 2 + 12 * index : offset + 14 + 12 * index]
        tag, kind, number = struct.unpack(order + "HHI", entry[:8])
        if tag != _ORIENTATION_TAG:
            continue
        if number != 1 or kind not in (3, 4):  # one SHORT (or LONG, as some writers do)
            raise corrupt(f"orientation of type {kind} and count {number}")
        (value,) = struct.unpack(
            order + ("H" if kind == 3 else "I"), entry[8 : 10 if kind == 3 else 12]
        )
        return value if value in _TRANSPOSE else 1
    return 1


# --- PDF ------------------------------------------------------------------------------------


def render_pdf_page(data: bytes, limits: Limits) -> NDArray[np.uint8]:
    """The first page of a PDF, rendered on white at :data:`PDF_DPI` (less where the page
    would exceed :data:`PDF_MAX_SIDE` or the pixel limit) → RGB. Annotations and form
    fields are not drawn: the page as signed. Raises :class:`ImageInputError`."""
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(data)
        except (pdfium.PdfiumError, ValueError, OSError) as exc:
            raise ImageInputError(IMAGE_UNREADABLE, f"the PDF cannot be opened: {exc}") from None
        try:
            width_pt, height_pt = _first_page_size(document)
            page = document[0]
            try:
                scale = min(
                    PDF_DPI / 72,
                    PDF_MAX_SIDE / max(width_pt, height_pt),
                    math.sqrt(limits.max_pixels / (width_pt * height_pt)),
                )
                # PDFium rounds the bitmap's sides up
                while (
                    math.ceil(width_pt * scale) * math.ceil(height_pt * scale) > limits.max_pixels
                ):
                    scale *= 0.999
                bitmap = page.render(scale=scale, may_draw_forms=False, draw_annots=False)
                pil = bitmap.to_pil()
                arr = np.asarray(pil.convert("RGB"), dtype=np.uint8).copy()
            finally:
                page.close()
        except ImageInputError:
            raise
        except (pdfium.PdfiumError, ValueError, OSError, MemoryError) as exc:
            raise ImageInputError(
                IMAGE_UNREADABLE, f"the PDF page cannot be rendered: {exc}"
            ) from None
        finally:
            document.close()
    return arr
