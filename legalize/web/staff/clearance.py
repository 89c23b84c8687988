"""Border clearance: scan or type → the signed data, the register's record and the photo →
clear. Clearing marks the TTD used; a second clearance is refused with DOCUMENT_USED."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import readmission, views
from legalize.pki.trust import TrustStore, TrustStoreError
from legalize.registry.accounts import Role
from legalize.seal.errors import SealError
from legalize.seal.profiles import read_profile
from legalize.seal.qrtext import strip_url
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import ActionForm, ClearLookupForm, PaperForm
from legalize.web.state import db, now, state
from verifier.report import Report
from verifier.seal import to_container, verify_seal

NUMBER_MAX = 20


def trust_store() -> TrustStore | None:
    """The published trust store of the keys folder (cached per app), or None."""
    services = state().services
    if "trust" not in services:
        try:
            services["trust"] = TrustStore.load(state().config.keys_dir / "trust")
        except TrustStoreError:
            services["trust"] = None
    found: TrustStore | None = services["trust"]
    return found


def seal_report(seal_text: str, at: datetime) -> Report | None:
    trust = trust_store()
    if trust is None:
        return None
    return verify_seal(seal_text, trust, at)


def _number_from(text: str) -> str:
    """A typed number as is; a scanned QR text → the number the register holds for it."""
    text = text.strip()
    if len(text) <= NUMBER_MAX and "/" not in text:
        return text.upper()
    try:
        fields: dict[str, Any] = read_profile(to_container(strip_url(text))).fields()
    except (SealError, ValueError) as exc:
        raise WebError(
            422, "SEAL_UNREADABLE", f"the scanned text is not a seal: {exc}", "number"
        ) from exc
    number = fields.get("document_number") or fields.get("number")
    if not isinstance(number, str):
        raise WebError(422, "SEAL_UNREADABLE", "the seal names no document number", "number")
    return number.upper()


@bp.get("/clear")
@roles_required(Role.BORDER_OFFICER)
def clear() -> WerkzeugResponse:
    return page("staff/clear.html", form=ClearLookupForm())


@bp.post("/clear")
@roles_required(Role.BORDER_OFFICER)
def clear_lookup() -> WerkzeugResponse:
    form = ClearLookupForm()
    if not form.validate_on_submit():
        return invalid_form("staff/clear.html", form)
    number = _number_from(form.number.data or "")
    doc = views.find_document(db(), number)
    if doc is None or doc.type != "ttd":
        raise WebError(404, "NOT_FOUND", f"no travel document {number}", "number")
    case = views.get_case(db(), doc.case_id)
    db().rollback()
    return page(
        "staff/clear.html",
        form=form,
        doc=doc,
        case=case,
        report=seal_report(doc.seal_text, now()),
        action_form=ActionForm(),
        paper_form=PaperForm(),
    )


@bp.post("/clear/<number>")
@roles_required(Role.BORDER_OFFICER)
def clear_document(number: str) -> WerkzeugResponse:
    form = ActionForm()
    if not form.validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
    if len(number) > NUMBER_MAX:
        raise WebError(422, "INVALID_INPUT", "not a document number", "number")
    doc = readmission.clear(db(), user_actor(current_user()), number, now())
    flash(f"document {doc.number} cleared: it is now used")
    return redirect(url_for("staff.clear"))
