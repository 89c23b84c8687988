"""Shared look of our pages: inks, fonts and the layout-to-PDF coordinate helper."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .background import FRAME_COLOUR
from .cidtext import CidTextBuilder, FontFile, Run
from .drawing import rgb
from .fonts import noto, ocrb_file
from .layout import MM, PAGE_HEIGHT, PAGE_WIDTH

INK = (0.08, 0.10, 0.22)
"""Data and body text."""
LABEL_INK = (0.42, 0.24, 0.27)
"""Field labels."""
NUMBER_INK = (0.72, 0.08, 0.10)
"""The document number."""


def y_pt(mm: float) -> float:
    """Layout y (mm from the top) as a PDF y coordinate (points from the bottom)."""
    return (PAGE_HEIGHT - mm) * MM


def fill(ops: str, colour: tuple[float, float, float]) -> str:
    """Text operators preceded by their fill colour."""
    return f"{rgb(colour)}\n{ops}"


@dataclass(frozen=True)
class Fonts:
    """The font files of our pages."""

    si: FontFile
    si_b: FontFile
    ta: FontFile
    ta_b: FontFile
    en: FontFile
    en_b: FontFile
    ocrb: FontFile


@functools.cache
def fonts() -> Fonts:
    return Fonts(
        si=noto("NotoSansSinhala-Regular"),
        si_b=noto("NotoSansSinhala-Bold"),
        ta=noto("NotoSansTamil-Regular"),
        ta_b=noto("NotoSansTamil-Bold"),
        en=noto("NotoSans-Regular"),
        en_b=noto("NotoSans-Bold"),
        ocrb=ocrb_file(),
    )


def state_header(text: CidTextBuilder, title: str, subtitle_si: str, subtitle_ta: str) -> list[str]:
    """The page head both our documents share: the state's name in Sinhala, Tamil and
    English, then the document's title in English and, beneath it, in Sinhala • Tamil."""
    f = fonts()
    centre = PAGE_WIDTH / 2 * MM
    parts: list[str] = []
    state: list[tuple[list[Run], float]] = [
        ([("ශ්‍රී ලංකා ප්‍රජාතාන්ත්‍රික සමාජවාදී ජනරජය", f.si_b, 13.0)], 15.5),
        ([("இலங்கை ஜனநாயக சோசலிசக் குடியரசு", f.ta_b, 11.0)], 22.0),
        ([("DEMOCRATIC SOCIALIST REPUBLIC OF SRI LANKA", f.en_b, 12.0)], 29.0),
    ]
    for runs, y in state:
        parts.append(fill(text.line(runs, centre, y_pt(y), "centre"), INK))
    heading = text.line([(title, f.en_b, 15.0)], centre, y_pt(38.0), "centre")
    parts.append(fill(heading, FRAME_COLOUR))
    sub: list[Run] = [
        (subtitle_si, f.si, 8.5),
        ("•", f.en, 8.0),
        (subtitle_ta, f.ta, 7.8),
    ]
    parts.append(fill(text.line(sub, centre, y_pt(44.2), "centre", gap=4.0), FRAME_COLOUR))
    return parts


def script_runs(text: str, size: float, bold: bool = False) -> list[tuple[str, FontFile, float]]:
    """Split ``text`` into runs by script (Sinhala, Tamil, other) with the matching font."""
    f = fonts()

    def font_for(char: str) -> FontFile:
        code = ord(char)
        if 0x0D80 <= code <= 0x0DFF:
            return f.si_b if bold else f.si
        if 0x0B80 <= code <= 0x0BFF:
            return f.ta_b if bold else f.ta
        return f.en_b if bold else f.en

    runs: list[tuple[str, FontFile, float]] = []
    current: FontFile | None = None
    buffer = ""
    for char in text:
        # joiners, spaces and punctuation stay with the run they are in
        font = current if current is not None and not char.isalnum() else font_for(char)
        if char in "\u200c\u200d" and current is not None:
            font = current
        if font is not current and buffer:
            runs.append((buffer, current, size))  # type: ignore[arg-type]
            buffer = ""
        current = font
        buffer += char
    if buffer and current is not None:
        runs.append((buffer, current, size))
    return runs
