"""What the reviewer of a legalization looks at: the underlying document's pages as images
(the sanitized copy — the applicant's file itself is never served back), and the registered
specimen signature and seal beside them at the same scale.

One scale for all: a page is rendered at :data:`PREVIEW_DPI`, and a specimen image is shown
at its physical size (its resolution as recorded in the file, :data:`SPECIMEN_DEFAULT_DPI`
when it records none) converted to the same pixels per inch, so a signature 40 mm wide on
the page and in the specimen appear equally wide.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from legalize.cases.errors import NotFound
from legalize.cases.origin import OriginView, assess
from legalize.documents.errors import DocumentError
from legalize.documents.preview import page_sizes, preview_png
from legalize.documents.sanitize import sanitize_underlying
from legalize.kinds import CaseKind
from legalize.registry.models import Case, Signatory

PREVIEW_DPI = 100
"""Pixels per inch of a page preview (an A4 page: 827 × 1169 pixels)."""
SPECIMEN_DEFAULT_DPI = 300
"""The resolution a specimen scan is taken to have when its file records none."""


@dataclass(frozen=True)
class PagePreview:
    number: int
    """1 for the first page."""
    width_px: int
    height_px: int


@dataclass(frozen=True)
class SpecimenImage:
    kind: str
    """``signature`` or ``seal``."""
    width_px: int
    """Its width on screen at PREVIEW_DPI (its physical size, the page's scale)."""
    height_px: int
    width_mm: float


@dataclass(frozen=True)
class Review:
    """Everything the legalization part of the case page shows."""

    origin: OriginView
    pages: list[PagePreview]
    preview_error: str | None
    """Why the pages cannot be shown (then ``pages`` is empty)."""
    specimen_signatory_id: int | None
    """The matched signatory whose specimens are shown beside the first page."""
    specimens: list[SpecimenImage]


def review(session: Session, case_id: int) -> Review:
    case = session.get(Case, case_id)
    if case is None or case.kind != CaseKind.LEGALIZATION.value:
        raise NotFound(f"no legalization case {case_id}", field="case_id")
    error = None
    try:
        found = pages(session, case_id)
    except DocumentError:
        found, error = [], "The pages of this document cannot be shown."
    signatory = case.signatory
    return Review(
        assess(session, case),
        found,
        error,
        signatory.id if signatory is not None else None,
        specimens(signatory) if signatory is not None else [],
    )


def _reviewable(session: Session, case_id: int) -> bytes:
    case = session.get(Case, case_id)
    if case is None or case.kind != CaseKind.LEGALIZATION.value or case.underlying is None:
        raise NotFound(f"no legalization case {case_id}", field="case_id")
    if case.underlying_rasterized is None:
        # Filed before uploads were stored sanitized: this is the applicant's file as
        # received, so it is sanitized now, never rendered or served as it is.
        return sanitize_underlying(case.underlying, case.underlying_media_type or "").pdf
    return case.underlying


def pages(session: Session, case_id: int) -> list[PagePreview]:
    """The pages of a legalization's underlying document, sized at PREVIEW_DPI."""
    return [
        PagePreview(i + 1, round(w / 72 * PREVIEW_DPI), round(h / 72 * PREVIEW_DPI))
        for i, (w, h) in enumerate(page_sizes(_reviewable(session, case_id)))
    ]


def page_png(session: Session, case_id: int, number: int) -> bytes:
    """Page ``number`` (1: the first) as a PNG at PREVIEW_DPI."""
    pdf = _reviewable(session, case_id)
    sizes = page_sizes(pdf)
    if not 1 <= number <= len(sizes):
        raise NotFound(f"the document has no page {number}", field="page")
    width = min(max(round(sizes[number - 1][0] / 72 * PREVIEW_DPI), 16), 2400)
    try:
        return preview_png(pdf, width, number - 1)
    except DocumentError as exc:
        raise NotFound(f"page {number} cannot be shown", field="page") from exc


def specimen(signatory: Signatory, kind: str) -> tuple[bytes, str] | None:
    """The specimen ``signature`` or ``seal`` image of a signatory and its media type."""
    if kind == "signature" and signatory.specimen and signatory.specimen_media_type:
        return signatory.specimen, signatory.specimen_media_type
    if kind == "seal" and signatory.seal_image and signatory.seal_image_media_type:
        return signatory.seal_image, signatory.seal_image_media_type
    return None


def specimen_of(session: Session, signatory_id: int, kind: str) -> tuple[bytes, str]:
    """A signatory's registered specimen image (``signature`` or ``seal``), media type."""
    signatory = session.get(Signatory, signatory_id)
    found = specimen(signatory, kind) if signatory is not None else None
    if found is None:
        raise NotFound(f"no specimen {kind} for signatory {signatory_id}", field="signatory_id")
    return found


def specimen_size(data: bytes, kind: str) -> SpecimenImage | None:
    """How large to show a specimen image beside a page preview (None: not an image)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            dpi = image.info.get("dpi")
    except (UnidentifiedImageError, OSError, ValueError):
        return None
    resolution = float(dpi[0]) if isinstance(dpi, tuple) and dpi and dpi[0] else 0.0
    if not 50 <= resolution <= 2400:  # absent, or a placeholder such as 1 or 72000
        resolution = SPECIMEN_DEFAULT_DPI
    scale = PREVIEW_DPI / resolution
    return SpecimenImage(
        kind,
        max(1, round(width * scale)),
        max(1, round(height * scale)),
        round(width / resolution * 25.4, 1),
    )


def specimens(signatory: Signatory) -> list[SpecimenImage]:
    """The signatory's specimen images, sized to the page previews' scale."""
    found = []
    for kind in ("signature", "seal"):
        image = specimen(signatory, kind)
        size = specimen_size(image[0], kind) if image else None
        if size is not None:
            found.append(size)
    return found
