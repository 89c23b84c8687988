"""Rendering helpers shared by the page blueprints."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template
from flask_wtf import FlaskForm


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


def form_error_list(form: FlaskForm) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for name, messages in form.errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            out.append((str(name), str(message)))
    return out
