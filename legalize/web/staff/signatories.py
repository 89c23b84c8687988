"""Authorized signatories (administrators): whose signatures on underlying documents the
service may legalize, in which capacity, for which authority, and when."""

from __future__ import annotations

from flask import Response, flash, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import legalization, review
from legalize.cases import signatories as certificates
from legalize.cases.errors import CaseError
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError, case_status
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import ActionForm, CertificateForm, SignatoryForm
from legalize.web.state import db, now


def _listing() -> list[legalization.SignatoryView]:
    rows = legalization.list_signatories(db())
    db().rollback()
    return rows


@bp.get("/signatories")
@roles_required(Role.ADMINISTRATOR, Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def signatories() -> WerkzeugResponse:
    return page(
        "staff/signatories.html",
        signatories=_listing(),
        form=SignatoryForm(),
        certificate_form=CertificateForm(formdata=None),
        action_form=ActionForm(),
    )


@bp.post("/signatories")
@roles_required(Role.ADMINISTRATOR)
def signatory_create() -> WerkzeugResponse:
    form = SignatoryForm()
    if not form.validate_on_submit():
        return invalid_form(
            "staff/signatories.html",
            form,
            signatories=_listing(),
            certificate_form=CertificateForm(formdata=None),
            action_form=ActionForm(),
        )
    specimen = form.specimen.data.read() if form.specimen.data else None
    seal = form.seal_image.data.read() if form.seal_image.data else None
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
        seal_image=seal or None,
    )
    flash(gettext("signatory %(name)s added", name=view.name))
    return redirect(url_for("staff.signatories"))


def _refused(status: int, message: str, field: str) -> WerkzeugResponse:
    """The signatories page again with what was refused, named by its field."""
    return page(
        "staff/signatories.html",
        status=status,
        signatories=_listing(),
        form=SignatoryForm(formdata=None),
        certificate_form=CertificateForm(formdata=None),
        action_form=ActionForm(),
        error=message,
        error_field=field,
    )


@bp.post("/signatories/<int:signatory_id>/certificates")
@roles_required(Role.ADMINISTRATOR)
def signatory_certificate_add(signatory_id: int) -> WerkzeugResponse:
    form = CertificateForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
        return _refused(422, "choose the certificate file", "certificate")
    try:
        view = certificates.add_certificate(
            db(), user_actor(current_user()), signatory_id, form.certificate.data.read(), now()
        )
    except CaseError as exc:
        db().rollback()
        return _refused(case_status(exc), exc.message, exc.field or "certificate")
    flash(gettext("certificate %(subject)s added", subject=view.subject))
    return redirect(url_for("staff.signatories"))


@bp.post("/signatories/<int:signatory_id>/certificates/<sha256>/remove")
@roles_required(Role.ADMINISTRATOR)
def signatory_certificate_remove(signatory_id: int, sha256: str) -> WerkzeugResponse:
    if not ActionForm().validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
    certificates.remove_certificate(db(), user_actor(current_user()), signatory_id, sha256, now())
    flash(gettext("certificate removed"))
    return redirect(url_for("staff.signatories"))


@bp.get("/signatories/<int:signatory_id>/specimen/<any(signature, seal):kind>")
@roles_required(Role.ADMINISTRATOR, Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def signatory_specimen(signatory_id: int, kind: str) -> WerkzeugResponse:
    """A registered specimen image (an administrator's upload, checked as PNG or JPEG)."""
    image, media_type = review.specimen_of(db(), signatory_id, kind)
    db().rollback()
    return Response(image, mimetype=media_type)
