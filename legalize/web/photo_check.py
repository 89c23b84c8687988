"""The public photo check (``/check/photo``): a phone photo or scan of the paper (HEIC
accepted) → the image verifier's report, the register's answer and the annotated picture.

The upload is refused at once when it cannot be checked (:func:`paper_check.read_upload`);
otherwise it goes to the task queue and the browser to the check's page
(``/check/photo/<token>``), which reloads itself until a worker has answered. The check log's
row is written by the worker with the answer (:mod:`legalize.cases.photo_checks`), under the
salted hash of the address that uploaded.
"""

from __future__ import annotations

from flask import jsonify, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases.photo_checks import Asked, Kind
from legalize.web import paper_check
from legalize.web.checks import client_source, limit_public_check
from legalize.web.pages import page
from legalize.web.paper_check import PaperForm, PaperResult, page_status, read_upload
from legalize.web.public import bp
from legalize.web.state import db


@bp.route("/check/photo", methods=["GET", "POST"])
def check_photo() -> WerkzeugResponse:
    if request.method == "GET":
        return page("public/check_photo.html", form=PaperForm())
    limit_public_check()
    upload = read_upload()
    db().rollback()
    if isinstance(upload, PaperResult):
        return _page(upload)
    token = paper_check.start(upload, Asked(Kind.PUBLIC, client_hash=client_source()))
    return redirect(url_for("public.check_photo_result", token=token), 303)


@bp.get("/check/photo/<token>")
def check_photo_result(token: str) -> WerkzeugResponse:
    return _page(paper_check.result(paper_check.answer(token, Kind.PUBLIC)))


@bp.get("/check/photo/<token>.json")
def check_photo_progress(token: str) -> WerkzeugResponse:
    response = jsonify(paper_check.progress(paper_check.answer(token, Kind.PUBLIC)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(result: PaperResult) -> WerkzeugResponse:
    return page(
        "public/check_photo.html",
        status=page_status(result),
        form=PaperForm(formdata=None),
        **paper_check.page_context(result),
    )
