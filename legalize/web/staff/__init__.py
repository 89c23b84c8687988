"""The staff pages (/staff): consular officers, border officers, administrators."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__)

from legalize.web.staff import (  # noqa: E402, F401
    batches,
    cases,
    clearance,
    flights,
    intake,
    login,
    paper,
    risk,
    signatories,
    users,
    work,
)
