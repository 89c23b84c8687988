"""Step 6: print features — the per-document rosette and the fixed background features.

**The rosette.** Each document's rosette is drawn from parameters derived from its number
(:func:`legalize.documents.guilloche.rosette_params`), so the verifier re-draws the rosette
the seal's number implies and correlates it with the rectified print. A correlation alone
depends on focus and light; so the same print is also correlated with the rosettes of
:data:`DECOYS` other numbers, which tells what "a rosette, but not this one" scores on this
very photo. The check passes when the expected rosette scores at least :data:`ROSETTE_MIN`
and beats the best decoy by :data:`ROSETTE_MARGIN`: a background lifted from another genuine
document carries a decoy-like rosette, and a page re-made without our template none at all.

**Fixed features.** The fine-line band is re-drawn from its geometry and correlated the same
way (without decoys: it is the same on every page); the microtext line must stand out as a
dark strip where the layout puts it. A white-light phone photo cannot resolve microprint
(RESEARCH §3): this shows the features are *there*, as on our template, not that the ink or
paper is ours — a colour copy of a genuine document passes, which is what the single-journey
clearance and the register status are for (docs/image-verifier.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from legalize.documents import guilloche
from legalize.documents.layout import (
    LEGAL_FINE_LINES,
    LEGAL_MICROTEXT,
    LEGAL_ROSETTE,
    TTD_FINE_LINES,
    TTD_MICROTEXT,
    TTD_ROSETTE,
    Rect,
)
from legalize.kinds import DocumentType
from verifier.codes import Code
from verifier.report import Category, Check, fail, ok, skipped

from .fields import excess_blur_mm
from .page import Fix, LocatedPage
from .paper import flatten

PX_PER_MM = 8.0
"""Resolution the features are compared at: the lines are 0.1 mm wide, so what a phone
resolves of them is their pattern at a few tenths of a millimetre, not the lines."""
BLUR_MM = 0.3
"""Both images are blurred by this much (σ) before correlating: the pattern, not the line."""
DECOYS = 12
ROSETTE_MIN = 0.5
"""Score the expected rosette needs: genuine 12 MP photos and 2 MP uploads 0.94–0.99 (shaded
ones included, since the slow variation is taken out), a background lifted from another
document 0.08–0.32, a page made without our template 0.10 or less."""
ROSETTE_MARGIN = 0.15
"""Lead it needs over the best decoy: genuine 0.60–0.85 (bench seed 7, 80 captures)."""
FINE_LINES_MIN = 0.5
"""Median tile score of the fine-line band: genuine scans 0.95–0.96, 12 MP phone photos and
2 MP uploads 0.83–0.93 (shaded and defocused 12 MP photos 0.88–0.92 since the shading is taken
out), a page re-made on plain paper 0.05 or less, an erased band 0.2 or less."""
FINE_LINE_TILES = 8
SHADING_MM = 2.0
"""Scale (σ) of the light's variation taken out of the fine-line tiles before correlating: a
local paper level (:func:`.paper.flatten`, 4 mm) lost the lines of blurred dim photos (0.64),
a 1 mm one the pattern itself; at 2 mm genuine medians were 0.88–0.91 on the hardest photos."""
MICROTEXT_MIN_CONTRAST = 12.0
"""Grey levels by which the microtext strip must be darker than the paper beside it."""
MICROTEXT_MIN_COVERAGE = 0.6
"""Share of the line's 10 mm segments that must stand out: a genuine phone photo with a
shadow across the line read 0.88; a page without the line reads 0."""
MIN_PX_PER_MM = 4.0
"""Below this photo resolution (a page photographed from too far, a small upload) the
features cannot be judged: the check says so rather than guessing."""

_ROSETTE = {DocumentType.TTD: TTD_ROSETTE, DocumentType.LEGALIZATION: LEGAL_ROSETTE}
_FINE_LINES = {DocumentType.TTD: TTD_FINE_LINES, DocumentType.LEGALIZATION: LEGAL_FINE_LINES}
_MICROTEXT = {DocumentType.TTD: TTD_MICROTEXT, DocumentType.LEGALIZATION: LEGAL_MICROTEXT}


def _box(rect: Rect) -> list[float]:
    return [round(v, 2) for v in (rect.x, rect.y, rect.w, rect.h)]


def _ink(page: LocatedPage, rect: Rect) -> NDArray[np.float32]:
    """Ink density of ``rect`` (0 = paper), from the green channel: our guilloche inks are
    maroon and rose, darkest in green, while the pale panel tint barely shows there."""
    rgb = page.region(rect, PX_PER_MM, colour=True)
    green = rgb[..., 1].astype(np.float32)
    paper = float(np.percentile(green, 95))
    ink: NDArray[np.float32] = np.clip(paper - green, 0, None).astype(np.float32)
    return ink


def _without_shading(image: NDArray[np.float32]) -> NDArray[np.float32]:
    """``image`` less its :data:`SHADING_MM` average: a shadow's edge or a thumb across a
    fine-line tile read as a dark wash that drowned the lines (genuine tiles 0.15–0.48), while
    the lines' pattern, at 0.9 mm spacing, is untouched (the same tiles 0.84–0.95)."""
    sigma = SHADING_MM * PX_PER_MM
    return np.asarray(image - cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.float32)


def _drawn(paths: Sequence[NDArray[np.float64]], rect: Rect) -> NDArray[np.float32]:
    canvas = np.zeros((round(rect.h * PX_PER_MM), round(rect.w * PX_PER_MM)), np.uint8)
    shift = 4  # cv2 draws with sub-pixel precision given fixed-point coordinates
    for path in paths:
        pts = (path - np.array([rect.x, rect.y])) * PX_PER_MM - 0.5
        fixed = np.round(pts * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [fixed], False, 255, 1, cv2.LINE_AA, shift)
    return canvas.astype(np.float32)


def _blur(image: NDArray[np.float32], extra_mm: float = 0.0) -> NDArray[np.float32]:
    """:data:`BLUR_MM`, plus ``extra_mm`` (σ, added in quadrature) for a rendering that must
    carry the photo's own excess blur (``fields.excess_blur_mm``) to compare like with like."""
    sigma = float(np.hypot(BLUR_MM, extra_mm)) * PX_PER_MM
    return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma), dtype=np.float32)


def _ncc(print_: NDArray[np.float32], template: NDArray[np.float32]) -> float:
    """Best normalised cross-correlation of ``template`` within ``print_`` (which is larger
    by the search margin on every side)."""
    if template.std() < 1e-6 or print_.std() < 1e-6:
        return 0.0
    scores = cv2.matchTemplate(print_, template, cv2.TM_CCOEFF_NORMED)
    return float(np.max(scores))


def _margin_mm(page: LocatedPage) -> float:
    return 1.0 if page.fix is Fix.MARKERS else 4.0


def _too_coarse(page: LocatedPage, name: str, rect: Rect) -> Check | None:
    if page.px_per_mm >= MIN_PX_PER_MM:
        return None
    return skipped(
        name,
        Category.BINDING,
        f"The photo shows the page at {page.px_per_mm:.1f} pixels per millimetre; at least "
        f"{MIN_PX_PER_MM:.0f} are needed to see the print features. Photograph the whole "
        "page closer, filling the frame.",
        Code.PRINT_FEATURES_UNREADABLE,
        {"region": _box(rect), "px_per_mm": round(page.px_per_mm, 2)},
    )


def _judged(
    name: str, passed: bool, good: str, bad: str, data: Mapping[str, object], *, code: Code
) -> Check:
    """A feature check's result: VALID with ``good`` or INVALID ``code`` with ``bad``."""
    if passed:
        return ok(name, Category.BINDING, good, data)
    return fail(name, Category.BINDING, code, bad, data)


def check_rosette(page: LocatedPage, number: str) -> Check:
    rect = _ROSETTE[page.kind]
    coarse = _too_coarse(page, "print.rosette", rect)
    if coarse is not None:
        return coarse
    margin = _margin_mm(page)
    # as the fine-line band: without the light's slow variation, and the rendering given the
    # photo's excess blur. Taking out what varies over more than a few millimetres also takes
    # out what every rosette shares — the ring of ink its loops fill — so a decoy keeps only
    # its own loops' pattern: decoys scored 0.43–0.55 with it, 0.15–0.25 without (genuine
    # rosettes 0.93–0.99 either way), and a shadow across the rosette no longer drags the
    # expected score down (a shaded legalization: 0.62 against decoys at 0.43)
    printed = _without_shading(_blur(_ink(page, rect.grown(margin))))
    extra = excess_blur_mm(page)
    centre, half = rect.centre, rect.w / 2

    def score(n: str) -> float:
        drawn = _drawn(guilloche.document_rosette(n, centre, half), rect)
        return _ncc(printed, _without_shading(_blur(drawn, extra)))

    expected = score(number)
    decoys = [score(f"{number}\x00decoy{i}") for i in range(DECOYS)]
    best_decoy = max(decoys)
    data = {
        "region": _box(rect),
        "score": round(expected, 3),
        "best_decoy": round(best_decoy, 3),
        "threshold": ROSETTE_MIN,
        "margin": ROSETTE_MARGIN,
        "excess_blur_mm": round(extra, 3),
    }
    return _judged(
        "print.rosette",
        expected >= ROSETTE_MIN and expected - best_decoy >= ROSETTE_MARGIN,
        "The rosette printed is the one this document's number defines.",
        "The rosette printed is not the one this document's number defines: the background "
        "was taken from another document or the page was made without our template.",
        data,
        code=Code.ROSETTE_MISMATCH,
    )


def check_fine_lines(page: LocatedPage) -> Check:
    rect = _FINE_LINES[page.kind]
    coarse = _too_coarse(page, "print.fine_lines", rect)
    if coarse is not None:
        return coarse
    # In tiles along the band, each with its own small search: a sheet that is not quite
    # flat, or a lens that bends straight lines, moves the far ends of a 182 mm band by more
    # than the pattern's 0.9 mm line spacing, which one correlation over the band cannot
    # follow (a phone photo scored 0.43 whole, 0.86 as the median of 8 tiles).
    # Both are read without their slow variation (a shadow or a thumb is not missing ink)
    # and the rendering is given the photo's blur beyond a sharp capture's, as the field
    # checks do, so a defocused photo is compared with what it could show.
    waves = guilloche.wave_band(rect.x, rect.y, rect.w, rect.h, lines=14, period=7.0)
    width = rect.w / FINE_LINE_TILES
    extra = excess_blur_mm(page)
    scores = []
    for i in range(FINE_LINE_TILES):
        tile = Rect(rect.x + i * width, rect.y, width, rect.h)
        printed = _without_shading(_blur(_ink(page, tile.grown(_margin_mm(page)))))
        drawn = _without_shading(_blur(_drawn(waves, tile), extra))
        scores.append(_ncc(printed, drawn))
    value = float(np.median(scores))
    data = {
        "region": _box(rect),
        "score": round(value, 3),
        "tiles": [round(v, 3) for v in scores],
        "threshold": FINE_LINES_MIN,
        "excess_blur_mm": round(extra, 3),
    }
    return _judged(
        "print.fine_lines",
        value >= FINE_LINES_MIN,
        "The fine-line band is printed where the template puts it.",
        "The fine-line band of our template is missing.",
        data,
        code=Code.PRINT_FEATURE_MISSING,
    )


def check_microtext(page: LocatedPage) -> Check:
    rect = _MICROTEXT[page.kind]
    coarse = _too_coarse(page, "print.microtext", rect)
    if coarse is not None:
        return coarse
    # a band 2 mm high centred on the line; the line must be darker than the paper beside it
    band = Rect(rect.x, rect.y + rect.h / 2 - 1.0, rect.w, 2.0)
    if page.fix is not Fix.MARKERS:
        band = Rect(rect.x, rect.y + rect.h / 2 - 3.0, rect.w, 6.0)
    # each stretch of the line against the paper beside it: a shadow across part of a 170 mm
    # line made the lit segments look blank against one paper level for the whole band
    gray = flatten(page.region(band, PX_PER_MM)).astype(np.float32)
    profile = cv2.GaussianBlur(gray, (0, 0), 1.0).mean(axis=1)
    contrast = float(np.percentile(profile, 90) - profile.min())
    # the strip must run the whole width, not be one dark smudge: darkest row, per 10 mm
    row = int(np.argmin(profile))
    strip = gray[max(0, row - 1) : row + 2]
    segments = np.array_split(strip.mean(axis=0), max(1, round(rect.w / 10)))
    paper = float(np.percentile(profile, 90))
    covered = float(np.mean([paper - s.mean() >= MICROTEXT_MIN_CONTRAST / 2 for s in segments]))
    data = {
        "region": _box(rect),
        "contrast": round(contrast, 1),
        "threshold": MICROTEXT_MIN_CONTRAST,
        "coverage": round(covered, 2),
        "min_coverage": MICROTEXT_MIN_COVERAGE,
    }
    return _judged(
        "print.microtext",
        contrast >= MICROTEXT_MIN_CONTRAST and covered >= MICROTEXT_MIN_COVERAGE,
        "The microtext line is printed where the template puts it.",
        "The microtext line of our template is missing.",
        data,
        code=Code.PRINT_FEATURE_MISSING,
    )


def check_features(page: LocatedPage, seal_fields: Mapping[str, object]) -> list[Check]:
    number = seal_fields.get("document_number") or seal_fields.get("number")
    checks = [check_fine_lines(page), check_microtext(page)]
    if isinstance(number, str) and number:
        checks.insert(0, check_rosette(page, number))
    else:
        checks.insert(
            0,
            skipped(
                "print.rosette",
                Category.BINDING,
                "The seal carries no document number to draw the rosette from.",
            ),
        )
    return checks
