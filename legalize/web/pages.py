"""Rendering helpers shared by the page blueprints."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from flask import Response, render_template
from flask_wtf import FlaskForm

from legalize.cases.errors import CaseError
from legalize.web.errors import case_status
from legalize.web.refusals import PLAIN, field_message, plain, without_ids


def page(template: str, status: int = 200, **context: Any) -> Response:
    response = Response(render_template(template, **context), mimetype="text/html")
    response.status_code = status
    return response


def invalid_form(template: str, form: FlaskForm, **context: Any) -> Response:
    """Re-show a form whose input failed validation: 422, each bad field named.

    A missing or wrong CSRF token answers 400 with the field ``csrf_token``.
    """
    status = 400 if "csrf_token" in form.errors else 422
    return page(template, status=status, form=form, **context)


def attach_refusals(
    form: FlaskForm,
    exc: CaseError,
    rename: Mapping[str, str] | None = None,
    *,
    only_clean: bool = False,
    skip: Collection[str] = (),
) -> tuple[dict[str, str], list[str]]:
    """Put each refusal of the cases rules beside its field of ``form``, in the form's own
    words. ``rename`` maps a rule's field to the form's where they differ by more than a
    dotted prefix (``identity.birth_date`` is the form's ``birth_date``); ``only_clean`` skips
    fields the form refused already, ``skip`` the rules' fields the caller could not give.
    Returns (form field → rule field, the messages that belong to no field of the form)."""
    named: dict[str, str] = {}
    elsewhere: list[str] = []
    for error in exc.errors or ():
        if error.field in skip:
            continue
        name = (rename or {}).get(error.field, error.field.rsplit(".", 1)[-1])
        target = form._fields.get(name)
        if error.code in PLAIN:
            text = PLAIN[error.code]
        elif target is not None:
            text = field_message(error.message, error.field, str(target.label.text))
        else:
            text = without_ids(error.message)
        if target is None or name == "csrf_token":
            elsewhere.append(text)
        elif not (only_clean and target.errors):
            target.errors = [*target.errors, text]
            named[name] = error.field
    if not exc.errors:
        elsewhere.append(plain(exc))
    return named, elsewhere


def refused_form(
    template: str,
    form: FlaskForm,
    exc: CaseError,
    rename: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    """Re-show a form whose input the cases rules refused: what was typed kept, every refusal
    at once beside its field (``data-field`` keeps the rules' name for scripts and tests),
    anything that is no field of the form above it — never a full-page error."""
    named, elsewhere = attach_refusals(form, exc, rename)
    return page(
        template,
        status=case_status(exc),
        form=form,
        field_names=named,
        form_refusal=" ".join(m[:1].upper() + m[1:] for m in elsewhere if m.strip()) or None,
        **context,
    )


def form_error_list(form: FlaskForm) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, messages in form.errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            out.append((str(name), str(message)))
    return out
