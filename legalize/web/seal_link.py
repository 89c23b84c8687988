"""The page a phone camera opens from the QR code: ``<path of LEGALIZE_CHECK_URL><seal>``.

The QR holds the web-check URL in capitals followed by the seal in Base32 (DESIGN §3), so any
phone camera opens this page. It shows the report of :func:`legalize.cases.check.check_seal`:
the seal verified offline against the published trust store (the check a border officer's
verifier makes) and the register's answer as checks of the same report, whose verdict the page
states. When the register vouches for the seal, the document's status is shown with the least
data: type, number, status, dates, and for a legalization the underlying document's signer
(what the Apostille registers show). The holder's personal data is not repeated here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import check, views
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.public import public_status
from legalize.web.security import rate_limit
from legalize.web.state import db, now, state, trust_store
from verifier.codes import Code
from verifier.report import Status

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


def seal_link(payload: str) -> WerkzeugResponse:
    rate_limit("public")
    if len(payload) > PAYLOAD_MAX:
        raise WebError(400, "SEAL_UNREADABLE", "this link holds no seal", "seal")
    trust = trust_store()
    if trust is None:
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
    session = db()
    report = check.check_seal(
        session, payload, trust, now(), issuing_country=state().config.issuing_country
    )
    record = report.check(check.RECORD)
    result = None
    if record is not None and record.status is Status.VALID:
        doc = views.find_document(session, str(record.data["number"]))
        result = public_status(doc) if doc is not None else None
    session.rollback()  # end the read transaction
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
    )
