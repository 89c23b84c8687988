"""New readmission requests (with the holder photo) and legalization applications."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import legalization, readmission
from legalize.cases.errors import InvalidInput
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import LegalizationForm, ReadmissionForm
from legalize.web.state import db, end_transaction, now


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/readmissions/new")
@roles_required(Role.ISSUING_OFFICER)
def readmission_new() -> WerkzeugResponse:
    return page("staff/readmission_new.html", form=ReadmissionForm())


@bp.post("/readmissions/new")
@roles_required(Role.ISSUING_OFFICER)
def readmission_create() -> WerkzeugResponse:
    form = ReadmissionForm()
    if not form.validate_on_submit():
        return invalid_form("staff/readmission_new.html", form)
    at = now()
    data = {
        "host_country": form.host_country.data,
        "host_reference": form.host_reference.data,
        "port_of_entry": form.port_of_entry.data,
        "travel_date": _iso(form.travel_date.data),
        "photo": form.photo.data.read() if form.photo.data else None,
        "identity": {
            "surname": form.surname.data,
            "given_names": form.given_names.data,
            "birth_date": _iso(form.birth_date.data),
            "sex": form.sex.data,
            "birth_place": form.birth_place.data or None,
            "nic_number": form.nic_number.data or None,
            "passport_number": form.passport_number.data or None,
        },
    }
    request = readmission.parse_request(data, at)
    view = readmission.file_request(db(), user_actor(current_user()), request, at)
    flash(f"readmission request filed as case #{view.id}")
    return redirect(url_for("staff.case_detail", case_id=view.id))


@bp.get("/legalizations/new")
@roles_required(Role.ISSUING_OFFICER)
def legalization_new() -> WerkzeugResponse:
    return page("staff/legalization_new.html", form=LegalizationForm())


@bp.post("/legalizations/new")
@roles_required(Role.ISSUING_OFFICER)
def legalization_create() -> WerkzeugResponse:
    form = LegalizationForm()
    if not form.validate_on_submit():
        return invalid_form("staff/legalization_new.html", form)
    at = now()
    data = {
        "applicant": {
            "surname": form.surname.data,
            "given_names": form.given_names.data,
            "birth_date": _iso(form.birth_date.data),
            "sex": form.sex.data,
        },
        "destination_country": form.destination_country.data,
        "underlying_title": form.underlying_title.data,
        "underlying_date": _iso(form.underlying_date.data),
        "signer_name": form.signer_name.data,
        "signer_capacity": form.signer_capacity.data,
        "signer_authority": form.signer_authority.data,
    }
    content = form.document.data.read() if form.document.data else None
    end_transaction()  # sanitizing the upload may take seconds: hold no transaction
    try:
        request = legalization.parse_request(data, content, at)
    except InvalidInput as exc:
        return _refused_legalization(form, exc)
    view = legalization.file_application(db(), user_actor(current_user()), request, at)
    flash(f"legalization application filed as case #{view.id}")
    return redirect(url_for("staff.case_detail", case_id=view.id))


FORM_FIELDS = {"underlying": "document"}
"""The form's name for a field the rules name otherwise (the rest differ by the
``applicant.`` prefix only)."""


def _refused_legalization(form: LegalizationForm, exc: InvalidInput) -> WerkzeugResponse:
    """The form again, what was typed kept, each refusal beside its field in plain words (a
    truncated PDF, a file that is no PDF, JPEG or PNG) — never a full-page error."""
    named: dict[str, str] = {}
    for error in exc.errors:
        name = FORM_FIELDS.get(error.field, error.field.removeprefix("applicant."))
        target = getattr(form, name, None)
        if target is None:
            raise exc
        target.errors = [*target.errors, error.message]
        named[name] = error.field
    return invalid_form("staff/legalization_new.html", form, field_names=named)
