"""The public photo check (``/check/photo``): a phone photo or scan of the paper (HEIC
accepted) → the image verifier's report, the register's answer and the annotated picture.

A verification costs about a second of CPU. :class:`PhotoChecks` is the one seam between the
page and where that second runs: today :class:`BoundedPhotoChecks` runs it in the request
under the paper check's per-process slots (:mod:`legalize.web.paper_check`;
``Config.paper_verifications``: one bound for both), answering 503 + Retry-After when they
stay busy. The task queue
(``legalize.tasks``) can take it over behind the same interface with a progress page and a
JSON poll; it does not yet, because its jobs are batch steps kept in the register, and a photo
must not be stored (see the README). The picture is checked in memory and forgotten.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flask import request
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import paper
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.web.checks import limit_public_check, record_check
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.paper_check import (
    Busy,
    PaperForm,
    PaperResult,
    busy_response,
    page_status,
    read_upload,
    verify_bounded,
)
from legalize.web.public import bp
from legalize.web.state import db, now, public_db, trust_store


class PhotoChecks(Protocol):
    """Where a photo check runs: in the request today, on the task queue later."""

    def check(self, data: bytes, at: datetime) -> PaperResult: ...


class BoundedPhotoChecks:
    """In the request, at most ``Config.paper_verifications`` at once per process."""

    def check(self, data: bytes, at: datetime) -> PaperResult:
        trust = trust_store()
        if trust is None:
            raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
        return verify_bounded(
            data, trust, at, lambda report: paper.with_register_by_seal(public_db(), report, at)
        )


CHECKS: PhotoChecks = BoundedPhotoChecks()


@bp.route("/check/photo", methods=["GET", "POST"])
def check_photo() -> WerkzeugResponse:
    if request.method == "GET":
        return page("public/check_photo.html", form=PaperForm())
    limit_public_check()
    upload = read_upload()
    db().rollback()
    try:
        result = upload if isinstance(upload, PaperResult) else CHECKS.check(upload, now())
    except Busy:
        return busy_response()
    if result.report is not None:
        number = result.report.data.get("document_number") or result.report.data.get("number")
        verdict = result.report.verdict.value.lower()
        codes = tuple(result.report.codes)
        record_check(CheckOutcome(Method.PHOTO, verdict, codes, number or None))
    return page(
        "public/check_photo.html",
        status=page_status(result),
        form=PaperForm(formdata=None),
        paper=result,
    )
