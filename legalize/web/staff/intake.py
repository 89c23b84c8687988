"""New readmission requests (with the holder photo) and legalization applications."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import legalization, readmission
from legalize.cases.errors import CaseError
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.pages import attach_refusals, invalid_form, page, refused_form
from legalize.web.staff import bp
from legalize.web.staff.forms import LegalizationForm, ReadmissionForm
from legalize.web.state import db, end_transaction, now


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/readmissions/new")
@roles_required(Role.ISSUING_OFFICER)
def readmission_new() -> WerkzeugResponse:
    return page("staff/readmission_new.html", form=ReadmissionForm())


def _readmission_data(form: ReadmissionForm) -> dict[str, Any]:
    return {
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


@bp.post("/readmissions/new")
@roles_required(Role.ISSUING_OFFICER)
def readmission_create() -> WerkzeugResponse:
    form = ReadmissionForm()
    at = now()
    if not form.validate_on_submit():
        named: dict[str, str] = {}
        if "csrf_token" not in form.errors:
            # The rules' refusals of the other fields too, so every error shows at once.
            try:
                readmission.parse_request(_readmission_data(form), at)
            except CaseError as exc:
                named, _ = attach_refusals(form, exc, only_clean=True)
        return invalid_form("staff/readmission_new.html", form, field_names=named)
    try:
        request = readmission.parse_request(_readmission_data(form), at)
        view = readmission.file_request(db(), user_actor(current_user()), request, at)
    except CaseError as exc:
        db().rollback()
        return refused_form("staff/readmission_new.html", form, exc)
    flash(
        gettext(
            "Readmission request %(country)s %(reference)s filed.",
            country=view.host_country,
            reference=view.host_reference,
        )
    )
    return redirect(url_for("staff.case_detail", case_id=view.id))


@bp.get("/legalizations/new")
@roles_required(Role.ISSUING_OFFICER)
def legalization_new() -> WerkzeugResponse:
    return page("staff/legalization_new.html", form=LegalizationForm())


def _legalization_data(form: LegalizationForm) -> dict[str, Any]:
    return {
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


@bp.post("/legalizations/new")
@roles_required(Role.ISSUING_OFFICER)
def legalization_create() -> WerkzeugResponse:
    form = LegalizationForm()
    at = now()
    data = _legalization_data(form)
    if not form.validate_on_submit():
        named: dict[str, str] = {}
        if "csrf_token" not in form.errors:
            # The rules' refusals of the other fields too, so every error shows at once;
            # the document is checked (and sanitized) only once the form is complete.
            try:
                legalization.parse_request(data, None, at)
            except CaseError as exc:
                named, _ = attach_refusals(
                    form, exc, FORM_FIELDS, only_clean=True, skip=("underlying",)
                )
        return invalid_form("staff/legalization_new.html", form, field_names=named)
    content = form.document.data.read() if form.document.data else None
    end_transaction()  # sanitizing the upload may take seconds: hold no transaction
    try:
        request = legalization.parse_request(data, content, at)
        view = legalization.file_application(db(), user_actor(current_user()), request, at)
    except CaseError as exc:
        db().rollback()
        return refused_form("staff/legalization_new.html", form, exc, FORM_FIELDS)
    p = view.person
    flash(
        gettext(
            "Legalization application of %(surname)s, %(given_names)s filed.",
            surname=p.surname,
            given_names=p.given_names,
        )
    )
    return redirect(url_for("staff.case_detail", case_id=view.id))


FORM_FIELDS = {"underlying": "document"}
"""The form's name for a field the rules name otherwise (the rest differ by the
``applicant.`` prefix only)."""
