"""Authorized signatories (administrators): whose signatures on underlying documents the
service may legalize, in which capacity, for which authority, and when."""

from __future__ import annotations

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import legalization
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import SignatoryForm
from legalize.web.state import db, now


def _listing() -> list[legalization.SignatoryView]:
    rows = legalization.list_signatories(db())
    db().rollback()
    return rows


@bp.get("/signatories")
@roles_required(Role.ADMINISTRATOR, Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def signatories() -> WerkzeugResponse:
    return page("staff/signatories.html", signatories=_listing(), form=SignatoryForm())


@bp.post("/signatories")
@roles_required(Role.ADMINISTRATOR)
def signatory_create() -> WerkzeugResponse:
    form = SignatoryForm()
    if not form.validate_on_submit():
        return invalid_form("staff/signatories.html", form, signatories=_listing())
    specimen = form.specimen.data.read() if form.specimen.data else None
    view = legalization.add_signatory(
        db(),
        user_actor(current_user()),
        name=form.name.data or "",
        capacity=form.capacity.data or "",
        authority=form.authority.data or "",
        valid_from=form.valid_from.data,
        valid_until=form.valid_until.data,
        at=now(),
        specimen=specimen or None,
    )
    flash(f"signatory {view.name} added")
    return redirect(url_for("staff.signatories"))
