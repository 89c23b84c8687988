"""The JSON API (/api): bearer tokens, one error shape, OpenAPI 3.1 at /api/openapi.json."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from legalize.web.api import routes  # noqa: E402, F401
