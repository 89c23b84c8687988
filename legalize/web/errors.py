"""Every error a request can meet becomes one response shape, here and nowhere else.

API (``/api/…``): ``{"error": {"code", "message", "field"}}`` with a 4xx status.
Pages: the ``error.html`` template with the same three facts. The domain exceptions of
``legalize.cases`` map to statuses in :data:`CASE_STATUS` (one table); anything unexpected is
logged without request data (it may hold personal data) and answered 500.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from legalize.cases import errors as case_errors
from legalize.registry.accounts import AccountError

log = logging.getLogger(__name__)


class WebError(Exception):
    """A request the web layer refuses itself (bad parameter, missing token, rate limit)."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


# Most specific class first: the first match wins.
CASE_STATUS: tuple[tuple[type[case_errors.CaseError], int], ...] = (
    (case_errors.InvalidInput, 422),
    (case_errors.NotFound, 404),
    (case_errors.Forbidden, 403),
    (case_errors.Duplicate, 409),
    (case_errors.InvalidTransition, 409),
    (case_errors.IssuanceFailed, 503),
)

HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "RATE_LIMITED",
}


def case_status(exc: case_errors.CaseError) -> int:
    for cls, status in CASE_STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def wants_json() -> bool:
    # /scan/status: the camera page's script reads the register's answer as JSON; /trust/ is
    # fetched by programs (`verifier trust sync`, other states' verifiers), which want the
    # reason ("no signed trust list is published here"), not the people's 404 page.
    # A photo check's poll (/check/photo/<token>.json) is read by a script too.
    if request.path.startswith("/check/photo/") and request.path.endswith(".json"):
        return True
    return request.path.startswith(("/api/", "/trust/")) or request.path in (
        "/api",
        "/scan/status",
        "/trust",
    )


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    details: dict[str, Any] | None = None,
    **extra: Any,
) -> Response:
    if wants_json():
        body = {"code": code, "message": message, "field": field, **(details or {})}
        response = jsonify({"error": body})
    else:
        html = render_template(
            "error.html", status=status, code=code, message=message, field=field, **extra
        )
        response = Response(html, mimetype="text/html")
    response.status_code = status
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="legalize"'
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(WebError)
    def _web(exc: WebError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.field)

    @app.errorhandler(case_errors.CaseError)
    def _case(exc: case_errors.CaseError) -> Response:
        return error_response(case_status(exc), exc.code, exc.message, exc.field, exc.details)

    @app.errorhandler(AccountError)
    def _account(exc: AccountError) -> Response:
        return error_response(422, "INVALID_INPUT", str(exc), exc.field)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError) -> Response:
        return error_response(400, "CSRF_FAILED", exc.description or "CSRF", "csrf_token")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        status = exc.code or 500
        code = HTTP_CODES.get(status, "HTTP_ERROR")
        field = "file" if status == 413 else None
        return error_response(status, code, exc.description or code, field)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # Type and place only: the exception text may quote personal data from the request.
        log.error(
            "unhandled %s on %s %s",
            type(exc).__name__,
            request.method,
            request.url_rule.rule if request.url_rule else "?",
        )
        return error_response(500, "INTERNAL_ERROR", "internal error; nothing was changed")
