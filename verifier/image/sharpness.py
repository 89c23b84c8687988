"""How blurred the photo is, measured where we know the truth: the corner markers' edges.

A marker's black border meets its white quiet zone in a straight, sharp step. Across that
step a blurred photo shows a ramp; for a Gaussian blur of σ the steepest slope of the ramp is
contrast / (σ·√(2π)), so σ = contrast / (slope·√(2π)). Each side of each marker found gives
one estimate, in millimetres on the page (the side is rectified at a resolution well above
the photo's); the median of them is the photo's blur. Hand shake and defocus are not Gaussian,
but spread the step by a comparable width, which is what matters to the checks of fine print.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from legalize.documents.layout import MARKER_SIZE, Marker, Rect

from .page import LocatedPage

PX_PER_MM = 20.0
_ACROSS = 1.2
"""Millimetres either side of the edge that each profile spans (inside the border cell,
which is 10/6 mm wide, and inside the 2.5 mm quiet zone)."""


def _side_profiles(page: LocatedPage, marker: Marker) -> list[np.ndarray]:
    r = marker.rect
    length = MARKER_SIZE * 0.6  # the middle of each side: away from the corners
    start = MARKER_SIZE * 0.2
    strips = (
        (Rect(r.x + start, r.y - _ACROSS, length, 2 * _ACROSS), 0, False),  # top: white→black
        (Rect(r.x + start, r.y + r.h - _ACROSS, length, 2 * _ACROSS), 0, True),  # bottom
        (Rect(r.x - _ACROSS, r.y + start, 2 * _ACROSS, length), 1, False),  # left
        (Rect(r.x + r.w - _ACROSS, r.y + start, 2 * _ACROSS, length), 1, True),  # right
    )
    out = []
    for rect, axis, flip in strips:
        region = page.region(rect, PX_PER_MM).astype(np.float32)
        profile = region.mean(axis=1 - axis)
        out.append(profile[::-1] if flip else profile)
    return out


def _sigma_mm(profile: np.ndarray) -> float | None:
    """σ of the step in ``profile`` (white first, then black), or None if it is no step."""
    smooth = np.asarray(cv2.GaussianBlur(profile.reshape(1, -1), (0, 0), 0.8)).ravel()
    edge = len(smooth) // 4
    white = float(np.median(smooth[:edge]))
    black = float(np.median(smooth[-edge:]))
    contrast = white - black
    if contrast < 30:
        return None  # covered, glare, or not our marker's edge
    slope = float(np.max(-np.diff(smooth)))
    if slope <= 0:
        return None
    return contrast / (slope * math.sqrt(2 * math.pi)) / PX_PER_MM


def blur(
    page: LocatedPage, markers: Sequence[Marker]
) -> tuple[float | None, tuple[float, float] | None]:
    """The photo's blur (σ, mm) over the sides of ``markers``: the median of all of them (None
    if none gave an estimate), and along the page's x and y apart — the median over the
    markers' left and right sides (steps across x) and over their top and bottom sides (None
    when either axis gave none). A shaken photo is blurred along the shake: one seen here
    measured 0.41 mm across x and 0.14 across y, whose median (0.26) under-blurred the
    rendering along the shake and over-blurred it across."""
    across_y: list[float] = []
    across_x: list[float] = []
    for marker in markers:
        for side, profile in enumerate(_side_profiles(page, marker)):
            sigma = _sigma_mm(profile)
            if sigma is not None:
                (across_y if side < 2 else across_x).append(sigma)
    both = across_x + across_y
    overall = float(np.median(both)) if both else None
    if not across_x or not across_y:
        return overall, None
    return overall, (float(np.median(across_x)), float(np.median(across_y)))
