"""Checking a photo or scan of the printed paper, as the staff pages and the public
``/check/photo`` page both do: the upload typed by content, the verification in memory under
a per-process bound, the annotated picture, the page's status and the "busy" answer.

A verification costs up to about a second of CPU; until the task queue takes them, at most
``Config.paper_verifications`` run at once per process (one bound for staff and public). A
request that finds them all busy waits :data:`WAIT_SECONDS`, then is answered 503 with
Retry-After. The picture is checked in memory and forgotten: nothing of it is stored or logged.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.imaging.decode import CAPTURE_FORMATS, sniff
from legalize.pki.trust import TrustStore
from legalize.web.errors import WebError, error_response
from legalize.web.state import state
from verifier.report import Report, Status

WAIT_SECONDS = 2.0
"""How long a request waits for a free verification slot before the 503."""
RETRY_AFTER_SECONDS = 3
NOT_AN_IMAGE = "IMAGE_FORMAT_UNSUPPORTED"
BUSY = "BUSY"


@dataclass(frozen=True)
class PaperResult:
    """What the page shows of one check of the paper; the picture itself is not kept."""

    report: Report | None = None
    picture: str | None = None
    """The annotated page as a ``data:image/png;base64,`` URL, or None."""
    error: tuple[str, str] | None = None
    """(code, message) when the upload was refused before any verification."""

    @property
    def failed(self) -> list[Any]:
        if self.report is None:
            return []
        return [c for c in self.report.checks if c.status in (Status.INVALID, Status.ERROR)]

    @property
    def passed(self) -> list[Any]:
        if self.report is None:
            return []
        return [c for c in self.report.checks if c.status in (Status.VALID, Status.SKIPPED)]


class PaperForm(FlaskForm):
    """A photo or scan of the printed paper, checked against its seal and the register."""

    paper = FileField(
        "Photo or scan of the paper (JPEG, PNG, HEIC, WebP, TIFF or PDF)",
        validators=[FileRequired()],
    )


class Busy(Exception):
    """Every verification slot stayed taken for WAIT_SECONDS."""


def _slots() -> threading.BoundedSemaphore:
    services = state().services
    slots = services.get("paper_slots")
    if slots is None:
        made = threading.BoundedSemaphore(state().config.paper_verifications)
        slots = services.setdefault("paper_slots", made)  # atomic: one semaphore per app
    assert isinstance(slots, threading.BoundedSemaphore)
    return slots


def read_upload() -> bytes | PaperResult:
    """The uploaded bytes, or a PaperResult naming why they are refused (typed by content)."""
    form = PaperForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
        return PaperResult(error=("FILE_REQUIRED", "Choose a photo or scan of the paper first."))
    upload = form.paper.data
    try:
        data: bytes = upload.read()
    finally:
        upload.close()  # a large upload is spooled to a temporary file: gone now
    if not data:
        return PaperResult(error=("FILE_EMPTY", "The file is empty: choose the photo again."))
    if sniff(data) not in CAPTURE_FORMATS:
        return PaperResult(
            error=(
                NOT_AN_IMAGE,
                "This file is not a photo or scan: send a JPEG, PNG, HEIC/HEIF, WebP or TIFF "
                "picture, or a PDF scan, of the printed page.",
            )
        )
    return data


def verify_bounded(
    data: bytes, trust: TrustStore, at: datetime, with_register: Callable[[Report], Report]
) -> PaperResult:
    """Verify the picture in one of the process's slots; ``with_register`` adds the
    register's answer to the image verifier's report (and ends its read transaction)."""
    from verifier.image import annotated_png, verify_image  # OpenCV: loaded on first use

    slots = _slots()
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise Busy()
    try:
        found = verify_image(data, trust, at)
        report = with_register(found.report)
        picture = None
        if found.page is not None:
            try:
                png = annotated_png(report, found.page)
                picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            except Exception:  # no picture is still a report
                picture = None
    finally:
        slots.release()
    return PaperResult(report=report, picture=picture)


def page_status(result: PaperResult) -> int:
    if result.error is not None:
        return 422
    load = result.report.check("image.load") if result.report else None
    return 422 if load is not None and load.status is not Status.VALID else 200


def busy_response() -> WerkzeugResponse:
    response = error_response(
        503,
        BUSY,
        "Busy: other photos are being checked right now. Try again in a moment.",
        "paper",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
