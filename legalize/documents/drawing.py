"""Low-level PDF drawing shared by the layouts: path operators and cached form XObjects.

A :class:`CachedForm` is content computed and compressed once per process and attached to
each document as a form XObject, so a page's fixed artwork costs one ``Do`` operator and a
copy of bytes — not a recomputation or re-compression per document.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable

import numpy as np
from reportlab import rl_config
from reportlab.pdfbase.pdfdoc import (
    PDFDictionary,
    PDFName,
    PDFStream,
    xObjectName,
)
from reportlab.pdfgen.canvas import Canvas

from .cidtext import CachedFont
from .guilloche import Points
from .layout import MM, PAGE_HEIGHT, Rect
from .rawpdf import raw_stream

# reportlab's default wraps every stream, JPEG images included, in ASCII85 (25 % larger and
# slow in pure Python); PDF/A and every reader take binary streams.
rl_config.useA85 = 0


def polyline_ops(points: Points, close: bool = False, decimals: int = 1) -> str:
    """PDF path operators (m, l[, h]) of a polyline given in layout millimetres.

    One decimal of a point (0.035 mm) is below any printer's resolution and keeps the cached
    background small.
    """
    xs = points[:, 0] * MM
    ys = (PAGE_HEIGHT - points[:, 1]) * MM
    fmt = f"{{:.{decimals}f}} {{:.{decimals}f}}"
    coords = np.column_stack((xs, ys)).tolist()
    parts = [fmt.format(*coords[0]) + " m"]
    parts.extend(fmt.format(x, y) + " l" for x, y in coords[1:])
    if close:
        parts.append("h")
    return "\n".join(parts)


def rect_ops(rect: Rect) -> str:
    x, y, w, h = rect.pdf()
    return f"{x:.2f} {y:.2f} {w:.2f} {h:.2f} re"


def rgb(color: tuple[float, float, float], stroke: bool = False) -> str:
    r, g, b = color
    return f"{r:.3f} {g:.3f} {b:.3f} {'RG' if stroke else 'rg'}"


class CachedForm:
    """A form XObject whose content stream is built and Flate-compressed once.

    ``children`` are other cached forms this one invokes by name (``/Name Do``); they are
    attached to a document together with their parent.
    """

    def __init__(
        self,
        name: str,
        content: str,
        bbox: tuple[float, float, float, float],
        children: Iterable[CachedForm] = (),
        fonts: Iterable[CachedFont] = (),
    ) -> None:
        self.name = name
        self.children = tuple(children)
        self.fonts = tuple(fonts)
        self.size = len(content)
        refs: dict[bytes, str] = {}
        resources = []
        if self.children:
            entries = []
            for child in self.children:
                placeholder = f"@X{len(refs)}@".encode()
                refs[placeholder] = xObjectName(child.name)
                entries.append(f"/{xObjectName(child.name)} {placeholder.decode()}")
            resources.append(f"/XObject << {' '.join(entries)} >>")
        if self.fonts:
            entries = []
            for font in self.fonts:
                placeholder = f"@F{len(refs)}@".encode()
                refs[placeholder] = font.object_name
                entries.append(f"/{font.resource} {placeholder.decode()}")
            resources.append(f"/Font << {' '.join(entries)} >>")
        box = " ".join(f"{v:.3f}" for v in bbox)
        self._dictionary = (
            f"/Type /XObject /Subtype /Form /FormType 1 /BBox [{box}] "
            f"/Resources << {' '.join(resources)} >> /Filter /FlateDecode"
        )
        self._refs = refs
        self._compressed = zlib.compress(content.encode("latin-1"), 6)

    def attach(self, canvas: Canvas) -> str:
        """Add this form (and its children) to the canvas's document; returns the form name
        for ``canvas.doForm``. Idempotent per document."""
        doc = canvas._doc
        if not doc.hasForm(self.name):
            for child in self.children:
                child.attach(canvas)
            for font in self.fonts:
                font.attach(canvas)
            # A fresh object per document (reportlab tags registered objects), sharing the
            # pre-formatted bytes; only the referenced object numbers are filled in.
            doc.Reference(
                raw_stream(self._dictionary, self._compressed, self._refs),
                xObjectName(self.name),
            )
        return self.name


def draw_jpeg(canvas: Canvas, name: str, jpeg: bytes, size: tuple[int, int], rect: Rect) -> None:
    """Place a JPEG (DCTDecode, DeviceRGB, ``size`` = width × height pixels) in ``rect``.

    Written directly as an image XObject: reportlab's drawImage would decode the JPEG again
    and hash it, several milliseconds per image.
    """
    width, height = size
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("XObject"),
                "Subtype": PDFName("Image"),
                "Width": width,
                "Height": height,
                "ColorSpace": PDFName("DeviceRGB"),
                "BitsPerComponent": 8,
                "Filter": PDFName("DCTDecode"),
            }
        ),
        jpeg,
        [],
    )
    canvas._doc.Reference(stream, xObjectName(name))
    x, y, w, h = rect.pdf()
    canvas._code.append(f"q {w:.3f} 0 0 {h:.3f} {x:.3f} {y:.3f} cm")
    canvas.doForm(name)
    canvas._code.append("Q")
