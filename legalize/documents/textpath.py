"""Text as vector outlines (PDF path operators), shaped by harfbuzz.

The fixed wording of our pages (state name and titles in three scripts, field labels, the
microtext) is drawn once per process into the security background. Converting it to outlines
keeps that cached content stream independent of each document's font subsets, and harfbuzz
shapes Sinhala and Tamil conjuncts correctly (RESEARCH §6). Text a reader must be able to
copy or search (the holder's data, the certificate's wording) stays real text.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uharfbuzz as hb
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class ShapedRun:
    """Path operators of one line of text and its advance width."""

    ops: str
    """PDF path construction operators (m, l, c, h), to be filled by the caller."""
    width: float
    """Advance width in points."""


class _PdfPen(BasePen):  # type: ignore[misc]  # fontTools is untyped
    """Writes glyph outlines as PDF path operators, scaled and translated."""

    def __init__(self, glyph_set: Any, scale: float, dx: float, dy: float, out: list[str]):
        super().__init__(glyph_set)
        self.scale, self.dx, self.dy, self.out = scale, dx, dy, out

    def _pt(self, p: tuple[float, float]) -> str:
        return f"{p[0] * self.scale + self.dx:.2f} {p[1] * self.scale + self.dy:.2f}"

    def _moveTo(self, p: tuple[float, float]) -> None:
        self.out.append(f"{self._pt(p)} m")

    def _lineTo(self, p: tuple[float, float]) -> None:
        self.out.append(f"{self._pt(p)} l")

    def _curveToOne(
        self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]
    ) -> None:
        self.out.append(f"{self._pt(p1)} {self._pt(p2)} {self._pt(p3)} c")

    def _qCurveToOne(self, p1: tuple[float, float], p2: tuple[float, float]) -> None:
        # a quadratic Bézier is the cubic with controls 2/3 of the way to the quadratic control
        p0 = self._getCurrentPoint()
        c1 = (p0[0] + 2 / 3 * (p1[0] - p0[0]), p0[1] + 2 / 3 * (p1[1] - p0[1]))
        c2 = (p2[0] + 2 / 3 * (p1[0] - p2[0]), p2[1] + 2 / 3 * (p1[1] - p2[1]))
        self._curveToOne(c1, c2, p2)

    def _closePath(self) -> None:
        self.out.append("h")


_LOCK = threading.Lock()
"""fontTools expands glyph outlines lazily inside the shared font object, which is not
thread-safe (a stress test of concurrent issuance hit a half-expanded glyph), and a racing
first load would leave an open file behind. Shaping and drawing happen under this lock."""


@functools.cache
def _font(path: str) -> tuple[hb.Font, Any, list[str], int]:
    data = Path(path).read_bytes()  # read whole: no file handle stays open
    ft = TTFont(io.BytesIO(data))
    face = hb.Face(data)
    return hb.Font(face), ft.getGlyphSet(), ft.getGlyphOrder(), face.upem


def measure(text: str, font_path: Path, size: float) -> float:
    """Advance width of ``text`` in points at ``size``."""
    return shape(text, font_path, size, 0.0, 0.0).width


def shape(text: str, font_path: Path, size: float, x: float, y: float) -> ShapedRun:
    """Shape ``text`` with harfbuzz and return its outlines with the baseline starting at (x, y)
    in PDF points."""
    with _LOCK:
        return _shape(text, font_path, size, x, y)


def _shape(text: str, font_path: Path, size: float, x: float, y: float) -> ShapedRun:
    hb_font, glyph_set, order, upem = _font(str(font_path))
    buf = hb.Buffer()
    buf.add_str(text)
    buf.guess_segment_properties()
    hb.shape(hb_font, buf, {"kern": True, "liga": True})
    scale = size / upem
    out: list[str] = []
    pen_x = 0.0
    for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True):
        name = order[info.codepoint]
        pen = _PdfPen(
            glyph_set, scale, x + (pen_x + pos.x_offset) * scale, y + pos.y_offset * scale, out
        )
        glyph_set[name].draw(pen)
        pen_x += pos.x_advance
    return ShapedRun(" ".join(out), pen_x * scale)
