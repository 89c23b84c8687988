"""ArUco markers (OpenCV DICT_4X4_50) drawn as vector squares.

The image verifier finds these four markers in a photo and rectifies the page with them
(0.03–0.12 mm mean error, RESEARCH §3). Their ids and squares are in :mod:`layout`.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
from numpy.typing import NDArray

from .drawing import rect_ops
from .layout import MARKER_QUIET, MARKER_SIZE, Marker, Rect


@functools.cache
def marker_bits(marker_id: int) -> NDArray[np.uint8]:
    """The 6 × 6 cell pattern of marker ``marker_id`` (1 = black), border included."""
    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    image = cv2.aruco.generateImageMarker(dictionary, marker_id, 6)
    bits: NDArray[np.uint8] = (image < 128).astype(np.uint8)
    return bits


def marker_ops(marker: Marker) -> str:
    """PDF operators drawing ``marker``: a white quiet zone, then one rectangle per run of
    black cells in each row (few operators, exact edges)."""
    bits = marker_bits(marker.id)
    cells = bits.shape[0]
    cell = MARKER_SIZE / cells
    r = marker.rect
    ops = ["q 1 1 1 rg", rect_ops(r.grown(MARKER_QUIET)), "f 0 0 0 rg"]
    for row in range(cells):
        col = 0
        while col < cells:
            if bits[row, col]:
                start = col
                while col < cells and bits[row, col]:
                    col += 1
                ops.append(
                    rect_ops(Rect(r.x + start * cell, r.y + row * cell, (col - start) * cell, cell))
                )
            else:
                col += 1
    ops.append("f Q")
    return "\n".join(ops)


def markers_ops(markers: tuple[Marker, ...]) -> str:
    return "\n".join(marker_ops(m) for m in markers)
