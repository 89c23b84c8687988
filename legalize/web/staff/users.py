"""User administration (administrators only)."""

from __future__ import annotations

import base64
import io

import qrcode
from flask import flash, redirect, url_for
from flask import session as session_cookie
from flask_babel import gettext
from werkzeug.wrappers import Response as WerkzeugResponse

from legalize.kinds import Role
from legalize.registry import accounts, audit
from legalize.registry.accounts import User
from legalize.web.auth import current_user, roles_required, totp_cipher
from legalize.web.errors import WebError
from legalize.web.pages import invalid_form, page
from legalize.web.staff import bp
from legalize.web.staff.forms import UserEditForm, UserForm
from legalize.web.state import db, now


@bp.get("/users")
@roles_required(Role.ADMINISTRATOR)
def users() -> WerkzeugResponse:
    return page("staff/users.html", users=accounts.list_users(db()), form=UserForm())


@bp.post("/users")
@roles_required(Role.ADMINISTRATOR)
def user_create() -> WerkzeugResponse:
    form = UserForm()
    if not form.validate_on_submit():
        return invalid_form("staff/users.html", form, users=accounts.list_users(db()))
    session = db()
    secret = accounts.new_totp_secret() if form.totp.data else None
    try:
        user = accounts.create_user(
            session,
            form.username.data or "",
            form.password.data or "",
            form.roles.data or [],
            now(),
            totp_secret=secret,
            cipher=totp_cipher(),
        )
        _audit(user, "user.created", totp=secret is not None)
        session.commit()
        if secret is not None:
            session_cookie[TOTP_SHOWN_FOR] = user.id
    except accounts.AccountError:
        session.rollback()
        raise
    flash(gettext("user %(name)s created", name=user.username))
    return redirect(url_for("staff.user_detail", user_id=user.id))


def _audit(user: User, action: str, **details: object) -> None:
    """Who changed which account; roles and flags only, never a password or a secret."""
    audit.append(
        db(),
        actor=f"user:{current_user().username}",
        action=action,
        subject_type="user",
        subject_id=user.id,
        at=now(),
        details={"roles": sorted(r.value for r in user.roles), **details},
    )


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        raise WebError(404, "NOT_FOUND", f"no user {user_id}", "user_id")
    return user


@bp.get("/users/<int:user_id>")
@roles_required(Role.ADMINISTRATOR)
def user_detail(user_id: int) -> WerkzeugResponse:
    user = _user(user_id)
    form = UserEditForm(data={"roles": [r.value for r in user.roles], "active": user.active})
    # The key only on the page right after it was set, to the administrator who set it: any
    # later view (another administrator, a screen left open) could copy the second factor.
    uri = _uri(user) if session_cookie.pop(TOTP_SHOWN_FOR, None) == user.id else None
    return page(
        "staff/user.html", user=user, form=form, totp_uri=uri, totp_qr=totp_qr(uri) if uri else None
    )


TOTP_SHOWN_FOR = "totp_shown_for"
"""Session key: the user whose new TOTP key the next view of their page shows, once."""


def _uri(user: User) -> str | None:
    return accounts.totp_uri(user, totp_cipher()) if user.totp_secret else None


def totp_qr(uri: str) -> str:
    """The provisioning URI as a PNG QR data URL (CSP allows data: images; no script)."""
    image = qrcode.make(uri, box_size=4, border=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


@bp.post("/users/<int:user_id>")
@roles_required(Role.ADMINISTRATOR)
def user_update(user_id: int) -> WerkzeugResponse:
    user = _user(user_id)
    form = UserEditForm()
    if not form.validate_on_submit():
        return invalid_form("staff/user.html", form, user=user, totp_uri=None)
    session = db()
    if user.id == current_user().id and (
        not form.active.data or Role.ADMINISTRATOR.value not in (form.roles.data or [])
    ):
        raise WebError(
            422, "INVALID_INPUT", "you cannot remove your own administrator access", "roles"
        )
    try:
        accounts.set_roles(user, form.roles.data or [])
        accounts.set_active(user, bool(form.active.data))
        if form.password.data:
            accounts.set_password(user, form.password.data)
        if form.totp.data == "new":
            accounts.enable_totp(user, accounts.new_totp_secret(), totp_cipher())
        elif form.totp.data == "off":
            accounts.disable_totp(user)
        _audit(
            user,
            "user.updated",
            active=user.active,
            password_reset=bool(form.password.data),
            totp=form.totp.data,
        )
        session.commit()
    except accounts.AccountError:
        session.rollback()
        raise
    if form.totp.data == "new":
        session_cookie[TOTP_SHOWN_FOR] = user.id
    flash(gettext("user %(name)s saved", name=user.username))
    return redirect(url_for("staff.user_detail", user_id=user.id))
