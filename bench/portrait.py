"""Time the portrait check on a 2 MP photo: `.venv/bin/python bench/portrait.py [runs]`.

The photo is the committed example portrait (tests/data/portraits/ok.jpg) enlarged to
1224 × 1574 px (1.9 MP) and saved as a JPEG at quality 90, as a phone or studio upload would
arrive. Prints the median and the 90th percentile of the whole check, then the parts.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from legalize.imaging import decode, face, portrait

ROOT = Path(__file__).resolve().parent.parent


def photo() -> bytes:
    small = cv2.imread(str(ROOT / "tests" / "data" / "portraits" / "ok.jpg"))
    big = cv2.resize(small, (1224, 1574), interpolation=cv2.INTER_CUBIC)
    ok, buf = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return bytes(buf.tobytes())


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: model load, allocations
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def report(name: str, ms: list[float]) -> None:
    p90 = sorted(ms)[max(0, round(0.9 * len(ms)) - 1)]
    print(f"{name:<28} median {statistics.median(ms):7.1f} ms   p90 {p90:7.1f} ms")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    data = photo()
    rgb = decode.decode_image(data)
    height, width = rgb.shape[:2]
    factor = face.FaceDetector.WORKING_SIZE / max(height, width)
    size = (round(width * factor), round(height * factor))
    work = np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), np.uint8)
    detector = face.FaceDetector.default()
    found = face.scale_face(detector.detect(work)[0], width / work.shape[1])
    geometry = portrait._geometry(found)
    result = portrait.check_portrait(data)
    print(f"load average {os.getloadavg()[0]:.2f}, OpenCV threads {cv2.getNumThreads()}")
    print(
        f"photo {width}×{height} px ({width * height / 1e6:.1f} MP), "
        f"{len(data) / 1000:.0f} kB JPEG; verdict ok={result.ok} {list(result.issues)}"
    )
    report("check_portrait (total)", timed(lambda: portrait.check_portrait(data), runs))
    report("  decode (Pillow + EXIF)", timed(lambda: decode.decode_image(data), runs))
    report(
        "  reduce to 512 px",
        timed(lambda: cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), runs),
    )
    report("  face detection", timed(lambda: detector.detect(work), runs))
    background = portrait._background_pixels
    report("  background (GrabCut)", timed(lambda: background(work, geometry, factor), runs))
    crop_m: dict[str, float] = {}
    policy = portrait.DEFAULT_POLICY
    report("  crop + JPEG", timed(lambda: portrait._crop(rgb, geometry, policy, crop_m), runs))
    print(f"cropped JPEG {len(result.cropped_jpeg or b'')} bytes, numpy {np.__version__}")


if __name__ == "__main__":
    main()
