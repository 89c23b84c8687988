"""The page a phone camera opens from the QR code: ``<path of LEGALIZE_CHECK_URL><seal>``.

The QR holds the web-check URL in capitals followed by the seal in Base32 (DESIGN §3), so any
phone camera opens this page. It verifies the seal offline against the published trust store
(the check a border officer's verifier makes) and, when the seal is genuine, adds the
register's status of the document it names — with the least data: type, number, status,
dates, and for a legalization the underlying document's signer (what the Apostille registers
show). The holder's personal data is not repeated here.

A seal that verifies but differs from the one the register holds for its number is reported
as such: only a stolen signing key could make one, and the register's answer must not lend it
credibility. "Differs" compares what the signature covers (header and message zone), not the
signature: anyone can turn a genuine ECDSA signature (r, s) into (r, n - s), which verifies
just as well, and a compressed IDB can be re-compressed — neither is a different seal.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import views
from legalize.cases.checks_log import Method
from legalize.cases.views import DocumentView
from legalize.seal.errors import SealError
from legalize.seal.profiles import decode
from legalize.seal.qrtext import parse_qr_text
from legalize.web.checks import limit_public_check, outcome_of_seal, record_check
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.public import public_status
from legalize.web.staff.clearance import seal_report
from legalize.web.state import now, public_db
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


def same_seal(stored_text: str | None, payload: str) -> bool:
    """Whether two QR texts carry the same signed content (the bytes the signature covers)."""
    if not stored_text:
        return False
    try:
        stored = decode(parse_qr_text(stored_text))
        given = decode(parse_qr_text(payload))
    except SealError:
        return False
    return type(stored) is type(given) and stored.signed_bytes == given.signed_bytes


def seal_link(payload: str) -> WerkzeugResponse:
    limit_public_check()
    if len(payload) > PAYLOAD_MAX:
        raise WebError(400, "SEAL_UNREADABLE", "this link holds no seal", "seal")
    report = seal_report(payload, now())
    if report is None:
        raise WebError(503, "TRUST_STORE_UNAVAILABLE", "the trust store is not published")
    signature = report.check("seal.signature")
    genuine = signature is not None and signature.status is Status.VALID
    result = None
    mismatch = False
    doc: DocumentView | None = None
    if genuine:
        number = report.data.get("document_number") or report.data.get("number")
        doc = views.find_document(public_db(), str(number)) if isinstance(number, str) else None
        if doc is not None and same_seal(doc.seal_text, payload):
            result = public_status(doc)
        elif doc is not None:
            mismatch = True
    record_check(outcome_of_seal(Method.QR_LINK, report, doc, mismatch))
    problems = [c for c in report.checks if c.status in (Status.INVALID, Status.ERROR)]
    return page(
        "public/seal.html",
        verdict=report.verdict.value,
        genuine=genuine,
        problems=problems,
        result=result,
        mismatch=mismatch,
    )
