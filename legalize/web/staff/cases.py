"""Case list, case detail with the document preview, and the case actions."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, flash, redirect, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import common, readmission, views
from legalize.cases.duplicates import BASIS_TEXT
from legalize.cases.gate import EVIDENCE
from legalize.cases.rules import Action, available_actions
from legalize.cases.views import CaseView
from legalize.registry import audit
from legalize.registry.accounts import Role
from legalize.registry.models import Case, CaseKind, CaseState
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.preview import PreviewUnavailable, first_page_png
from legalize.web.staff import bp
from legalize.web.staff.forms import (
    ActionForm,
    DuplicateResolutionForm,
    IdentityDecisionForm,
    PaperForm,
    PhotoForm,
    PhotoOverrideForm,
    ReasonForm,
)
from legalize.web.state import db, now

CROSSCHECK_WORDS = {
    "match": "clean match with the NIC register",
    "mismatch": "the NIC register differs from the claimed identity — see the alert",
    "not_found": "no NIC register record found — see the alert",
    "on_watchlist": "the travel document is on the stolen/lost list — see the alert",
}
PAGE_SIZE = 25
STAFF = (Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.BORDER_OFFICER, Role.ADMINISTRATOR)
OFFICE = (Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
"""Consular office staff: who may open an applicant's underlying document (not the border)."""


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    # ASCII digits only, and few: str.isdigit() accepted "²" (int() then raised, a 500) and
    # int() of thousands of digits raises too.
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not (low <= int(raw) <= high):
        raise WebError(400, "INVALID_INPUT", f"{name} must be a number {low}-{high}", name)
    return int(raw)


def _choice_arg(name: str, choices: list[str]) -> str | None:
    raw = request.args.get(name, "")
    if raw == "":
        return None
    if raw not in choices:
        raise WebError(400, "INVALID_INPUT", f"{name} must be one of {', '.join(choices)}", name)
    return raw


@bp.get("/")
@bp.get("/cases")
@roles_required(*STAFF)
def cases() -> WerkzeugResponse:
    known = {"state", "kind", "q", "page"}
    for name in request.args:
        if name not in known:
            raise WebError(400, "INVALID_INPUT", f"unknown filter {name}", name)
    state = _choice_arg("state", [s.value for s in CaseState])
    kind = _choice_arg("kind", [k.value for k in CaseKind])
    text = request.args.get("q", "").strip()
    if len(text) > 100:
        raise WebError(400, "INVALID_INPUT", "search text longer than 100 characters", "q")
    number = _int_arg("page", 1, 1, 100_000)
    result = views.list_cases(
        db(),
        kind=kind,
        state=state,
        search=text or None,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = max(1, -(-result.total // PAGE_SIZE))
    return page(
        "staff/cases.html",
        result=result,
        filters={"state": state or "", "kind": kind or "", "q": text},
        page_number=number,
        pages=pages,
        states=[s.value for s in CaseState],
        kinds=[k.value for k in CaseKind],
    )


def _case_row(case_id: int) -> Case:
    case = db().get(Case, case_id)
    if case is None:
        raise WebError(404, "NOT_FOUND", f"no case {case_id}", "case_id")
    return case


def _case_page(case_id: int, status: int = 200, **forms: Any) -> Response:
    """The case page; ``forms`` replaces the empty forms (a form re-shown with its errors)."""
    actor = user_actor(current_user())
    view = views.get_case(db(), case_id)
    actions = available_actions(actor, _case_row(case_id))
    checks = (
        readmission.checks(db(), actor, case_id, now())
        if view.kind == CaseKind.READMISSION.value
        else None
    )
    if checks is not None and checks.blocks(actor.id):
        # The rules would refuse them (legalize.cases.gate): the alert says why instead.
        actions = [a for a in actions if a not in (Action.APPROVE, Action.ISSUE)]
    history = [(e.at, e.actor, e.action) for e in audit.entries_for(db(), "case", case_id)]
    db().rollback()  # end the read transaction: pages must not hold SQLite's write lock
    context: dict[str, Any] = {
        "action_form": ActionForm(),
        "reason_form": ReasonForm(),
        "override_form": PhotoOverrideForm(),
        "photo_form": PhotoForm(),
        "decision_form": IdentityDecisionForm(),
        "duplicate_form": DuplicateResolutionForm(),
        "paper_form": PaperForm(),
        **forms,
    }
    return page(
        "staff/case.html",
        status=status,
        case=view,
        checks=checks,
        history=history,
        actions=[a.value for a in actions],
        Action=Action,
        evidence=EVIDENCE,
        basis_text=BASIS_TEXT,
        **context,
    )


@bp.get("/cases/<int:case_id>")
@roles_required(*STAFF)
def case_detail(case_id: int) -> WerkzeugResponse:
    return _case_page(case_id)


def _document(view: CaseView) -> views.DocumentView:
    if view.document is None:
        raise WebError(404, "NOT_FOUND", f"case {view.id} has no issued document", "case_id")
    return view.document


@bp.get("/cases/<int:case_id>/document.pdf")
@roles_required(*STAFF)
def case_pdf(case_id: int) -> WerkzeugResponse:
    doc = _document(views.get_case(db(), case_id))
    pdf = views.document_pdf(db(), doc.number)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{doc.number}.pdf"'},
    )


@bp.get("/cases/<int:case_id>/preview.png")
@roles_required(*STAFF)
def case_preview(case_id: int) -> WerkzeugResponse:
    doc = _document(views.get_case(db(), case_id))
    try:
        png = first_page_png(views.document_pdf(db(), doc.number))
    except PreviewUnavailable as exc:
        raise WebError(503, "PREVIEW_UNAVAILABLE", str(exc)) from exc
    return Response(png, mimetype="image/png")


@bp.get("/cases/<int:case_id>/photo")
@roles_required(*STAFF)
def case_photo(case_id: int) -> WerkzeugResponse:
    image, media_type = workflow.photo(db(), case_id)
    return Response(image, mimetype=media_type)


@bp.get("/cases/<int:case_id>/underlying")
@roles_required(*OFFICE)
def case_underlying(case_id: int) -> WerkzeugResponse:
    data, media_type = workflow.underlying(db(), case_id)
    return Response(
        data,
        mimetype=media_type,
        headers={"Content-Disposition": f'attachment; filename="case-{case_id}-underlying"'},
    )


def _action_form() -> None:
    form = ActionForm()
    if not form.validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")


def _done(case_id: int, message: str) -> WerkzeugResponse:
    flash(message)
    return redirect(url_for("staff.case_detail", case_id=case_id))


@bp.post("/cases/<int:case_id>/prepare")
@roles_required(Role.ISSUING_OFFICER)
def case_prepare(case_id: int) -> WerkzeugResponse:
    _action_form()
    common.prepare(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, "prepared; waiting for another officer's approval")


@bp.post("/cases/<int:case_id>/crosscheck")
@roles_required(Role.ISSUING_OFFICER)
def case_crosscheck(case_id: int) -> WerkzeugResponse:
    _action_form()
    outcome = workflow.cross_check(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, f"identity cross-check: {CROSSCHECK_WORDS.get(outcome, outcome)}")


@bp.post("/cases/<int:case_id>/match-signer")
@roles_required(Role.ISSUING_OFFICER)
def case_match_signer(case_id: int) -> WerkzeugResponse:
    _action_form()
    outcome = workflow.match_signer(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, f"signatory match: {outcome}")


@bp.post("/cases/<int:case_id>/approve")
@roles_required(Role.APPROVING_OFFICER)
def case_approve(case_id: int) -> WerkzeugResponse:
    _action_form()
    common.approve(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, "approved")


@bp.post("/cases/<int:case_id>/reject")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_reject(case_id: int) -> WerkzeugResponse:
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    common.reject(db(), user_actor(current_user()), case_id, form.reason.data or "", now())
    return _done(case_id, "rejected")


@bp.post("/cases/<int:case_id>/issue")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_issue(case_id: int) -> WerkzeugResponse:
    _action_form()
    view = workflow.issue(db(), user_actor(current_user()), case_id, now())
    number = view.document.number if view.document else "?"
    return _done(case_id, f"issued document {number}")


@bp.post("/cases/<int:case_id>/revoke")
@roles_required(Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
def case_revoke(case_id: int) -> WerkzeugResponse:
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    doc = _document(views.get_case(db(), case_id))
    common.revoke(db(), user_actor(current_user()), doc.number, form.reason.data or "", now())
    return _done(case_id, f"document {doc.number} revoked")


@bp.post("/cases/<int:case_id>/photo")
@roles_required(Role.ISSUING_OFFICER)
def case_photo_upload(case_id: int) -> WerkzeugResponse:
    form = PhotoForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    result = workflow.attach_photo(
        db(), user_actor(current_user()), case_id, form.photo.data.read(), now()
    )
    return _done(case_id, f"photo stored; portrait checks {'passed' if result else 'FAILED'}")


@bp.post("/cases/<int:case_id>/photo-override")
@roles_required(Role.ISSUING_OFFICER)
def case_photo_override(case_id: int) -> WerkzeugResponse:
    form = PhotoOverrideForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    workflow.override_photo(
        db(), user_actor(current_user()), case_id, form.reason.data or "", now()
    )
    return _done(case_id, "photo accepted with your reason (audited)")


@bp.post("/cases/<int:case_id>/identity-decision")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
def case_identity_decision(case_id: int) -> WerkzeugResponse:
    form = IdentityDecisionForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    readmission.decide_identity(
        db(),
        user_actor(current_user()),
        case_id,
        {
            "evidence": form.evidence.data,
            "evidence_reference": form.evidence_reference.data,
            "reason": form.reason.data,
        },
        now(),
    )
    return _done(case_id, "identity decision recorded (audited)")


@bp.post("/cases/<int:case_id>/duplicates/<int:other_id>/resolve")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def case_duplicate_resolve(case_id: int, other_id: int) -> WerkzeugResponse:
    form = DuplicateResolutionForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    readmission.resolve_duplicate(
        db(), user_actor(current_user()), case_id, other_id, form.reason.data or "", now()
    )
    return _done(case_id, "recorded why both cases stand (audited)")


def _invalid_on_case(case_id: int, form: FlaskForm) -> Response:
    """Re-show the case page with ``form`` and its errors: 422 (400 for a CSRF failure)."""
    status = 400 if "csrf_token" in form.errors else 422
    names = {
        ReasonForm: "reason_form",
        PhotoOverrideForm: "override_form",
        PhotoForm: "photo_form",
        IdentityDecisionForm: "decision_form",
        DuplicateResolutionForm: "duplicate_form",
    }
    return _case_page(case_id, status, form=form, **{names[type(form)]: form})
