"""The QR seal as vector modules, fast.

zxing-cpp's writer builds the matrix in about a millisecond for a 400-character code
(reportlab's QR widget needs ~290 ms, ``qrcode`` ~45 ms, RESEARCH §2). The text must be QR
alphanumeric (upper-case Base32/Base45 alphabet and the URL prefix in capitals), error
correction M; the symbol is scaled to fill its square in :mod:`layout`, minus a four-module
quiet zone, and must come out at least 40 mm wide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import zxingcpp
from numpy.typing import NDArray

from .errors import DocumentError
from .layout import MM, PAGE_HEIGHT, Rect

ALPHANUMERIC = re.compile(r"^[0-9A-Z $%*+\-./:]+$")
MIN_WIDTH_MM = 40.0
QUIET_MODULES = 4
MIN_MODULE_MM = 0.5


class QrError(DocumentError):
    """The text cannot be printed as our QR (not alphanumeric, too long for the square)."""


@dataclass(frozen=True)
class QrSymbol:
    """A QR symbol's module matrix."""

    modules: NDArray[np.bool_]
    """Square boolean matrix, True = dark module, no quiet zone."""

    @property
    def size(self) -> int:
        return int(self.modules.shape[0])

    @property
    def version(self) -> int:
        return (self.size - 17) // 4


def encode(text: str) -> QrSymbol:
    """Encode ``text`` as a QR symbol in alphanumeric mode, error correction M."""
    if not text or not ALPHANUMERIC.match(text):
        raise QrError("QR text must be non-empty QR alphanumeric (0-9 A-Z space $%*+-./:)")
    try:
        barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    except Exception as exc:  # zxing raises plain exceptions for data that does not fit
        raise QrError(f"cannot encode the QR: {exc}") from exc
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return QrSymbol(image < 128)


def module_size(symbol: QrSymbol, square: Rect) -> float:
    """Module size in mm: ``symbol`` plus its four-module quiet zone fills ``square``, but the
    symbol is never narrower than MIN_WIDTH_MM (a short text then keeps a quiet zone of at
    least 4 mm rather than four modules)."""
    return max(square.w / (symbol.size + 2 * QUIET_MODULES), MIN_WIDTH_MM / symbol.size)


def qr_ops(symbol: QrSymbol, square: Rect) -> str:
    """PDF operators: a white square (quiet zone included), then the dark modules, one
    rectangle per horizontal run (a few hundred operators for a version-11 code)."""
    module = module_size(symbol, square)
    width = module * symbol.size
    if width < MIN_WIDTH_MM:
        raise QrError(f"QR would be {width:.1f} mm wide; at least {MIN_WIDTH_MM} mm required")
    if module < MIN_MODULE_MM:
        raise QrError(
            f"the QR text needs {symbol.size} modules: {module:.2f} mm each is below "
            f"{MIN_MODULE_MM} mm, too small to read reliably from a photo (RESEARCH §2)"
        )
    step = module * MM
    margin = (square.w - width) / 2  # centred in its square
    left = (square.x + margin) * MM
    top = (PAGE_HEIGHT - square.y - margin) * MM
    ops = [
        "q 1 1 1 rg",
        _rect(
            square.x * MM, (PAGE_HEIGHT - square.y - square.h) * MM, square.w * MM, square.h * MM
        ),
        "f 0 0 0 rg",
    ]
    # Run-length encode each row: transitions of the padded row give run starts and ends
    # (np.nonzero walks row-major, so starts and ends pair up); one C-level format call.
    padded = np.pad(symbol.modules.astype(np.int8), ((0, 0), (1, 1)))
    diff = np.diff(padded, axis=1)
    rows, starts = np.nonzero(diff == 1)
    _, ends = np.nonzero(diff == -1)
    table = np.column_stack(
        (
            left + starts * step,
            top - (rows + 1) * step,
            (ends - starts) * step,
            np.full(len(rows), step),
        )
    )
    ops.append(("%.3f %.3f %.3f %.3f re\n" * len(rows)) % tuple(table.ravel().tolist()))
    ops.append("f Q")
    return "\n".join(ops)


def _rect(x: float, y: float, w: float, h: float) -> str:
    # three decimals: modules must abut exactly, or hairline gaps show in rasters
    return f"{x:.3f} {y:.3f} {w:.3f} {h:.3f} re"
