"""Sign-in with password and, where the user has one, a TOTP code."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.registry import audit
from legalize.registry.accounts import User, authenticate, credential_stamp, verify_totp
from legalize.registry.totp_cipher import TotpKeyError
from legalize.web.auth import load_user, totp_cipher
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.security import count_failure, rate_limit
from legalize.web.staff import bp
from legalize.web.staff.forms import LoginForm, TotpForm
from legalize.web.state import db, now


def _safe_next(target: str | None) -> str:
    """Only a local path: an open redirect would help phishing."""
    # Control characters: browsers drop tabs and newlines from URLs ("/\t/evil" becomes
    # "//evil"), and a newline in the Location header made Werkzeug raise (a 500).
    if target and any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return url_for("staff.work")
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("staff.work")


def _sign_in(user: User) -> WerkzeugResponse:
    target = _safe_next(request.args.get("next"))
    session.clear()  # a fresh session: nothing from before sign-in carries over
    session.permanent = True
    session["user_id"] = user.id
    session["stamp"] = credential_stamp(user)  # after authenticate() may have rehashed
    session["since"] = int(now().timestamp())  # the session lifetime counts from here
    audit.append(
        db(),
        actor=f"user:{user.username}",
        action="user.login",
        subject_type="user",
        subject_id=user.id,
        at=now(),
        details={"totp": user.totp_secret is not None},
    )
    db().commit()  # with the rehashed password or the TOTP step
    return redirect(target)


def _name_key(username: str) -> str:
    """The limit key of a user name as sign-in reads it (a digest: Redis keys name no one)."""
    name = username.strip().lower()
    return "name:" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@bp.route("/login", methods=["GET", "POST"])
def login() -> WerkzeugResponse:
    form = LoginForm()
    if request.method == "GET":
        if load_user() is not None:
            return redirect(url_for("staff.work"))
        return page("staff/login.html", form=form)
    rate_limit("signin")
    if not form.validate_on_submit():
        return invalid_form("staff/login.html", form)
    # Per user name too, whatever the address: the address limit alone let one guesser with
    # a few addresses try 40 passwords a minute. Checked before the password (a right one is
    # refused too once the limit is used up), counted on failures only, and the same for a
    # name that does not exist (a 429 says nothing about whether the user exists).
    name_key = _name_key(form.username.data or "")
    rate_limit("signin_user", key=name_key, count=False)
    user = authenticate(db(), form.username.data or "", form.password.data or "")
    if user is None:
        count_failure("signin_user", name_key)
        return page(
            "staff/login.html",
            status=401,
            form=form,
            error="wrong user name or password",
            error_field="password",
        )
    if user.totp_secret:
        session.clear()
        session["pending_user_id"] = user.id
        return redirect(url_for("staff.login_totp", next=request.args.get("next")))
    return _sign_in(user)


@bp.route("/login/totp", methods=["GET", "POST"])
def login_totp() -> WerkzeugResponse:
    pending = session.get("pending_user_id")
    # A POST locks the user row (PostgreSQL) until the step is committed, so two requests
    # racing with the same code cannot both pass the replay check of verify_totp.
    locked = request.method == "POST"
    user = db().get(User, pending, with_for_update=locked) if isinstance(pending, int) else None
    if user is None or not user.active:
        if request.method == "GET":
            return redirect(url_for("staff.login"))
        raise WebError(400, "LOGIN_REQUIRED", "sign in with your password first", "username")
    form = TotpForm()
    if request.method == "GET":
        return page("staff/totp.html", form=form)
    rate_limit("signin")
    # Per user too: the address limit alone lets a password holder spread guesses at the
    # 6-digit code over many addresses.
    rate_limit("totp", key=f"user:{user.id}")
    if not form.validate_on_submit():
        return invalid_form("staff/totp.html", form)
    try:
        accepted = verify_totp(user, form.code.data or "", now(), totp_cipher())
    except TotpKeyError as exc:  # the key changed: an administrator must re-enrol the user
        current_app.logger.error("TOTP of user %s: %s", user.id, exc)
        accepted = False
    if not accepted:
        return page(
            "staff/totp.html", status=401, form=form, error="wrong code", error_field="code"
        )
    return _sign_in(user)


@bp.post("/logout")
def logout() -> WerkzeugResponse:
    session.clear()
    return redirect(url_for("staff.login"))
