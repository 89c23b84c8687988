"""The reader's language on every page: English, Sinhala or Tamil.

The choice, in order: the language the reader picked with the switch on every page (kept in a
cookie, SameSite=Strict, so it is remembered across visits and sessions, signed in or not),
else the best of the browser's ``Accept-Language`` among the three, else English. The switch
is a plain link to ``/language/<code>?next=<this page>``: no script, nothing for the CSP to
forbid. The languages are the verifier's message catalogs' (``verifier.messages.LANGUAGES``),
so a page and the reason messages on it never disagree on what is offered.

Page words live in gettext catalogs under ``legalize/translations`` (``make translations``
extracts, updates and compiles them); reason messages stay in ``verifier.messages``, their one
home, and are shown through the ``reason`` filter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, redirect, request, url_for
from flask_babel import Babel, get_locale
from werkzeug.wrappers import Response as WerkzeugResponse

from verifier.messages import LANGUAGES, message_for
from verifier.report import Check

TRANSLATIONS_DIR: Final = Path(__file__).resolve().parents[1] / "translations"
COOKIE: Final = "legalize_lang"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600
"""A year: a border post's desk browser keeps its language."""
DEFAULT: Final = "en"
NATIVE_NAMES: Final = {"en": "English", "si": "සිංහල", "ta": "தமிழ்"}
"""Each language in its own words: a reader who cannot read the page can still find theirs."""

bp = Blueprint("language", __name__)


def select_language() -> str:
    """The language of this request (see the module docstring)."""
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else DEFAULT


def local_path(target: str | None) -> str:
    """``target`` when it is a path on this site, else ``/``: the switch must not become an
    open redirect (``//evil.example``, ``/\\evil.example`` and ``https://…`` all go home)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(ord(c) < 0x20 or c == "\\" for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


@bp.route("/language/<code>", methods=["GET"])
def switch(code: str) -> WerkzeugResponse:
    if code not in LANGUAGES:
        abort(404)
    response = redirect(local_path(request.args.get("next")), code=303)
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Strict",
    )
    return response


def switch_links() -> list[tuple[str, str, str, bool]]:
    """``(code, native name, URL, current)`` for the switch on every page; each link returns
    the reader to this page (a GET of it: a form's posted answer is not repeated)."""
    here = request.full_path.rstrip("?") if request.query_string else request.path
    active = current_language()
    return [
        (code, NATIVE_NAMES[code], url_for("language.switch", code=code, next=here), code == active)
        for code in LANGUAGES
    ]


def reason(check: Check) -> str:
    """A check's reason message in the reader's language, from the verifier's catalogs."""
    return message_for(check, current_language())


def vary_on_language(response: Response) -> Response:
    """A page differs by cookie and Accept-Language: a shared cache must not mix them."""
    if response.mimetype == "text/html":
        response.vary.add("Cookie")
        response.vary.add("Accept-Language")
    return response


def init_language(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=select_language)
    # {% trans %} blocks as one line, the same msgid babel.cfg extracts (trimmed = true)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.register_blueprint(bp)
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_links"] = switch_links
    app.jinja_env.filters["reason"] = reason
    app.after_request(vary_on_language)
