"""Guilloche geometry: rosettes, wave bands and borders as point arrays (millimetres).

Pure geometry, no PDF: the renderer turns the points into path operators, and the image
verifier re-draws the per-document rosette from the same functions to correlate it with a
rectified photo. Coordinates follow :mod:`legalize.documents.layout` (mm, origin top-left,
y downwards).

The per-document rosette (DESIGN §5) is a closed curve family

    z(t) = (r0 + r1·cos(k·t + θ_s))·e^{it} + r2·e^{-i(m·t - φ)},   t ∈ [0, 2π)

drawn ``strands`` times, rotated by 2π·s / (strands·k). ``k`` (lobes), ``m``,
the radii and both phases derive from the SHA-256 of the document number, so two documents'
rosettes differ visibly and a forger cannot reuse another document's background.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Points = NDArray[np.float64]
"""An (N, 2) array of x, y in millimetres."""


@dataclass(frozen=True)
class RosetteParams:
    """Parameters of one rosette; the radii are fractions of the rosette's outer radius."""

    lobes: int
    """Petals of the main rose term (k)."""
    counter: int
    """Frequency of the counter-rotating term (m)."""
    r0: float
    r1: float
    r2: float
    phase: float
    """Phase of the rose term, radians."""
    counter_phase: float
    """Phase of the counter-rotating term (φ), radians."""
    strands: int = 3
    points_per_strand: int = 160


def rosette_params(number: str) -> RosetteParams:
    """The per-document rosette of document ``number`` (deterministic, any Python, any host)."""
    digest = hashlib.sha256(b"legalize/rosette/v1\x00" + number.encode("utf-8")).digest()

    def unit(i: int) -> float:
        return int.from_bytes(digest[2 * i : 2 * i + 2], "big") / 65535.0

    lobes = 7 + digest[12] % 9  # 7 … 15
    counter = 2 + digest[13] % 4  # 2 … 5
    r1 = 0.22 + 0.16 * unit(0)
    r2 = 0.06 + 0.08 * unit(1)
    r0 = 1.0 - r1 - r2  # the curve's outer extent is exactly 1
    return RosetteParams(
        lobes=lobes,
        counter=counter,
        r0=r0,
        r1=r1,
        r2=r2,
        phase=2 * math.pi * unit(2),
        counter_phase=2 * math.pi * unit(3),
    )


def rosette(params: RosetteParams, centre: tuple[float, float], radius: float) -> list[Points]:
    """The strands of a rosette (each a closed polyline, last point = first) in mm.

    Strand ``s`` is the base curve rotated by 2π·s / (strands·lobes): the strands are spread
    evenly over one petal, so they cross each other in the typical guilloche mesh.
    """
    t = np.linspace(0.0, 2 * math.pi, params.points_per_strand + 1)
    rho = params.r0 + params.r1 * np.cos(params.lobes * t + params.phase)
    bx = rho * np.cos(t) + params.r2 * np.cos(params.counter * t - params.counter_phase)
    by = rho * np.sin(t) - params.r2 * np.sin(params.counter * t - params.counter_phase)
    strands = []
    for s in range(params.strands):
        alpha = 2 * math.pi * s / (params.strands * params.lobes)
        ca, sa = math.cos(alpha), math.sin(alpha)
        x = bx * ca - by * sa
        y = bx * sa + by * ca
        strands.append(np.column_stack((centre[0] + radius * x, centre[1] + radius * y)))
    return strands


def background_rosette(centre: tuple[float, float], radius: float) -> list[Points]:
    """The large fixed rosette of the security background: two nested bands of strands."""
    bands = []
    for band, (scale, lobes, strands) in enumerate(((1.0, 16, 12), (0.52, 11, 9))):
        params = RosetteParams(
            lobes=lobes,
            counter=lobes + 1,
            r0=0.74,
            r1=0.18,
            r2=0.08,
            phase=0.0,
            counter_phase=0.4 * band,
            strands=strands,
            points_per_strand=lobes * 24,
        )
        bands.extend(rosette(params, centre, radius * scale))
    return bands


def wave_band(
    left: float, top: float, width: float, height: float, lines: int, period: float
) -> list[Points]:
    """Fine-line pattern: ``lines`` sine waves across a band whose amplitude swells and
    shrinks along the band (a moiré-prone pattern that copiers and scanners blur)."""
    x = np.linspace(left, left + width, max(2, int(width / (period / 10))))
    envelope = 0.5 + 0.5 * np.sin(2 * math.pi * (x - left) / width * 3)
    out = []
    for i in range(lines):
        base = top + height * (i + 0.5) / lines
        amp = height / lines * (0.5 + 0.9 * envelope)
        y = base + amp * np.sin(2 * math.pi * (x - left) / period + i * 0.35)
        out.append(np.column_stack((x, y)))
    return out


def border(left: float, top: float, width: float, height: float, period: float) -> list[Points]:
    """Two interlaced sine waves running round a rectangle (the classic guilloche frame)."""
    perimeter = 2 * (width + height)
    n = int(perimeter / (period / 12))
    s = np.linspace(0.0, perimeter, n + 1)
    # position along the rectangle's edge, and the outward normal there
    px = np.empty_like(s)
    py = np.empty_like(s)
    nx = np.zeros_like(s)
    ny = np.zeros_like(s)
    top_edge = s < width
    right_edge = (s >= width) & (s < width + height)
    bottom_edge = (s >= width + height) & (s < 2 * width + height)
    left_edge = s >= 2 * width + height
    px[top_edge], py[top_edge], ny[top_edge] = left + s[top_edge], top, -1
    r = s[right_edge] - width
    px[right_edge], py[right_edge], nx[right_edge] = left + width, top + r, 1
    b = s[bottom_edge] - width - height
    px[bottom_edge], py[bottom_edge], ny[bottom_edge] = left + width - b, top + height, 1
    lft = s[left_edge] - 2 * width - height
    px[left_edge], py[left_edge], nx[left_edge] = left, top + height - lft, -1
    out = []
    for shift in (0.0, math.pi):
        off = 1.2 * np.sin(2 * math.pi * s / period + shift)
        out.append(np.column_stack((px + nx * off, py + ny * off)))
    return out


def document_rosette(
    number: str, square_centre: tuple[float, float], half_width: float
) -> list[Points]:
    """The per-document rosette exactly as printed: :func:`rosette_params` of ``number``,
    centred in its layout square (``layout.TTD_ROSETTE`` / ``layout.LEGAL_ROSETTE``),
    scaled to the square's half-width. The renderers call this; so can a verifier."""
    return rosette(rosette_params(number), square_centre, half_width)
