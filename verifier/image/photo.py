"""Step 4: the TTD photo binding — the printed photo (and its ghost) against the seal's hash.

Issuance hashes the grey of the normalised 280 × 360 photo (:mod:`legalize.imaging.photo`);
here the photo box is rectified at 8 px/mm, which is exactly 280 × 360 pixels, and hashed by
the same function. Print and capture move a genuine photo's 256-bit hash by up to ~22 bits;
another face moves it by ≥ 102 bits, an edit of a third of the photo by 64–72
(RESEARCH §3): the match threshold is :data:`~legalize.imaging.photo.MATCH_THRESHOLD`.

The ghost image is a small pale copy of the same photo; its contrast is stretched before
hashing (the hash compares DCT coefficients with their median, so only the tone curve matters)
and it is held to a looser threshold, since its low contrast leaves more room for noise.
"""

from __future__ import annotations

from collections.abc import Mapping

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
SHIFT_MM = 1.5
"""Without markers the page is located to a few millimetres: the photo box is searched
within this distance."""


def _region_data(rect: Rect) -> list[float]:
    return [round(v, 2) for v in (rect.x, rect.y, rect.w, rect.h)]


def _distance(page: LocatedPage, rect: Rect, expected: bytes, stretch: bool) -> int:
    """Smallest hash distance over the positions the fix allows."""
    shifts = [0.0] if page.fix is Fix.MARKERS else [-SHIFT_MM, 0.0, SHIFT_MM]
    best = 256
    for dx in shifts:
        for dy in shifts:
            moved = Rect(rect.x + dx, rect.y + dy, rect.w, rect.h)
            gray = photo_gray(page.region(moved, CANONICAL_PX_PER_MM, colour=True))
            if stretch:
                gray = _stretch(gray)
            best = min(best, hamming(photo_hash(gray), expected))
    return best


def _stretch(gray: NDArray[np.uint8]) -> NDArray[np.uint8]:
    low, high = np.percentile(gray, (1, 99))
    if high - low < 1:
        return gray
    out = (gray.astype(np.float32) - low) * (255.0 / (high - low))
    stretched: NDArray[np.uint8] = np.clip(out, 0, 255).astype(np.uint8)
    return stretched


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
    checks = []
    for name, rect, threshold, stretch, code in (
        ("print.photo", TTD_PHOTO, MATCH_THRESHOLD, False, Code.PHOTO_MISMATCH),
        ("print.ghost", TTD_GHOST, GHOST_THRESHOLD, True, Code.GHOST_MISMATCH),
    ):
        distance = _distance(page, rect, expected, stretch)
        data = {
            "region": _region_data(rect),
            "distance": distance,
            "threshold": threshold,
            "bits": len(expected) * 8,
        }
        what = "photograph" if name == "print.photo" else "ghost image"
        if distance <= threshold:
            checks.append(
                ok(
                    name,
                    Category.BINDING,
                    f"The printed {what} matches the photo the seal certifies "
                    f"({distance} of {len(expected) * 8} bits differ).",
                    data,
                )
            )
        else:
            checks.append(
                fail(
                    name,
                    Category.BINDING,
                    code,
                    f"The printed {what} is not the photo the seal certifies "
                    f"({distance} of {len(expected) * 8} bits differ; at most {threshold} "
                    "for the same photo).",
                    data,
                )
            )
    return checks
