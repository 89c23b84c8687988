"""Step 4: the TTD photo binding — the printed photo (and its ghost) against the seal's hash.

Issuance hashes the grey of the normalised 280 × 360 photo (:mod:`legalize.imaging.photo`);
here the photo box is rectified at 8 px/mm, which is exactly 280 × 360 pixels, and hashed by
the same function. Print and capture move a genuine photo's 256-bit hash by up to ~22 bits;
another face moves it by ≥ 102 bits, an edit of a third of the photo by 64–72
(RESEARCH §3): the match threshold is :data:`~legalize.imaging.photo.MATCH_THRESHOLD`.

The ghost image is a small pale copy of the same photo; its contrast is stretched before
hashing (the hash compares DCT coefficients with their median, so only the tone curve matters)
and it is held to a looser threshold, since its low contrast leaves more room for noise.

Two refinements, both from the forgery bench (docs/image-verifier.md, step 4):

- each box is searched within ±0.75 mm of where the marker fit puts it (:func:`_aligned`): a
  folded sheet bulging by ~1 mm moved the photo 0.3–0.5 mm, and that alone took a genuine
  photo's hash to 42 bits and its ghost's to 66;
- the hash sees the photo as a whole, so a painted band (a third of the photo) moved it by
  only 26–40 bits. Where the ghost matches the seal, the print is compared with the ghost
  window by window (:func:`compare_local`), and a patch of disagreeing windows larger than
  :data:`LOCAL_AREA_MAX` fails the photo.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.documents.layout import TTD_GHOST, TTD_PHOTO, Rect
from legalize.imaging.photo import MATCH_THRESHOLD, hamming, photo_gray, photo_hash
from legalize.kinds import DocumentType
from verifier.codes import Code
from verifier.report import Category, Check, fail, not_applicable, ok, skipped

from .page import CANONICAL_PX_PER_MM, Fix, LocatedPage

GHOST_THRESHOLD = 56
"""Hamming distance (of 256) at or below which the ghost image counts as the seal's photo."""
REACH_MM = 0.75
"""With markers the box is searched within this distance of where the marker fit puts it. A
sheet that does not lie flat moves the photo by up to ~0.5 mm against a fit made at the page's
corners, and the hash is that sensitive: 0.25 mm moved a genuine photo's hash by ~20 bits (a
folded, bulging sheet: 42 bits at the fitted box, 16 at 0.25 mm right and 0.5 mm up)."""
REACH_WITHOUT_MARKERS_MM = 2.0
"""Without markers the page is located to a few millimetres: a wider search."""
_HASH_PX_PER_MM = CANONICAL_PX_PER_MM  # 35 × 45 mm at 8 px/mm is the hashed 280 × 360

LOCAL_PX_PER_MM = 4.0
"""Resolution of the local comparison of the photo with the ghost image (the ghost prints
140 × 180 pixels on 23 × 29.6 mm: about 6 px/mm, blurred by printing; 4 px/mm of the photo
is what both still carry)."""
LOCAL_NCC_MIN = 0.3
"""A window whose detail correlates less than this with the ghost's disagrees."""
LOCAL_ENERGY_MAX = 1.0
"""A window whose |log| ratio of the photo's and the ghost's detail energy is larger disagrees
(the ghost brought to the photo's detail energy first): detail smeared away, or painted in."""
LOCAL_AREA_MAX = 80.0
"""Window centres past either bar may cover at most this many mm² (of the photo's 1575).
Single windows disagree on genuine captures where the print's crushed shadows or a shaken
photo leave the pale ghost with detail the print lacks (up to 48 mm² measured); a painted
eyes-to-mouth band makes 115–260 mm² disagree."""
_SHARP_MM = 0.12  # marker-edge blur (σ) of a sharp capture, when it was not measured
_PHOTO_PX = 0.8  # a low-resolution photo blurs by at least this many of its pixels
_LOCAL_DETAIL_SIGMA = 6.0  # px at 4 px/mm: detail is what a 1.5 mm blur removes
_LOCAL_WINDOW_SIGMA = 8.0  # px: windows of about 5 mm, the size of an eye or a mouth
_LOCAL_MARGIN = 12  # px: windows cut by the photo's edge are not judged
LOCAL_FLOOR = 0.03
"""Detail (RMS in a window) under this share of the photo's contrast is not judged: noise,
JPEG and paper; also added to both energies, so faint detail cannot make a large ratio."""


def _region_data(rect: Rect) -> list[float]:
    return [round(float(v), 2) for v in (rect.x, rect.y, rect.w, rect.h)]


def _aligned(
    page: LocatedPage, rect: Rect, expected: bytes, stretch: bool
) -> tuple[int, int, Rect]:
    """The smallest hash distance over the positions the fix allows, the distance at the
    fitted position, and where the smallest was found.

    The box grown by the reach is rectified once at 8 px/mm; each position is a crop of it
    (steps of 1/8 mm), searched coarse to fine. The search only moves the box: a different
    or edited photo has no position at which it is the seal's (measured on the bench's edited
    photos: the best position is within 0.4 mm of the fitted one and at most 10 bits closer).
    """
    reach = REACH_MM if page.fix is Fix.MARKERS else REACH_WITHOUT_MARKERS_MM
    r = round(reach * _HASH_PX_PER_MM)
    grown = Rect(rect.x - r / _HASH_PX_PER_MM, rect.y - r / _HASH_PX_PER_MM,
                 rect.w + 2 * r / _HASH_PX_PER_MM, rect.h + 2 * r / _HASH_PX_PER_MM)  # fmt: skip
    gray = photo_gray(page.region(grown, _HASH_PX_PER_MM, colour=True))
    width, height = round(rect.w * _HASH_PX_PER_MM), round(rect.h * _HASH_PX_PER_MM)
    seen: dict[tuple[int, int], int] = {}

    def distance(dx: int, dy: int) -> int:
        if (dx, dy) not in seen:
            crop = np.ascontiguousarray(gray[r + dy : r + dy + height, r + dx : r + dx + width])
            seen[dx, dy] = hamming(photo_hash(_stretch(crop) if stretch else crop), expected)
        return seen[dx, dy]

    best = (distance(0, 0), 0, 0)
    step = 1
    while step * 2 <= r:
        step *= 2
    centre = (0, 0)
    span = r
    while step >= 1:
        for dy in range(centre[1] - span, centre[1] + span + 1, step):
            for dx in range(centre[0] - span, centre[0] + span + 1, step):
                if abs(dx) <= r and abs(dy) <= r:
                    best = min(best, (distance(dx, dy), dx, dy))
        centre, span, step = (best[1], best[2]), step, step // 2
    moved = Rect(rect.x + best[1] / _HASH_PX_PER_MM, rect.y + best[2] / _HASH_PX_PER_MM,
                 rect.w, rect.h)  # fmt: skip
    return best[0], seen[0, 0], moved


def _stretch(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    low, high = np.percentile(gray, (1, 99))
    if high - low < 1:
        return gray
    out = (gray.astype(np.float32) - low) * (255.0 / (high - low))
    stretched: NDArray[np.uint8] = np.clip(out, 0, 255).astype(np.uint8)
    return stretched


def _blurred(image: NDArray[np.generic], sigma: float) -> NDArray[np.float32]:
    source = np.asarray(image, dtype=np.float32)
    return np.asarray(cv2.GaussianBlur(source, (0, 0), sigma), dtype=np.float32)


def _ghost_warp(
    photo: NDArray[np.float32], ghost: NDArray[np.float32], motion: int, start: NDArray[np.float32]
) -> NDArray[np.float32]:
    """The warp (ECC, ``motion`` from ``start``) that lays the ghost on the photo; ``start``
    when it does not converge (a flat or very different image: compared as located)."""
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, found = cv2.findTransformECC(photo, ghost, start.copy(), motion, criteria, None)
    except cv2.error:
        return start
    return np.asarray(found, dtype=np.float32)


def _warped(ghost: NDArray[np.float32], warp: NDArray[np.float32]) -> NDArray[np.float32]:
    size = (ghost.shape[1], ghost.shape[0])
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    moved = cv2.warpAffine(ghost, warp, size, flags=flags, borderMode=cv2.BORDER_REPLICATE)
    return np.asarray(moved, dtype=np.float32)


def _detail(image: NDArray[np.float32]) -> NDArray[np.float32]:
    """What a 1.5 mm blur removes: the print's detail, without shading, a shadow's soft edge
    or the tone curve."""
    return np.asarray(image - _blurred(image, _LOCAL_DETAIL_SIGMA), dtype=np.float32)


def _windows(
    photo: NDArray[np.float32], a: NDArray[np.float32], ghost: NDArray[np.float32]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per window (the photo's margin left out): how far past its bar the worse of the two
    measures is (> 0 disagrees), the detail's correlation and the |log| energy ratio.
    ``a`` is the photo's :func:`_detail`, made once for both fits."""
    b = _detail(ghost)
    m = _LOCAL_MARGIN
    aa, bb, ab = (_blurred(x, _LOCAL_WINDOW_SIGMA)[m:-m, m:-m] for x in (a * a, b * b, a * b))
    # the ghost is paler: its detail is brought to the photo's by the photo-wide energy ratio
    gain = float(np.sqrt(aa.sum() / max(float(bb.sum()), 1e-6)))
    bb, ab = bb * gain**2, ab * gain
    # detail weaker than a few percent of the photo's contrast is noise, JPEG and paper
    low, high = np.percentile(photo, (5, 95))
    floor = (LOCAL_FLOOR * max(float(high - low), 1.0)) ** 2
    judged = np.maximum(aa, bb) > floor
    ncc = np.where(judged, ab / np.sqrt(aa * bb + 1e-6), 1.0)
    ratio = np.where(judged, np.abs(np.log((aa + floor) / (bb + floor))), 0.0)
    # the worse of the two measures, as the share of its range past its bar
    badness = np.maximum((LOCAL_NCC_MIN - ncc) / (1 - LOCAL_NCC_MIN), ratio / LOCAL_ENERGY_MAX - 1)
    return badness, ncc, ratio


@dataclass(frozen=True)
class LocalComparison:
    """The printed photo against the ghost image, window by window."""

    ncc_min: float
    """Lowest correlation of the two images' detail over the windows judged."""
    energy_max: float
    """Largest |log| ratio of their detail energy (photo-wide ratio removed)."""
    worst: Rect
    """The window (page mm, on the photo) that scored worst."""
    failing_mm2: float
    """The area (mm² of window centres) where either measure is past its bar."""

    @property
    def passed(self) -> bool:
        return self.failing_mm2 <= LOCAL_AREA_MAX


def compare_local(page: LocatedPage, photo_rect: Rect, ghost_rect: Rect) -> LocalComparison:
    """The printed photo against the ghost image, detail by detail.

    The hash sees the photo as a whole: painting over the band from the eyes to the mouth moved
    it by only 28–34 of 256 bits on scans, under the threshold. The ghost is a copy of the same
    photo whose hash has been checked against the seal, and a forger who edits the photo
    leaves it alone (or must edit both alike). So the two are brought to the same scale, the
    ghost is laid on the photo (ECC, by a shift and by an affine map — the sheet may bulge
    differently under each — judging the better of the two), both are reduced to their
    detail (minus a 1.5 mm blur: shading, creases' soft sides and the two tone curves go) and
    compared in windows of about 5 mm: a painted or swapped region has detail that does not
    correlate, or much more or less of it, over an area no genuine capture showed.
    """
    scale = LOCAL_PX_PER_MM
    # the capture blurs both prints alike in millimetres, which is 1.5 times as much of the
    # ghost's (smaller) picture: the photo is given the difference, or a shaken photo's ghost
    # lacks detail its print has (a 0.5 mm shake: 114 mm² of failing windows on a genuine TTD)
    blur = max(page.blur_mm or _SHARP_MM, _PHOTO_PX / max(page.px_per_mm, 1e-3))
    extra = blur * np.sqrt(max(0.0, (photo_rect.w / ghost_rect.w) ** 2 - 1.0)) * scale
    sigma = float(np.hypot(2.0, extra))
    photo = _blurred(photo_gray(page.region(photo_rect, scale, colour=True)), sigma)
    ghost_u8 = photo_gray(page.region(ghost_rect, scale * photo_rect.w / ghost_rect.w, colour=True))
    size = (photo.shape[1], photo.shape[0])
    ghost = _blurred(cv2.resize(ghost_u8, size, interpolation=cv2.INTER_AREA), 2.0)
    # the ghost laid on the photo by a shift, and by an affine map (the sheet may bulge
    # differently under each); the better of the two is judged. An affine map alone once
    # converged on a 6 % shear — pulled by a shadow's edge and a crease across the print —
    # and made a genuine photo's lower corners disagree (83 mm², none with the shift alone);
    # neither can make an edited patch agree, since both move the whole ghost. Both are found
    # on the two images' detail, not their intensities: a cast shadow's edge across the ghost
    # pulled the fit about 1 mm off on a genuine 2 MP upload, and 822 mm² disagreed
    photo_detail, ghost_detail = _detail(photo), _detail(ghost)
    start = np.eye(2, 3, dtype=np.float32)
    shift = _ghost_warp(photo_detail, ghost_detail, cv2.MOTION_TRANSLATION, start)
    affine = _ghost_warp(photo_detail, ghost_detail, cv2.MOTION_AFFINE, shift)
    windows = min(
        (_windows(photo, photo_detail, _warped(ghost, warp)) for warp in (shift, affine)),
        key=lambda w: (float(np.count_nonzero(w[0] > 0)), float(w[0].max())),
    )
    badness, ncc_judged, ratio_judged = windows
    m = _LOCAL_MARGIN
    y, x = np.unravel_index(int(np.argmax(badness)), badness.shape)
    half = 2 * _LOCAL_WINDOW_SIGMA / scale
    worst = Rect(
        photo_rect.x + (x + m + 0.5) / scale - half,
        photo_rect.y + (y + m + 0.5) / scale - half,
        2 * half,
        2 * half,
    )
    failing = float(np.count_nonzero(badness > 0)) / scale**2
    return LocalComparison(
        round(float(ncc_judged.min()), 3),
        round(float(ratio_judged.max()), 3),
        worst,
        round(failing, 1),
    )


def check_photo(page: LocatedPage, seal_fields: Mapping[str, object]) -> list[Check]:
    """``print.photo`` and ``print.ghost`` (TTD only)."""
    names = (("print.photo", TTD_PHOTO), ("print.ghost", TTD_GHOST))
    if page.kind is not DocumentType.TTD:
        return [
            not_applicable(n, Category.BINDING, "A legalization carries no photo.")
            for n, _ in names
        ]
    value = seal_fields.get("photo_hash")
    if not isinstance(value, str):
        return [
            skipped(n, Category.BINDING, "The seal carries no photo hash to compare with.")
            for n, _ in names
        ]
    expected = bytes.fromhex(value)
    bits = len(expected) * 8
    photo_distance, photo_at_fit, photo_rect = _aligned(page, TTD_PHOTO, expected, stretch=False)
    ghost_distance, ghost_at_fit, ghost_rect = _aligned(page, TTD_GHOST, expected, stretch=True)
    ghost_ok = ghost_distance <= GHOST_THRESHOLD
    photo_data: dict[str, object] = {
        "region": _region_data(TTD_PHOTO),
        "distance": photo_distance,
        "threshold": MATCH_THRESHOLD,
        "bits": bits,
        "shift_mm": _shift(TTD_PHOTO, photo_rect),
        "distance_at_fit": photo_at_fit,
    }
    ghost_data: dict[str, object] = {
        "region": _region_data(TTD_GHOST),
        "distance": ghost_distance,
        "threshold": GHOST_THRESHOLD,
        "bits": bits,
        "shift_mm": _shift(TTD_GHOST, ghost_rect),
        "distance_at_fit": ghost_at_fit,
    }
    local: LocalComparison | None = None
    if photo_distance <= MATCH_THRESHOLD and ghost_ok:
        # the ghost is the seal's photo: the printed photo must agree with it in every part
        local = compare_local(page, photo_rect, ghost_rect)
        photo_data["local"] = {
            "ncc_min": local.ncc_min,
            "ncc_threshold": LOCAL_NCC_MIN,
            "energy_max": local.energy_max,
            "energy_threshold": LOCAL_ENERGY_MAX,
            "worst_region": _region_data(local.worst),
            "failing_mm2": local.failing_mm2,
            "failing_threshold_mm2": LOCAL_AREA_MAX,
        }
    checks = [_photo_check(photo_distance, bits, local, photo_data)]
    if ghost_ok:
        checks.append(
            ok(
                "print.ghost",
                Category.BINDING,
                "The printed ghost image matches the photo the seal certifies "
                f"({ghost_distance} of {bits} bits differ).",
                ghost_data,
            )
        )
    else:
        checks.append(
            fail(
                "print.ghost",
                Category.BINDING,
                Code.GHOST_MISMATCH,
                f"The printed ghost image is not the photo the seal certifies ({ghost_distance} "
                f"of {bits} bits differ; at most {GHOST_THRESHOLD} for the same photo).",
                ghost_data,
            )
        )
    return checks


def _shift(nominal: Rect, found: Rect) -> list[float]:
    return [round(found.x - nominal.x, 3), round(found.y - nominal.y, 3)]


def _photo_check(
    distance: int, bits: int, local: LocalComparison | None, data: dict[str, object]
) -> Check:
    if distance > MATCH_THRESHOLD:
        return fail(
            "print.photo",
            Category.BINDING,
            Code.PHOTO_MISMATCH,
            f"The printed photograph is not the photo the seal certifies ({distance} of {bits} "
            f"bits differ; at most {MATCH_THRESHOLD} for the same photo).",
            data,
        )
    if local is not None and not local.passed:
        return fail(
            "print.photo",
            Category.BINDING,
            Code.PHOTO_MISMATCH,
            "Part of the printed photograph differs from the ghost image, which matches the "
            f"photo the seal certifies ({local.failing_mm2:.0f} mm² disagree, at most "
            f"{LOCAL_AREA_MAX:.0f} on a genuine print): the photograph has been edited.",
            data,
        )
    return ok(
        "print.photo",
        Category.BINDING,
        f"The printed photograph matches the photo the seal certifies ({distance} of {bits} "
        "bits differ)" + ("; every part of it agrees with the ghost image." if local else "."),
        data,
    )
