"""Fonts of the documents.

- Latin text: Noto Sans (regular, bold) from Debian ``fonts-noto-core``;
- Sinhala and Tamil: Noto Sans Sinhala / Noto Sans Tamil, shaped by harfbuzz (:mod:`cidtext`);
- the MRZ: OCR-B from Debian ``fonts-ocr-b``. It ships as OpenType/CFF; embedded as a
  CIDFontType2 it needs TrueType outlines, so its cubic outlines are converted to quadratics
  in memory with fontTools (about 0.3 s, once per process) — no cache file.

Every font is embedded (subset) in the PDFs, as PDF/A requires.
"""

from __future__ import annotations

import functools
import io
import threading
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from .cidtext import FontFile
from .errors import DocumentError

NOTO_DIR = Path("/usr/share/fonts/truetype/noto")
OCRB_PATH = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")


class FontError(DocumentError):
    """A font the documents need is not installed (Debian fonts-noto-core, fonts-ocr-b)."""


@dataclass(frozen=True)
class FontNames:
    """reportlab names of the registered fonts."""

    sans: str = "LzSans"


FONTS = FontNames()
_lock = threading.Lock()

SUBSET_LOCK = threading.Lock()
"""Held around ``canvas.save()``: reportlab subsets its registered TrueType fonts there by
seeking and reading one shared font-file object, which is not thread-safe (under gunicorn
threads about one concurrent issuance in fifty failed with an AttributeError from a
half-read font). Saving is a few milliseconds of each render."""
_registered = False


def _first(*paths: Path) -> Path:
    for path in paths:
        if path.is_file():
            return path
    raise FontError(f"font not installed: {paths[0]} (install Debian fonts-noto-core)")


def ocrb_truetype(path: Path = OCRB_PATH) -> bytes:
    """OCR-B with its CFF outlines converted to TrueType (quadratic) outlines.

    Cubic curves are approximated with quadratics to within 1 font unit (1/1000 em, i.e.
    3 µm at the MRZ's size), far below print resolution.
    """
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as FtFont
    from fontTools.ttLib import newTable

    if not path.is_file():
        raise FontError(f"font not installed: {path} (install Debian fonts-ocr-b)")
    font = FtFont(str(path))
    glyph_order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    maxp = font["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    maxp.maxComponentDepth = 0
    font["head"].glyphDataFormat = 0
    font["post"].formatType = 2.0
    font["post"].extraNames = []
    font["post"].mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@functools.cache
def ocrb_file() -> FontFile:
    """OCR-B as a TrueType :class:`FontFile` (converted once per process)."""
    return FontFile("OCRB", ocrb_truetype())


def noto(name: str) -> FontFile:
    """A Noto font of Debian fonts-noto-core, e.g. ``noto("NotoSansSinhala-Bold")``."""
    return FontFile.load(NOTO_DIR / f"{name}.ttf")


def register() -> FontNames:
    """Register the canvas's initial font with reportlab (idempotent, thread-safe).

    Our text is set with :mod:`cidtext` fonts; reportlab only needs a registered TrueType
    font as the canvas's initial font, or it would reference the non-embedded Helvetica.
    """
    global _registered
    with _lock:
        if not _registered:
            sans = _first(NOTO_DIR / "NotoSans-Regular.ttf", DEJAVU_DIR / "DejaVuSans.ttf")
            pdfmetrics.registerFont(TTFont(FONTS.sans, str(sans)))
            _registered = True
    return FONTS
