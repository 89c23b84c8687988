"""Re-rendering a printed value from the signed data and comparing it with the photo's pixels.

The renderers set text with harfbuzz (kerning on) in Noto Sans / Noto Sans Sinhala / Noto Sans
Tamil and OCR-B, the files of Debian ``fonts-noto-core`` and ``fonts-ocr-b``
(:mod:`legalize.documents.fonts`, which this framework-free verifier may not import: its paths
are repeated in :data:`NOTO_DIR` / :data:`OCRB_PATH` and a test holds them equal). Pillow's
raqm layout shapes with harfbuzz as well, so the same font file at the same size and origin
puts every glyph where the PDF put it, to a few hundredths of a millimetre.

Comparison works on *ink maps* (0 = paper, 1 = ink): the photo region is normalised between its
paper and ink levels, the rendering is the glyphs' coverage; both are blurred a little (the
print and the camera blur) and compared by normalised cross-correlation after a small shift
search. Besides the whole value's score, each character's column band is scored on its own, so
one altered glyph in a long name is not averaged away and its position can be reported.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from legalize.documents import layout

from .paper import flatten

NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
OCRB_PATH = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
REFERENCE_PX = 200
"""Size (px) at which widths are measured, then scaled (layout is linear in the size)."""
PT_MM = 25.4 / 72.0


def font_path(char: str, *, bold: bool) -> Path:
    """The Noto file the renderers use for ``char`` (as ``documents.style.script_runs``)."""
    code = ord(char)
    weight = "Bold" if bold else "Regular"
    if 0x0D80 <= code <= 0x0DFF:
        return NOTO_DIR / f"NotoSansSinhala-{weight}.ttf"
    if 0x0B80 <= code <= 0x0BFF:
        return NOTO_DIR / f"NotoSansTamil-{weight}.ttf"
    return NOTO_DIR / f"NotoSans-{weight}.ttf"


@functools.lru_cache(maxsize=256)
def _font(path: Path, size_px: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size_px, layout_engine=ImageFont.Layout.RAQM)


def script_runs(text: str, *, bold: bool) -> list[tuple[str, Path]]:
    """``text`` split into runs by font, as :func:`legalize.documents.style.script_runs` does:
    joiners, spaces and punctuation stay in the run they are in."""
    runs: list[tuple[str, Path]] = []
    current: Path | None = None
    buffer = ""
    for char in text:
        if current is not None and (not char.isalnum() or char in "\u200c\u200d"):
            font = current
        else:
            font = font_path(char, bold=bold)
        if font != current and buffer and current is not None:
            runs.append((buffer, current))
            buffer = ""
        current = font
        buffer += char
    if buffer and current is not None:
        runs.append((buffer, current))
    return runs


def width_pt(runs: Sequence[tuple[str, Path]], size_pt: float) -> float:
    """Shaped width of the runs at ``size_pt`` (points)."""
    total = sum(_font(path, REFERENCE_PX).getlength(text) for text, path in runs)
    return float(total) * size_pt / REFERENCE_PX


def clusters(text: str) -> list[tuple[int, int]]:
    """``text`` cut into the units a glyph box can be measured for: a character with the
    combining marks, joiners and (after a zero-width joiner) conjunct consonants that
    shaping draws with it. Latin capitals are one unit each; a Sinhala or Tamil syllable is
    one unit, so a pre-base vowel sign drawn left of its consonant stays inside its box."""
    units: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i < len(text):
            char, previous = text[i], text[i - 1]
            joined = unicodedata.category(char)[0] == "M" or unicodedata.category(char) == "Cf"
            if joined or previous == "\u200d":
                continue
        units.append((start, i))
        start = i
    return units


@dataclass(frozen=True)
class Rendered:
    ink: NDArray[np.float32]
    """Coverage 0..1, the region's shape."""
    boxes: tuple[tuple[float, float], ...]
    """Left and right edge (px in the region) of each glyph cluster of the value
    (:func:`clusters`; spaces excluded); see :attr:`chars`."""
    chars: tuple[int, ...]
    """Index into the value of each box's first character."""


def render(
    runs: Sequence[tuple[str, Path]],
    size_pt: float,
    origin_px: tuple[float, float],
    shape: tuple[int, int],
    px_per_mm: float,
    *,
    align: str = "left",
) -> Rendered:
    """Render the runs with their left (or right) baseline point at ``origin_px``."""
    scale = 4  # supersampling: coverage is rendered at 4× and box-filtered down
    size = size_pt * PT_MM * px_per_mm * scale
    text_width = sum(_font(p, size).getlength(t) for t, p in runs)
    x0 = origin_px[0] * scale - (text_width if align == "right" else 0.0)
    height, width = shape
    # only the columns the text can touch are rendered (a long field is mostly paper)
    reach = size  # glyphs overhang their advance by far less than an em
    left_px = max(0, int(np.floor((x0 - reach) / scale)))
    right_px = min(width, int(np.ceil((x0 + text_width + reach) / scale)))
    ink = np.zeros(shape, dtype=np.float32)
    if right_px <= left_px:
        return Rendered(ink, (), ())
    canvas = Image.new("L", ((right_px - left_px) * scale, height * scale), 0)
    draw = ImageDraw.Draw(canvas)
    shift = left_px * scale
    boxes: list[tuple[float, float]] = []
    chars: list[int] = []
    x = x0
    index = 0
    for text, path in runs:
        font = _font(path, size)
        draw.text((x - shift, origin_px[1] * scale), text, font=font, fill=255, anchor="ls")
        for start, end in clusters(text):
            if text[start].isspace():
                continue
            left = x + font.getlength(text[:start])
            right = x + font.getlength(text[:end])
            boxes.append((left / scale, right / scale))
            chars.append(index + start)
        x += font.getlength(text)
        index += len(text)
    small = canvas.resize((right_px - left_px, height), Image.Resampling.BOX)
    ink[:, left_px:right_px] = np.asarray(small, dtype=np.float32) / 255.0
    return Rendered(ink, tuple(boxes), tuple(chars))


@dataclass(frozen=True)
class InkMap:
    ink: NDArray[np.float32]
    contrast: float
    """Paper level minus ink level, 0..255 grey, after :func:`.paper.flatten` (so a ratio: ink at a
    tenth of the paper's light is ~215 however bright the photo)."""
    flat: NDArray[np.uint8]
    """The region with its paper flattened (:func:`.paper.flatten`): what OCR is given."""


def ink_map(gray: NDArray[np.uint8]) -> InkMap:
    """Grey region → ink 0..1 between its paper level (80th percentile of the flattened
    region) and ink level (0.3th: a lone letter in a long region is under 1 % of it, and the
    1st percentile would be the background guilloche)."""
    flat = flatten(gray)
    values = flat.astype(np.float32)
    paper = float(np.percentile(values, 80))
    ink = float(np.percentile(values, 0.3))
    contrast = paper - ink
    scaled = (paper - values) / max(contrast, 1.0)
    return InkMap(np.clip(scaled, 0.0, 1.0).astype(np.float32), contrast, flat)


def _blur(image: NDArray[np.float32], sigma_px: float) -> NDArray[np.float32]:
    return _blur_xy(image, sigma_px, sigma_px)


def _blur_xy(image: NDArray[np.float32], sx: float, sy: float) -> NDArray[np.float32]:
    if max(sx, sy) < 0.3:
        return image
    out = cv2.GaussianBlur(image, (0, 0), sigmaX=max(sx, 0.01), sigmaY=max(sy, 0.01))
    return np.asarray(out, dtype=np.float32)


@dataclass(frozen=True)
class Comparison:
    score: float
    """Normalised cross-correlation of the whole value at the best shift."""
    char_scores: tuple[float, ...]
    """The same, per character band (order of :attr:`Rendered.chars`)."""
    shift_px: tuple[int, int]


def _ncc(a: NDArray[np.float32], b: NDArray[np.float32]) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if denominator <= 1e-6:
        return 0.0
    return float((a * b).sum() / denominator)


def compare(
    photo: NDArray[np.float32],
    rendered: Rendered,
    margin_px: int,
    blur_px: float,
    *,
    vertical_margin_px: int | None = None,
    photo_blur_px: tuple[float, float] = (0.0, 0.0),
) -> Comparison:
    """Best shift of the rendering within ``margin_px`` of the photo ink map, and the scores.

    ``photo`` and ``rendered.ink`` have the same shape; the rendering's window is the region
    shrunk by the margins, so a shift never reads outside the photo region.
    """
    vm = margin_px if vertical_margin_px is None else vertical_margin_px
    height, width = rendered.ink.shape
    # the rendering also gets the blur the photo has and it lacks (``photo_blur_px``, along
    # x and y: a shake blurs one way), so a blurred print is compared with a likewise
    # blurred rendering, not with a sharp one
    sx, sy = (float(np.hypot(blur_px, extra)) for extra in photo_blur_px)
    template = _blur_xy(rendered.ink, sx, sy)[vm : height - vm, margin_px : width - margin_px]
    image = _blur(photo, blur_px)
    if template.size == 0 or float(template.std()) < 1e-3:
        return Comparison(0.0, tuple(0.0 for _ in rendered.boxes), (0, 0))
    result = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, location = cv2.minMaxLoc(result)
    dx, dy = location[0] - margin_px, location[1] - vm
    x0, y0 = location
    rows = image[y0 : y0 + template.shape[0]]
    scores: list[float] = []
    pad = max(1, round(blur_px * 2))
    for left, right in rendered.boxes:
        a = max(0, int(np.floor(left)) - margin_px - pad)
        b = min(template.shape[1], int(np.ceil(right)) - margin_px + pad)
        if b - a < 2:
            scores.append(0.0)
            continue
        local = 0.0
        # a glyph may sit a pixel off the line's best shift (print and lens distortion)
        for sx in (-1, 0, 1):
            if x0 + a + sx < 0 or x0 + b + sx > rows.shape[1]:
                continue
            local = max(local, _ncc(template[:, a:b], rows[:, x0 + a + sx : x0 + b + sx]))
        scores.append(local)
    return Comparison(float(best), tuple(scores), (dx, dy))


@functools.cache
def _ocrb_advance() -> float:
    """Advance of OCR-B's ``<`` per pixel of font size (every OCR-B glyph has the same)."""
    return float(ImageFont.truetype(str(OCRB_PATH), REFERENCE_PX).getlength("<")) / REFERENCE_PX


def mrz_font_px(px_per_mm: float) -> int:
    """OCR-B size (px, whole) whose advance is the ICAO pitch at ``px_per_mm``."""
    return max(1, round(layout.MRZ_CHAR_PITCH * px_per_mm / _ocrb_advance()))


def mrz_font_size(px_per_mm: float) -> float:
    """The same, unrounded."""
    return layout.MRZ_CHAR_PITCH * px_per_mm / _ocrb_advance()
