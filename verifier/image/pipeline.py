"""``verify_image``: a photo or scan of the paper, checked against its own seal.

The steps, each a small function elsewhere in this package, in the order their inputs exist:

1. :func:`load` — decode the photo (JPEG, PNG, HEIC/HEIF, WebP, TIFF or a PDF page) within
   one set of limits (:mod:`legalize.imaging.decode`);
2. :mod:`locate` — the page: markers, else the QR and the sheet's outline;
3. :mod:`barcode` — the QR, then the seal verified exactly as ``verifier seal`` does: its
   checks are this report's checks;
4. :mod:`photo` — the printed photo and ghost against the seal's photo hash (TTD);
5. :mod:`fields` — printed fields and the MRZ against the signed data;
6. :mod:`features` — the per-document rosette and the fixed print features;
7. the report (:class:`verifier.report.Report`); 8. :mod:`annotate` draws it on the page.

Nothing here raises for bad input: an unreadable photo, a page not found, a QR not read each
become a check that says what to do, and the verdict is INDETERMINATE.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.imaging.decode import ImageInputError, load_capture
from legalize.kinds import DocumentType
from legalize.pki.trust import TrustStore
from verifier.codes import Code
from verifier.report import Category, Check, Report, fail, guarded, ok, passed_with, skipped
from verifier.seal import verify_seal

from . import barcode, features, fields, locate, photo, sharpness
from .debug import Debug
from .page import Fix, LocatedPage

RETAKE = "Photograph the whole page, flat, in good light, with all four corner squares in view."

# the checks the steps after the seal add, so a report always names every one of them
_LATER = (
    ("page.kind", Category.BINDING),
    ("print.photo", Category.BINDING),
    ("print.ghost", Category.BINDING),
    ("print.fields", Category.BINDING),
    ("print.mrz", Category.BINDING),
    ("print.rosette", Category.BINDING),
    ("print.fine_lines", Category.BINDING),
    ("print.microtext", Category.BINDING),
)
_SEAL_CHECKS = (
    ("seal.format", Category.FORMAT),
    ("seal.profile", Category.FORMAT),
    ("seal.signer", Category.TRUST),
    ("seal.signature", Category.INTEGRITY),
    ("seal.trust", Category.TRUST),
    ("document.validity", Category.STATUS),
)


@dataclass(frozen=True)
class ImageVerification:
    """The report, and the located page it speaks of (for the annotated picture)."""

    report: Report
    page: LocatedPage | None = None
    qr_corners: NDArray[np.float64] | None = field(default=None, repr=False)
    """Where the QR was read, photo pixels (the annotated picture marks it)."""


def _unable(name: str, category: Category, code: Code, message: str, **data: Any) -> Check:
    """A check that could not run: the verdict becomes INDETERMINATE and the message says
    what the user can do about it."""
    return skipped(name, category, message, code, data)


def _skip_rest(checks: list[Check], names: tuple[tuple[str, Category], ...], why: str) -> None:
    present = {c.name for c in checks}
    checks.extend(skipped(n, c, why) for n, c in names if n not in present)


def verify_image(
    data: bytes,
    trust: TrustStore,
    at: datetime,
    *,
    debug: Debug | None = None,
) -> ImageVerification:
    """Verify a photo or scan of a printed TTD or legalization certificate.

    ``at`` is the validation time (timezone-aware). ``debug``, when given, receives every
    intermediate image. Never raises for bad input; an unexpected failure of one step
    becomes an ERROR check (INDETERMINATE), never a crash.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    debug = debug or Debug(None)
    checks: list[Check] = []
    info: dict[str, Any] = {}

    # 1. load
    try:
        rgb = load_capture(data)
    except ImageInputError as exc:
        checks.append(
            _unable(
                "image.load",
                Category.FORMAT,
                Code.IMAGE_UNREADABLE,
                f"{exc.message} {RETAKE}",
                reason=exc.code,
            )
        )
        _skip_rest(
            checks,
            (
                ("page.locate", Category.FORMAT),
                ("qr.read", Category.FORMAT),
                *_SEAL_CHECKS,
                *_LATER,
            ),
            "The image could not be read.",
        )
        return ImageVerification(Report.of(checks, info))
    gray: NDArray[np.uint8] = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), dtype=np.uint8)
    height, width = gray.shape
    info["image"] = {"width": width, "height": height}
    checks.append(
        ok(
            "image.load",
            Category.FORMAT,
            f"A {width} × {height} image.",
            {"width": width, "height": height},
        )
    )
    debug.save("01-loaded", rgb)

    # 2. the page, by its markers
    hits = locate.find_markers(gray)
    debug.markers("02-markers", rgb, hits)
    fit: locate.PageFit | None = None
    why_not = ""
    try:
        fit = locate.fit_markers(hits)
    except locate.PageNotFound as exc:
        why_not = str(exc)

    page = _page(rgb, gray, fit) if fit is not None else None

    # 3. the QR: on the photo, then (page located) on its rectified square
    qr_hits = barcode.find_qr(gray)
    chosen = _choose_qr(qr_hits, page)
    if chosen is None and page is not None:
        square = locate.QR_SQUARE[page.kind]
        chosen = _choose_qr(barcode.find_qr_rectified(page, square), page)
    if chosen is None:
        checks.append(_page_check(fit, why_not, hits))
        checks.append(
            _unable(
                "qr.read",
                Category.FORMAT,
                Code.QR_NOT_FOUND,
                f"No readable QR code was found. {RETAKE} Hold the camera steady and "
                "avoid glare on the code.",
            )
        )
        _skip_rest(checks, (*_SEAL_CHECKS, *_LATER), "The QR code could not be read.")
        return ImageVerification(Report.of(checks, info), page)

    seal_report = verify_seal(chosen.text, trust, at)
    seal_fields = dict(seal_report.data)
    profile_kind = DocumentType.of_profile(str(seal_fields.get("profile")))

    # 2b. no marker fix: the QR (and any markers) or the sheet's outline locate the page
    if page is None and profile_kind is not None:
        fallback = _fallback(gray, profile_kind, hits, chosen)
        if fallback is not None:
            fit = fallback
            page = _page(rgb, gray, fit)
    checks.append(_page_check(fit, why_not, hits))
    qr_data: dict[str, Any] = {"codes_found": len(qr_hits)}
    if page is not None:
        square = locate.QR_SQUARE[page.kind]
        qr_data["region"] = [square.x, square.y, square.w, square.h]
    checks.append(
        ok(
            "qr.read",
            Category.FORMAT,
            "The QR code was read" + (" from the rectified page." if chosen.rectified else "."),
            qr_data,
        )
    )
    checks.extend(seal_report.checks)
    info.update(seal_fields)
    if page is not None:
        overall, axes = _blur(page, fit)
        page = dataclasses.replace(page, blur_mm=overall, blur_axes_mm=axes)
        info["image"].update(
            kind=page.kind.value,
            fix=page.fix.value,
            residual_mm=None if page.residual_mm is None else round(page.residual_mm, 3),
            px_per_mm=round(page.px_per_mm, 2),
            markers=list(fit.markers) if fit is not None else [],
            blur_mm=page.blur_mm,
            blur_axes_mm=None if page.blur_axes_mm is None else list(page.blur_axes_mm),
        )
        debug.save("03-rectified", page.canonical(colour=True))

    if page is None:
        _skip_rest(checks, _LATER, f"The page could not be located. {RETAKE}")
        return ImageVerification(Report.of(checks, info), page, chosen.corners)
    if profile_kind is None:
        _skip_rest(
            checks,
            _LATER,
            "The seal is not one of our documents' seals, so there is "
            "no layout to compare the print with.",
        )
        return ImageVerification(Report.of(checks, info), page, chosen.corners)

    checks.append(_kind_check(page.kind, profile_kind))
    later: list[tuple[str, Callable[[], list[Check]]]] = [
        ("print.photo", lambda: photo.check_photo(page, seal_fields)),
        ("print.fields", lambda: fields.check_fields(page, seal_fields)),
        ("print.mrz", lambda: [fields.check_mrz(page, seal_fields)]),
        ("print.rosette", lambda: features.check_features(page, seal_fields)),
    ]
    for name, step in later:
        checks.extend(_guarded_many(name, step))
    for region_name, region in debug.regions(page):
        debug.save(f"04-region-{region_name}", region)
    return ImageVerification(Report.of(checks, info), page, chosen.corners)


def _blur(
    page: LocatedPage, fit: locate.PageFit | None
) -> tuple[float | None, tuple[float, float] | None]:
    """The photo's blur (σ, mm) measured on the markers used, overall and along x and y."""
    if fit is None or not fit.markers:
        return None, None
    markers = [m for m in locate.MARKERS_BY_KIND[page.kind] if m.id in fit.markers]
    overall, axes = sharpness.blur(page, markers)
    return (
        None if overall is None else round(overall, 3),
        None if axes is None else (round(axes[0], 3), round(axes[1], 3)),
    )


def _guarded_many(name: str, step: Callable[[], list[Check]]) -> list[Check]:
    """One step's checks; an unexpected exception becomes one ERROR check (guarded())."""
    result: list[Check] = []

    def run() -> Check:
        result.extend(step())
        return ok(name, Category.BINDING, "")

    crashed = guarded(name, Category.BINDING, run)
    if crashed.code == Code.CHECK_ERROR:
        return [crashed]
    return result


def _page(rgb: NDArray[np.uint8], gray: NDArray[np.uint8], fit: locate.PageFit) -> LocatedPage:
    assert fit.kind is not None
    return LocatedPage(
        image=rgb,
        gray=gray,
        homography=fit.homography,
        kind=fit.kind,
        fix=fit.fix,
        residual_mm=fit.residual_mm,
        px_per_mm=locate.px_per_mm(fit.homography),
    )


def _choose_qr(hits: list[barcode.QrHit], page: LocatedPage | None) -> barcode.QrHit | None:
    """The QR printed where the layout puts it (a second code stuck elsewhere on the page
    is not the document's); without a located page, the largest."""
    if not hits:
        return None
    if page is not None:
        square = locate.QR_SQUARE[page.kind]
        centre = page.to_photo(np.array([square.centre]))[0]
        return min(hits, key=lambda h: float(np.linalg.norm(h.corners.mean(axis=0) - centre)))
    return max(hits, key=lambda h: float(cv2.contourArea(h.corners.astype(np.float32))))


def _fallback(
    gray: NDArray[np.uint8],
    kind: DocumentType,
    hits: list[locate.MarkerHit],
    qr_hit: barcode.QrHit,
) -> locate.PageFit | None:
    """Without three markers: the sheet's outline if one is in view (oriented by the QR),
    else the QR's corners with whatever markers were found."""
    try:
        qr_mm = locate.qr_symbol_corners_mm(kind, qr_hit.text)
    except Exception:
        return None
    marker_mm, marker_px, _ = locate.marker_points(kind, hits)
    anchor_mm = np.vstack([qr_mm, marker_mm])
    anchor_px = np.vstack([qr_hit.corners, marker_px])
    outline = locate.page_outline(gray)
    if outline is not None:
        by_outline = locate.fit_outline(kind, outline, anchor_mm, anchor_px)
        if by_outline is not None:
            return by_outline
    return locate.fit_with_qr(kind, hits, qr_hit.corners, qr_hit.text)


def _page_check(fit: locate.PageFit | None, why_not: str, hits: list[locate.MarkerHit]) -> Check:
    found = [h.id for h in hits]
    if fit is None:
        return _unable(
            "page.locate",
            Category.FORMAT,
            Code.PAGE_NOT_FOUND,
            f"The page could not be located ({why_not}). {RETAKE}",
            markers_found=found,
        )
    data: dict[str, Any] = {
        "fix": fit.fix.value,
        "markers_found": found,
        "residual_mm": None if fit.residual_mm is None else round(fit.residual_mm, 3),
    }
    if fit.fix is Fix.MARKERS:
        return ok(
            "page.locate",
            Category.FORMAT,
            f"The page was located by {len(fit.markers)} corner markers "
            f"({fit.residual_mm:.2f} mm residual).",
            data,
        )
    how = "the sheet's outline" if fit.fix is Fix.PAGE_CONTOUR else "the QR code's corners"
    return passed_with(
        "page.locate",
        Category.FORMAT,
        Code.PAGE_ALIGNED_WITHOUT_MARKERS,
        f"Only {len(found)} corner markers were visible ({why_not}); the page was located by "
        f"{how}, to a few millimetres instead of a tenth: the checks of the print are less "
        "certain. For a full check, photograph the page with all four corner squares in view.",
        **data,
    )


def _kind_check(seen: DocumentType, sealed: DocumentType) -> Check:
    if seen is sealed:
        return ok(
            "page.kind",
            Category.BINDING,
            f"The page and its seal are both of a {seen.value}.",
            {"page": seen.value, "seal": sealed.value},
        )
    return fail(
        "page.kind",
        Category.BINDING,
        Code.DOCUMENT_KIND_MISMATCH,
        f"The page is a {seen.value} but its QR carries the seal of a {sealed.value}: the QR "
        "was taken from another document.",
        {"page": seen.value, "seal": sealed.value},
    )
