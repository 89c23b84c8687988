"""Checking a photo or scan of the printed paper, as the staff pages and the public
``/check/photo`` page all do: the upload typed and sized up by content in the request, the
verification on the task queue, the progress page, and the answer.

A verification costs up to about a second of CPU: it does not run in a web thread. The request
refuses what can be refused at once (no file, not a picture, too big, a decompression bomb: no
check is made), stores the picture for a worker (:mod:`legalize.cases.photo_checks`, a random
token), adds the token to the submitter's session and answers 303 to the check's page. That
page says "checking…" and reloads itself (``<meta http-equiv=refresh>``: no script) until the
worker's answer is there; for the public check, ``/check/photo/<token>.json`` answers the same
for a script. Only the session that
uploaded a picture sees its answer, for an hour at most; nothing of the picture is logged.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass
from typing import Any, Final

from flask import flash, request, session
from flask_babel import gettext
from flask_wtf.file import FileField, FileRequired

from legalize.cases import photo_checks
from legalize.cases.photo_checks import Answer, Asked, Kind
from legalize.imaging.decode import ImageInputError, probe_capture
from legalize.registry.photo_checks import PhotoCheckState
from legalize.web import workflow
from legalize.web.errors import WebError
from legalize.web.form_messages import Form
from legalize.web.state import db, now, trust_store
from verifier.report import Report, Status

log = logging.getLogger(__name__)

NOT_AN_IMAGE: Final = "IMAGE_FORMAT_UNSUPPORTED"
SESSION_KEY: Final = "photo_checks"
"""The tokens of the checks this browser asked for (the newest :data:`REMEMBERED`)."""
REMEMBERED: Final = 8
REFRESH_SECONDS: Final = 1
"""How often the page of a check still running reloads itself."""


@dataclass(frozen=True)
class PaperResult:
    """What the page shows of one check of the paper."""

    report: Report | None = None
    picture: str | None = None
    """The annotated page as a ``data:image/png;base64,`` URL, or None."""
    error: tuple[str, str] | None = None
    """(code, message) when the upload was refused before any check was made."""
    pending: bool = False
    """A worker has not answered yet: the page says "checking…" and reloads itself."""
    problem: str | None = None
    """The check could not be carried out (a failed task): why, in plain words."""
    token: str | None = None

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


class PaperForm(Form):
    """A photo or scan of the printed paper, checked against its seal and the register."""

    paper = FileField(
        "Photo or scan of the paper (JPEG, PNG, HEIC, WebP, TIFF or PDF)",
        validators=[FileRequired()],
    )


def read_upload() -> bytes | PaperResult:
    """The uploaded bytes, or a PaperResult naming why they are refused (typed by content,
    sized up from the header: nothing is decoded here)."""
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
    try:
        probe_capture(data)
    except ImageInputError as exc:
        if exc.code == NOT_AN_IMAGE:
            message = (
                "This file is not a photo or scan: send a JPEG, PNG, HEIC/HEIF, WebP or TIFF "
                "picture, or a PDF scan, of the printed page."
            )
        else:
            message = exc.message[:1].upper() + exc.message[1:] + "."
        return PaperResult(error=(exc.code, message))
    return data


def start(data: bytes, asked: Asked) -> str:
    """Store the picture for a worker, remember its token in this session and queue it; the
    token. When the queue cannot be reached the check is on record all the same: the reader
    is told so and still sent to its page, which shows the answer once a worker's
    housekeeping has queued it again (within minutes of the queue coming back; a 503 would
    leave them no address to come back to)."""
    if trust_store() is None:  # say so now, not from the worker a second later
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published", "paper")
    token = photo_checks.create(db(), data, asked, now())
    remembered = [t for t in session.get(SESSION_KEY, []) if isinstance(t, str)]
    session[SESSION_KEY] = [*remembered, token][-REMEMBERED:]
    try:
        workflow.queue().check_photo(token)
    except Exception as exc:  # whatever the queue's backend raises: Redis, SQLite, a folder
        log.warning(
            "a photo check could not be queued (%s); it waits on record", type(exc).__name__
        )
        flash(
            gettext(
                "The checking service cannot be reached just now. Your picture is kept: it is "
                "checked as soon as the service is back, and this page shows the answer."
            )
        )
    return token


def answer(token: str, kind: Kind, number: str | None = None) -> Answer:
    """The check ``token`` names if this session asked for it on this page; else 404 (never
    made, expired, another browser's, another page's)."""
    mine = token in session.get(SESSION_KEY, [])
    found = photo_checks.get(db(), token, now()) if mine else None
    if found is None or found.asked.kind is not kind or found.asked.number != number:
        raise WebError(
            404,
            "PHOTO_CHECK_NOT_FOUND",
            "No such photo check: answers are kept for an hour, and shown only in the browser "
            "that sent the photo. Upload the photo again.",
            "token",
        )
    return found


def result(found: Answer) -> PaperResult:
    """What the page shows of a check."""
    if found.state is PhotoCheckState.FAILED:
        return PaperResult(problem=found.error or gettext("The check could not be carried out."))
    if found.pending or found.report is None:
        return PaperResult(pending=True, token=found.token)
    picture = None
    if found.picture is not None:
        picture = "data:image/png;base64," + base64.b64encode(found.picture).decode("ascii")
    return PaperResult(report=found.report, picture=picture, token=found.token)


def progress(found: Answer) -> dict[str, Any]:
    """The JSON poll's answer: the state, and the verdict once there is one."""
    return {
        "state": found.state.value,
        "done": not found.pending,
        "verdict": found.report.verdict.value if found.report is not None else None,
        "error": found.error,
    }


def page_context(paper: PaperResult) -> dict[str, Any]:
    """The page's extra context: while the check runs, the ``<meta http-equiv=refresh>``
    value that reloads it. The target alternates between the page's address with and without
    ``?again=1``, keeping ``#paper``: a refresh to the address the browser is at would keep
    only the fragment and, in Chromium, reload nothing."""
    if not paper.pending:
        return {"paper": paper, "refresh": None}
    again = "" if request.args.get("again") else "?again=1"
    return {"paper": paper, "refresh": f"{REFRESH_SECONDS}; url={request.path}{again}#paper"}


def page_status(result: PaperResult) -> int:
    if result.error is not None:
        return 422
    if result.problem is not None:
        return 200  # the page answered; the check's failure is its content
    load = result.report.check("image.load") if result.report else None
    return 422 if load is not None and load.status is not Status.VALID else 200
