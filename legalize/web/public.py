"""The public pages (/): the document check by number and check code.

It answers from the register with the least data a checker needs (README, "What the public
check shows"): the document's type, its status in plain words, issue and expiry dates and the
issuing post; for a legalization the Apostille fields, the SHA-256 of the underlying document
and the rendered certificate page (what the Apostille e-registers show, HCCH e-APP). Never the
holder's personal data: the TTD's page is not shown. Wrong number and wrong check code get the
same answer, and the page is rate limited, so it cannot be used to find which numbers exist.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, request
from flask_babel import gettext, lazy_gettext
from flask_wtf.file import FileField, FileRequired
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from legalize.cases import check, views
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.cases.views import DocumentView
from legalize.documents.errors import DocumentError
from legalize.documents.preview import page_sizes
from legalize.kinds import DocumentType
from legalize.seal.errors import SealError
from legalize.seal.profiles import read_profile
from legalize.seal.qrtext import strip_url
from legalize.web.checks import limit_public_check, outcome_of_document, record_check
from legalize.web.errors import WebError
from legalize.web.form_messages import Form
from legalize.web.pages import invalid_form, page
from legalize.web.state import issued_previews, now, public_connection, public_db, trust_store
from verifier.codes import Code
from verifier.report import Check, Report, Status
from verifier.seal import to_container

bp = Blueprint("public", __name__)


PDF_MAX_BYTES = 10 * 1024 * 1024
"""Uploaded PDFs to check: ours are well under 1 MB (a legalization with a 50-page underlying
document a few MB); more is not a document we issued."""
PDF_MAX_PAGES = 60
"""A legalization is its certificate page plus at most 50 underlying pages (sanitize)."""


class PdfCheckForm(Form):
    pdf = FileField("The PDF you were given", validators=[FileRequired()])


class CheckForm(Form):
    number = StringField(
        lazy_gettext("Document number"), validators=[DataRequired(), Length(max=40)]
    )
    check_code = StringField(
        lazy_gettext("Check code"), validators=[DataRequired(), Length(max=40)]
    )


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
    status_text: str = ""
    """The status in plain words: valid; used on DATE at PORT; expired on DATE; revoked on
    DATE (``plain_status``)."""
    valid: bool = False
    status_kind: str = "valid"
    """``valid``, ``used``, ``expired`` or ``revoked``: the page words it in the reader's
    language with ``status_on`` and ``status_port``."""
    status_on: date | None = None
    status_port: str | None = None


APOSTILLE_FIELDS = (
    ("country", "1. Country"),
    ("signed_by", "2. Has been signed by"),
    ("capacity", "3. Acting in the capacity of"),
    ("seal_of", "4. Bears the seal/stamp of"),
    ("place", "5. At"),
    ("date", "6. The"),
    ("number", "8. No"),
)
"""The Apostille's numbered fields the legalization's seal carries, as the certificate
prints them (Hague Convention of 1961, annex; 7 "by" is the authority, the issuing post)."""

CERTIFICATE_WIDTH = 600


@dataclass(frozen=True)
class RegisterAnswer:
    """The check by number and check code: the status and what a checker compares."""

    status: PublicStatus
    issuing_post: str | None
    apostille: list[tuple[str, str | date]]
    """Label and value; the date a ``date``, which the page writes in the reader's language."""
    underlying_sha256: str | None
    certificate_png: str | None
    """The legalization certificate's page as a PNG data URI (None for a TTD)."""


def status_terms(found: Check, doc: DocumentView) -> tuple[str, date | None, str | None]:
    """The register's status check as (kind, on which day, at which port)."""
    if found.status is Status.VALID:
        return "valid", None, None
    changed = doc.status_changed_at.date()
    if found.code == Code.DOCUMENT_USED:
        port = found.data.get("port")
        return "used", changed, port if isinstance(port, str) else None
    if found.code == Code.DOCUMENT_EXPIRED:
        return "expired", doc.expires_on or changed, None
    return "revoked", changed, None


def plain_status(found: Check, doc: DocumentView) -> str:
    """The status in plain English words: valid; used on DATE at PORT; expired on DATE;
    revoked on DATE (the pages word it in the reader's language from ``status_terms``)."""
    kind, on, port = status_terms(found, doc)
    if on is None:
        return kind
    return f"{kind} on {on.isoformat()}" + (f" at {port}" if port else "")


def public_status(
    doc: DocumentView, at: datetime | None = None, *, with_port: bool = False
) -> PublicStatus:
    """``with_port``: say where a used TTD was cleared — only to whoever typed the check code
    (the holder, or someone the holder showed the paper); a QR link or a scan does not."""
    legal = doc.type == DocumentType.LEGALIZATION.value
    signer = views.signer_of_case(public_db(), doc.case_id) if legal else None
    found = (
        check.status_check(public_db(), doc, at or now(), with_port=True)
        if with_port
        else check.register_status(doc, at or now())
    )
    terms = status_terms(found, doc)
    return PublicStatus(
        number=doc.number,
        type=doc.type,
        status=doc.status,
        status_text=plain_status(found, doc),
        valid=found.status is Status.VALID,
        status_kind=terms[0],
        status_on=terms[1],
        status_port=terms[2],
        issued_on=doc.issued_on,
        expires_on=doc.expires_on,
        signer_name=signer.name if signer else None,
        signer_capacity=signer.capacity if signer else None,
        signer_authority=signer.authority if signer else None,
    )


def register_answer(doc: DocumentView) -> RegisterAnswer:
    """Everything the check by number and check code shows of ``doc``."""
    status = public_status(doc, with_port=True)
    apostille: list[tuple[str, str | date]] = []
    underlying: str | None = None
    certificate: str | None = None
    if doc.type == DocumentType.LEGALIZATION.value:
        try:
            fields = read_profile(to_container(strip_url(doc.seal_text))).fields()
        except (
            SealError,
            ValueError,
        ):  # our own seal: cannot happen unless the register was altered
            fields = {}
        apostille = [
            (label, date.fromisoformat(str(fields[key])) if key == "date" else str(fields[key]))
            for key, label in APOSTILLE_FIELDS
            if key in fields
        ]
        underlying = str(fields.get("document_sha256") or "") or None
        try:
            png = issued_previews().png(
                doc.pdf_sha256,
                CERTIFICATE_WIDTH,
                lambda: views.document_pdf(public_db(), doc.number),
            )
            certificate = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
        except DocumentError:
            certificate = None
    return RegisterAnswer(status, doc.location, apostille, underlying, certificate)


@bp.route("/", methods=["GET", "POST"])
def index() -> WerkzeugResponse:
    form = CheckForm()
    if request.method == "GET":
        return page("public/check.html", form=form)
    limit_public_check()
    if not form.validate_on_submit():
        return invalid_form("public/check.html", form)
    number = (form.number.data or "").strip()
    doc = views.check_document(public_connection(), number, form.check_code.data or "")
    record_check(outcome_of_document(Method.NUMBER, number, doc))
    if doc is None:
        return page(
            "public/check.html",
            status=404,
            form=form,
            error=gettext("no document with this number and check code"),
            error_field="check_code",
        )
    answer = register_answer(doc)
    return page("public/check.html", form=form, result=answer.status, answer=answer)


def _pdf_refusal(data: bytes) -> str | None:
    """Why the upload is not checked (size, not a PDF, pages), or None."""
    if not data:
        return "The file is empty: choose the PDF again."
    if len(data) > PDF_MAX_BYTES:
        return (
            f"The file is larger than {PDF_MAX_BYTES // (1024 * 1024)} MB: not a document we issue."
        )
    if data.lstrip()[:5] != b"%PDF-":
        return "This file is not a PDF: upload the PDF document you were given."
    try:
        pages = len(page_sizes(data))
    except DocumentError:
        return None  # unreadable: the verifier's pdf.readable check says so in its report
    if pages > PDF_MAX_PAGES:
        return f"The PDF has {pages} pages, more than the {PDF_MAX_PAGES} of any document we issue."
    return None


@bp.route("/check/pdf", methods=["GET", "POST"])
def check_pdf() -> WerkzeugResponse:
    """Upload a PDF: the ``verifier pdf`` report and the register's comparison, one verdict
    (``legalize.cases.check.check_pdf_copy``). The file is checked in memory and forgotten."""
    from verifier.pdf import verify_pdf  # pyHanko: loaded on first use

    form = PdfCheckForm()
    if request.method == "GET":
        return page("public/check_pdf.html", form=form)
    limit_public_check()
    if not form.validate_on_submit():
        return invalid_form("public/check_pdf.html", form)
    upload = form.pdf.data
    try:
        data: bytes = upload.read(PDF_MAX_BYTES + 1)
    finally:
        upload.close()
    refusal = _pdf_refusal(data)
    if refusal is not None:
        return page(
            "public/check_pdf.html", status=422, form=form, error=refusal, error_field="pdf"
        )
    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
    at = now()
    report: Report = check.check_pdf_copy(public_db(), data, verify_pdf(data, trust, at), at)
    copy = report.check(check.ISSUED_PDF)
    number = copy.data.get("number") if copy is not None else None
    verdict = report.verdict.value.lower()
    record_check(CheckOutcome(Method.PDF, verdict, tuple(report.codes), number if number else None))
    problems = [c for c in report.checks if c.status in (Status.INVALID, Status.ERROR)]
    return page(
        "public/check_pdf.html",
        form=PdfCheckForm(formdata=None),
        report=report,
        verdict=report.verdict.value,
        copy=copy,
        problems=problems,
    )
