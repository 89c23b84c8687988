"""The staff pages (/staff): consular officers, border officers, administrators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)

from legalize.web.staff import batches, cases, clearance, intake, login, users  # noqa: E402, F401
