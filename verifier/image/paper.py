"""The paper's own light, divided out of a region before its print is judged.

A phone photo of a page is lit unevenly: vignetting, a light gradient, a soft shadow across
part of the sheet. A check that takes one paper level for a long region (a legalization's
166 mm value line, the 170 mm microtext line) sees the shaded paper as ink, or the lit print as
paper. :func:`flatten` estimates the paper level locally and divides by it, so what remains is
the print's darkness relative to the paper beside it.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

FLAT_PAPER = 240.0
"""Grey level :func:`flatten` brings the paper to (below 255, so noise above it survives)."""
FLATTEN_PX = 31
"""Window (px) of the paper estimate: wider than any stroke of a value scaled to a 30 px
capital, narrower than the soft shadows and light fall-off across a page."""


def flatten(gray: NDArray[np.uint8], window_px: int = FLATTEN_PX) -> NDArray[np.uint8]:
    """The region divided by its own paper level, estimated locally (the brightest grey in a
    ``window_px`` neighbourhood, smoothed), so a shadow or a light gradient across a long value
    does not make the paper on its dark side look like ink: a phone photo with a shadow over
    the left half of a legalization's line had paper at grey 113 there and 195 on the right,
    and the guilloche in the shade counted as ink beyond the value's end."""
    values = gray.astype(np.float32)
    smooth = cv2.GaussianBlur(values, (0, 0), 1.0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (window_px, window_px))
    paper = cv2.GaussianBlur(cv2.dilate(smooth, kernel), (0, 0), window_px / 4)
    flat = values / np.maximum(paper, 1.0) * FLAT_PAPER
    return np.clip(flat, 0, 255).astype(np.uint8)
