"""The fixed security background of a page (DESIGN §5), built once per process.

Features, all vector, all at the places :mod:`layout` names:

- a pale tint and a large guilloche rosette (two nested bands of strands) behind the panel;
- a guilloche frame (two interlaced waves) round the panel;
- a fine-line wave band whose amplitude swells along the band;
- a microtext line: the state's name repeated in letters about 0.4 mm high, drawn as glyph
  outlines in a nested form (one phrase, repeated), so it costs no font and stays small.

:func:`security_background` returns a :class:`CachedForm`; each document attaches it and draws
it with one ``Do``. The per-document rosette is not here (see :mod:`ttd`).
"""

from __future__ import annotations

import functools

from . import guilloche
from .drawing import CachedForm, polyline_ops, rect_ops, rgb
from .fonts import NOTO_DIR
from .layout import (
    LEGAL_FINE_LINES,
    LEGAL_MICROTEXT,
    LEGAL_PANEL,
    MM,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TTD_FINE_LINES,
    TTD_MICROTEXT,
    TTD_PANEL,
    Rect,
)
from .textpath import shape

MICROTEXT = "DEMOCRATIC SOCIALIST REPUBLIC OF SRI LANKA \u2022 "
MICROTEXT_SIZE = 1.6
"""Font size in points of the microtext (cap height about 0.4 mm)."""

TINT = (0.965, 0.955, 0.925)
ROSETTE_COLOUR = (0.62, 0.77, 0.74)
INNER_ROSETTE_COLOUR = (0.86, 0.72, 0.62)
FRAME_COLOUR = (0.55, 0.22, 0.26)
FINE_LINE_COLOUR = (0.70, 0.55, 0.60)
MICROTEXT_COLOUR = (0.35, 0.18, 0.22)
KINDS = ("ttd", "legalization")


@functools.cache
def _microtext_phrase() -> CachedForm:
    run = shape(MICROTEXT, NOTO_DIR / "NotoSans-Regular.ttf", MICROTEXT_SIZE, 0.0, 0.0)
    return CachedForm(
        "LzMicro",
        f"{run.ops} f",
        (0.0, -MICROTEXT_SIZE * 0.4, round(run.width, 2), MICROTEXT_SIZE),
    )


def microtext_phrase_width() -> float:
    """Width in points of one repetition of the microtext phrase."""
    run = shape(MICROTEXT, NOTO_DIR / "NotoSans-Regular.ttf", MICROTEXT_SIZE, 0.0, 0.0)
    return run.width


def _microtext_line(rect: Rect) -> str:
    phrase = microtext_phrase_width()
    x0, _, width, _ = rect.pdf()
    baseline = (PAGE_HEIGHT - rect.y - rect.h * 0.8) * MM
    ops = [rgb(MICROTEXT_COLOUR)]
    x = x0
    while x + phrase <= x0 + width + 0.01:
        ops.append(f"q 1 0 0 1 {x:.2f} {baseline:.2f} cm /{_name('LzMicro')} Do Q")
        x += phrase
    return "\n".join(ops)


def _name(form: str) -> str:
    from reportlab.pdfbase.pdfdoc import xObjectName

    return str(xObjectName(form))


def _strokes(
    paths: list[guilloche.Points], colour: tuple[float, float, float], width: float
) -> str:
    ops = [rgb(colour, stroke=True), f"{width:.2f} w"]
    ops.extend(polyline_ops(p) for p in paths)
    ops.append("S")
    return "\n".join(ops)


def _build(panel: Rect, fine_lines: Rect, microtext: Rect) -> str:
    ops = ["q", "1 j 1 J"]
    ops.append(f"{rgb(TINT)} {rect_ops(panel)} f")
    cx, cy = panel.centre
    radius = min(panel.w, panel.h) * 0.46
    outer = guilloche.background_rosette((cx, cy), radius)
    ops.append(_strokes(outer[:12], ROSETTE_COLOUR, 0.3))
    ops.append(_strokes(outer[12:], INNER_ROSETTE_COLOUR, 0.3))
    ops.append(
        _strokes(guilloche.border(panel.x, panel.y, panel.w, panel.h, 4.0), FRAME_COLOUR, 0.35)
    )
    waves = guilloche.wave_band(
        fine_lines.x, fine_lines.y, fine_lines.w, fine_lines.h, lines=14, period=7.0
    )
    ops.append(_strokes(waves, FINE_LINE_COLOUR, 0.25))
    ops.append(_microtext_line(microtext))
    ops.append("Q")
    return "\n".join(ops)


@functools.cache
def security_background(kind: str) -> CachedForm:
    """The background form of ``kind`` ("ttd" or "legalization"), built on first use."""
    if kind == "ttd":
        content = _build(TTD_PANEL, TTD_FINE_LINES, TTD_MICROTEXT)
    elif kind == "legalization":
        content = _build(LEGAL_PANEL, LEGAL_FINE_LINES, LEGAL_MICROTEXT)
    else:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    return CachedForm(
        f"LzBackground{kind.capitalize()}",
        content,
        (0.0, 0.0, PAGE_WIDTH * MM, PAGE_HEIGHT * MM),
        children=(_microtext_phrase(),),
    )
