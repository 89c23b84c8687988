"""Rate limits and response headers.

Rate limits are counted with ``limits`` (the library Flask-Limiter is built on) in a moving
window, in Redis when ``REDIS_URL`` is set (so all workers share one count) and in memory
otherwise, and are applied explicitly where they belong: sign-in, the public pages, the API —
each route knows its client (a border officer is counted per user, not per address). The
limits are settings (:class:`legalize.config.RateLimits`, ``LEGALIZE_RATE_*``); their prefix
names the keys in a shared Redis.

Flask-Limiter itself is not used: it adds three hooks to every request (a limit check, header
injection, a teardown) that had nothing to do here, as every limit is counted by its route,
and they cost 0.25 ms of the QR link's 2 ms (``bench/webcheck.sh``).
"""

from __future__ import annotations

import functools
from typing import Literal

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from legalize.config import Config
from legalize.web.errors import WebError

LimitName = Literal["public", "api", "signin", "signin_user", "totp", "border"]
"""A limit of :class:`legalize.config.RateLimits`."""

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


SCAN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'"
)
"""/scan only: the QR decoder polyfill compiles its WebAssembly module (our own file, served
from our origin); still no inline script and no eval of JavaScript."""
CACHEABLE_PREFIXES = ("/static/", "/trust/")
"""Paths whose responses are public and set their own Cache-Control (no case data)."""


def init_limiter(app: Flask, config: Config) -> RateLimiter:
    limiter = MovingWindowRateLimiter(storage_from_string(config.redis_url or "memory://"))
    app.extensions["legalize_limiter"] = limiter
    return limiter


def rate_limit(name: LimitName, key: str | None = None, *, count: bool = True) -> None:
    """Count one hit of limit ``name`` for ``key`` (default: client address); 429 when over.
    With ``count=False`` only check that the limit is not used up (:func:`count_failure`
    counts later, e.g. only failed sign-ins)."""
    text, item, keys = _limit(name, key)
    limiter: RateLimiter = current_app.extensions["legalize_limiter"]
    allowed = limiter.hit(item, *keys) if count else limiter.test(item, *keys)
    if not allowed:
        raise WebError(429, "RATE_LIMITED", f"too many requests; limit is {text}")


def count_failure(name: LimitName, key: str) -> None:
    """Count one hit of limit ``name`` for ``key`` without answering 429 now: the request
    that failed gets its own answer, the next one checked with :func:`rate_limit` the 429."""
    _, item, keys = _limit(name, key)
    limiter: RateLimiter = current_app.extensions["legalize_limiter"]
    limiter.hit(item, *keys)


def _limit(name: LimitName, key: str | None) -> tuple[str, RateLimitItem, tuple[str, str, str]]:
    config: Config = current_app.extensions["legalize"].config
    text: str = getattr(config.rates, name)
    who = key if key is not None else (request.remote_addr or "unknown")
    # The prefix keeps the counts of deployments (or test runs) sharing one Redis apart.
    return text, _parsed(text), (config.rates.prefix, name, who)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    """A limit's text parsed once (it is a setting; every public check counts against one)."""
    return parse(text)


def refuse_nul_characters() -> None:
    """No query, form or path value may hold a NUL character: PostgreSQL refuses NUL in
    text and a lookup with one raised a 500 there (SQLite stored it). No legitimate input
    holds one, so refuse it once, here, for every route, naming the field. JSON bodies are
    checked field by field in ``legalize.cases`` (control characters are refused there)."""
    values: list[tuple[str, str]] = list((request.view_args or {}).items())
    values += list(request.args.items(multi=True))
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        values += list(request.form.items(multi=True))
    for name, value in values:
        if "\x00" in name or (isinstance(value, str) and "\x00" in value):
            field = name.replace("\x00", "")
            raise WebError(400, "INVALID_INPUT", f"{field} contains a NUL character", field)


_FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    # same-origin, not no-referrer: Flask-WTF checks the Referer of HTTPS form posts
    # (WTF_CSRF_SSL_STRICT); other sites still never see our URLs.
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
"""The headers every response carries whatever the request, built once."""


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    for name, value in _FIXED_HEADERS:
        headers[name] = value
    # In production always: TLS usually ends at a proxy that speaks plain HTTP to gunicorn,
    # where request.is_secure is False and the header was never sent.
    config: Config = current_app.extensions["legalize"].config
    if config.production or request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000"
    if not request.path.startswith(CACHEABLE_PREFIXES):
        # Case data must not sit in shared caches or the browser's back-forward cache; nor
        # the public answers: the QR link's URL holds the seal (the holder's data), the check
        # page a number and its status, and every page a session's CSRF token.
        headers["Cache-Control"] = "no-store"
    return response


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed session cookie, with its serializer made once per secret key instead of
    for every request: each public check (most carry no cookie at all) opened a session and
    built the serializer anew, about 1 % of a QR link's instructions. A changed key (or
    fallback list) makes a new one."""

    def __init__(self) -> None:
        self._made: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if self._made is None or self._made[0] != keys:
            self._made = (keys, super().get_signing_serializer(app))
        return self._made[1]
