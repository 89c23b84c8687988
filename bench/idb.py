"""QR version and decode rate of each TTD seal form under simulated captures.

    .venv/bin/python bench/idb.py [--captures 12] [--seed 1]

Variants (the same TTD, signed on P-256):
  vds            today's seal: the binary VDS in Base32 behind the web-check URL
  idb            the same content as an ICAO IDB barcode (RDB1B...)
  idb-face       the IDB with the holder's face image (JPEG 2000, grey 48 x 62, <= 600 bytes),
                 printed in the TTD's 48 mm QR square (modules below the 0.5 mm floor: the
                 layout refuses this today; measured to show why)
  idb-face-0.5   the same barcode at 0.5 mm modules (a 59 mm square: needs a layout change)

Each QR is drawn where the TTD prints it, on an otherwise white A4 page at 300 dpi, then put
through the capture simulation (bench/forgesim/capture.py): a flatbed scan, a 12 MP phone
photo and that photo as a 2 MP upload, ``--captures`` of each, the same seeds for every
variant. A capture counts as decoded when zxing-cpp (verifier.image.barcode.find_qr, the
verifier's first try on the whole photo) returns exactly the printed text.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.forgesim import capture  # noqa: E402
from legalize.documents import layout, qr  # noqa: E402
from legalize.imaging.photo import face_image_jp2, photo_for_print  # noqa: E402
from legalize.seal.profiles import TtdSeal, seal_ttd, seal_ttd_idb  # noqa: E402
from legalize.seal.qrtext import qr_text  # noqa: E402
from tests.vectors.build import AT, CHECK_URL, build_pki, sample_ttd  # noqa: E402
from verifier.image.barcode import find_qr  # noqa: E402

DPI = 300
PAGE = (2480, 3508)


def page_with_qr(text: str, module_mm: float | None) -> np.ndarray:
    """A white A4 raster with the QR at the TTD's QR square (module size by the layout's rule,
    or ``module_mm``), centred in the square like the page draws it."""
    symbol = qr.encode(text)
    square = layout.TTD_QR
    module = module_mm or qr.module_size(symbol, square)
    px = DPI / 25.4
    size = symbol.size
    width = module * size
    x0 = (square.x + (square.w - width) / 2) * px
    y0 = (square.y + (square.h - width) / 2) * px
    page = np.full((PAGE[1], PAGE[0], 3), 255, np.uint8)
    dark = np.argwhere(symbol.modules)
    for r, c in dark:
        top, left = int(y0 + r * module * px + 0.5), int(x0 + c * module * px + 0.5)
        bottom = int(y0 + (r + 1) * module * px + 0.5)
        right = int(x0 + (c + 1) * module * px + 0.5)
        page[top:bottom, left:right] = 0
    return page


def as_issued(data: TtdSeal) -> TtdSeal:
    """The vectors' sample TTD plus the printed TD3 MRZ (tag 0xC2) every issued TTD carries,
    so the sizes are those of a real seal (docs/seal-format.md §5: 244 bytes, version 13)."""
    line1 = data.mrz[:36].ljust(44, "<")
    line2 = data.mrz[36 : 36 + 28] + "<" * 14 + "00"
    return replace(data, printed_mrz=line1 + line2)


def decoded(jpeg: bytes, text: str) -> bool:
    gray = cv2.cvtColor(capture.decode(jpeg), cv2.COLOR_RGB2GRAY)
    return any(hit.text == text for hit in find_qr(gray))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=12, help="captures per type (12)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        signer = build_pki(Path(tmp)).signers["secp256r1"]
        data = as_issued(sample_ttd())
        face = face_image_jp2(photo_for_print((ROOT / "examples" / "holder.jpg").read_bytes()))
        with_face = seal_ttd_idb(replace(data, face_image=face), signer, AT)
        variants: list[tuple[str, str, float | None]] = [
            ("vds", qr_text(seal_ttd(data, signer, AT), CHECK_URL), None),
            ("idb", qr_text(seal_ttd_idb(data, signer, AT), CHECK_URL), None),
            ("idb-face", qr_text(with_face, CHECK_URL), None),
            ("idb-face-0.5", qr_text(with_face, CHECK_URL), 0.5),
        ]
    print(f"face image: {len(face)} bytes JPEG 2000; {args.captures} captures per type")
    print(
        f"{'variant':<13} {'chars':>5} {'QR v':>4} {'module':>7} {'width':>6} "
        f"{'scan':>6} {'12 MP':>6} {'2 MP':>6} {'s':>5}"
    )
    for name, text, module_mm in variants:
        started = time.monotonic()
        symbol = qr.encode(text)
        module = module_mm or qr.module_size(symbol, layout.TTD_QR)
        page = page_with_qr(text, module_mm)
        hits = {"scan": 0, "phone": 0, "upload": 0}
        for i in range(args.captures):
            rng = random.Random(args.seed * 1000 + i)
            hits["scan"] += decoded(capture.scan_300dpi(page, rng).jpeg, text)
            phone = capture.phone_12mp(page, rng)
            hits["phone"] += decoded(phone.jpeg, text)
            hits["upload"] += decoded(capture.upload_from_phone(phone, rng).jpeg, text)
        n = args.captures
        rates = " ".join(f"{100 * hits[k] / n:>5.0f}%" for k in ("scan", "phone", "upload"))
        print(
            f"{name:<13} {len(text):>5} {symbol.version:>4} {module:>5.2f}mm "
            f"{module * symbol.size:>4.0f}mm {rates} {time.monotonic() - started:>5.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
