"""A photo or scan of the printed paper, checked where staff work: the border clearance page and
the case page of an issued document.

The picture is verified in memory (:func:`verifier.image.verify_image`), the register adds its
answer (:mod:`legalize.cases.paper`), the page shows the report with the annotated picture, and
the picture is forgotten: nothing of it is stored or logged. The audit log records who checked
which document and the verdict.

A verification costs up to about a second of CPU; until the task queue takes them, at most
``Config.paper_verifications`` run at once per process. A request that finds them all busy
waits :data:`WAIT_SECONDS`, then is answered 503 with Retry-After.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import paper, views
from legalize.cases.views import DocumentView
from legalize.imaging.decode import CAPTURE_FORMATS, sniff
from legalize.kinds import DocumentType, Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError, error_response
from legalize.web.staff import bp
from legalize.web.staff.cases import case_page
from legalize.web.staff.clearance import NUMBER_MAX, clear_page
from legalize.web.staff.forms import (
    PaperForm,
)
from legalize.web.state import db, now, state, trust_store
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


def _slots() -> threading.BoundedSemaphore:
    services = state().services
    slots = services.get("paper_slots")
    if slots is None:
        made = threading.BoundedSemaphore(state().config.paper_verifications)
        slots = services.setdefault("paper_slots", made)  # atomic: one semaphore per app
    assert isinstance(slots, threading.BoundedSemaphore)
    return slots


class Busy(Exception):
    """Every verification slot stayed taken for WAIT_SECONDS."""


def _upload() -> bytes | PaperResult:
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


def check_paper(doc: DocumentView, data: bytes) -> PaperResult:
    """Verify the picture against its seal and the register, audit it, forget the picture."""
    from verifier.image import annotated_png, verify_image  # OpenCV: loaded on first use

    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_UNAVAILABLE", "no trust store here to verify seals")
    slots = _slots()
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise Busy()
    try:
        at = now()
        found = verify_image(data, trust, at)
        report = paper.with_register(db(), doc, found.report, at)
        db().rollback()  # end the read transaction before the picture is drawn
        picture = None
        if found.page is not None:
            try:
                png = annotated_png(report, found.page)
                picture = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            except Exception:  # no picture is still a report
                picture = None
    finally:
        slots.release()
    paper.record_check(db(), user_actor(current_user()), doc, report, at)
    return PaperResult(report=report, picture=picture)


def _status(result: PaperResult) -> int:
    if result.error is not None:
        return 422
    load = result.report.check("image.load") if result.report else None
    return 422 if load is not None and load.status is not Status.VALID else 200


def _busy() -> WerkzeugResponse:
    response = error_response(
        503,
        BUSY,
        "Busy: other photos are being checked right now. Try again in a moment.",
        "paper",
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.post("/clear/<number>/paper")
@roles_required(Role.BORDER_OFFICER)
def clear_paper(number: str) -> WerkzeugResponse:
    if len(number) > NUMBER_MAX:
        raise WebError(422, "INVALID_INPUT", "not a document number", "number")
    doc = views.find_document(db(), number.upper())
    if doc is None or doc.type != DocumentType.TTD:
        raise WebError(404, "NOT_FOUND", f"no travel document {number}", "number")
    upload = _upload()
    db().rollback()
    try:
        result = upload if isinstance(upload, PaperResult) else check_paper(doc, upload)
    except Busy:
        return _busy()
    return clear_page(doc.number, _status(result), paper=result)


@bp.post("/cases/<int:case_id>/paper")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_paper(case_id: int) -> WerkzeugResponse:
    view = views.get_case(db(), case_id)
    if view.document is None:
        raise WebError(404, "NOT_FOUND", f"case {case_id} has no issued document", "case_id")
    upload = _upload()
    db().rollback()
    try:
        result = upload if isinstance(upload, PaperResult) else check_paper(view.document, upload)
    except Busy:
        return _busy()
    # The case page as it is now (identity alert and history included), with the report.
    return case_page(case_id, _status(result), paper=result)
