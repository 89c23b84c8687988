"""Who is asking: the signed-in staff user (pages) or the API client (bearer token).

Roles are checked twice on purpose: the decorators here refuse a page early, and the
``legalize.cases`` rules refuse the action itself whatever the caller is.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import current_app, g, redirect, request, session, url_for

from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry.accounts import (
    ApiClient,
    ClientKind,
    Scope,
    User,
    client_for_token,
    credential_stamp,
)
from legalize.registry.totp_cipher import TotpCipher
from legalize.web.errors import WebError
from legalize.web.security import rate_limit
from legalize.web.state import db, now

P = ParamSpec("P")
R = TypeVar("R")


def load_user() -> User | None:
    """The signed-in, active user of this request (cached in ``g``)."""
    if "user" in g:
        cached: User | None = g.user
        return cached
    user: User | None = None
    user_id = session.get("user_id")
    stamp = session.get("stamp")
    if isinstance(user_id, int) and isinstance(stamp, str) and _session_fresh():
        candidate = db().get(User, user_id)
        # Active now, with the credentials it signed in with (a reset ends old sessions).
        if (
            candidate is not None
            and candidate.active
            and hmac.compare_digest(stamp, credential_stamp(candidate))
        ):
            user = candidate
    g.user = user
    return user


def _session_fresh() -> bool:
    """Signed in less than the session lifetime ago. The cookie is refreshed on every
    request, and sign-out cannot revoke a copy of it (the session lives in the cookie), so
    the lifetime counts from the sign-in, not from the last request."""
    since = session.get("since")
    if not isinstance(since, int) or isinstance(since, bool):
        return False
    age = now().timestamp() - since
    return 0 <= age <= current_app.permanent_session_lifetime.total_seconds()


def totp_cipher() -> TotpCipher:
    """The key of the stored TOTP secrets, from the app's configuration."""
    return TotpCipher.from_config(current_app.extensions["legalize"].config)


def current_user() -> User:
    user = load_user()
    if user is None:
        raise WebError(401, "LOGIN_REQUIRED", "sign in first")
    return user


def user_actor(user: User) -> Actor:
    return Actor(f"user:{user.username}", user.roles)


def client_actor(client: ApiClient) -> Actor:
    if client.kind == ClientKind.ISSUING_AUTHORITY.value and client.signatory_id is not None:
        return Actor(
            f"api:{client.name}",
            frozenset({Role.ISSUING_AUTHORITY}),
            country=client.country,
            signatory_id=client.signatory_id,
        )
    return Actor(f"api:{client.name}", frozenset({Role.FOREIGN_AUTHORITY}), country=client.country)


def login_required(view: Callable[P, R]) -> Callable[P, Any]:
    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
        if load_user() is None:
            if request.method == "GET":
                return redirect(url_for("staff.login", next=request.full_path))
            raise WebError(401, "LOGIN_REQUIRED", "sign in first")
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: Role) -> Callable[[Callable[P, R]], Callable[P, Any]]:
    """The user must hold at least one of ``roles``."""

    def decorator(view: Callable[P, R]) -> Callable[P, Any]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
            user = load_user()
            if user is None:
                if request.method == "GET":
                    return redirect(url_for("staff.login", next=request.full_path))
                raise WebError(401, "LOGIN_REQUIRED", "sign in first")
            if not any(user.has_role(r) for r in roles):
                names = ", ".join(r.value for r in roles)
                raise WebError(403, "ROLE_REQUIRED", f"this needs the role {names}")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def api_client() -> ApiClient:
    """The client named by the request's bearer token; 401 otherwise. Counts the API limit."""
    if "api_client" in g:
        cached: ApiClient = g.api_client
        return cached
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        rate_limit("rate_api")
        raise WebError(401, "TOKEN_REQUIRED", "send 'Authorization: Bearer <token>'", "token")
    client = client_for_token(db(), token.strip())
    if client is None:
        rate_limit("rate_api")
        raise WebError(401, "TOKEN_INVALID", "unknown or disabled API token", "token")
    rate_limit("rate_api", key=f"client:{client.name}")
    g.api_client = client
    return client


def scope_required(*scopes: Scope) -> Callable[[Callable[P, R]], Callable[P, Any]]:
    """The API client must hold every scope in ``scopes``."""

    def decorator(view: Callable[P, R]) -> Callable[P, Any]:
        @functools.wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> Any:
            client = api_client()
            missing = [s.value for s in scopes if not client.has_scope(s)]
            if missing:
                raise WebError(
                    403, "SCOPE_REQUIRED", f"token lacks scope {', '.join(missing)}", "token"
                )
            return view(*args, **kwargs)

        return wrapped

    return decorator
