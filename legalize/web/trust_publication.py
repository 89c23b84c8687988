"""``/trust/``: the published trust store — root and signer certificates, CRLs and the
root-signed ``trust-list.json`` with its issue time and next update (DESIGN §4).

The files are served byte for byte as ``legalize trust export --sign`` wrote them into the
keys folder's ``trust/``: the signed list names each file by its SHA-256, so any rewriting
(PEM → DER, line endings) would break it. ``/trust/`` itself answers the list, so
``verifier trust sync https://host/trust/`` needs no second URL. Public and cacheable: the
content is public by nature and changes only at a new export (ETag + a short max-age, so a
new list spreads within minutes).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Final

from flask import Blueprint, Response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.pki import trustlist
from legalize.web.errors import WebError
from legalize.web.state import state

bp = Blueprint("trust_publication", __name__)

NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""A published file name: no folders, no dot files (the export writes a flat folder)."""
CONTENT_TYPES: Final = {
    ".json": "application/json",
    # PEM text (RFC 7468). application/pkix-cert and -crl (RFC 2585) are DER only.
    ".crt": "application/x-pem-file",
    ".pem": "application/x-pem-file",
    ".crl": "application/x-pem-file",
}
MAX_AGE: Final = 300
"""Seconds a cache may keep a file without asking again; revalidation is cheap (ETag)."""


def published_folder() -> Path:
    return state().config.keys_dir / "trust"


def _serve(name: str) -> WerkzeugResponse:
    folder = published_folder()
    suffix = Path(name).suffix.lower()
    if not NAME.fullmatch(name) or suffix not in CONTENT_TYPES:
        raise WebError(404, "NOT_FOUND", "no such file in the published trust store")
    try:
        data = (folder / name).read_bytes()
    except OSError:
        if name == trustlist.FILE_NAME:
            raise WebError(
                404, "TRUST_LIST_UNAVAILABLE", "no signed trust list is published here"
            ) from None
        raise WebError(404, "NOT_FOUND", "no such file in the published trust store") from None
    response = Response(data, mimetype=CONTENT_TYPES[suffix])
    response.set_etag(hashlib.sha256(data).hexdigest())
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data; other verifiers
    return response.make_conditional(request)


@bp.get("/")
def index() -> WerkzeugResponse:
    return _serve(trustlist.FILE_NAME)


@bp.get("/<name>")
def file(name: str) -> WerkzeugResponse:
    return _serve(name)
