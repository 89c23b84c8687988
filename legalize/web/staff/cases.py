"""Case list, case detail with the document preview, and the case actions."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, ParamSpec

from flask import Response, flash, redirect, request, url_for
from flask_babel import gettext
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import common, readmission, review, views
from legalize.cases.duplicates import BASIS_TEXT
from legalize.cases.errors import CaseError, NotFound
from legalize.cases.gate import EVIDENCE
from legalize.cases.history import lines as history_lines
from legalize.cases.rules import Action, available_actions
from legalize.cases.views import CaseView
from legalize.documents.errors import DocumentError
from legalize.documents.preview import preview_png
from legalize.kinds import CaseKind, Role
from legalize.phrases import N_
from legalize.registry import audit
from legalize.registry.models import Case
from legalize.web import workflow
from legalize.web.auth import current_user, load_user, roles_required, user_actor
from legalize.web.errors import WebError, case_status, error_response
from legalize.web.pages import page
from legalize.web.paper_check import PaperForm
from legalize.web.refusals import plain
from legalize.web.staff import bp
from legalize.web.staff.forms import (
    ActionForm,
    DuplicateResolutionForm,
    IdentityDecisionForm,
    PhotoForm,
    PhotoOverrideForm,
    ReasonForm,
    RevokeForm,
)
from legalize.web.staff.work import work_counts
from legalize.web.state import db, now

PREVIEW_WIDTH = 496
"""Pixels of the page-1 preview: the width templates/staff/case.html shows it at."""

CROSSCHECK_WORDS = {
    "match": N_("clean match with the NIC register"),
    "mismatch": N_("the NIC register differs from the claimed identity — see the alert"),
    "not_found": N_("no NIC register record found — see the alert"),
    "on_watchlist": N_("the travel document is on the stolen/lost list — see the alert"),
}
PAGE_SIZE = 25
OFFICE = (Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
"""Consular office staff: who may open the case list and the cases. The border sees a TTD by
its number on the clearance screen and nothing else (legalize.web.staff.clearance)."""


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


@bp.get("/cases")
@roles_required(*OFFICE)
def cases() -> WerkzeugResponse:
    known = {"state", "kind", "q", "page"}
    for name in request.args:
        if name not in known:
            raise WebError(400, "INVALID_INPUT", f"unknown filter {name}", name)
    state = _choice_arg("state", list(views.STAGES))
    kind = _choice_arg("kind", [k.value for k in CaseKind])
    text = request.args.get("q", "").strip()
    if len(text) > 100:
        raise WebError(400, "INVALID_INPUT", "search text longer than 100 characters", "q")
    number = _int_arg("page", 1, 1, 100_000)
    result = views.list_cases(
        db(),
        kind=kind,
        stage=state,
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
        states=list(views.STAGES),
        counts=work_counts(),
        kinds=[k.value for k in CaseKind],
    )


def _case_row(case_id: int) -> Case:
    case = db().get(Case, case_id)
    if case is None:
        raise WebError(404, "NOT_FOUND", f"no case {case_id}", "case_id")
    return case


def _case_page(case_id: int, status: int = 200, **forms: Any) -> Response:
    """The case page; ``forms`` replaces the empty forms (a form re-shown with its errors),
    ``refusal``/``refusal_code`` show a refused action in plain words."""
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
    legal = review.review(db(), case_id) if view.kind == CaseKind.LEGALIZATION.value else None
    if legal is not None and legal.origin.blocks:
        # legalize.cases.origin would refuse them: the origin alert says why instead.
        actions = [a for a in actions if a not in (Action.APPROVE, Action.ISSUE)]
    history = history_lines(audit.entries_for(db(), "case", case_id))
    db().rollback()  # end the read transaction: pages must not hold SQLite's write lock
    context: dict[str, Any] = {
        "action_form": ActionForm(),
        "reason_form": ReasonForm(formdata=None),
        "revoke_form": RevokeForm(formdata=None),
        "override_form": PhotoOverrideForm(formdata=None),
        "photo_form": PhotoForm(formdata=None),
        "decision_form": IdentityDecisionForm(formdata=None),
        "duplicate_form": DuplicateResolutionForm(formdata=None),
        "paper_form": PaperForm(),
        **forms,
    }
    return page(
        "staff/case.html",
        status=status,
        case=view,
        checks=checks,
        review=legal,
        history=history,
        actions=[a.value for a in actions],
        Action=Action,
        evidence=EVIDENCE,
        basis_text=BASIS_TEXT,
        **context,
    )


case_page = _case_page
"""The case page for the other staff modules (the paper check re-shows it with its report)."""


@bp.get("/cases/<int:case_id>")
@roles_required(*OFFICE)
def case_detail(case_id: int) -> WerkzeugResponse:
    return _case_page(case_id)


def _document(view: CaseView) -> views.DocumentView:
    if view.document is None:
        raise WebError(404, "NOT_FOUND", f"case {view.id} has no issued document", "case_id")
    return view.document


@bp.get("/cases/<int:case_id>/document.pdf")
@roles_required(*OFFICE)
def case_pdf(case_id: int) -> WerkzeugResponse:
    doc = _document(views.get_case(db(), case_id))
    pdf = views.document_pdf(db(), doc.number)
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{doc.number}.pdf"'},
    )


@bp.get("/cases/<int:case_id>/preview.png")
@roles_required(*OFFICE)
def case_preview(case_id: int) -> WerkzeugResponse:
    doc = _document(views.get_case(db(), case_id))
    try:
        png = preview_png(views.document_pdf(db(), doc.number), width=PREVIEW_WIDTH)
    except DocumentError as exc:
        raise WebError(503, "PREVIEW_UNAVAILABLE", str(exc)) from exc
    return Response(png, mimetype="image/png")


@bp.get("/cases/<int:case_id>/photo")
@roles_required(*OFFICE)
def case_photo(case_id: int) -> WerkzeugResponse:
    image, media_type = workflow.photo(db(), case_id)
    return Response(image, mimetype=media_type)


@bp.get("/cases/<int:case_id>/pages/<int:number>.png")
@roles_required(*OFFICE)
def case_page_preview(case_id: int, number: int) -> WerkzeugResponse:
    """A page of a legalization's underlying document as an image: the reviewer sees the
    document as sanitized at filing, and no file of the applicant's is ever served back."""
    png = review.page_png(db(), case_id, number)
    db().rollback()
    return Response(png, mimetype="image/png")


P = ParamSpec("P")


def refused_inline(view: Callable[P, WerkzeugResponse]) -> Callable[P, WerkzeugResponse]:
    """A case action the rules refuse (four eyes, the portrait check, a used document, a case
    that moved on in another tab) re-shows the case page with the refusal in plain words and
    the posted form as it was typed — not a full-page error."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> WerkzeugResponse:
        case_id = kwargs["case_id"]
        assert isinstance(case_id, int)
        try:
            return view(*args, **kwargs)
        except CaseError as exc:
            db().rollback()
            if isinstance(exc, NotFound) and exc.field == "case_id":
                raise
            return _case_page(
                case_id,
                case_status(exc),
                refusal=plain(exc),
                refusal_code=exc.code,
                refusal_field=exc.field,
                **_kept_forms(),
            )

    return wrapped


CASE_ACTIONS = frozenset(
    {
        "staff.case_prepare",
        "staff.case_crosscheck",
        "staff.case_match_signer",
        "staff.case_approve",
        "staff.case_reject",
        "staff.case_issue",
        "staff.case_revoke",
        "staff.case_photo_upload",
        "staff.case_photo_override",
        "staff.case_identity_decision",
        "staff.case_duplicate_resolve",
    }
)


@bp.errorhandler(CSRFError)
def stale_form(exc: CSRFError) -> Response:
    """A case page's form posted from a tab open too long (the CSRF token expired): the case
    page again as it is now, what was typed kept, and a plain word — still 400, nothing done.
    Every other staff form answers as the app does (legalize.web.errors)."""
    user = load_user()
    case_id = (request.view_args or {}).get("case_id")
    if (
        request.endpoint in CASE_ACTIONS
        and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
        and isinstance(case_id, int)
        and user is not None
        and any(user.has_role(r) for r in OFFICE)
        and db().get(Case, case_id) is not None
    ):
        try:
            return _case_page(
                case_id,
                400,
                refusal=gettext(
                    "This page had been open too long, so nothing was done. It is shown"
                    " again as it is now: check it and try once more."
                ),
                refusal_code="CSRF_FAILED",
                **_kept_forms(),
            )
        except (ValueError, HTTPException):  # a body that is no form at all
            db().rollback()
    return error_response(400, "CSRF_FAILED", exc.description or "CSRF", "csrf_token")


def _kept_forms() -> dict[str, Any]:
    """The form that was posted, bound to what was typed (the others stay empty)."""
    forms: dict[str, Any] = {
        "staff.case_reject": ("reason_form", ReasonForm),
        "staff.case_revoke": ("revoke_form", RevokeForm),
        "staff.case_photo_override": ("override_form", PhotoOverrideForm),
        "staff.case_identity_decision": ("decision_form", IdentityDecisionForm),
        "staff.case_duplicate_resolve": ("duplicate_form", DuplicateResolutionForm),
    }
    found = forms.get(request.endpoint or "")
    return {found[0]: found[1]()} if found else {}


def _action_form() -> None:
    form = ActionForm()
    if not form.validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")


def _done(case_id: int, message: str) -> WerkzeugResponse:
    flash(message)
    return redirect(url_for("staff.case_detail", case_id=case_id))


@bp.post("/cases/<int:case_id>/prepare")
@roles_required(Role.ISSUING_OFFICER)
@refused_inline
def case_prepare(case_id: int) -> WerkzeugResponse:
    _action_form()
    common.prepare(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, gettext("prepared; waiting for another officer's approval"))


@bp.post("/cases/<int:case_id>/crosscheck")
@roles_required(Role.ISSUING_OFFICER)
@refused_inline
def case_crosscheck(case_id: int) -> WerkzeugResponse:
    _action_form()
    outcome = workflow.cross_check(db(), user_actor(current_user()), case_id, now())
    return _done(
        case_id,
        gettext(
            "identity cross-check: %(outcome)s",
            outcome=gettext(CROSSCHECK_WORDS.get(outcome, outcome)),
        ),
    )


@bp.post("/cases/<int:case_id>/match-signer")
@roles_required(Role.ISSUING_OFFICER)
@refused_inline
def case_match_signer(case_id: int) -> WerkzeugResponse:
    _action_form()
    outcome = workflow.match_signer(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, gettext("signatory match: %(outcome)s", outcome=outcome))


@bp.post("/cases/<int:case_id>/approve")
@roles_required(Role.APPROVING_OFFICER)
@refused_inline
def case_approve(case_id: int) -> WerkzeugResponse:
    _action_form()
    common.approve(db(), user_actor(current_user()), case_id, now())
    return _done(case_id, gettext("approved"))


@bp.post("/cases/<int:case_id>/reject")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
@refused_inline
def case_reject(case_id: int) -> WerkzeugResponse:
    form = ReasonForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    common.reject(db(), user_actor(current_user()), case_id, form.reason.data or "", now())
    return _done(case_id, gettext("rejected"))


@bp.post("/cases/<int:case_id>/issue")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
@refused_inline
def case_issue(case_id: int) -> WerkzeugResponse:
    _action_form()
    view = workflow.issue(db(), user_actor(current_user()), case_id, now())
    number = view.document.number if view.document else "?"
    return _done(case_id, gettext("issued document %(number)s", number=number))


@bp.post("/cases/<int:case_id>/revoke")
@roles_required(Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
@refused_inline
def case_revoke(case_id: int) -> WerkzeugResponse:
    form = RevokeForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    doc = _document(views.get_case(db(), case_id))
    common.revoke(db(), user_actor(current_user()), doc.number, form.reason.data or "", now())
    return _done(case_id, gettext("Document %(number)s revoked.", number=doc.number))


@bp.post("/cases/<int:case_id>/photo")
@roles_required(Role.ISSUING_OFFICER)
@refused_inline
def case_photo_upload(case_id: int) -> WerkzeugResponse:
    form = PhotoForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    result = workflow.attach_photo(
        db(), user_actor(current_user()), case_id, form.photo.data.read(), now()
    )
    return _done(
        case_id,
        gettext("photo stored; portrait checks passed")
        if result
        else gettext("photo stored; portrait checks FAILED"),
    )


@bp.post("/cases/<int:case_id>/photo-override")
@roles_required(Role.ISSUING_OFFICER)
@refused_inline
def case_photo_override(case_id: int) -> WerkzeugResponse:
    form = PhotoOverrideForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    workflow.override_photo(
        db(), user_actor(current_user()), case_id, form.reason.data or "", now()
    )
    return _done(case_id, gettext("photo accepted with your reason (audited)"))


@bp.post("/cases/<int:case_id>/identity-decision")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER, Role.ADMINISTRATOR)
@refused_inline
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
    return _done(case_id, gettext("identity decision recorded (audited)"))


@bp.post("/cases/<int:case_id>/duplicates/<int:other_id>/resolve")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
@refused_inline
def case_duplicate_resolve(case_id: int, other_id: int) -> WerkzeugResponse:
    form = DuplicateResolutionForm()
    if not form.validate_on_submit():
        return _invalid_on_case(case_id, form)
    readmission.resolve_duplicate(
        db(), user_actor(current_user()), case_id, other_id, form.reason.data or "", now()
    )
    return _done(case_id, gettext("recorded why both cases stand (audited)"))


def _invalid_on_case(case_id: int, form: FlaskForm) -> Response:
    """Re-show the case page with ``form`` and its errors: 422 (400 for a CSRF failure)."""
    status = 400 if "csrf_token" in form.errors else 422
    names = {
        ReasonForm: "reason_form",
        RevokeForm: "revoke_form",
        PhotoOverrideForm: "override_form",
        PhotoForm: "photo_form",
        IdentityDecisionForm: "decision_form",
        DuplicateResolutionForm: "duplicate_form",
    }
    return _case_page(case_id, status, form=form, **{names[type(form)]: form})
