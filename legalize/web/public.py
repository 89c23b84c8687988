"""The public pages (/): the document check by number and check code.

A placeholder of the full web check (its own issue): it answers from the register with the
least data — the document's type, status and dates, and for a legalization the signer and
authority of the underlying document that the Apostille register shows (HCCH e-APP); never
the holder's personal data. Wrong number and wrong check code get the same answer, and the
page is rate limited, so it cannot be used to find which numbers exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, request
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from legalize.cases import views
from legalize.cases.views import DocumentView
from legalize.kinds import DocumentType
from legalize.web.pages import invalid_form, page
from legalize.web.security import rate_limit
from legalize.web.state import db

bp = Blueprint("public", __name__)


class CheckForm(FlaskForm):
    number = StringField("Document number", validators=[DataRequired(), Length(max=40)])
    check_code = StringField("Check code", validators=[DataRequired(), Length(max=40)])


@dataclass(frozen=True)
class PublicStatus:
    """What the public check shows of a document."""

    number: str
    type: str
    """``ttd`` or ``legalization``."""
    status: str
    issued_on: date
    expires_on: date | None
    signer_name: str | None
    signer_capacity: str | None
    signer_authority: str | None


def public_status(doc: DocumentView) -> PublicStatus:
    legal = doc.type == DocumentType.LEGALIZATION.value
    case = views.get_case(db(), doc.case_id) if legal else None
    return PublicStatus(
        number=doc.number,
        type=doc.type,
        status=doc.status,
        issued_on=doc.issued_on,
        expires_on=doc.expires_on,
        signer_name=case.signer_name if case else None,
        signer_capacity=case.signer_capacity if case else None,
        signer_authority=case.signer_authority if case else None,
    )


@bp.route("/", methods=["GET", "POST"])
def index() -> WerkzeugResponse:
    form = CheckForm()
    if request.method == "GET":
        return page("public/check.html", form=form)
    rate_limit("rate_public")
    if not form.validate_on_submit():
        return invalid_form("public/check.html", form)
    doc = views.check_document(db(), form.number.data or "", form.check_code.data or "")
    if doc is None:
        return page(
            "public/check.html",
            status=404,
            form=form,
            error="no document with this number and check code",
            error_field="check_code",
        )
    return page("public/check.html", form=form, result=public_status(doc))
