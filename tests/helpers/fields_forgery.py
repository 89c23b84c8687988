"""Rasters of issued documents, located pages and the forgeries the field checks must catch.

Used by tests/test_image_fields.py and bench/fields_bench.py: rasterize page 1 of an issued
PDF (pypdfium2), build a :class:`LocatedPage` from a known homography, and alter printed
values the way a forger would: paint paper over the last characters and draw others in a
similar bold font, paste another document's field, change one MRZ character.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pypdfium2
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from legalize.documents import layout
from legalize.kinds import DocumentType
from verifier.image import fields, textrender
from verifier.image.page import Fix, LocatedPage

DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
INK = (20, 26, 56)
"""The renderers' value ink (style.INK) in 8-bit RGB."""


def rasterize(pdf: bytes, dpi: float) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72.0).to_pil().convert("RGB")
    finally:
        document.close()
    return image


def located(
    image: Image.Image, kind: DocumentType, homography: NDArray[np.float64] | None = None
) -> LocatedPage:
    """A page whose homography is known: the raster's own scale unless given."""
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    gray = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    if homography is None:
        scale = image.width / layout.PAGE_WIDTH
        homography = np.diag([scale, scale, 1.0])
    corners = np.array([[0, 0], [layout.PAGE_WIDTH, 0], [0, layout.PAGE_HEIGHT]], np.float64)
    mapped = cv2.perspectiveTransform(corners.reshape(-1, 1, 2), homography).reshape(-1, 2)
    ppm = float(
        np.sqrt(
            np.linalg.norm(mapped[1] - mapped[0])
            / layout.PAGE_WIDTH
            * np.linalg.norm(mapped[2] - mapped[0])
            / layout.PAGE_HEIGHT
        )
    )
    return LocatedPage(rgb, gray, homography, kind, Fix.MARKERS, 0.05, ppm)


def captured(image: Image.Image, kind: DocumentType, *, seed: int = 1) -> LocatedPage:
    """A phone-like capture: a small perspective warp, blur, noise and JPEG at quality 80."""
    rng = np.random.default_rng(seed)
    src = np.array(
        [[0, 0], [image.width, 0], [image.width, image.height], [0, image.height]], np.float32
    )
    jitter = rng.uniform(-0.02, 0.02, size=(4, 2)) * np.array([image.width, image.height])
    dst = (src + jitter + np.array([0.04 * image.width, 0.03 * image.height])).astype(np.float32)
    warp = cv2.getPerspectiveTransform(src, dst)
    size = (int(image.width * 1.08), int(image.height * 1.06))
    photo = cv2.warpPerspective(
        np.asarray(image), warp, size, flags=cv2.INTER_LINEAR, borderValue=(90, 90, 90)
    )
    photo = cv2.GaussianBlur(photo, (0, 0), 0.9)
    noise = rng.normal(0, 3.0, photo.shape)
    photo = np.clip(photo.astype(np.float64) + noise, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo).save(buffer, "JPEG", quality=80)
    jpeg = Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")
    scale = image.width / layout.PAGE_WIDTH
    homography = warp @ np.diag([scale, scale, 1.0])
    return located(jpeg, kind, homography)


def _spec(specs: list[fields.Spec], key: str) -> fields.Spec:
    return next(s for s in specs if s.key == key)


def edit_tail(
    image: Image.Image,
    spec: fields.Spec,
    replacement: str,
    *,
    font_path: str = DEJAVU_BOLD,
    ink: tuple[int, int, int] = INK,
) -> Image.Image:
    """Paint paper over the last ``len(replacement)`` characters of the printed value and
    draw ``replacement`` there in ``font_path`` at the same cap height."""
    out = image.copy()
    scale = image.width / layout.PAGE_WIDTH
    text = spec.expected[0]
    runs = textrender.script_runs(text, bold=spec.bold)
    keep = text[: len(text) - len(replacement)]
    keep_mm = textrender.width_pt(textrender.script_runs(keep, bold=spec.bold), spec.size_pt)
    full = textrender.width_pt(runs, spec.size_pt) * textrender.PT_MM
    start = spec.x - full if spec.align == "right" else spec.x
    left = start + keep_mm * textrender.PT_MM
    right = start + full
    draw = ImageDraw.Draw(out)
    top = spec.baseline - fields.CAP_HEIGHT_EM * spec.size_pt * textrender.PT_MM - 0.3
    box = (left * scale, top * scale, (right + 0.4) * scale, (spec.baseline + 0.4) * scale)
    paper = _paper(image, box)
    draw.rectangle(box, fill=paper)
    cap_px = fields.CAP_HEIGHT_EM * spec.size_pt * textrender.PT_MM * scale
    font = ImageFont.truetype(font_path, max(1, round(cap_px / 0.729)))
    draw.text((left * scale, spec.baseline * scale), replacement, font=font, fill=ink, anchor="ls")
    return out


def _paper(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[int, int, int]:
    x0, y0, x1, _ = (round(v) for v in box)
    patch = np.asarray(image.crop((x0 - 6, y0 - 6, x1 + 6, y0 - 1)))
    return tuple(int(v) for v in np.median(patch.reshape(-1, 3), axis=0))  # type: ignore[return-value]


def paste_field(
    image: Image.Image, donor: Image.Image, spec: fields.Spec, donor_spec: fields.Spec
) -> Image.Image:
    """Copy the donor's printed value (its whole value box) over this document's."""
    out = image.copy()
    scale = image.width / layout.PAGE_WIDTH
    top = spec.baseline - spec.above + 0.4
    width = spec.room
    box = tuple(
        round(v * scale) for v in (spec.x - 0.5, top, spec.x + width, spec.baseline + spec.below)
    )
    donor_box = tuple(
        round(v * scale)
        for v in (donor_spec.x - 0.5, top, donor_spec.x + width, donor_spec.baseline + spec.below)
    )
    out.paste(donor.crop(donor_box), box[:2])
    return out


def edit_mrz_char(image: Image.Image, line: int, index: int, char: str) -> Image.Image:
    """Replace one MRZ character (paper over its cell, the new one in OCR-B)."""
    out = image.copy()
    scale = image.width / layout.PAGE_WIDTH
    x = layout.TTD_MRZ_LEFT + index * layout.MRZ_CHAR_PITCH
    baseline = layout.TTD_MRZ_FIRST_BASELINE + line * layout.TTD_MRZ_LINE_PITCH
    draw = ImageDraw.Draw(out)
    draw.rectangle(
        ((x + 0.05) * scale, (baseline - 3.2) * scale, (x + 2.5) * scale, (baseline + 0.5) * scale),
        fill=(255, 255, 255),
    )
    size = textrender.mrz_font_px(scale)
    font = ImageFont.truetype(str(textrender.OCRB_PATH), size)
    draw.text((x * scale, baseline * scale), char, font=font, fill=(0, 0, 0), anchor="ls")
    return out


def blurred(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))
