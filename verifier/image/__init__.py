"""The image verifier: a photo or scan of a printed document checked against its own seal.

Framework-free and offline: it depends on :mod:`legalize.imaging`, :mod:`legalize.seal`,
:mod:`legalize.pki` and the pure layout/guilloche/MRZ/QR modules of
:mod:`legalize.documents`, never on the web service, the cases or the database. See
:mod:`verifier.image.pipeline` for the steps and docs/image-verifier.md for what it proves.
"""

from __future__ import annotations

from .annotate import annotated, annotated_png
from .debug import Debug
from .page import Fix, LocatedPage
from .pipeline import ImageVerification, verify_image

__all__ = [
    "Debug",
    "Fix",
    "ImageVerification",
    "LocatedPage",
    "annotated",
    "annotated_png",
    "verify_image",
]
