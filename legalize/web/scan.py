"""``/scan``: the camera check. The page reads the QR with the browser's camera and verifies
our P-256 seals in the browser (WebCrypto) against the signed trust list of ``/trust/``; a
service worker keeps the page, its scripts, the QR decoder and the trust list, so it keeps
working without a network (docs/web-check.md). Online, the register's status comes from
``/scan/status`` (the number and check code the seal carries).

The scripts are our own files under ``static/scan/``; the QR decoder polyfill (npm
``barcode-detector``, zxing-wasm) is copied into ``static/vendor/`` at build time
(``make vendor``). Nothing is fetched from another origin.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

from cryptography.hazmat.primitives import serialization
from flask import Blueprint, Response, current_app, jsonify, request

from legalize.cases import views
from legalize.cases.checks_log import Method
from legalize.web.checks import limit_public_check, outcome_of_document, record_check
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.public import public_status
from legalize.web.security import SCAN_CONTENT_SECURITY_POLICY
from legalize.web.staff.clearance import NUMBER_MAX
from legalize.web.state import public_db, trust_store

bp = Blueprint("scan", __name__)

CODE_MAX: Final = 40
SERVICE_WORKER: Final = "scan/sw.js"
"""Served at ``/scan-sw.js``: a worker controls only paths below its own URL's folder, and
the page is ``/scan``, so the file cannot stay under ``/static/scan/``."""


def _root_fingerprints() -> str:
    """SHA-256 of each root certificate's DER, space-separated: the page pins the roots the
    trust list may be signed by (the same pin ``verifier trust sync`` asks of its user). More
    than one during a root rollover."""
    trust = trust_store()
    if trust is None:
        return ""
    return " ".join(
        hashlib.sha256(root.public_bytes(serialization.Encoding.DER)).hexdigest()
        for root in trust.roots
    )


@bp.get("/scan")
def scan() -> Response:
    response = page("public/scan.html", root_sha256=_root_fingerprints())
    response.headers["Content-Security-Policy"] = SCAN_CONTENT_SECURITY_POLICY
    return response


@bp.get("/scan-sw.js")
def service_worker() -> Response:
    folder = Path(current_app.static_folder or "")
    # Cache-Control: no-store (add_security_headers), so a new worker is picked up at once.
    return Response((folder / SERVICE_WORKER).read_bytes(), mimetype="text/javascript")


@bp.get("/scan/status")
def status() -> Response:
    """The register's status of the document a scanned seal names, as JSON: the same least
    data as the check by number and check code (``public_status``), rate limited and recorded
    in the check log the same (method ``scan``)."""
    limit_public_check()
    number = request.args.get("number", "")
    code = request.args.get("check_code", "")
    if not 0 < len(number) <= NUMBER_MAX:
        raise WebError(422, "INVALID_INPUT", "number is missing or too long", "number")
    if not 0 < len(code) <= CODE_MAX:
        raise WebError(422, "INVALID_INPUT", "check_code is missing or too long", "check_code")
    doc = views.check_document(public_db(), number, code)
    record_check(outcome_of_document(Method.SCAN, number.strip(), doc))
    if doc is None:
        raise WebError(404, "NOT_FOUND", "no document with this number and check code")
    found = public_status(doc)
    return jsonify(
        {
            "number": found.number,
            "type": found.type,
            "status": found.status,
            "issued_on": found.issued_on.isoformat(),
            "expires_on": found.expires_on.isoformat() if found.expires_on else None,
        }
    )
