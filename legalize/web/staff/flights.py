"""The list of batches, the batch CSV template, and an issued flight's download (every valid
TTD and the passenger manifest, :mod:`legalize.cases.flight`)."""

from __future__ import annotations

import re

from flask import Response, request
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize import countries
from legalize.cases import batch, batch_files, flight
from legalize.kinds import Role
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import page
from legalize.web.staff import bp
from legalize.web.state import db, now, state

PAGE_SIZE = 25


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/batches")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batches() -> WerkzeugResponse:
    raw = request.args.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
        raise WebError(400, "INVALID_INPUT", "page must be a number from 1", "page")
    number = int(raw)
    items, total = batch.list_batches(db(), offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    db().rollback()
    return page(
        "staff/batches.html",
        items=items,
        total=total,
        page_number=number,
        pages=max(1, -(-total // PAGE_SIZE)),
        country_name=countries.name,
    )


@bp.get("/batches/template.csv")
@roles_required(Role.ISSUING_OFFICER)
def batch_template() -> WerkzeugResponse:
    return _download(batch_files.template_csv(), "batch-template.csv", "text/csv")


@bp.get("/batches/<int:batch_id>/flight.zip")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_flight(batch_id: int) -> WerkzeugResponse:
    package = flight.flight_package(
        db(),
        user_actor(current_user()),
        batch_id,
        now(),
        issuing_country=state().config.issuing_country,
    )
    return _download(package.data, package.filename, "application/zip")
