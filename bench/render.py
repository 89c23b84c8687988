"""Rendering throughput of legalize/documents on one core (unsigned PDFs).

    .venv/bin/python bench/render.py [--seconds 3]

Prints TTD renders/s and legalization renders/s (the example request and underlying
document), plus the sanitizer and the page-1 preview, each after a warm-up render (fonts,
cached forms). The issue pipeline's goal is >= 40 signed TTDs/s on 2 cores, so a TTD render
should stay within about 15 ms on one core.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from legalize.documents.legalization import render_legalization
from legalize.documents.preview import preview_png
from legalize.documents.sanitize import sanitize_underlying
from legalize.documents.schema import legalization_from_json, ttd_from_json
from legalize.documents.ttd import render_ttd
from legalize.imaging.photo import photo_for_print

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
AT = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
# a realistic seal length: about 330 characters in QR alphanumeric mode
QR = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" * 9


def rate(label: str, work: Callable[[int], object], seconds: float) -> float:
    work(0)  # warm-up
    n = 0
    start = time.perf_counter()
    cpu = time.process_time()
    while time.perf_counter() - start < seconds:
        work(n)
        n += 1
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu
    # CPU time too: the machine is shared, wall time includes waiting for a core
    print(
        f"{label:42s} {n / elapsed:8.1f} /s   {1000 * elapsed / n:7.2f} ms wall"
        f"   {1000 * cpu / n:7.2f} ms CPU"
    )
    return n / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    ttd_request = json.loads((EXAMPLES / "ttd.json").read_text(encoding="utf-8"))
    photo = (EXAMPLES / "holder.jpg").read_bytes()
    pixels = photo_for_print(photo)
    leg_request = json.loads((EXAMPLES / "legalization.json").read_text(encoding="utf-8"))
    underlying_bytes = (EXAMPLES / "underlying.pdf").read_bytes()
    underlying = sanitize_underlying(underlying_bytes, "underlying.pdf")

    def ttd(n: int) -> bytes:
        data = ttd_from_json(ttd_request, document_number=f"T{n:08d}", check_code="ABCD-EFGH")
        return render_ttd(data, QR, pixels, AT)

    def ttd_from_photo_bytes(n: int) -> bytes:
        data = ttd_from_json(ttd_request, document_number=f"T{n:08d}", check_code="ABCD-EFGH")
        return render_ttd(data, QR, photo, AT)

    def legalization(n: int) -> bytes:
        data = legalization_from_json(
            leg_request, number=f"L{n:09d}", check_code="ABCD-EFGH", default_date=AT.date()
        )
        return render_legalization(data, QR, underlying, AT)

    def legalization_sinhala(n: int) -> bytes:
        request = {**leg_request, "signed_by": "ආර්. ඒ. පෙරේරා (R. A. Perera)"}
        data = legalization_from_json(
            request, number=f"L{n:09d}", check_code="ABCD-EFGH", default_date=AT.date()
        )
        return render_legalization(data, QR, underlying, AT)

    sample = ttd(0)
    print(
        f"TTD PDF size: {len(sample) / 1024:.0f} kB; legalization: "
        f"{len(legalization(0)) / 1024:.0f} kB"
    )
    rate("TTD render (photo already normalised)", ttd, args.seconds)
    rate("TTD render (from JPEG bytes)", ttd_from_photo_bytes, args.seconds)
    rate("legalization render (Latin values)", legalization, args.seconds)
    rate("legalization render (a Sinhala value)", legalization_sinhala, args.seconds)
    rate(
        "sanitize underlying.pdf",
        lambda n: sanitize_underlying(underlying_bytes, "a.pdf"),
        args.seconds,
    )
    rate("page-1 PNG preview, 600 px", lambda n: preview_png(sample, 600), args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
