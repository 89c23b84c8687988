"""Step 2: find the page in the photo — which document it is and where each millimetre lies.

Best first:

1. **ArUco markers.** Our pages carry four DICT_4X4_50 markers near the corners (ids 0–3 on a
   TTD, 4–7 on a legalization certificate; :mod:`legalize.documents.layout`). Their sixteen
   corners fit a homography to 0.03–0.12 mm (RESEARCH §3), and the corners the fit does not
   need give the residual the report shows. Three markers are as good as four; a marker
   covered by a thumb costs nothing.
2. **Markers and the QR.** With fewer than three markers, the QR symbol's corners (where the
   layout prints the symbol) join whatever markers were found: millimetres, not tenths.
3. **The paper's outline.** A sheet on a darker table: its four corners are the page corners;
   which way up it lies is settled by the QR or a marker.

Whatever is used, the fix is named in the report, and checks that need more accuracy than
the fix gives say so instead of guessing.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.documents import qr
from legalize.documents.layout import (
    LEGAL_QR,
    LEGALIZATION_MARKERS,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    TTD_MARKERS,
    TTD_QR,
    Marker,
    Rect,
)
from legalize.kinds import DocumentType

from .page import Fix

MARKERS_BY_KIND: Mapping[DocumentType, tuple[Marker, ...]] = {
    DocumentType.TTD: TTD_MARKERS,
    DocumentType.LEGALIZATION: LEGALIZATION_MARKERS,
}
QR_SQUARE: Mapping[DocumentType, Rect] = {
    DocumentType.TTD: TTD_QR,
    DocumentType.LEGALIZATION: LEGAL_QR,
}
DETECT_MAX_SIDE = 2000
"""Markers are searched on a copy at most this wide (a 10 mm marker is still ~45 px on a
12 MP photo of the whole page), then their corners refined on the full photo."""
MIN_MARKERS = 3
"""Markers needed for a marker fix on their own (two markers sit at the ends of one side or
a diagonal: the fit is poorly constrained across the page)."""
MAX_RESIDUAL_MM = 1.5
"""A marker fix whose corners disagree by more than this is refused: a marker pasted from
another page, or a folded sheet."""


@dataclass(frozen=True)
class MarkerHit:
    id: int
    corners: NDArray[np.float64]
    """(4, 2) photo pixels: the marker's own top-left, top-right, bottom-right, bottom-left."""


@dataclass(frozen=True)
class PageFit:
    kind: DocumentType | None
    fix: Fix
    homography: NDArray[np.float64]
    """Page mm → photo px."""
    residual_mm: float | None
    markers: tuple[int, ...]
    """Ids of the markers used."""


class PageNotFound(Exception):
    """No marker fix, and nothing else to fall back on yet (the QR may still provide one)."""


@functools.cache
def _detector() -> cv2.aruco.ArucoDetector:
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    params = cv2.aruco.DetectorParameters()
    # Corners are refined on the full-resolution photo below; here only find the markers.
    params.cornerRefinementMethod = cv2.aruco.CORNER_REFINE_NONE
    return cv2.aruco.ArucoDetector(dictionary, params)


def find_markers(gray: NDArray[np.uint8]) -> list[MarkerHit]:
    """Our markers (ids 0–7) in ``gray``, corners refined to sub-pixel on the full photo."""
    height, width = gray.shape
    scale = min(1.0, DETECT_MAX_SIDE / max(height, width))
    small = (
        cv2.resize(
            gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
        )
        if scale < 1.0
        else gray
    )
    corners, ids, _ = _detector().detectMarkers(small)
    if ids is None or len(corners) == 0:
        return []
    hits: dict[int, MarkerHit] = {}
    for quad, raw_id in zip(corners, np.asarray(ids).ravel().tolist(), strict=True):
        marker_id = int(raw_id)
        if marker_id > 7:
            continue
        pts = np.asarray(quad, dtype=np.float32).reshape(4, 2) / scale
        side = float(np.mean(np.linalg.norm(pts - np.roll(pts, 1, axis=0), axis=1)))
        window = max(2, min(12, round(side / 12)))
        refined = cv2.cornerSubPix(
            gray,
            pts.reshape(-1, 1, 2).copy(),
            (window, window),
            (-1, -1),
            (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 30, 0.01),
        )
        hit = MarkerHit(marker_id, np.asarray(refined, dtype=np.float64).reshape(4, 2))
        # the same id twice (a marker pasted onto the page): keep neither silently — the
        # larger one wins, and the fit's residual shows any disagreement
        previous = hits.get(marker_id)
        if previous is None or _area(hit.corners) > _area(previous.corners):
            hits[marker_id] = hit
    return sorted(hits.values(), key=lambda h: h.id)


def _area(quad: NDArray[np.float64]) -> float:
    return float(abs(cv2.contourArea(quad.astype(np.float32))))


def marker_corners_mm(marker: Marker) -> NDArray[np.float64]:
    r = marker.rect
    return np.array(
        [[r.x, r.y], [r.x + r.w, r.y], [r.x + r.w, r.y + r.h], [r.x, r.y + r.h]], dtype=np.float64
    )


def kind_of(hits: Sequence[MarkerHit]) -> DocumentType | None:
    """The document the markers belong to: the kind most of them name."""
    ttd = sum(1 for h in hits if h.id < 4)
    legal = len(hits) - ttd
    if ttd == legal:
        return None
    return DocumentType.TTD if ttd > legal else DocumentType.LEGALIZATION


def _fit(
    mm: NDArray[np.float64], px: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float] | None:
    """Least-squares homography mm → px and its mean residual in mm."""
    if len(mm) < 4:
        return None
    matrix, _ = cv2.findHomography(mm.astype(np.float64), px.astype(np.float64), 0)
    if matrix is None or not np.all(np.isfinite(matrix)):
        return None
    homography = np.asarray(matrix, dtype=np.float64)
    try:
        inverse = np.linalg.inv(homography)
    except np.linalg.LinAlgError:
        return None
    back = cv2.perspectiveTransform(px.reshape(-1, 1, 2), inverse).reshape(-1, 2)
    residual = float(np.mean(np.linalg.norm(back - mm, axis=1)))
    return homography, residual


def marker_points(
    kind: DocumentType, hits: Sequence[MarkerHit]
) -> tuple[NDArray[np.float64], NDArray[np.float64], tuple[int, ...]]:
    """The corners of ``kind``'s markers among ``hits``: page mm, photo px (both (4n, 2)),
    and the ids used."""
    by_id = {m.id: m for m in MARKERS_BY_KIND[kind]}
    used = [h for h in hits if h.id in by_id]
    mm = np.vstack([marker_corners_mm(by_id[h.id]) for h in used]) if used else np.empty((0, 2))
    px = np.vstack([h.corners for h in used]) if used else np.empty((0, 2))
    return mm, px, tuple(h.id for h in used)


def fit_markers(hits: Sequence[MarkerHit]) -> PageFit:
    """The marker fix; :class:`PageNotFound` when fewer than :data:`MIN_MARKERS` of one
    document's markers were found or they disagree."""
    kind = kind_of(hits)
    if kind is None:
        raise PageNotFound("no markers of ours" if not hits else "markers of two documents")
    mm, px, used = marker_points(kind, hits)
    if len(used) < MIN_MARKERS:
        raise PageNotFound(f"{len(used)} of the page's 4 markers found")
    fitted = _fit(mm, px)
    if fitted is None:
        raise PageNotFound("the markers do not fit a page")
    homography, residual = fitted
    if residual > MAX_RESIDUAL_MM:
        raise PageNotFound(f"the markers disagree by {residual:.1f} mm")
    return PageFit(kind, Fix.MARKERS, homography, residual, used)


def qr_symbol_corners_mm(kind: DocumentType, text: str) -> NDArray[np.float64]:
    """Where the layout prints the symbol of ``text`` (its outer corners, no quiet zone),
    in the order zxing reports a symbol's corners: top-left, top-right, bottom-right,
    bottom-left."""
    square = QR_SQUARE[kind]
    symbol = qr.encode(text)
    module = qr.module_size(symbol, square)
    width = module * symbol.size
    margin = (square.w - width) / 2
    x0, y0 = square.x + margin, square.y + margin
    return np.array(
        [[x0, y0], [x0 + width, y0], [x0 + width, y0 + width], [x0, y0 + width]], dtype=np.float64
    )


def fit_with_qr(
    kind: DocumentType,
    hits: Sequence[MarkerHit],
    qr_corners_px: NDArray[np.float64],
    text: str,
) -> PageFit | None:
    """The fallback fix: the QR's four corners plus any of ``kind``'s markers found."""
    try:
        qr_mm = qr_symbol_corners_mm(kind, text)
    except qr.QrError:
        return None
    marker_mm, marker_px, used = marker_points(kind, hits)
    mm = np.vstack([qr_mm, marker_mm])
    px = np.vstack([qr_corners_px, marker_px])
    fitted = _fit(mm, px)
    if fitted is None:
        return None
    homography, residual = fitted
    # with the QR alone the fit is exact (4 points, 8 unknowns): no residual to report
    return PageFit(
        kind,
        Fix.QR_CORNERS,
        homography,
        residual if used else None,
        used,
    )


def page_outline(gray: NDArray[np.uint8]) -> NDArray[np.float64] | None:
    """The four corners of a sheet of paper lighter than what it lies on, or None.

    Corners are returned clockwise from the one nearest the photo's top-left; which page
    corner each is remains open (the caller decides with the QR or a marker)."""
    height, width = gray.shape
    scale = min(1.0, 800 / max(height, width))
    small = cv2.resize(
        gray, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA
    )
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    biggest = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(biggest)
    frame = small.shape[0] * small.shape[1]
    if area < 0.2 * frame or area > 0.97 * frame:
        return None  # no sheet, or the sheet fills the frame (its edges are not in view)
    quad = cv2.approxPolyDP(biggest, 0.02 * cv2.arcLength(biggest, True), True)
    if len(quad) != 4 or not cv2.isContourConvex(quad):
        return None
    pts = quad.reshape(4, 2).astype(np.float64) / scale
    # clockwise, starting nearest the photo's top-left
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]
    start = int(np.argmin(pts.sum(axis=1)))
    return np.asarray(np.roll(pts, -start, axis=0), dtype=np.float64)


PAGE_CORNERS_MM = np.array(
    [[0.0, 0.0], [PAGE_WIDTH, 0.0], [PAGE_WIDTH, PAGE_HEIGHT], [0.0, PAGE_HEIGHT]]
)


def fit_outline(
    kind: DocumentType,
    outline: NDArray[np.float64],
    anchor_mm: NDArray[np.float64],
    anchor_px: NDArray[np.float64],
) -> PageFit | None:
    """The page-outline fix: of the four ways the sheet can lie, the one that puts the known
    points (the QR's corners, any marker's) where they were seen; then one fit over the
    sheet's corners and those points together. None if no way comes within 10 mm (the sheet
    seen is not this page, or the page is folded or cut)."""
    best: tuple[float, NDArray[np.float64]] | None = None
    for turn in range(4):
        corners = np.roll(outline, -turn, axis=0)
        fitted = _fit(PAGE_CORNERS_MM, corners)
        if fitted is None:
            continue
        seen_mm = cv2.perspectiveTransform(
            anchor_px.reshape(-1, 1, 2), np.linalg.inv(fitted[0])
        ).reshape(-1, 2)
        error = float(np.mean(np.linalg.norm(seen_mm - anchor_mm, axis=1)))
        if best is None or error < best[0]:
            best = (error, corners)
    if best is None or best[0] > 10.0:
        return None
    joint = _fit(np.vstack([PAGE_CORNERS_MM, anchor_mm]), np.vstack([best[1], anchor_px]))
    if joint is None:
        return None
    return PageFit(kind, Fix.PAGE_CONTOUR, joint[0], joint[1], ())


def px_per_mm(homography: NDArray[np.float64]) -> float:
    """Photo pixels per page millimetre, averaged over the page (the area scale's root)."""
    page = cv2.perspectiveTransform(PAGE_CORNERS_MM.reshape(-1, 1, 2), homography).reshape(-1, 2)
    area_px = abs(float(cv2.contourArea(page.astype(np.float32))))
    return float(np.sqrt(area_px / (PAGE_WIDTH * PAGE_HEIGHT)))
