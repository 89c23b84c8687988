"""``--debug DIR``: every intermediate image of a verification, numbered in step order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.documents.layout import (
    LEGAL_FINE_LINES,
    LEGAL_MICROTEXT,
    LEGAL_QR,
    LEGAL_ROSETTE,
    TTD_FINE_LINES,
    TTD_GHOST,
    TTD_MICROTEXT,
    TTD_MRZ,
    TTD_PHOTO,
    TTD_QR,
    TTD_ROSETTE,
    Rect,
)
from legalize.kinds import DocumentType

from .page import LocatedPage

if TYPE_CHECKING:
    from .locate import MarkerHit

MAX_SIDE = 2400
"""Debug copies of the whole photo are scaled down to this (a 48 MP photo is 150 MB as PNG)."""

_REGIONS: dict[DocumentType, dict[str, Rect]] = {
    DocumentType.TTD: {
        "photo": TTD_PHOTO,
        "ghost": TTD_GHOST,
        "qr": TTD_QR,
        "rosette": TTD_ROSETTE,
        "fine-lines": TTD_FINE_LINES,
        "microtext": TTD_MICROTEXT.grown(1.0),
        "mrz": TTD_MRZ,
    },
    DocumentType.LEGALIZATION: {
        "qr": LEGAL_QR,
        "rosette": LEGAL_ROSETTE,
        "fine-lines": LEGAL_FINE_LINES,
        "microtext": LEGAL_MICROTEXT.grown(1.0),
    },
}


class Debug:
    """Writes PNGs into ``folder``; with ``None`` it does nothing and costs nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    @property
    def enabled(self) -> bool:
        return self.folder is not None

    def save(self, name: str, image: NDArray[np.uint8]) -> None:
        if self.folder is None:
            return
        out: NDArray[np.uint8] = image
        side = max(out.shape[:2])
        if side > MAX_SIDE:
            k = MAX_SIDE / side
            out = np.asarray(cv2.resize(out, None, fx=k, fy=k, interpolation=cv2.INTER_AREA))
        if out.ndim == 3:
            out = np.asarray(cv2.cvtColor(out, cv2.COLOR_RGB2BGR))
        cv2.imwrite(str(self.folder / f"{name}.png"), out)

    def markers(self, name: str, rgb: NDArray[np.uint8], hits: Sequence[MarkerHit]) -> None:
        if self.folder is None:
            return
        canvas = rgb.copy()
        thickness = max(2, round(max(rgb.shape[:2]) / 800))
        for hit in hits:
            pts = np.round(hit.corners).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(canvas, [pts], True, (0, 200, 0), thickness)
            x, y = (int(v) for v in hit.corners[0])
            cv2.putText(
                canvas,
                str(hit.id),
                (x, y - 6),
                cv2.FONT_HERSHEY_SIMPLEX,
                thickness * 0.8,
                (200, 0, 0),
                thickness,
            )
        self.save(name, canvas)

    def regions(self, page: LocatedPage) -> Iterator[tuple[str, NDArray[np.uint8]]]:
        """The regions the checks read, rectified at 12 px/mm (only when enabled)."""
        if self.folder is None:
            return
        for name, rect in _REGIONS[page.kind].items():
            yield name, page.region(rect, 12.0, colour=True)
