"""Genuine documents, forgeries and print-and-capture simulation for the image-verifier bench.

Deliberately independent of :mod:`verifier` (nothing here imports it), so the generator and
the verifier cannot share a blind spot: :mod:`.corpus` issues genuine documents with
``legalize``, :mod:`.forge` alters their page rasters as a forger would, :mod:`.capture`
prints and photographs or scans them. See docs/forgery-bench.md.
"""

from __future__ import annotations

from .capture import (
    CAPTURES,
    Capture,
    cover_marker,
    phone_12mp,
    rotate_capture,
    scan_300dpi,
    upload_2mp,
)
from .corpus import Corpus, Genuine, build_corpus
from .forge import LEG_FORGERIES, TTD_FORGERIES, Forgery

__all__ = [
    "CAPTURES",
    "LEG_FORGERIES",
    "TTD_FORGERIES",
    "Capture",
    "Corpus",
    "Forgery",
    "Genuine",
    "build_corpus",
    "cover_marker",
    "phone_12mp",
    "rotate_capture",
    "scan_300dpi",
    "upload_2mp",
]
