"""Batch CSV upload of readmission requests, and batch progress (a page that refreshes itself
without script, plus a JSON poll endpoint). Progress is read from the register, so any
worker answers it."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

from flask import Flask, current_app, flash, jsonify, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases.rules import Actor
from legalize.registry.accounts import Role
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import ActionForm, BatchForm
from legalize.web.state import db, now, state

CSV_COLUMNS = (
    "host_reference",
    "surname",
    "given_names",
    "birth_date",
    "sex",
    "birth_place",
    "nic_number",
    "passport_number",
    "port_of_entry",
    "travel_date",
)
IDENTITY_COLUMNS = frozenset(
    {"surname", "given_names", "birth_date", "sex", "birth_place", "nic_number", "passport_number"}
)
MAX_ROWS = 1000


def parse_csv(data: bytes, host_country: str) -> list[dict[str, Any]]:
    """CSV rows → request mappings. Raises WebError naming the file when it is not a CSV of
    the expected columns; row content is checked by the cases rules, row by row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WebError(422, "INVALID_INPUT", "the CSV file must be UTF-8 text", "file") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [c for c in ("host_reference", "surname", "birth_date", "sex") if c not in header]
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if missing or unknown:
        problem = f"missing columns {missing}" if missing else f"unknown columns {unknown}"
        raise WebError(
            422, "INVALID_INPUT", f"{problem}; expected {', '.join(CSV_COLUMNS)}", "file"
        )
    rows: list[dict[str, Any]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise WebError(
                    422, "INVALID_INPUT", f"more than {MAX_ROWS} rows; split the file", "file"
                )
            values = {k: (v or "").strip() or None for k, v in row.items() if k is not None}
            rows.append(
                {
                    "host_country": host_country,
                    **{k: v for k, v in values.items() if k not in IDENTITY_COLUMNS},
                    "identity": {k: v for k, v in values.items() if k in IDENTITY_COLUMNS},
                }
            )
    except csv.Error as exc:
        raise WebError(422, "INVALID_INPUT", f"not a valid CSV file: {exc}", "file") from exc
    if not rows:
        raise WebError(422, "INVALID_INPUT", "the CSV file has no rows", "file")
    return rows


@bp.get("/batches/new")
@roles_required(Role.ISSUING_OFFICER)
def batch_new() -> WerkzeugResponse:
    return page("staff/batch_new.html", form=BatchForm(), columns=CSV_COLUMNS)


@bp.post("/batches/new")
@roles_required(Role.ISSUING_OFFICER)
def batch_create() -> WerkzeugResponse:
    form = BatchForm()
    if not form.validate_on_submit():
        return invalid_form("staff/batch_new.html", form, columns=CSV_COLUMNS)
    country = (form.host_country.data or "").upper()
    rows = parse_csv(form.file.data.read(), country)
    result = workflow.file_batch(
        db(), user_actor(current_user()), country, form.reference.data or "", rows, now()
    )
    flash(f"batch filed: {len(result.filed)} cases, {len(result.errors)} rows refused")
    return redirect(url_for("staff.batch_status", batch_id=result.batch_id))


def _progress(batch_id: int) -> dict[str, Any]:
    return workflow.batch_progress(db(), batch_id)


@bp.get("/batches/<int:batch_id>")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_status(batch_id: int) -> WerkzeugResponse:
    progress = _progress(batch_id)
    return page(
        "staff/batch.html", progress=progress, action_form=ActionForm(), running=progress["running"]
    )


@bp.get("/batches/<int:batch_id>/progress.json")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_progress(batch_id: int) -> WerkzeugResponse:
    return jsonify(_progress(batch_id))


@bp.post("/batches/<int:batch_id>/issue")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_issue(batch_id: int) -> WerkzeugResponse:
    form = ActionForm()
    if not form.validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
    progress = _progress(batch_id)
    if progress["running"]:
        raise WebError(409, "BATCH_RUNNING", "this batch is being issued already", "batch_id")
    case_ids = workflow.batch_case_ids(db(), batch_id, "approved")
    if not case_ids:
        raise WebError(409, "NOTHING_TO_ISSUE", "no approved case in this batch", "batch_id")
    workflow.issuer()  # fail here, visibly, rather than in the background
    actor = user_actor(current_user())
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_issue_all,
        args=(app, actor, batch_id, case_ids),
        daemon=True,
        name=f"batch-{batch_id}",
    )
    state().services.setdefault("batch_threads", {})[batch_id] = thread
    thread.start()
    flash(f"issuing {len(case_ids)} documents; this page shows the progress")
    return redirect(url_for("staff.batch_status", batch_id=batch_id))


def _issue_all(app: Flask, actor: Actor, batch_id: int, case_ids: list[int]) -> None:
    """Issue each case in its own unit of work; a failure is recorded and the rest go on."""
    with app.app_context():
        failures: list[dict[str, Any]] = []
        for case_id in case_ids:
            try:
                workflow.issue(db(), actor, case_id, now())
            except Exception as exc:
                db().rollback()
                code = getattr(exc, "code", type(exc).__name__)
                failures.append({"case_id": case_id, "code": str(code)})
        state().services.setdefault("batch_failures", {})[batch_id] = failures
