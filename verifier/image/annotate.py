"""Step 8: the annotated picture — the rectified page with every checked region outlined
green (passed), red (failed) or amber (could not be decided) and labelled with its code.

This is what an officer looks at instead of the JSON: where on the paper something is wrong.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from verifier.codes import Code
from verifier.report import Report, Status

from .page import LocatedPage

PX_PER_MM = 5.0
"""1050 × 1485 px: the whole page on a screen, labels readable."""
_COLOURS = {  # RGB
    Status.VALID: (0, 150, 60),
    Status.INVALID: (215, 25, 30),
    Status.SKIPPED: (230, 150, 0),
    Status.ERROR: (230, 150, 0),
}
_VERDICT_COLOURS = {"VALID": (0, 150, 60), "INVALID": (215, 25, 30), "INDETERMINATE": (230, 150, 0)}


def annotated(report: Report, page: LocatedPage) -> NDArray[np.uint8]:
    """The rectified page (RGB) with the checks' regions drawn on it."""
    canvas = page.canonical(PX_PER_MM, colour=True).copy()
    # fade the page a little so the outlines stand out
    canvas = np.asarray(cv2.addWeighted(canvas, 0.75, np.full_like(canvas, 255), 0.25, 0))
    _seal(canvas, report)
    for check in report.checks:
        region = check.data.get("region")
        if check.name == "qr.read":
            continue
        if not (isinstance(region, list | tuple) and len(region) == 4):
            continue
        if check.status is Status.SKIPPED and check.code == Code.NOT_APPLICABLE:
            continue
        x, y, w, h = (float(v) * PX_PER_MM for v in region)
        colour = _COLOURS[check.status]
        top_left = (round(x), round(y))
        bottom_right = (round(x + w), round(y + h))
        cv2.rectangle(canvas, top_left, bottom_right, colour, 2, cv2.LINE_AA)
        label = check.code if check.status is not Status.VALID else check.name.split(".")[-1]
        _label(canvas, label, top_left, colour)
    _banner(canvas, report)
    return canvas


_ORDER = (Status.VALID, Status.SKIPPED, Status.ERROR, Status.INVALID)


def _seal(canvas: NDArray[np.uint8], report: Report) -> None:
    """The seal's checks have no region of their own: they are drawn on the QR's square,
    in the colour of the worst of them."""
    qr = report.check("qr.read")
    if qr is None or "region" not in qr.data:
        return
    seal = [c for c in report.checks if c.name.startswith(("seal.", "document."))]
    worst = max(seal, key=lambda c: _ORDER.index(c.status), default=None)
    if worst is None:
        return
    x, y, w, h = (float(v) * PX_PER_MM for v in qr.data["region"])
    colour = _COLOURS[worst.status]
    cv2.rectangle(canvas, (round(x), round(y)), (round(x + w), round(y + h)), colour, 3)
    label = "seal" if worst.status is Status.VALID else worst.code
    _label(canvas, label, (round(x), round(y + h) + 18), colour)


def _label(
    canvas: NDArray[np.uint8], text: str, at: tuple[int, int], colour: tuple[int, int, int]
) -> None:
    font, scale, thickness = cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1
    (tw, th), base = cv2.getTextSize(text, font, scale, thickness)
    x, y = at
    y = max(th + base + 2, y)
    cv2.rectangle(canvas, (x, y - th - base - 2), (x + tw + 4, y), colour, -1)
    cv2.putText(
        canvas, text, (x + 2, y - base), font, scale, (255, 255, 255), thickness, cv2.LINE_AA
    )


def _banner(canvas: NDArray[np.uint8], report: Report) -> None:
    colour = _VERDICT_COLOURS[report.verdict.value]
    failed = ", ".join(dict.fromkeys(report.codes)) or "all checks passed"
    text = f"{report.verdict.value}: {failed}"
    cv2.rectangle(canvas, (0, 0), (canvas.shape[1], 34), colour, -1)
    cv2.putText(
        canvas,
        text[:110],
        (10, 24),
        cv2.FONT_HERSHEY_SIMPLEX,
        0.65,
        (255, 255, 255),
        2,
        cv2.LINE_AA,
    )


def annotated_png(report: Report, page: LocatedPage) -> bytes:
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(annotated(report, page), cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return bytes(buffer.tobytes())
