"""A photo or scan of the printed paper, checked where staff work: the border clearance page and
the case page of an issued document.

The flow is the public photo check's (:mod:`legalize.web.paper_check`): the upload is refused at
once or handed to the task queue, and the officer is sent to the page's own address for that
check (``…/paper/<token>``), which shows the page as usual with "checking…" until a worker has
answered, then the report with the annotated picture. The worker audits the check (who, which
document, the verdict: ``document.paper_checked``) when it stores the answer; the picture is
deleted then, the answer within the hour.
"""

from __future__ import annotations

from flask import redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import views
from legalize.cases.photo_checks import Asked, Kind
from legalize.cases.views import DocumentView
from legalize.kinds import DocumentType, Role
from legalize.web import paper_check
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.paper_check import PaperResult, page_status, read_upload
from legalize.web.staff import bp
from legalize.web.staff.cases import case_page
from legalize.web.staff.clearance import NUMBER_MAX, clear_page
from legalize.web.state import db


def _start(kind: Kind, doc: DocumentView, data: bytes) -> str:
    return paper_check.start(data, Asked(kind, doc.number, user_actor(current_user()).id))


def _travel_document(number: str) -> DocumentView:
    if len(number) > NUMBER_MAX:
        raise WebError(422, "INVALID_INPUT", "not a document number", "number")
    doc = views.find_document(db(), number.upper())
    db().rollback()
    if doc is None or doc.type != DocumentType.TTD:
        raise WebError(404, "NOT_FOUND", f"no travel document {number}", "number")
    return doc


def _issued(case_id: int) -> DocumentView:
    view = views.get_case(db(), case_id)
    db().rollback()
    if view.document is None:
        raise WebError(404, "NOT_FOUND", f"case {case_id} has no issued document", "case_id")
    return view.document


@bp.post("/clear/<number>/paper")
@roles_required(Role.BORDER_OFFICER)
def clear_paper(number: str) -> WerkzeugResponse:
    doc = _travel_document(number)
    upload = read_upload()
    if isinstance(upload, PaperResult):
        return clear_page(doc.number, page_status(upload), paper=upload)
    token = _start(Kind.CLEARANCE, doc, upload)
    url = url_for("staff.clear_paper_result", number=doc.number, token=token)
    return redirect(url + "#paper", 303)


@bp.get("/clear/<number>/paper/<token>")
@roles_required(Role.BORDER_OFFICER)
def clear_paper_result(number: str, token: str) -> WerkzeugResponse:
    doc = _travel_document(number)
    result = paper_check.result(paper_check.answer(token, Kind.CLEARANCE, doc.number))
    return clear_page(doc.number, page_status(result), **paper_check.page_context(result))


@bp.post("/cases/<int:case_id>/paper")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_paper(case_id: int) -> WerkzeugResponse:
    doc = _issued(case_id)
    upload = read_upload()
    if isinstance(upload, PaperResult):
        # The case page as it is now (identity alert and history included), with the refusal.
        return case_page(case_id, page_status(upload), paper=upload)
    token = _start(Kind.CASE, doc, upload)
    url = url_for("staff.case_paper_result", case_id=case_id, token=token)
    return redirect(url + "#paper", 303)


@bp.get("/cases/<int:case_id>/paper/<token>")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_paper_result(case_id: int, token: str) -> WerkzeugResponse:
    doc = _issued(case_id)
    result = paper_check.result(paper_check.answer(token, Kind.CASE, doc.number))
    return case_page(case_id, page_status(result), **paper_check.page_context(result))
