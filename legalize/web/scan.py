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
from flask_babel import gettext

from legalize.cases import views
from legalize.cases.checks_log import Method
from legalize.web.checks import limit_public_check, outcome_of_document, record_check
from legalize.web.errors import WebError
from legalize.web.language import current_language, reason_templates
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


def _labels() -> dict[str, str]:
    """The labels scan.js shows beside the fields a seal carries: English → the reader's
    language (each written out for pybabel extract)."""
    marked = {
        "Document": gettext("Document"),
        "Temporary travel document": gettext("Temporary travel document"),
        "Legalization": gettext("Legalization"),
        "Name": gettext("Name"),
        "Date of birth": gettext("Date of birth"),
        "Sex": gettext("Sex"),
        "Nationality": gettext("Nationality"),
        "Document number": gettext("Document number"),
        "Issued on": gettext("Issued on"),
        "Valid until": gettext("Valid until"),
        "Issuing state": gettext("Issuing state"),
        "Number": gettext("Number"),
        "Country of the document": gettext("Country of the document"),
        "Signed by": gettext("Signed by"),
        "Acting in the capacity of": gettext("Acting in the capacity of"),
        "Bears the seal of": gettext("Bears the seal of"),
        "At": gettext("At"),
        "On": gettext("On"),
        "SHA-256 of the underlying document": gettext("SHA-256 of the underlying document"),
    }
    return {label: str(text) for label, text in marked.items()}


def scan_messages() -> dict[str, object]:
    """What scan.js writes into the page, in the reader's language. The page hands it over
    in a ``<script type="application/json">`` data block: a data block is never executed,
    so the CSP (no inline script) allows it, and the service worker's cached copy of the
    page carries the words offline. Placeholders are ``%(name)s``, filled in by scan.js;
    ``reasons`` are the verifier catalog's entries for the problems the browser's verifier
    reports (empty in English: the check's own, more specific message is shown)."""
    words = {
        "trust_unchecked": gettext(
            "The trust list could not be checked (%(problems)s): seals cannot be verified here."
        ),
        "trust_unavailable": gettext("not available (%(error)s)"),
        "trust_offline": gettext("Offline, using the copy kept on this device."),
        "trust_stale": gettext(
            "The trust list is out of date: issued %(issued)s UTC, its next update was due"
            " %(next)s. Revocations since then are not known here; connect to the network"
            " and reload."
        ),
        "trust_current": gettext(
            "Trust list signed by the root, issued %(issued)s UTC (%(age)s), current until"
            " %(next)s."
        ),
        "age_one": gettext("1 day ago"),
        "age_many": gettext("%(days)s days ago"),
        "verdict_VALID": gettext("Genuine seal: signed by a trusted issuer and unchanged."),
        "verdict_INVALID": gettext("Not a valid seal: do not rely on this document."),
        "verdict_INDETERMINATE": gettext("The seal could not be fully checked on this device."),
        "status_issued": gettext("valid"),
        "status_used": gettext("used"),
        "status_revoked": gettext("revoked"),
        "status_expired": gettext("expired"),
        "register_none": gettext(
            "The register has no document with this number and check code. Report it to the"
            " issuing authority."
        ),
        "register_status": gettext("Register: %(status)s (checked %(moment)s UTC)."),
        "register_offline": gettext(
            "Offline: the register's status (used, revoked) is added when the network is back."
        ),
        "camera_denied": gettext(
            "Camera permission was denied. Allow the camera for this site in the browser's"
            " settings and try again, or paste the QR text below."
        ),
        "camera_none": gettext(
            "No camera was found on this device. Paste the QR text below instead."
        ),
        "camera_unsuitable": gettext(
            "No suitable camera was found on this device. Paste the QR text below instead."
        ),
        "camera_busy": gettext(
            "The camera is in use by another application. Close it and try again."
        ),
        "camera_unsupported": gettext(
            "This browser gives the page no camera (it needs HTTPS and camera support)."
            " Paste the QR text below instead."
        ),
        "camera_failed": gettext("The camera could not be started (%(error)s)."),
        "looking": gettext("Looking for a QR code…"),
        "decoder_unavailable": gettext(
            "The QR decoder could not be loaded (%(error)s). Paste the QR text below instead."
        ),
        "decoder_failed": gettext("The QR decoder failed (%(error)s)."),
        "qr_read": gettext("QR code read."),
    }
    return {
        "words": {key: str(text) for key, text in words.items()},
        "labels": _labels(),
        "reasons": reason_templates(current_language()),
    }


@bp.get("/scan")
def scan() -> Response:
    response = page(
        "public/scan.html", root_sha256=_root_fingerprints(), scan_messages=scan_messages()
    )
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
