"""Sanitizing the underlying document of a legalization (DESIGN §5).

The applicant's file is hostile until proven otherwise: it may carry JavaScript, forms
whose values change what is shown, annotations drawn over the content (evil-annotation
attacks), optional content that shows different things in different viewers (shadow
attacks), embedded files, or objects nothing references (room for incremental-update
tricks). What comes out is a new PDF built from a whitelist:

- a PDF is rebuilt with pikepdf: a fresh document gets copies of the pages only, each page
  keeping only its geometry, resources and contents (no /Annots, /AA, ...), so the catalog's
  /OpenAction, /AA, /AcroForm (and its XFA), /Names (JavaScript, embedded files),
  /OCProperties, /Outlines and every unreferenced object are simply not copied;
- a PDF that cannot be cleaned that way — optional content in use, reference XObjects,
  leftovers of actions after the rebuild, or a file qpdf had to repair — is rasterized:
  every page rendered by poppler at 200 dpi and put back as a JPEG image;
- a JPEG or PNG becomes one page: decoded by :mod:`legalize.imaging.decode` within its
  :data:`~legalize.imaging.decode.UNDERLYING_LIMITS` (EXIF orientation applied, transparency
  flattened onto white), metadata dropped by re-encoding.

Refused with :class:`UnderlyingDocumentError` and a stable code: empty, too large, unknown
type, encrypted, malformed, too many pages, pages too large, images with too many pixels
(decompression bombs), streams that inflate beyond the limit.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from PIL import Image

from legalize.imaging import decode as imaging
from legalize.imaging.decode import UNDERLYING_LIMITS, ImageInputError

from .errors import UnderlyingDocumentError

MAX_BYTES = UNDERLYING_LIMITS.max_bytes
MAX_PAGES = 50
MAX_PAGE_SIDE_PT = 2000 / 25.4 * 72
"""Two metres: larger pages are posters or attacks on the rasterizer."""
MAX_IMAGE_PIXELS = UNDERLYING_LIMITS.max_pixels
"""Largest image, sent as a JPEG or PNG or inside a PDF (decompression bombs)."""
MAX_STREAM_BYTES = 64 * 1024 * 1024
"""Largest decoded stream accepted (content or image), checked without inflating further."""
MAX_OBJECTS = 200_000
"""Most objects accepted (by the trailer's /Size): qpdf resolves every object when they are
listed, about 20 µs each, so 300,000 small objects (16 MB) took 7 s just to list."""
MAX_DECODED_BYTES = 512 * 1024 * 1024
"""Largest decoded size of all streams together: without it, 50 streams just under the
per-stream limit (3 MB of file) took 45 s to measure. 512 MiB is 25 times the largest file
accepted; scans that compress better use DCT or CCITT, which are counted as stored."""
RASTER_DPI = 200
PAGE_MAX_PIXELS = round(210 / 25.4 * RASTER_DPI) * round(297 / 25.4 * RASTER_DPI)
"""What one page of the sanitized document keeps: an A4 page at RASTER_DPI, 1654 × 2339 =
3.87 million pixels. A scan or a rendered page is never kept larger (a bigger page is
rendered or scaled down to this area)."""
RASTER_MAX_SIDE = 4200
"""Pixel limit of a page image's longest side (long thin pages)."""
PDFTOPPM_TIMEOUT = 30
"""Wall-clock seconds one rasterization may take (all pages) before it is stopped."""
PDFTOPPM_CPU_SECONDS = 20
"""CPU seconds the pdftoppm process may use (RLIMIT_CPU): a PDF built to keep the
renderer busy is stopped by the kernel, not left to hold a core."""
PDFTOPPM_MEMORY_BYTES = 1024 * 1024 * 1024
"""Address space of the pdftoppm process (RLIMIT_AS)."""
# Stable reason codes (never renamed).
EMPTY = "UNDERLYING_EMPTY"
TOO_LARGE = "UNDERLYING_TOO_LARGE"
UNSUPPORTED_TYPE = "UNDERLYING_UNSUPPORTED_TYPE"
ENCRYPTED = "UNDERLYING_ENCRYPTED"
MALFORMED = "UNDERLYING_MALFORMED"
NO_PAGES = "UNDERLYING_NO_PAGES"
TOO_MANY_PAGES = "UNDERLYING_TOO_MANY_PAGES"
PAGE_TOO_LARGE = "UNDERLYING_PAGE_TOO_LARGE"
IMAGE_TOO_LARGE = "UNDERLYING_IMAGE_TOO_LARGE"
RASTERIZE_FAILED = "UNDERLYING_RASTERIZE_FAILED"
TOO_COMPLEX = "UNDERLYING_TOO_COMPLEX"

PAGE_KEYS = ("/MediaBox", "/CropBox", "/Rotate", "/Resources", "/Contents", "/Group", "/UserUnit")
"""The only page entries copied; everything else (/Annots, /AA, /B, /Thumb, ...) is dropped."""
CATALOG_KEYS_REPORTED = (
    "/OpenAction",
    "/AA",
    "/AcroForm",
    "/Names",
    "/OCProperties",
    "/Outlines",
    "/URI",
    "/Perms",
    "/Collection",
    "/AF",
    "/StructTreeRoot",
    "/Metadata",
)
# Name tokens that must not survive a rebuild; their presence means "rasterize".
_DANGEROUS = re.compile(
    rb"/(JS|JavaScript|Launch|SubmitForm|ImportData|GoToR|GoToE|RichMedia|EmbeddedFile|"
    rb"XFA|OCProperties|OC|OCG|OCMD|Ref|OPI|Sound|Movie|Rendition)\b"
)


_EXPANDING = {"/FlateDecode", "/LZWDecode", "/RunLengthDecode", "/Fl", "/LZW", "/RL"}


@dataclass(frozen=True)
class SanitizedDocument:
    """The cleaned underlying document, as stored in the legalization."""

    pdf: bytes
    """The sanitized PDF; the seal carries its SHA-256."""
    sha256: str
    """Lower-case hex SHA-256 of ``pdf``."""
    pages: int
    rasterized: bool
    """True when the pages are images rendered from the original."""
    removed: tuple[str, ...]
    """What was taken out, for the officer and the audit log (e.g. ``/AcroForm``,
    ``annotations``, ``javascript``)."""


def _refuse(code: str, message: str) -> UnderlyingDocumentError:
    return UnderlyingDocumentError(code, message)


def _kind(data: bytes, hint: str) -> str:
    head = data[:1024]
    if b"%PDF-" in head:
        kind = "pdf"
    elif head.startswith(b"\xff\xd8\xff"):
        kind = "jpeg"
    elif head.startswith(b"\x89PNG\r\n\x1a\n"):
        kind = "png"
    else:
        raise _refuse(UNSUPPORTED_TYPE, "the document is not a PDF, JPEG or PNG file")
    hint = hint.lower()
    expected = {
        "pdf": ("pdf",),
        "jpeg": ("jpg", "jpeg"),
        "png": ("png",),
    }
    named = [k for k, words in expected.items() if any(w in hint for w in words)]
    if named and kind not in named:
        raise _refuse(UNSUPPORTED_TYPE, f"the file is named or labelled {hint!r} but is {kind}")
    return kind


DEFAULT_CONCURRENCY = 2
_slots = threading.BoundedSemaphore(DEFAULT_CONCURRENCY)


def set_concurrency(count: int) -> None:
    """How many sanitizations one process runs at once (``Config.sanitizations``); more wait
    their turn. Each may hold up to about 100 MB while it decodes an image."""
    global _slots
    if not 1 <= count <= 64:
        raise ValueError("the number of concurrent sanitizations must be 1 to 64")
    _slots = threading.BoundedSemaphore(count)


def sanitize_underlying(data: bytes, filename_or_mime: str = "") -> SanitizedDocument:
    """Sanitize an uploaded PDF, JPEG or PNG for inclusion in a legalization. At most
    :func:`set_concurrency` of them run at once in a process; the others wait."""
    slots = _slots
    with slots:
        return _sanitize(data, filename_or_mime)


def _sanitize(data: bytes, filename_or_mime: str) -> SanitizedDocument:
    if not data:
        raise _refuse(EMPTY, "the document is empty")
    if len(data) > MAX_BYTES:
        raise _refuse(TOO_LARGE, f"the document is larger than {MAX_BYTES // (1024 * 1024)} MB")
    kind = _kind(data, filename_or_mime)
    if kind == "pdf":
        try:
            pdf, pages, rasterized, removed = _sanitize_pdf(data)
        except UnderlyingDocumentError:
            raise
        except (pikepdf.PdfError, ValueError, TypeError, LookupError, AttributeError) as exc:
            # qpdf reads a damaged file leniently and resolves objects lazily: a hostile
            # object graph (wrong types where a page, box or dictionary belongs) surfaces
            # only while the pages are walked, as whatever error the walk meets.
            raise _refuse(
                MALFORMED,
                "the PDF file is damaged and cannot be processed: save or scan the document "
                "again and upload the new file",
            ) from exc
        except RecursionError as exc:
            raise _refuse(MALFORMED, "the PDF nests objects too deeply") from exc
    else:
        pdf = _images_to_pdf([_load_image(data)])
        pages, rasterized, removed = 1, False, ("image metadata",)
    return SanitizedDocument(pdf, hashlib.sha256(pdf).hexdigest(), pages, rasterized, removed)


def stored(pdf: bytes, rasterized: bool) -> SanitizedDocument:
    """A document :func:`sanitize_underlying` made earlier, as it was stored (at filing):
    the same bytes, counted again, never sanitized again."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        pages = len(doc.pages)
    return SanitizedDocument(pdf, hashlib.sha256(pdf).hexdigest(), pages, rasterized, ())


# --- images --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PageImage:
    jpeg: bytes
    width: int
    height: int
    dpi: float


# ImageInputError codes → ours (a file too small to decode counts as malformed).
_IMAGE_CODES = {
    imaging.IMAGE_TOO_LARGE: TOO_LARGE,
    imaging.IMAGE_TOO_MANY_PIXELS: IMAGE_TOO_LARGE,
    imaging.IMAGE_FORMAT_UNSUPPORTED: UNSUPPORTED_TYPE,
}


def _load_image(data: bytes) -> _PageImage:
    try:
        rgb = imaging.decode_image(data, UNDERLYING_LIMITS, imaging.PHOTO_FORMATS)
    except ImageInputError as exc:
        code = _IMAGE_CODES.get(exc.code, MALFORMED)
        # the decoder's own words may quote a library's error; ours never do
        message = exc.message if code != MALFORMED else "the picture cannot be decoded"
        raise _refuse(code, message) from None
    image = Image.fromarray(rgb, "RGB")
    del rgb
    width, height = image.size
    scale = min(
        1.0, math.sqrt(PAGE_MAX_PIXELS / (width * height)), RASTER_MAX_SIDE / max(width, height)
    )
    if scale < 1:  # never more than the page keeps
        size = (max(1, int(width * scale)), max(1, int(height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    # an A4 sheet's long side at RASTER_DPI; smaller scans print at their natural size
    dpi = max(RASTER_DPI, max(image.size) / (297 / 25.4))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)  # a fresh JPEG: no EXIF, XMP, ICC or comments
    return _PageImage(out.getvalue(), image.width, image.height, dpi)


def _images_to_pdf(images: list[_PageImage]) -> bytes:
    pdf = pikepdf.new()
    for img in images:
        width_pt = img.width * 72 / img.dpi
        height_pt = img.height * 72 / img.dpi
        xobject = pikepdf.Stream(pdf, img.jpeg)
        xobject.Type = pikepdf.Name.XObject
        xobject.Subtype = pikepdf.Name.Image
        xobject.Width = img.width
        xobject.Height = img.height
        xobject.ColorSpace = pikepdf.Name.DeviceRGB
        xobject.BitsPerComponent = 8
        xobject.Filter = pikepdf.Name.DCTDecode
        content = f"q {width_pt:.3f} 0 0 {height_pt:.3f} 0 0 cm /Im0 Do Q".encode()
        page = pikepdf.Dictionary(
            Type=pikepdf.Name.Page,
            MediaBox=[0, 0, round(width_pt, 3), round(height_pt, 3)],
            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject)),
            Contents=pikepdf.Stream(pdf, content),
        )
        pdf.pages.append(pikepdf.Page(page))
    return _save(pdf)


def _save(pdf: pikepdf.Pdf) -> bytes:
    out = io.BytesIO()
    pdf.save(
        out,
        compress_streams=True,
        # never decode the applicant's streams while writing: no decompression bomb can go off
        stream_decode_level=pikepdf.StreamDecodeLevel.none,
        object_stream_mode=pikepdf.ObjectStreamMode.disable,
        deterministic_id=True,
        fix_metadata_version=False,
    )
    return out.getvalue()


# --- PDFs ----------------------------------------------------------------------------------


def _open(data: bytes) -> pikepdf.Pdf:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise _refuse(ENCRYPTED, "the PDF is protected by a password") from exc
    except (pikepdf.PdfError, ValueError, RuntimeError) as exc:
        raise _refuse(
            MALFORMED,
            "the PDF file is damaged or incomplete and cannot be read (was the upload or the "
            "download cut short?): save or scan the document again and upload the new file",
        ) from exc
    if pdf.is_encrypted:
        pdf.close()
        raise _refuse(ENCRYPTED, "the PDF is encrypted; submit an unprotected copy")
    return pdf


def _filter_names(filters: pikepdf.Object) -> list[str]:
    """The filter names of a stream as text; a hostile file may write an empty array, a
    non-name, or a name whose bytes are not UTF-8 (which ``str()`` cannot decode)."""
    items = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
    names = []
    for item in items:
        raw = item.unparse() if isinstance(item, pikepdf.Object) else str(item).encode()
        names.append(raw.decode("latin-1"))
    return names


def _bounded_length(stream: pikepdf.Stream, limit: int = MAX_STREAM_BYTES) -> int:
    """Decoded length of a stream, inflating at most ``limit`` + 1 bytes of it (a result
    above ``limit`` means "more than the limit")."""
    raw = stream.read_raw_bytes()
    filters = stream.get("/Filter")
    if filters is None:
        return len(raw)
    names = _filter_names(filters)
    if sum(n in _EXPANDING for n in names) > 1:
        # compression on compression: legitimate writers never chain them; bombs do
        return MAX_STREAM_BYTES + 1
    if names and names[0] == "/FlateDecode":
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(raw, limit + 1)
        except zlib.error:
            return len(raw)  # a broken stream is the renderer's problem, not a bomb
        return len(out)
    return len(raw)


def _check_limits(pdf: pikepdf.Pdf, objects: list[pikepdf.Object]) -> None:
    count = len(pdf.pages)
    if count == 0:
        raise _refuse(NO_PAGES, "the PDF has no pages")
    if count > MAX_PAGES:
        raise _refuse(TOO_MANY_PAGES, f"the PDF has {count} pages; at most {MAX_PAGES} accepted")
    for number, page in enumerate(pdf.pages, 1):
        try:
            box = [float(v) for v in page.mediabox]
            unit = float(page.obj.get("/UserUnit", 1))
        except (TypeError, ValueError) as exc:
            raise _refuse(MALFORMED, f"page {number} has no valid size") from exc
        if len(box) != 4 or not all(math.isfinite(v) for v in (*box, unit)):
            raise _refuse(MALFORMED, f"page {number} has no valid size")
        width, height = abs(box[2] - box[0]) * unit, abs(box[3] - box[1]) * unit
        if max(width, height) > MAX_PAGE_SIDE_PT or min(width, height) < 1:
            raise _refuse(PAGE_TOO_LARGE, f"page {number} is {width:.0f} × {height:.0f} pt")
    budget = MAX_DECODED_BYTES
    for obj in objects:
        if not isinstance(obj, pikepdf.Stream):
            continue
        if obj.get("/Subtype") == pikepdf.Name.Image:
            try:
                pixels = int(obj.get("/Width", 0)) * int(obj.get("/Height", 0))
            except (TypeError, ValueError):
                pixels = 0
            if pixels > MAX_IMAGE_PIXELS:
                raise _refuse(IMAGE_TOO_LARGE, f"an image has {pixels / 1e6:.0f} million pixels")
        length = _bounded_length(obj, min(MAX_STREAM_BYTES, budget))
        if length > MAX_STREAM_BYTES:
            raise _refuse(TOO_LARGE, "a stream inflates beyond the limit (compression bomb)")
        if length > budget:
            raise _refuse(
                TOO_LARGE, "the streams inflate beyond the limit together (compression bomb)"
            )
        budget -= length


def _findings(src: pikepdf.Pdf) -> list[str]:
    """What the original holds that the rebuild drops, in words for the officer."""
    found = [key for key in CATALOG_KEYS_REPORTED if key in src.Root]
    if "/AcroForm" in src.Root and "/XFA" in src.Root.AcroForm:
        found.append("XFA")
    annotations = sum(len(p.obj.get("/Annots", [])) for p in src.pages)
    if annotations:
        found.append(f"{annotations} annotations")
    if any("/AA" in p.obj for p in src.pages):
        found.append("page actions")
    if "/Names" in src.Root:
        names = src.Root.Names
        if "/JavaScript" in names:
            found.append("javascript")
        if "/EmbeddedFiles" in names:
            found.append("embedded files")
    return found


def _uses_optional_content(pdf: pikepdf.Pdf, objects: list[pikepdf.Object]) -> bool:
    return "/OCProperties" in pdf.Root or any(
        isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
        and (obj.get("/Type") in (pikepdf.Name.OCG, pikepdf.Name.OCMD) or "/OC" in obj)
        for obj in objects
    )


def _rebuild(src: pikepdf.Pdf) -> pikepdf.Pdf:
    """A new document holding copies of the pages, each stripped to PAGE_KEYS.

    qpdf copies a page with everything it references; what the stripped page no longer
    references (annotations, actions) is unreachable and not written by the save.
    """
    out = pikepdf.new()
    for page in src.pages:
        mediabox = [float(v) for v in page.mediabox]  # may be inherited from the page tree
        out.pages.append(page)
        copy = out.pages[-1].obj
        for key in list(copy.keys()):
            if key not in (*PAGE_KEYS, "/Type", "/Parent"):
                del copy[key]
        if "/MediaBox" not in copy:
            copy.MediaBox = pikepdf.Array(mediabox)
    return out


def _residue(data: bytes) -> list[str]:
    """Dangerous names left anywhere in the rebuilt file (inside resources, for example).

    Dictionaries are never compressed in our output (no object streams), so a byte scan
    sees every key and name."""
    return sorted({m.group(1).decode() for m in _DANGEROUS.finditer(data)})


def _sanitize_pdf(data: bytes) -> tuple[bytes, int, bool, tuple[str, ...]]:
    with _open(data) as src:
        repaired = bool(src.get_warnings())
        size = src.trailer.get("/Size", 0)
        if isinstance(size, int) and size > MAX_OBJECTS:  # cheap: before listing them
            raise _refuse(TOO_LARGE, f"the PDF has more than {MAX_OBJECTS} objects")
        objects = list(src.objects)  # resolved once: listing costs qpdf a parse of each
        if len(objects) > MAX_OBJECTS:  # the trailer understated them
            raise _refuse(TOO_LARGE, f"the PDF has more than {MAX_OBJECTS} objects")
        _check_limits(src, objects)
        removed = _findings(src)
        pages = len(src.pages)
        reasons: list[str] = []
        if repaired:
            reasons.append("damaged file structure")
        if _uses_optional_content(src, objects):
            reasons.append("optional content")
            removed.append("optional content")
        if not reasons:
            with _rebuild(src) as clean:
                rebuilt = _save(clean)
                residue = _residue(rebuilt)
                if not residue:
                    return rebuilt, pages, False, tuple(removed)
                reasons.append("active content in resources: " + ", ".join(residue))
        # rasterize what a viewer shows by default, from a copy qpdf has normalised
        normalised = _save(src)
        largest = max((_page_size(p) for p in src.pages), key=lambda wh: wh[0] * wh[1])
    removed.append("all content except the rendered pages (" + "; ".join(reasons) + ")")
    images = _rasterize(normalised, pages, raster_dpi(largest))
    return _images_to_pdf(images), pages, True, tuple(removed)


def raster_dpi(largest_page_pt: tuple[float, float]) -> int:
    """RASTER_DPI, or less where the largest page would exceed PAGE_MAX_PIXELS or
    RASTER_MAX_SIDE: the work and the memory of a rendering are bounded by the page area."""
    width, height = (max(v, 1.0) / 72 for v in largest_page_pt)
    dpi = min(
        RASTER_DPI,
        RASTER_MAX_SIDE / max(width, height),
        math.sqrt(PAGE_MAX_PIXELS / (width * height)),
    )
    return max(1, int(dpi))


def _limit(pid: int) -> None:
    """The work budget of a renderer process, set from outside it (``preexec_fn`` is not
    safe in a threaded server): CPU seconds and address space."""
    try:
        resource.prlimit(pid, resource.RLIMIT_CPU, (PDFTOPPM_CPU_SECONDS, PDFTOPPM_CPU_SECONDS + 1))
        resource.prlimit(pid, resource.RLIMIT_AS, (PDFTOPPM_MEMORY_BYTES, PDFTOPPM_MEMORY_BYTES))
    except (ProcessLookupError, OSError):
        pass  # already ended; the wall-clock timeout still applies


TOO_COMPLEX_MESSAGE = (
    "the PDF is too complex to render within the limits; send a simpler copy, for example a "
    "scan of the paper document"
)


def _page_size(page: pikepdf.Page) -> tuple[float, float]:
    box = [float(v) for v in page.mediabox]
    unit = float(page.obj.get("/UserUnit", 1))
    return abs(box[2] - box[0]) * unit, abs(box[3] - box[1]) * unit


def _rasterize(pdf: bytes, pages: int, dpi: int) -> list[_PageImage]:
    """Every page rendered by pdftoppm as a JPEG, within the work budget. Errors name no
    command, path or exception: a stable code and a plain sentence."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise _refuse(RASTERIZE_FAILED, "the PDF cannot be rendered on this server")
    with tempfile.TemporaryDirectory(prefix="legalize-raster-") as tmp:
        source = Path(tmp) / "in.pdf"
        source.write_bytes(pdf)
        command = [
            tool,
            "-r",
            str(dpi),
            "-jpeg",
            "-jpegopt",
            "quality=88",
            "-f",
            "1",
            "-l",
            str(pages),
            str(source),
            str(Path(tmp) / "p"),
        ]
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _limit(process.pid)
        try:
            code = process.wait(timeout=PDFTOPPM_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise _refuse(TOO_COMPLEX, TOO_COMPLEX_MESSAGE) from None
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            raise _refuse(TOO_COMPLEX, TOO_COMPLEX_MESSAGE)
        if code != 0:
            raise _refuse(RASTERIZE_FAILED, "the pages of the PDF cannot be rendered")
        files = sorted(Path(tmp).glob("p-*.jpg"))
        if len(files) != pages:
            raise _refuse(RASTERIZE_FAILED, f"rendered {len(files)} of {pages} pages")
        images = []
        for file in files:
            with Image.open(file) as image:
                width, height = image.size
            images.append(_PageImage(file.read_bytes(), width, height, dpi))
        return images
