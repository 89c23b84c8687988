"""The page a phone camera opens from the QR code: ``<path of LEGALIZE_CHECK_URL><seal>``.

The QR holds the web-check URL in capitals followed by the seal in Base32 (DESIGN §3), so any
phone camera opens this page. It shows the report of :func:`legalize.cases.check.check_seal`:
the seal verified offline against the published trust store (the check a border officer's
verifier makes) and the register's answer as checks of the same report, whose verdict the page
states. When the register vouches for the seal, the document's status is shown with the least
data: type, number, status, dates, and for a legalization the underlying document's signer
(what the Apostille registers show).

Beside the verdict the page shows what the QR itself carries, signed — for a TTD the holder's
name, birth date, nationality, document number and expiry; for a legalization the Apostille
fields — so the checker can compare the person or the paper in front of them. The phone that
scanned the QR holds these already; the page only reads them out, and only from a seal whose
signature verified (an unsigned text must not look like data we vouch for).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import check
from legalize.cases.checks_log import Method
from legalize.cases.views import DocumentView
from legalize.documents import mrz
from legalize.kinds import DocumentType
from legalize.seal.profiles import field_date
from legalize.web.checks import limit_public_check, outcome_of_seal, record_check
from legalize.web.errors import WebError
from legalize.web.language import day
from legalize.web.pages import page
from legalize.web.public import APOSTILLE_FIELDS, public_status
from legalize.web.staff.clearance import seal_face
from legalize.web.state import (
    now,
    public_connection,
    reconnect_public,
    seal_readings,
    state,
    trust_store,
)
from verifier.codes import Code
from verifier.report import Report, Status

PAYLOAD_MAX = 2048
"""Characters of a seal in a URL; our largest is about 500, any VDS fits well within this."""


def prefix_of(check_url: str) -> str:
    """The URL path the QR's prefix names, without its trailing slash (``/V``, or ``""``)."""
    path = urlsplit(check_url).path.strip("/")
    return f"/{path}" if path else ""


def register(app: Flask, check_url: str) -> None:
    """Serve ``<prefix>/<seal>`` for the app's check URL, in capitals as printed and in lower
    case (some camera apps lower-case the URL path)."""
    prefix = prefix_of(check_url)
    for variant in sorted({prefix, prefix.lower()}):
        app.add_url_rule(
            f"{variant}/<payload>",
            endpoint=f"seal_link{variant.replace('/', '_')}",
            view_func=seal_link,
            methods=["GET"],
        )


TTD_FIELDS = (
    ("surname", "Surname"),
    ("given_names", "Given names"),
    ("date_of_birth", "Date of birth"),
    ("nationality", "Nationality"),
    ("document_number", "Document number"),
    ("expiry_date", "Valid until"),
)
"""What a TTD's seal carries that the checker compares with the person (ICAO 9303 order)."""


def sealed_data(report: Report) -> list[tuple[str, str]]:
    """The labelled fields the verified seal carries, in print order; [] when the signature
    did not verify. Its dates are written as the page writes the register's, in the
    reader's language; a TTD's birth date with the century the MRZ leaves out
    (:func:`legalize.documents.mrz.birth_date`, as the browser's offline check reads it), so a
    checker never has to guess whether ``05-09-09`` is a day or a year."""
    signature = report.check("seal.signature")
    if signature is None or signature.status is not Status.VALID:
        return []
    data = report.data
    labels: tuple[tuple[str, str], ...]
    if "document_number" in data:
        labels = TTD_FIELDS
        issued = field_date(data.get("issue_date"))
        dates = {
            "date_of_birth": mrz.birth_date(data.get("date_of_birth"), issued),
            "expiry_date": field_date(data.get("expiry_date")),
        }
    else:  # the check by number writes the Apostille's date the same way
        labels, dates = APOSTILLE_FIELDS, {"date": field_date(data.get("date"))}
    shown = [
        (label, day(found) if (found := dates.get(key)) else str(data[key]))
        for key, label in labels
        if data.get(key)
    ]
    if data.get("document_sha256"):
        shown.append(("SHA-256 of the underlying document", str(data["document_sha256"])))
    return shown


def seal_link(payload: str) -> WerkzeugResponse:
    limit_public_check()
    if len(payload) > PAYLOAD_MAX:
        raise WebError(400, "SEAL_UNREADABLE", "this link holds no seal", "seal")
    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
    st = state()
    readings = seal_readings()
    at = now()

    def answer(connection: Connection) -> tuple[Report, DocumentView | None]:
        return check.seal_answer(
            connection,
            payload,
            trust,
            at,
            issuing_country=st.config.issuing_country,
            readings=readings,
        )

    try:
        report, doc = answer(public_connection())
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        report, doc = answer(reconnect_public())
    record = report.check(check.RECORD)
    result = public_status(doc) if doc is not None else None
    mismatch = record is not None and record.code == Code.SEAL_NOT_IN_REGISTER
    record_check(outcome_of_seal(Method.QR_LINK, report, doc, mismatch))
    problems = [
        c
        for c in report.checks
        if c.status in (Status.INVALID, Status.ERROR)
        or (c.status is Status.SKIPPED and c.code == Code.DOCUMENT_OF_ANOTHER_STATE)
    ]
    return page(
        "public/seal.html",
        verdict=report.verdict.value,
        problems=problems,
        result=result,
        sealed=sealed_data(report),
        face=seal_face(report),
        legalization=report.data.get("profile") == DocumentType.LEGALIZATION.profile,
    )
