"""A photo or scan of the printed paper, checked where staff work: the border clearance page and
the case page of an issued document.

The picture is verified in memory (:mod:`legalize.web.paper_check`, shared with the public
photo check), the register adds its answer (:mod:`legalize.cases.paper`), the page shows the
report with the annotated picture, and the picture is forgotten: nothing of it is stored or
logged. The audit log records who checked which document and the verdict.
"""

from __future__ import annotations

from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import paper, views
from legalize.cases.views import DocumentView
from legalize.kinds import DocumentType, Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.paper_check import (
    Busy,
    PaperResult,
    busy_response,
    page_status,
    read_upload,
    verify_bounded,
)
from legalize.web.staff import bp
from legalize.web.staff.cases import case_page
from legalize.web.staff.clearance import NUMBER_MAX, clear_page
from legalize.web.state import db, now, trust_store
from verifier.report import Report


def check_paper(doc: DocumentView, data: bytes) -> PaperResult:
    """Verify the picture against its seal and the register, audit it, forget the picture."""
    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_UNAVAILABLE", "no trust store here to verify seals")
    at = now()

    def with_register(report: Report) -> Report:
        answered = paper.with_register(db(), doc, report, at)
        db().rollback()  # end the read transaction before the picture is drawn
        return answered

    result = verify_bounded(data, trust, at, with_register)
    assert result.report is not None
    paper.record_check(db(), user_actor(current_user()), doc, result.report, at)
    return result


@bp.post("/clear/<number>/paper")
@roles_required(Role.BORDER_OFFICER)
def clear_paper(number: str) -> WerkzeugResponse:
    if len(number) > NUMBER_MAX:
        raise WebError(422, "INVALID_INPUT", "not a document number", "number")
    doc = views.find_document(db(), number.upper())
    if doc is None or doc.type != DocumentType.TTD:
        raise WebError(404, "NOT_FOUND", f"no travel document {number}", "number")
    upload = read_upload()
    db().rollback()
    try:
        result = upload if isinstance(upload, PaperResult) else check_paper(doc, upload)
    except Busy:
        return busy_response()
    return clear_page(doc.number, page_status(result), paper=result)


@bp.post("/cases/<int:case_id>/paper")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_paper(case_id: int) -> WerkzeugResponse:
    view = views.get_case(db(), case_id)
    if view.document is None:
        raise WebError(404, "NOT_FOUND", f"case {case_id} has no issued document", "case_id")
    upload = read_upload()
    db().rollback()
    try:
        result = upload if isinstance(upload, PaperResult) else check_paper(view.document, upload)
    except Busy:
        return busy_response()
    # The case page as it is now (identity alert and history included), with the report.
    return case_page(case_id, page_status(result), paper=result)
