"""Batch upload of readmission requests (CSV or JSON), and batch preparation, approval and
issuance with progress: a page that refreshes itself without script, plus a JSON poll
endpoint. Each step runs in a background thread of the worker, row by row, each row its own
unit of work in ``legalize.cases.batch``; the counts by state come from the register, so any
worker can answer the poll (the running job's own counter lives in the worker that runs it)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, flash, jsonify, redirect, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.cases import batch, rules
from legalize.cases.batch import BatchView
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.web import workflow
from legalize.web.auth import current_user, roles_required, user_actor
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import ActionForm, BatchForm
from legalize.web.state import db, now, state

STEPS = ("prepare", "approve", "issue")
STEP_ACTIONS = {
    "prepare": rules.Action.PREPARE,
    "approve": rules.Action.APPROVE,
    "issue": rules.Action.ISSUE,
}


@dataclass
class Job:
    """A batch step running in this worker."""

    step: str
    done: int = 0
    total: int = 0
    running: bool = True
    failures: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def _jobs() -> dict[int, Job]:
    jobs: dict[int, Job] = state().services.setdefault("batch_jobs", {})
    return jobs


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
    db().rollback()
    job = _jobs().get(batch_id)
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
            "failures": job.failures,
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
    rules.require_role(actor, STEP_ACTIONS[step])
    batch.get_batch(db(), batch_id)  # 404 for an unknown batch, before any thread starts
    db().rollback()
    with _lock():
        job = _jobs().get(batch_id)
        if job is not None and job.running:
            raise WebError(409, "BATCH_RUNNING", f"this batch is busy: {job.step}", "batch_id")
        job = _jobs()[batch_id] = Job(step)
    issuer = workflow.issuer() if step == "issue" else None  # fail now, visibly
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    thread = threading.Thread(
        target=_run, args=(app, actor, batch_id, job, issuer), daemon=True, name=f"batch-{batch_id}"
    )
    thread.start()
    flash(f"{step} started for batch #{batch_id}; this page shows the progress")
    return redirect(url_for("staff.batch_status", batch_id=batch_id))


_LOCK = threading.Lock()


def _lock() -> threading.Lock:
    return _LOCK


def _run(app: Flask, actor: Actor, batch_id: int, job: Job, issuer: Any) -> None:
    def tick(done: int, total: int) -> None:
        job.done, job.total = done, total

    with app.app_context():
        session = state(app).sessions()
        try:
            at = state(app).clock()
            if job.step == "prepare":
                report = batch.prepare_batch(session, actor, batch_id, at, progress=tick)
            elif job.step == "approve":
                report = batch.approve_batch(session, actor, batch_id, at, progress=tick)
            else:
                report = batch.issue_batch(
                    session,
                    actor,
                    batch_id,
                    at,
                    issuer,
                    progress=tick,
                    issuing_country=state(app).config.issuing_country,
                )
            job.failures = [
                {"line": f.line, "field": f.field, "code": f.code, "message": f.message}
                for f in report.failed
            ]
        except Exception as exc:
            job.error = getattr(exc, "code", type(exc).__name__)
        finally:
            session.close()
            job.running = False
