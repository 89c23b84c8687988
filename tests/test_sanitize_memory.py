"""Issue 12 item 1: hostile images and PDFs filed in parallel keep the process's peak memory
bounded. A 225 KB 7700 × 7700 RGBA PNG used to add about 690 MB to a worker; eight at once
took two workers to 4.9 GB.

The work runs in a fresh Python process, which warms up (imports, one small sanitization),
reads its peak, sanitizes the hostile files from 9 threads at once, and reports how far the
peak grew. The peak is VmHWM, the process image's own: ``ru_maxrss`` would include the test
runner's, which Linux carries across fork and exec."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from tests.test_underlying_once import optional_content_pdf

PEAK_GROWTH_BOUND_MB = 400
"""The bound stated in the README's security section: 9 files at once — 3 hostile 7700 × 7700
RGBA PNGs, 2 RGBA PNGs of an A4 page at 300 dpi (the largest decoded whole), 2 JPEGs of
56 million pixels, a PDF with a 59-million-pixel image and one to rasterize — raise the peak
resident memory of the process by less than this (before the fix: 2.7 GB for 8)."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_rgba_png(side: int = 7700, height: int | None = None) -> bytes:
    """A side × height RGBA PNG of a few hundred KB, written row by row (no big buffer)."""
    height = height or side
    row = b"\x00" + bytes((200, 30, 30, 128)) * side
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", idat)
        + _chunk(b"IEND", b"")
    )


def huge_jpeg() -> bytes:
    image = Image.new("RGB", (7000, 8000), (240, 240, 235))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=50)
    return out.getvalue()


def pdf_with_huge_image() -> bytes:
    import pikepdf

    pdf = pikepdf.new()
    side = 7700
    image = pikepdf.Stream(pdf, zlib.compress(b"\x80" * (side * side * 3), 9))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width = image.Height = side
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
    image.Filter = pikepdf.Name.FlateDecode
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=pikepdf.Stream(pdf, b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
    )
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


WORKER = """
import json, sys, threading
from pathlib import Path
from legalize.documents.sanitize import sanitize_underlying, UnderlyingDocumentError

files = [Path(p).read_bytes() for p in sys.argv[1:]]
import io
import pytest
from PIL import Image
small = io.BytesIO()
Image.new("RGBA", (300, 400), (1, 2, 3, 100)).save(small, "PNG")
sanitize_underlying(small.getvalue(), "")  # warm up: imports, Pillow, pikepdf
def peak_kb():
    # VmHWM, the peak resident size of this process image: ru_maxrss would not do, as
    # Linux carries the forking parent's peak (the test runner's) across exec into it
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")

baseline = peak_kb()
outcomes = []

def run(data):
    try:
        sanitize_underlying(data, "")
        outcomes.append("OK")
    except UnderlyingDocumentError as exc:
        outcomes.append(exc.code)

threads = [threading.Thread(target=run, args=(d,)) for d in files]
for t in threads:
    t.start()
for t in threads:
    t.join()
peak = peak_kb()
growth = (peak - baseline) / 1024
result = {"growth_mb": growth, "baseline_mb": baseline / 1024, "outcomes": sorted(outcomes)}
print(json.dumps(result))
"""


def test_parallel_hostile_uploads_keep_peak_memory_bounded(tmp_path: Path) -> None:
    png = huge_rgba_png()
    assert len(png) < 400_000  # small file, huge picture
    files = {
        "png": png,
        "png-a4-300dpi": huge_rgba_png(2480, 3508),  # the largest PNG decoded whole
        "jpeg": huge_jpeg(),
        "pdf-image": pdf_with_huge_image(),
        "pdf-raster": optional_content_pdf(draws=3, side=1200),
    }
    paths = []
    for name, count in (
        ("png", 3),
        ("png-a4-300dpi", 2),
        ("jpeg", 2),
        ("pdf-image", 1),
        ("pdf-raster", 1),
    ):
        path = tmp_path / name
        path.write_bytes(files[name])
        paths += [str(path)] * count
    done = subprocess.run(
        [sys.executable, "-c", WORKER, *paths],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["growth_mb"] < PEAK_GROWTH_BOUND_MB, result


def test_sanitizations_run_at_most_the_configured_number_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from legalize.config import Config, ConfigError
    from legalize.documents import sanitize

    assert Config.from_env({"LEGALIZE_SANITIZATIONS": "3"}).sanitizations == 3
    with pytest.raises(ConfigError):
        Config.from_env({"LEGALIZE_SANITIZATIONS": "0"})
    running, most = 0, 0
    lock = threading.Lock()

    def slow(data: bytes, hint: str) -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    monkeypatch.setattr(sanitize, "_sanitize", slow)
    try:
        sanitize.set_concurrency(2)
        threads = [
            threading.Thread(target=sanitize.sanitize_underlying, args=(b"x", "")) for _ in range(8)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sanitize.set_concurrency(sanitize.DEFAULT_CONCURRENCY)
    assert most == 2
