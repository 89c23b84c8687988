"""What the batch pages say: one set of counts, from :class:`legalize.cases.batch.BatchView`
and :meth:`legalize.cases.batch.BatchReport.summary`, so the banner, the table and the step's
line never disagree, and failures as sentences naming the person (no ids, no codes).

Kept apart from the job runner (``batches``) so the runner can move to a task queue without
the pages changing: a step's result is a plain dict, stored wherever the job lives."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import Response
from flask_babel import gettext

from legalize.cases.batch import BatchView
from legalize.cases.errors import CaseError
from legalize.phrases import N_, Phrase
from legalize.web.errors import case_status
from legalize.web.pages import page
from legalize.web.refusals import field_message, plain, plain_text
from legalize.web.staff.forms import BatchForm

STEP_DONE = {"prepare": "prepared", "approve": "approved", "issue": "issued"}
"""The past tense a finished step's line uses."""


COLUMNS = {
    "host_reference": N_("Host reference"),
    "surname": N_("Surname"),
    "given_names": N_("Given names"),
    "birth_date": N_("Date of birth"),
    "sex": N_("Sex"),
    "birth_place": N_("Place of birth"),
    "nationality": N_("Nationality"),
    "nic_number": N_("NIC number"),
    "passport_number": N_("Passport number"),
    "port_of_entry": N_("Port of entry"),
    "travel_date": N_("Travel date"),
    "photo": N_("Photo"),
    "photo_file": N_("Photo file"),
}
"""A batch file's columns as the refused-rows table names them; the column's own name stays
in the row's data-field (scripts, tests)."""


def filed_on(filed_at: datetime) -> str:
    """The day a batch is named by: "4 Dec 2026"."""
    return f"{filed_at.day} {filed_at:%b %Y}"


def batch_name(host_country: str, reference: str, filed_at: datetime) -> str:
    """How the pages name a batch: "DEU flight DE-2026-12 of 4 Dec 2026" (never its id).
    The page puts the same parts in its translated sentence."""
    return f"{host_country} flight {reference} of {filed_on(filed_at)}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def filed_message(summary: dict[str, Any]) -> str:
    """The banner after an upload: rows filed + rows refused = rows in the file."""
    text = (
        f"Batch filed: {summary['succeeded']} of {_plural(summary['total'], 'row')} filed as"
        f" cases, {summary['refused']} refused"
    )
    if summary["flagged"]:
        text += f", {summary['flagged']} flagged as possibly the same person as another case"
    return text + "."


def _failure(f: dict[str, Any]) -> dict[str, Any]:
    """A failure with its words: the column in plain words (``column``) and the refusal
    without the column's own name (``birth_date is not a date`` → ``Date of birth is …``)."""
    f = dict(f)
    kept = f.pop("phrase", None)  # the poll's JSON carries the words, not how they were made
    last = (f.get("field") or "").rsplit(".", 1)[-1]
    column = COLUMNS.get(last, "")
    phrase = Phrase.from_stored(kept) if isinstance(kept, dict) else None
    message = phrase if phrase is not None else f["message"]
    if column and isinstance(message, Phrase) and "field" in dict(message.params):
        return {**f, "column": column, "text": field_message(message, last, gettext(column))}
    # The rules name the column as the API's path (``identity.birth_date``) or bare.
    named = re.match(rf"(?:[a-z_]+\.)*{re.escape(last)}\b", message) if column else None
    text = column + message[named.end() :] if named else plain_text(f["code"], message)
    return {**f, "column": column, "text": text}


def step_result(step: str, summary: dict[str, Any]) -> dict[str, Any]:
    """A finished step's summary with its line (:func:`step_line`) and each failure also in
    plain words (``text``)."""
    return {
        **summary,
        "line": step_line(step, summary),
        "failures": [_failure(f) for f in summary["failures"]],
    }


def step_line(step: str, result: dict[str, Any]) -> str:
    """ "Approve finished: 19 approved, 3 refused, 18 not ready for this step." — the counts
    add up to the batch's cases."""
    parts = [f"{result['succeeded']} {STEP_DONE.get(step, 'done')}"]
    if result["refused"]:
        parts.append(f"{result['refused']} refused")
    if result["failed"]:
        parts.append(f"{result['failed']} failed (try again)")
    if result["skipped"]:
        parts.append(f"{result['skipped']} not ready for this step")
    return f"{step.capitalize()} finished: {', '.join(parts)}."


def batch_overview(view: BatchView) -> dict[str, Any]:
    """The batch as the page and the JSON poll show it."""
    return {
        "batch_id": view.id,
        "name": batch_name(view.host_country, view.reference, view.filed_at),
        "filed_on": filed_on(view.filed_at),
        "host_country": view.host_country,
        "reference": view.reference,
        "filed_at": view.filed_at.isoformat(),
        "rows_total": view.rows_total,
        "rows_failed": view.rows_failed,
        "errors": [_failure(e.as_dict()) for e in view.errors],
        "filed": view.filed,
        "states": view.states,
        "stages": view.stages,
        "issued": view.issued,
        "valid_documents": view.valid_documents,
        "cases": [
            {
                "line": c.line,
                "case_id": c.case_id,
                "name": c.name,
                "host_reference": c.host_reference,
                "stage": c.stage,
                "document_number": c.document_number,
                "document_status": c.document_status,
            }
            for c in view.cases
        ],
    }


def refused_upload(form: BatchForm, exc: CaseError) -> Response:
    """The upload form again, what was typed kept, the refusal in plain words beside the
    field at fault (the file, the photos' ZIP, the reference that exists already …)."""
    fields = {"photos": form.photos, "reference": form.reference, "host_country": form.host_country}
    target = fields.get(exc.field or "", form.file)
    target.errors = [*target.errors, plain(exc)]
    return page("staff/batch_new.html", status=case_status(exc), form=form)
