"""Batch upload of readmission requests (CSV or JSON), and batch preparation, approval and
issuance with progress: a page that refreshes itself without script, plus a JSON poll
endpoint. A step is a job on the task queue (legalize.tasks), a task per case; the job, its
progress and its failures are in the register, so any web worker answers the same."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import batch, rules
from legalize.cases.batch import BatchView
from legalize.kinds import Role
from legalize.tasks import jobs
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import ActionForm, BatchForm
from legalize.web.state import db, now


@bp.get("/batches/new")
@roles_required(Role.ISSUING_OFFICER)
def batch_new() -> WerkzeugResponse:
    return page("staff/batch_new.html", form=BatchForm())


@bp.post("/batches/new")
@roles_required(Role.ISSUING_OFFICER)
def batch_create() -> WerkzeugResponse:
    form = BatchForm()
    if not form.validate_on_submit():
        return invalid_form("staff/batch_new.html", form)
    upload = form.file.data
    rows = batch.read_batch_file(upload.read(), upload.filename or "batch.csv")
    report = batch.file_batch(
        db(),
        user_actor(current_user()),
        (form.host_country.data or "").upper(),
        form.reference.data or "",
        rows,
        now(),
    )
    flagged = f", {len(report.flagged)} flagged as the same person" if report.flagged else ""
    flash(f"batch filed: {len(report.succeeded)} cases, {len(report.failed)} rows refused{flagged}")
    return redirect(url_for("staff.batch_status", batch_id=report.batch_id))


def progress(batch_id: int) -> dict[str, Any]:
    view: BatchView = batch.get_batch(db(), batch_id)
    job = jobs.progress(db(), batch_id)
    db().rollback()
    issued = sum(view.states.get(s, 0) for s in ("issued", "used", "expired", "revoked"))
    return {
        "batch_id": view.id,
        "host_country": view.host_country,
        "reference": view.reference,
        "rows_total": view.rows_total,
        "rows_failed": view.rows_failed,
        "errors": [
            {"line": e.line, "field": e.field, "code": e.code, "message": e.message}
            for e in view.errors
        ],
        "filed": len(view.case_ids),
        "states": view.states,
        "issued": issued,
        "job": None
        if job is None
        else {
            "step": job.step,
            "done": job.done,
            "total": job.total,
            "running": job.running,
            "failures": list(job.failures),
            "error": job.error,
        },
    }


@bp.get("/batches/<int:batch_id>")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_status(batch_id: int) -> WerkzeugResponse:
    info = progress(batch_id)
    running = bool(info["job"] and info["job"]["running"])
    return page("staff/batch.html", progress=info, action_form=ActionForm(), running=running)


@bp.get("/batches/<int:batch_id>/progress.json")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_progress(batch_id: int) -> WerkzeugResponse:
    return jsonify(progress(batch_id))


@bp.post("/batches/<int:batch_id>/<any(prepare, approve, issue):step>")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_step(batch_id: int, step: str) -> WerkzeugResponse:
    form = ActionForm()
    if not form.validate_on_submit():
        raise WebError(400, "CSRF_FAILED", "the form expired; reload the page", "csrf_token")
    actor = user_actor(current_user())
    # The cases rules would refuse each row in the thread, but the page said "started":
    # refuse a step the role cannot take here, before anything starts.
    rules.require_role(actor, batch.STEP_ACTIONS[step])
    if step == "issue":
        workflow.issuer()  # no signer: say so now, before anything is queued
    job_id = jobs.request(db(), actor, batch_id, step, now())  # 404, 409 BATCH_RUNNING
    try:
        workflow.queue().start(job_id)
    except Exception as exc:
        # The job is on record as queued; a worker's recovery starts it once the queue is
        # back. Say so instead of a 500.
        raise WebError(
            503,
            "QUEUE_UNAVAILABLE",
            f"{step} is recorded but the task queue cannot be reached ({type(exc).__name__}); "
            "it starts when the queue is back",
        ) from exc
    flash(f"{step} started for batch #{batch_id}; this page shows the progress")
    return redirect(url_for("staff.batch_status", batch_id=batch_id))
