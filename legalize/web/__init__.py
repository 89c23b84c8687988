"""The Flask application: ``create_app(config)``; gunicorn runs ``legalize.web:create_app()``.

The web layer only translates requests into ``legalize.cases`` calls and results into pages
or JSON (DESIGN §2). Blueprints: ``staff`` (/staff, consular and border staff), ``public``
(/, the web check), ``api`` (/api, JSON for machine clients with bearer tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.routing import IntegerConverter

from legalize import countries
from legalize.cases import history
from legalize.cases.demo_credentials import demo_credentials
from legalize.config import Config, ConfigError
from legalize.documents.sanitize import set_concurrency
from legalize.kinds import Role
from legalize.web import refusals
from legalize.web.errors import register_error_handlers
from legalize.web.language import init_language, say
from legalize.web.security import (
    SessionCookies,
    add_security_headers,
    init_limiter,
    refuse_nul_characters,
)
from legalize.web.state import AppState, close_db, utc_now

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates"
STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_UPLOAD_BYTES = 32 * 1024 * 1024
"""Largest request body: a 20 MiB underlying document as Base64 in JSON, or a batch file."""
MAX_ROW_ID = 2**31 - 1
"""Largest id a row can have (PostgreSQL ``integer``, the type of every id column)."""


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1 to :data:`MAX_ROW_ID`. A larger id cannot name a row,
    and handed to the database it raised (SQLite: OverflowError; PostgreSQL: out of range),
    a 500; out of range it does not match the route, a plain 404. ASCII digits only: ``\\d``
    matches every Unicode digit and ``int()`` reads them, so ``/api/cases/１`` (fullwidth)
    named case 1 — one row with many URLs slips past any check keyed on the path."""

    regex = r"[0-9]+"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def create_app(
    config: Config | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    services: dict[str, Any] | None = None,
) -> Flask:
    """Build the app. ``config`` defaults to :meth:`Config.from_env`; it is validated here,
    so production mode refuses dev keys, the default secret key and SQLite; production mode
    also refuses a database that accepts the published demo credentials.
    ``clock`` and ``services`` let tests fix the time and hand in ready-made objects."""
    if config is None:
        config = Config.from_env()
    config.validate()
    set_concurrency(config.sanitizations)  # per process: bounds the memory of filings

    app = Flask(
        __name__,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_NAME="legalize_session",
        SESSION_COOKIE_SECURE=config.production,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=8),
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        WTF_CSRF_SSL_STRICT=config.production,
        PREFERRED_URL_SCHEME="https" if config.production else "http",
    )
    app.session_interface = SessionCookies()
    app.url_map.converters["int"] = RowIdConverter  # before any route is added
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the order we write (OpenAPI)
    app_state = AppState.open(config, clock or utc_now, services)
    if config.production:
        try:
            refuse_demo_credentials(app_state.sessions)
        finally:
            app_state.close()  # no connection of this check outlives it (gunicorn may fork)
    app.extensions["legalize"] = app_state

    csrf = CSRFProtect(app)
    init_limiter(app, config)
    register_error_handlers(app)
    init_language(app)
    app.teardown_appcontext(close_db)
    app.jinja_env.globals["Role"] = Role
    app.jinja_env.globals["icao_countries"] = countries.countries
    app.jinja_env.filters["country_name"] = countries.name
    # People by their display name (user:alice → alice), messages without internal ids.
    app.jinja_env.filters["person"] = lambda actor: say(history.who(actor))
    app.jinja_env.filters["plain_words"] = refusals.without_ids
    app.jinja_env.globals["plain_not_found"] = refusals.PLAIN["NOT_FOUND"]
    app.before_request(refuse_nul_characters)  # after CSRFProtect's own check
    app.after_request(add_security_headers)

    from legalize.web import photo_check  # noqa: F401  (its route joins the public blueprint)
    from legalize.web.api import bp as api_bp
    from legalize.web.public import bp as public_bp
    from legalize.web.scan import bp as scan_bp
    from legalize.web.staff import bp as staff_bp
    from legalize.web.trust_publication import bp as trust_bp

    csrf.exempt(api_bp)  # bearer tokens, no cookies: nothing for a cross-site form to ride on
    app.register_blueprint(public_bp)
    app.register_blueprint(scan_bp)
    app.register_blueprint(trust_bp, url_prefix="/trust")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(api_bp, url_prefix="/api")
    from legalize.web import seal_link

    seal_link.register(app, config.check_url)  # the URL a phone camera opens from the QR
    if config.trusted_proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Behind a TLS proxy every request comes from the proxy: without this, rate limits
        # would count all clients as one and HTTPS would look like plain HTTP.
        hops = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    return app


def refuse_demo_credentials(sessions: sessionmaker[Session]) -> None:
    """Production does not start while the database accepts a published demo password or the
    demo API token (``legalize dev run`` once pointed at this database), nor when it cannot
    tell (the database unreachable): gunicorn then stops with the message. A database without
    the tables yet holds no accounts."""
    try:
        with sessions() as session:
            tables = set(inspect(session.connection()).get_table_names())
            found = demo_credentials(session) if {"users", "api_clients"} <= tables else []
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise ConfigError(
            f"production mode cannot check the database for demo credentials: {reason}"
        ) from None
    if found:
        raise ConfigError(
            "production mode refuses a database with the published demo credentials "
            f"(made by `legalize dev run`): {'; '.join(found)}; "
            "run `legalize users revoke-demo` before starting"
        )
