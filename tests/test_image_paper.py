"""verifier.image.paper.flatten and the ink map built on it: uneven light is divided out, so
shaded paper is not ink and a dim photo has the contrast of a bright one."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from verifier.image import textrender
from verifier.image.paper import FLAT_PAPER, flatten


def _line(paper_left: float, paper_right: float) -> tuple[NDArray[np.uint8], NDArray[np.bool_]]:
    """A 60 × 600 region: paper lit from ``paper_left`` to ``paper_right`` grey (a shadow
    across it), with bars 4 px wide and 30 px high (strokes of a 30 px capital) printed at a
    tenth of the paper's light, and where the strokes are."""
    height, width = 60, 600
    light = np.linspace(paper_left, paper_right, width, dtype=np.float32)[None, :].repeat(height, 0)
    strokes = np.zeros((height, width), bool)
    for x in range(40, 280, 24):
        strokes[15:45, x : x + 4] = True
    reflectance = np.where(strokes, 0.1, 1.0).astype(np.float32)
    noise = np.random.default_rng(1).normal(0, 2.0, (height, width)).astype(np.float32)
    return np.clip(light * reflectance + noise, 0, 255).astype(np.uint8), strokes


def test_a_shadow_across_the_paper_is_divided_out() -> None:
    gray, strokes = _line(110.0, 200.0)
    flat = flatten(gray).astype(np.float32)
    paper = flat[:, 300:][~strokes[:, 300:]]
    shaded = flat[:, :30]
    # the paper is one level on both sides of the shadow, near FLAT_PAPER
    assert abs(float(np.median(shaded)) - float(np.median(paper))) < 12
    assert abs(float(np.median(paper)) - FLAT_PAPER) < 15
    # the strokes stay dark: about a tenth of the paper
    assert float(np.median(flat[strokes])) < 0.25 * FLAT_PAPER


def test_shaded_paper_is_not_ink() -> None:
    gray, strokes = _line(110.0, 200.0)
    ink = textrender.ink_map(gray).ink
    # without flattening, the shaded left end of the paper was ~0.5 ink (paper level 80th pct)
    assert float(np.percentile(ink[~strokes], 99)) < 0.2
    assert float(np.median(ink[strokes])) > 0.8


def test_a_dim_photo_has_the_contrast_of_a_bright_one() -> None:
    bright, _ = _line(210.0, 210.0)
    dim, _ = _line(100.0, 100.0)
    high, low = textrender.ink_map(bright).contrast, textrender.ink_map(dim).contrast
    assert abs(high - low) < 15
    # dark print on paper is far over the field checks' legibility floor in both
    assert low > 150
