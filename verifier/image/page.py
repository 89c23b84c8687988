"""A located page: the photo plus the homography from page millimetres to photo pixels.

Every region check reads its pixels through :meth:`LocatedPage.region`, which warps just that
rectangle of the page out of the *original* photo at the resolution the check wants (OCR
wants more pixels per millimetre than the photo hash). Warping a region from the original,
rather than cropping one rectified raster, loses no resolution and costs only the region's
pixels.

Coordinates follow :mod:`legalize.documents.layout`: millimetres, origin top-left, y down.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.documents.layout import PAGE_HEIGHT, PAGE_WIDTH, Rect
from legalize.kinds import DocumentType

CANONICAL_PX_PER_MM = 8.0
"""Resolution of the canonical rectified page (203 dpi, 1680 × 2376 px). At this resolution
the 35 × 45 mm photo box is exactly the 280 × 360 pixels issuance normalises and hashes."""


class Fix(StrEnum):
    """How the page was located, best first."""

    MARKERS = "markers"
    """Four (or three) ArUco markers: sub-millimetre."""
    PAGE_CONTOUR = "page_contour"
    """The paper's outline: a few millimetres, and only if the paper edge is the page edge."""
    QR_CORNERS = "qr_corners"
    """The QR symbol's corners: millimetres, worse far from the QR."""


@dataclass(frozen=True)
class LocatedPage:
    """A photo of one of our pages and where the page lies in it."""

    image: NDArray[np.uint8]
    """The loaded photo, (h, w, 3) uint8 RGB, EXIF orientation applied."""
    gray: NDArray[np.uint8]
    """Its luminance, (h, w) uint8."""
    homography: NDArray[np.float64]
    """3 × 3: page millimetres (x, y, 1) → photo pixels."""
    kind: DocumentType
    """Which of our documents the page is (its corner markers say; one enum for the whole
    code base, :mod:`legalize.kinds`)."""
    fix: Fix
    residual_mm: float | None
    """Mean distance between the marker corners found and where the homography puts them,
    in millimetres on the page; None where nothing over-determined the fit."""
    px_per_mm: float
    """Approximate resolution of the photo on the page (geometric mean over the page)."""
    blur_mm: float | None = None
    """The photo's blur (Gaussian σ, mm on the page) measured on the markers' edges, set by
    the pipeline; None where it was not measured. The field checks blur their rendering of
    the expected value by what this exceeds a sharp capture's (``fields.excess_blur_mm``)."""
    blur_axes_mm: tuple[float, float] | None = None
    """The same along the page's x and y (:func:`.sharpness.blur`): a shaken photo is
    blurred along the shake, and the field checks blur their rendering alike."""

    def region(
        self, rect: Rect, px_per_mm: float = CANONICAL_PX_PER_MM, *, colour: bool = False
    ) -> NDArray[np.uint8]:
        """The pixels of ``rect`` (mm) rectified at ``px_per_mm``: grey (h, w) or RGB (h, w, 3).

        Pixels outside the photo come out white (paper), so a page cut off at the edge reads
        as missing print, not as black.
        """
        width = max(1, round(rect.w * px_per_mm))
        height = max(1, round(rect.h * px_per_mm))
        # destination pixel (u, v) -> page mm (rect.x + u / s, rect.y + v / s) -> photo px
        to_mm = np.array(
            [[1.0 / px_per_mm, 0.0, rect.x], [0.0, 1.0 / px_per_mm, rect.y], [0.0, 0.0, 1.0]]
        )
        # sample at pixel centres: destination pixel u covers [u, u+1) → its centre is u + 0.5
        centre = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
        matrix = self.homography @ to_mm @ centre
        source = self.image if colour else self.gray
        border = (255, 255, 255) if colour else 255
        out = cv2.warpPerspective(
            source,
            matrix,
            (width, height),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=border,
        )
        result: NDArray[np.uint8] = np.asarray(out, dtype=np.uint8)
        return result

    def canonical(
        self, px_per_mm: float = CANONICAL_PX_PER_MM, *, colour: bool = False
    ) -> NDArray[np.uint8]:
        """The whole page rectified (for the annotated picture and the debug images)."""
        return self.region(Rect(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT), px_per_mm, colour=colour)

    def to_photo(self, points_mm: NDArray[np.float64]) -> NDArray[np.float64]:
        """(N, 2) page millimetres → (N, 2) photo pixels."""
        pts = np.asarray(points_mm, dtype=np.float64).reshape(-1, 1, 2)
        out = cv2.perspectiveTransform(pts, self.homography).reshape(-1, 2)
        return np.asarray(out, dtype=np.float64)
