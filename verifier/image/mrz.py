"""The printed MRZ against the one the seal carries, character cell by character cell.

Stock tesseract reads OCR-B's ``<`` as K, E or S (RESEARCH §3), so the MRZ is not free-read.
Its two TD3 lines stand at fixed places (:data:`layout.TTD_MRZ_LEFT`, the ICAO pitch of
2.54 mm, :data:`layout.TTD_MRZ_FIRST_BASELINE`), and the seal (our tag 0xC2, ``printed_mrz``)
says which glyph each of the 88 cells must hold. Each line is rectified at
:data:`PX_PER_MM`, aligned as a whole on the rendering of the expected line (± 1 mm), and every
cell is correlated with templates of all 37 MRZ glyphs rendered from the same OCR-B file
(Debian ``fonts-ocr-b``) at the same size, each allowed :data:`CELL_SLACK_MM` of play.

A cell is a mismatch when another glyph's template matches clearly better than the expected
one (by :data:`MISMATCH_MARGIN`) and well (≥ :data:`MATCH_MIN`); a cell whose expected glyph
matches poorly while nothing matches better is unreadable. Any mismatched cell fails the
check, and the positions (line, index; 0-based) say which.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from legalize.documents import layout
from legalize.documents.layout import Rect
from verifier.image import textrender
from verifier.image.page import LocatedPage

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
PX_PER_MM = 10.0
"""Resolution the MRZ is compared at (a cell is 25.4 px wide, a capital about 24 px high)."""
ABOVE_MM = 3.2
"""Cell window above the baseline (OCR-B capitals are about 2.4 mm high)…"""
BELOW_MM = 0.7
"""…and below it."""
LINE_SHIFT_MM = 1.0
CELL_SLACK_MM = 0.3
"""Play allowed to each cell after the line is aligned (print and lens distortion)."""
MISMATCH_MARGIN = 0.08
"""How much better another glyph must match than the expected one (genuine captures: the
expected glyph led by ≥ 0.05; one-character edits: another glyph led by ≥ 0.17)."""
MATCH_MIN = 0.55
"""…and how well at least, for the cell to count as a mismatch."""
EXPECTED_MIN = 0.60
"""Below this the expected glyph is not recognisably there; with no better glyph the cell is
unreadable."""
LINE_READABLE = 0.70
"""Median expected-glyph score below which the MRZ is too blurred to compare (genuine
captures: ≥ 0.94 at 150–300 dpi; a 150 dpi scan blurred with σ = 3 px: 0.70)."""
BLUR_PENALTY = 0.5
"""Extra margin per unit the median falls short of 1 (σ = 2.5 px: another glyph led a
genuine cell by 0.10 at median 0.76, so the margin there must exceed 0.19)."""
UNREADABLE_CELLS = 4
"""More unreadable cells than this and the MRZ is unreadable as a whole."""


@dataclass(frozen=True)
class CellResult:
    line: int
    index: int
    expected: str
    expected_score: float
    best: str
    best_score: float

    def mismatch(self, margin: float = MISMATCH_MARGIN) -> bool:
        """Another glyph matches better than the expected one by ``margin``, and well."""
        return (
            self.best != self.expected
            and self.best_score >= MATCH_MIN
            and self.best_score - self.expected_score >= margin
        )

    def unreadable(self, margin: float = MISMATCH_MARGIN) -> bool:
        return not self.mismatch(margin) and self.expected_score < EXPECTED_MIN


def required_margin(cells: list[CellResult]) -> float | None:
    """The margin a mismatch needs given how well the MRZ matches as a whole: blur flattens
    every glyph towards its neighbours, so a blurred line needs a clearer winner; None when
    the line is too blurred to decide anything (median expected score < LINE_READABLE)."""
    median = float(np.median([c.expected_score for c in cells])) if cells else 0.0
    if median < LINE_READABLE:
        return None
    return MISMATCH_MARGIN + BLUR_PENALTY * (1.0 - median)


def line_rect(line: int, length: int) -> Rect:
    """Page rectangle (mm) of MRZ line ``line``, with room for the line shift."""
    baseline = layout.TTD_MRZ_FIRST_BASELINE + line * layout.TTD_MRZ_LINE_PITCH
    return Rect(
        layout.TTD_MRZ_LEFT - LINE_SHIFT_MM - CELL_SLACK_MM,
        baseline - ABOVE_MM - LINE_SHIFT_MM,
        length * layout.MRZ_CHAR_PITCH + 2 * (LINE_SHIFT_MM + CELL_SLACK_MM),
        ABOVE_MM + BELOW_MM + 2 * LINE_SHIFT_MM,
    )


@functools.cache
def _ocrb(size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(textrender.OCRB_PATH), size)


def _draw(text: str, shape: tuple[int, int], origin: tuple[float, float]) -> NDArray[np.float32]:
    """``text`` in OCR-B at the MRZ's size, left baseline at ``origin`` (px), coverage 0..1."""
    scale = 4
    size = textrender.mrz_font_size(PX_PER_MM) * scale
    height, width = shape
    canvas = Image.new("L", (width * scale, height * scale), 0)
    draw = ImageDraw.Draw(canvas)
    pitch = layout.MRZ_CHAR_PITCH * PX_PER_MM * scale
    for i, char in enumerate(text):  # each glyph at its cell: the pitch is the layout's
        position = (origin[0] * scale + i * pitch, origin[1] * scale)
        draw.text(position, char, font=_ocrb(size), fill=255, anchor="ls")
    small = canvas.resize((width, height), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float32) / 255.0


@functools.cache
def templates(blur_px: float) -> NDArray[np.float32]:
    """(37, h, w) blurred coverage of each glyph of :data:`ALPHABET` in its cell window."""
    cell_w = round(layout.MRZ_CHAR_PITCH * PX_PER_MM)
    cell_h = round((ABOVE_MM + BELOW_MM) * PX_PER_MM)
    out = []
    for char in ALPHABET:
        glyph = _draw(char, (cell_h, cell_w), (0.0, ABOVE_MM * PX_PER_MM))
        out.append(_blur(glyph, blur_px))
    return np.stack(out)


def _blur(image: NDArray[np.float32], sigma: float) -> NDArray[np.float32]:
    if sigma < 0.3:
        return image
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.float32)


def compare_line(page: LocatedPage, line: int, expected: str, blur_mm: float) -> list[CellResult]:
    """Every cell of MRZ line ``line`` against every glyph."""
    rect = line_rect(line, len(expected))
    gray = page.region(rect, PX_PER_MM)
    ink = _blur(textrender.ink_map(gray).ink, blur_mm * PX_PER_MM)
    margin = (LINE_SHIFT_MM + CELL_SLACK_MM) * PX_PER_MM
    vertical = LINE_SHIFT_MM * PX_PER_MM
    origin = (margin, vertical + ABOVE_MM * PX_PER_MM)
    rendered = _blur(_draw(expected, gray.shape, origin), blur_mm * PX_PER_MM)
    m, v = round(margin), round(vertical)
    window = rendered[v : rendered.shape[0] - v, m : rendered.shape[1] - m]
    result = cv2.matchTemplate(ink, window, cv2.TM_CCOEFF_NORMED)
    _, _, _, (x0, y0) = cv2.minMaxLoc(result)
    dx, dy = x0 - m, y0 - v
    glyphs = templates(round(blur_mm * PX_PER_MM, 2))
    cell_h = glyphs.shape[1]
    slack = round(CELL_SLACK_MM * PX_PER_MM)
    # every cell at every shift within its slack against every glyph: one matrix product
    # (normalised cross-correlation, as cv2.TM_CCOEFF_NORMED, at just those positions)
    cell_w = glyphs.shape[2]
    pitch = layout.MRZ_CHAR_PITCH * PX_PER_MM
    top = round(vertical) + dy
    shifts = np.arange(-slack, slack + 1)
    ys = np.clip(top + shifts, 0, ink.shape[0] - cell_h)
    lefts = np.array([round(margin + i * pitch) + dx for i in range(len(expected))])
    xs = np.clip(lefts[:, None] + shifts[None, :], 0, ink.shape[1] - cell_w)
    windows = np.lib.stride_tricks.sliding_window_view(ink, (cell_h, cell_w))
    patches = windows[ys[None, :, None], xs[:, None, :]]  # (cells, sy, sx, h, w)
    flat = patches.reshape(len(expected) * len(ys) * len(shifts), -1).astype(np.float32)
    flat = flat - flat.mean(axis=1, keepdims=True)
    norms = np.sqrt((flat * flat).sum(axis=1))
    tmpl = glyphs.reshape(len(ALPHABET), -1)
    tmpl = tmpl - tmpl.mean(axis=1, keepdims=True)
    tnorms = np.sqrt((tmpl * tmpl).sum(axis=1))
    products = flat @ tmpl.T
    denominator = np.maximum(norms[:, None] * tnorms[None, :], 1e-6)
    ncc = (products / denominator).reshape(len(expected), -1, len(ALPHABET)).max(axis=1)
    cells: list[CellResult] = []
    for i, char in enumerate(expected):
        scores = ncc[i]
        k = ALPHABET.index(char) if char in ALPHABET else ALPHABET.index("<")
        others = scores.copy()
        others[k] = -1.0
        best = int(np.argmax(others))
        cells.append(
            CellResult(line, i, char, float(scores[k]), ALPHABET[best], float(others[best]))
        )
    return cells


def printed_lines(seal_fields: Mapping[str, object]) -> tuple[str, str] | None:
    """The TD3 lines the seal says are printed, if it carries them (our tag 0xC2)."""
    printed = seal_fields.get("printed_mrz")
    if (
        isinstance(printed, (list, tuple))
        and len(printed) == 2
        and all(isinstance(x, str) and x for x in printed)
    ):
        return (str(printed[0]), str(printed[1]))
    return None
