"""The holder photo: one normalisation for the print and for the seal's photo hash.

:func:`photo_for_print` turns the uploaded JPEG/PNG into the exact pixels the TTD prints
(EXIF orientation applied, centre-cropped to the ICAO 35 × 45 mm proportions, resized to
:data:`PHOTO_PIXELS`). The seal's photo hash (``legalize.seal.photohash.photo_hash``) is
computed from :func:`photo_gray` of the same array, so what is hashed is what is printed.
The PDF embeds those pixels as a high-quality JPEG (:func:`photo_jpeg`); the difference JPEG
makes is far below what a perceptual hash resolves.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import PhotoError

PHOTO_PIXELS = (280, 360)
"""Width × height of the normalised photo (35 × 45 mm at about 200 dpi)."""
GHOST_PIXELS = (140, 180)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
"""Refuse larger images before decoding them (decompression bombs)."""
MIN_PHOTO_SIDE = 100

RgbImage = NDArray[np.uint8]
"""(height, width, 3) uint8 RGB."""
GrayImage = NDArray[np.uint8]
"""(height, width) uint8 luminance."""


def photo_for_print(photo: bytes) -> RgbImage:
    """Normalise an uploaded JPEG or PNG portrait to the pixels the document prints."""
    if len(photo) > MAX_PHOTO_BYTES:
        raise PhotoError(f"photo larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(photo))
            if image.format not in ("JPEG", "PNG"):
                raise PhotoError(f"photo must be JPEG or PNG, not {image.format}")
            width, height = image.size
            if width * height > MAX_PHOTO_PIXELS:
                raise PhotoError(f"photo of {width} × {height} pixels is too large")
            if min(width, height) < MIN_PHOTO_SIDE:
                raise PhotoError(f"photo of {width} × {height} pixels is too small")
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PhotoError(f"photo cannot be read: {exc}") from exc
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise PhotoError(f"photo is too large: {exc}") from exc
    fitted = ImageOps.fit(image, PHOTO_PIXELS, Image.Resampling.LANCZOS, centering=(0.5, 0.4))
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
