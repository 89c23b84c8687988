"""Batch upload of readmission requests (CSV or JSON), and batch preparation, approval and
issuance with progress: a page that refreshes itself without script, plus a JSON poll
endpoint. A step is a job on the task queue (legalize.tasks), a task per case; the job, its
progress and its failures are in the register, so any web worker answers the same."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import batch, batch_files, rules
from legalize.cases.batch import BatchView
from legalize.cases.errors import CaseError
from legalize.cases.holds import holds as case_holds
from legalize.kinds import Role
from legalize.tasks import jobs
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.refusals import without_ids
from legalize.web.staff import bp
from legalize.web.staff.batch_views import (
    batch_overview,
    filed_message,
    refused_upload,
    step_result,
)
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
    try:
        upload = batch_files.read_upload(
            [
                batch_files.Upload(f.filename or "batch.csv", f.read())
                for f in (form.file.data, form.photos.data)
                if f is not None and getattr(f, "filename", None)
            ]
        )
        rows = batch.read_batch_file(upload.data, upload.filename)
        report = batch.file_batch(
            db(),
            user_actor(current_user()),
            (form.host_country.data or "").upper(),
            form.reference.data or "",
            rows,
            now(),
            photos=upload.photos,
        )
    except CaseError as exc:  # the whole upload refused: say so beside its field
        return refused_upload(form, exc)
    flash(filed_message(report.summary()))
    return redirect(url_for("staff.batch_status", batch_id=report.batch_id))


def progress(batch_id: int) -> dict[str, Any]:
    view: BatchView = batch.get_batch(db(), batch_id)
    job = jobs.progress(db(), batch_id)
    db().rollback()
    summary = job.report.summary() if job is not None else None
    # The failures so far while it runs; the finished step's counts and line as well after.
    job_failures = step_result(job.step, summary)["failures"] if job and summary else []
    result = step_result(job.step, summary) if job and summary and not job.running else None
    return {
        **batch_overview(view),
        "job": None
        if job is None
        else {
            "step": job.step,
            "done": job.done,
            "total": job.total,
            "running": job.running,
            "failures": job_failures,
            "result": result,
            "error": without_ids(job.error) if job.error else None,
        },
    }


@bp.get("/batches/<int:batch_id>")
@roles_required(Role.ISSUING_OFFICER, Role.APPROVING_OFFICER)
def batch_status(batch_id: int) -> WerkzeugResponse:
    info = progress(batch_id)
    running = bool(info["job"] and info["job"]["running"])
    held = case_holds(db(), [c["case_id"] for c in info["cases"]], now())
    db().rollback()
    return page(
        "staff/batch.html", progress=info, action_form=ActionForm(), running=running, holds=held
    )


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
        raise workflow.queue_unavailable(exc, f"{step} is recorded") from exc
    flash(
        gettext("%(step)s started; this page shows the progress", step=gettext(step.capitalize()))
    )
    return redirect(url_for("staff.batch_status", batch_id=batch_id))
