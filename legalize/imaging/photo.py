"""The holder photo: one normalisation for the print, and the perceptual hash of it.

:func:`photo_for_print` turns the uploaded JPEG/PNG into the exact pixels the TTD prints
(decoded by :mod:`legalize.imaging.decode` within the holder-photo limits, EXIF orientation
applied, centre-cropped to the ICAO 35 × 45 mm proportions, resized to :data:`PHOTO_PIXELS`).
The seal's photo hash is :func:`photo_hash` of :func:`photo_gray` of the same array, so what
is hashed is what is printed, and the image verifier recomputes exactly what issuance hashed
by importing the same functions. The PDF embeds those pixels as a high-quality JPEG
(:func:`photo_jpeg`); the difference JPEG makes is far below what the hash resolves.

The hash is a DCT hash: the grey photo is scaled to 64×64 (area averaging), transformed with a
2-D DCT, and the 16×16 lowest-frequency coefficients are compared with their median (the DC
term, which only says how bright the photo is, is left out of the median). Low frequencies
survive printing, photographing, rescaling, blur and JPEG; a different face changes them.
Measured (RESEARCH §3): genuine captures ≤ 22/255 bits apart, substituted photos ≥ 102/255,
35 % edits 64-72/255. :data:`MATCH_THRESHOLD` = 40. The seal carries the hash as its own
32-byte field (``legalize.seal.profiles.PHOTO_HASH_BYTES``, equal to :data:`HASH_BYTES`).
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from .decode import PHOTO_FORMATS, PHOTO_LIMITS, decode_image

PHOTO_PIXELS = (280, 360)
"""Width × height of the normalised photo (35 × 45 mm at about 200 dpi)."""
GHOST_PIXELS = (140, 180)
"""Width × height of the ghost image."""

RgbImage = npt.NDArray[np.uint8]
"""(height, width, 3) uint8 RGB."""
GrayImage = npt.NDArray[np.uint8]
"""(height, width) uint8 luminance."""

HASH_BITS = 256
HASH_BYTES = HASH_BITS // 8
MATCH_THRESHOLD = 40
"""Hamming distance at or below which two photo hashes count as the same photo."""
_SIDE = 64
_BLOCK = 16


class PhotoHashError(ValueError):
    """Not a usable grey image, or hashes that cannot be compared."""


# --- normalisation --------------------------------------------------------------------------


def photo_for_print(photo: bytes) -> RgbImage:
    """Normalise an uploaded JPEG or PNG portrait to the pixels the document prints.

    Raises :class:`legalize.imaging.decode.ImageInputError` (the documents package turns it
    into its ``PhotoError``).
    """
    rgb = decode_image(photo, PHOTO_LIMITS, PHOTO_FORMATS)
    fitted = ImageOps.fit(
        Image.fromarray(rgb, "RGB"), PHOTO_PIXELS, Image.Resampling.LANCZOS, centering=(0.5, 0.4)
    )
    pixels: RgbImage = np.asarray(fitted, dtype=np.uint8).copy()
    return pixels


def photo_gray(rgb: RgbImage) -> GrayImage:
    """ITU-R BT.601 luminance of the normalised photo (input to the photo hash)."""
    gray = rgb[..., 0] * 0.299 + rgb[..., 1] * 0.587 + rgb[..., 2] * 0.114
    out: GrayImage = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
    return out


def photo_jpeg(rgb: RgbImage, quality: int = 90) -> bytes:
    """The normalised photo as the JPEG embedded in the PDF (no metadata)."""
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


FACE_PIXELS = (48, 62)
"""The face image a barcode may carry (IDB message 0x80): the printed photo in grey at
48 × 62 (the print's 7:9), enough for an officer to recognise the holder on a verifier's
screen without any image forensics."""
FACE_MAX_BYTES = 600
"""Budget of that face image: measured, it keeps the IDB TTD seal within a QR version that
still prints at 40 mm (docs/seal-format.md §5)."""


def face_image_jp2(rgb: RgbImage, max_bytes: int = FACE_MAX_BYTES) -> bytes:
    """The normalised photo as a small grey JPEG 2000 within ``max_bytes``: the compression
    ratio rises until it fits (JPEG 2000 degrades gracefully at sizes where JPEG blocks)."""
    small = Image.fromarray(rgb, "RGB").convert("L").resize(FACE_PIXELS, Image.Resampling.LANCZOS)
    gray = np.asarray(small, dtype=np.uint8)
    for rate in (400, 300, 220, 160, 120, 90, 70, 50, 35, 25):  # per mille of the raw size
        ok, encoded = cv2.imencode(".jp2", gray, [cv2.IMWRITE_JPEG2000_COMPRESSION_X1000, rate])
        if ok and len(encoded) <= max_bytes:
            return bytes(encoded)
    raise ValueError(f"the face image does not fit in {max_bytes} bytes")


FACE_MAX_SIDE = 1024
"""Largest side of a barcode's face image shown on a page (a barcode holds a few kB)."""


def face_image_png(data: bytes) -> bytes | None:
    """A barcode's face image (JPEG or JPEG 2000, as other states write it) as PNG for a web
    page (browsers do not show JPEG 2000); None when it does not decode or is implausibly
    large. The header is read first, so a forged size never allocates its pixels."""
    if not data or len(data) > 65536:
        return None
    try:
        probe = Image.open(io.BytesIO(data))
        if max(probe.size) > FACE_MAX_SIDE:
            return None
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if image is None or max(image.shape) > FACE_MAX_SIDE:
        return None
    ok, png = cv2.imencode(".png", image)
    return bytes(png) if ok else None


def ghost_jpeg(rgb: RgbImage, paper: tuple[int, int, int] = (246, 243, 236)) -> bytes:
    """The ghost image: a smaller, pale monochrome copy blended into the paper colour.

    Drawn opaque (no PDF transparency, which PDF/A-2 allows but printers handle unevenly).
    """
    small = Image.fromarray(rgb, "RGB").convert("L").resize(GHOST_PIXELS, Image.Resampling.BILINEAR)
    g = np.asarray(small, dtype=np.float32)[..., None] / 255.0
    tint = np.array([0.55, 0.22, 0.26], dtype=np.float32) * 255  # the frame's maroon
    base = np.array(paper, dtype=np.float32)
    # dark parts of the portrait tend to the tint at 45 % strength, light parts to the paper
    mixed = base + (tint - base) * (1.0 - g) * 0.45
    out = io.BytesIO()
    Image.fromarray(np.clip(mixed, 0, 255).astype(np.uint8), "RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


# --- the perceptual hash --------------------------------------------------------------------


def photo_hash(gray: GrayImage) -> bytes:
    """The 32-byte DCT hash of a grey (2-D, uint8) image."""
    if not isinstance(gray, np.ndarray) or gray.ndim != 2 or gray.dtype != np.uint8:
        raise PhotoHashError("expected a 2-D uint8 grey image")
    if min(gray.shape) < 8:
        raise PhotoHashError("image too small")
    small = cv2.resize(gray, (_SIDE, _SIDE), interpolation=cv2.INTER_AREA).astype(np.float32)
    coeffs = cv2.dct(small)[:_BLOCK, :_BLOCK].flatten()
    median = float(np.median(coeffs[1:]))
    bits = coeffs > median
    return bytes(np.packbits(bits).tolist())


def hamming(a: bytes, b: bytes) -> int:
    """Number of differing bits between two hashes of equal length."""
    if len(a) != len(b):
        raise PhotoHashError("hashes of different lengths")
    return int.from_bytes(bytes(x ^ y for x, y in zip(a, b, strict=True)), "big").bit_count()


def matches(a: bytes, b: bytes, threshold: int = MATCH_THRESHOLD) -> bool:
    """Whether two hashes are at most ``threshold`` bits apart (the same photo)."""
    return hamming(a, b) <= threshold
