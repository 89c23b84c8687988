"""Border clearance: scan or type → one verdict, the photo, the holder and the MRZ, the seal's
technical details folded away → clear at the officer's port. Clearing marks the TTD used; the
screen of a used document says when, at which port and by whom it was cleared."""

from __future__ import annotations

import base64
import re
from typing import Any

from flask import Response, flash, redirect, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import border, readmission, views
from legalize.cases.errors import CaseError
from legalize.imaging.photo import face_image_png
from legalize.kinds import DocumentType, Role
from legalize.seal.errors import SealError
from legalize.seal.profiles import read_profile
from legalize.seal.qrtext import strip_url
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.paper_check import PaperForm
from legalize.web.refusals import plain
from legalize.web.staff import bp
from legalize.web.staff.forms import ClearForm, ClearLookupForm
from legalize.web.state import db, now, state, trust_store
from verifier.report import Report
from verifier.seal import to_container

NUMBER_MAX = 20
NUMBER_RE = re.compile(r"[A-Z0-9]{1,20}")
PORT_KEY = "border_port"
"""The session remembers the officer's port: typed once per shift, not once per traveller."""


def seal_face(report: Report | None) -> str | None:
    """The face image the seal carries, as a PNG data URI for the page (None: no face)."""
    image = report.data.get("face_image") if report is not None else None
    if not isinstance(image, dict) or not isinstance(image.get("base64"), str):
        return None
    png = face_image_png(base64.b64decode(image["base64"]))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii") if png else None


def _seal_fields(text: str) -> dict[str, Any] | None:
    try:
        fields: dict[str, Any] = read_profile(to_container(strip_url(text))).fields()
    except (SealError, ValueError):
        return None
    return fields


def mrz_lines(seal_text: str) -> list[str]:
    """The MRZ the paper prints (TD3), else the seal's TD2 MRZ; [] when the seal has none."""
    fields = _seal_fields(seal_text) or {}
    for key in ("printed_mrz", "mrz"):
        lines = fields.get(key)
        if isinstance(lines, list) and all(isinstance(x, str) for x in lines) and lines:
            return [str(x) for x in lines]
    return []


def _scanned(text: str) -> bool:
    """A scanner types the whole QR text (URL and seal); an officer types a number."""
    text = text.strip()
    return len(text) > NUMBER_MAX or "/" in text


def _number_from(text: str) -> str | None:
    """The number a scanned QR text's seal names (None: no seal in it)."""
    fields = _seal_fields(text)
    number = (fields or {}).get("document_number") or (fields or {}).get("number")
    return number.upper() if isinstance(number, str) else None


def look_up(text: str) -> tuple[border.BorderView, str]:
    """The screen's verdict for what the officer scanned or typed, and the number it names.

    A scanned seal is verified itself (not the register's copy) with the register's answer
    as checks of its report; without a trust store the register answers alone."""
    trust, at, country = trust_store(), now(), state().config.issuing_country
    if _scanned(text):
        if trust is not None:
            found = border.scan(db(), text.strip(), trust, at, issuing_country=country)
            return found, found.document.number if found.document else ""
        number = _number_from(text)
        if number is None:
            return border.NOT_FOUND, ""
    else:
        number = text.strip().upper()
    if not NUMBER_RE.fullmatch(number):
        return border.NOT_FOUND, number
    return border.typed(db(), number, trust, at, issuing_country=country), number


def clear_page(
    text: str, status: int = 200, form: ClearLookupForm | None = None, **extra: Any
) -> Response:
    """The clearance screen for ``text``: a scanned QR text or a typed document number."""
    found, number = look_up(text)
    db().rollback()  # end the read transaction
    doc = found.document
    if found.verdict is border.Verdict.NOT_OURS and status == 200:
        status = 404
    context: dict[str, Any] = {
        "form": form or ClearLookupForm(number=number),
        "found": found,
        "looked_up": number,
        "doc": doc,
        "case": found.case,
        "report": found.report,
        "seal_face": seal_face(found.report),
        "mrz": mrz_lines(doc.seal_text) if doc else [],
        "clear_form": extra.pop("clear_form", None) or ClearForm(port=session.get(PORT_KEY, "")),
        "paper_form": PaperForm() if doc else None,
        **extra,
    }
    return page("staff/clear.html", status=status, **context)


@bp.get("/clear")
@roles_required(Role.BORDER_OFFICER)
def clear() -> WerkzeugResponse:
    return page("staff/clear.html", form=ClearLookupForm())


@bp.post("/clear")
@roles_required(Role.BORDER_OFFICER)
def clear_lookup() -> WerkzeugResponse:
    form = ClearLookupForm()
    if not form.validate_on_submit():
        status = 400 if "csrf_token" in form.errors else 422
        return page("staff/clear.html", status=status, form=form)
    text = form.number.data or ""
    # Text that holds no seal is bad input (422); a number the register lacks is not ours (404).
    holds_seal = not _scanned(text) or _seal_fields(text) is not None
    return clear_page(text, 200 if holds_seal else 422, form=form)


@bp.get("/clear/<number>/photo")
@roles_required(Role.BORDER_OFFICER)
def clear_photo(number: str) -> WerkzeugResponse:
    """The holder photo of a TTD, by its number: the border sees no case by its id."""
    if not NUMBER_RE.fullmatch(number):
        raise WebError(404, "NOT_FOUND", "no such travel document", "number")
    doc = views.find_document(db(), number)
    if doc is None or doc.type != DocumentType.TTD:
        raise WebError(404, "NOT_FOUND", "no such travel document", "number")
    image, media_type = workflow.photo(db(), doc.case_id)
    return Response(image, mimetype=media_type)


@bp.post("/clear/<number>")
@roles_required(Role.BORDER_OFFICER)
def clear_document(number: str) -> WerkzeugResponse:
    if not NUMBER_RE.fullmatch(number):
        raise WebError(422, "INVALID_INPUT", "not a document number", "number")
    found = views.find_document(db(), number)
    db().rollback()
    if found is None or found.type != DocumentType.TTD:
        raise WebError(404, "NOT_FOUND", "the register holds no such travel document", "number")
    form = ClearForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            return clear_page(number, 400, refusal="The page expired: look the document up again.")
        return clear_page(number, 422, clear_form=form)
    port = (form.port.data or "").strip().upper()
    try:
        doc = readmission.clear(db(), user_actor(current_user()), number, now(), port=port)
    except CaseError as exc:
        # Refused (used already, expired, revoked): the screen says so, with the verdict.
        return clear_page(number, 409, refusal=plain(exc), refusal_code=exc.code)
    session[PORT_KEY] = port
    flash(
        gettext(
            "Cleared at %(port)s: document %(number)s is now used.", port=port, number=doc.number
        )
    )
    return redirect(url_for("staff.clear"))
