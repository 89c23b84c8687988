"""The reader's language on every page: English, Sinhala or Tamil.

The choice, in order: a ``?lang=`` the reader just picked with the switch on every page, else
the one picked before (kept in a cookie, SameSite=Strict, so it is remembered across visits and
sessions, signed in or not), else the best of the browser's ``Accept-Language`` among the
three, else English. The switch is a plain relative link, ``?lang=si`` on the same page: no
script for the CSP to forbid, no redirect to validate, and the page's own path is not written
into it (an error page must not repeat the address it refuses). The languages are the verifier
catalogs' (``verifier.messages.LANGUAGES``), so a page and the reason messages on it never
disagree on what is offered.

Page words live in gettext catalogs under ``legalize/translations`` (``make translations``
extracts, updates and compiles them); reason messages stay in ``verifier.messages``, their one
home, and are shown through the ``reason`` filter.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from babel import Locale
from babel import dates as babel_dates
from babel.support import NullTranslations, Translations
from flask import Flask, Response, current_app, g, request
from flask_babel import Babel
from jinja2.runtime import Context
from jinja2.utils import pass_context
from markupsafe import Markup

from legalize.phrases import Phrase
from verifier.messages import LANGUAGES, catalog, message_for, placeholders
from verifier.report import Check

TRANSLATIONS_DIR: Final = Path(__file__).resolve().parents[1] / "translations"
COOKIE: Final = "legalize_lang"
PARAM: Final = "lang"
COOKIE_MAX_AGE: Final = 365 * 24 * 3600
"""A year: a border post's desk browser keeps its language."""
DEFAULT: Final = "en"
NATIVE_NAMES: Final = {"en": "English", "si": "සිංහල", "ta": "தமிழ்"}
"""Each language in its own words: a reader who cannot read the page can still find theirs."""


def select_language() -> str:
    """The language of this request (see the module docstring)."""
    for chosen in (request.args.get(PARAM), request.cookies.get(COOKIE)):
        if chosen in LANGUAGES:
            return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT) or DEFAULT


def current_language() -> str:
    """The request's language, chosen once per request (:func:`select_language`); Flask-Babel
    asks this too, so a page's words, its dates and the forms' messages never disagree."""
    found: str | None = g.get("_legalize_language")
    if found is None:
        found = g._legalize_language = select_language()
    return found


def current_locale() -> Locale:
    """The request's Babel locale (parsed once per process, not per request)."""
    return _locale(current_language())


@functools.cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


def switch_links() -> list[tuple[str, str, str, bool]]:
    """``(code, native name, href, current)`` for the switch: this page again (a GET of it, a
    form's posted answer is not repeated) with its other query arguments kept."""
    active = current_language()
    kept = [(k, v) for k, v in request.args.items(multi=True) if k != PARAM]
    return [
        (code, NATIVE_NAMES[code], "?" + urlencode([*kept, (PARAM, code)]), code == active)
        for code in LANGUAGES
    ]


def remember_choice(response: Response) -> Response:
    """A language picked with the switch is kept for the next visits."""
    chosen = request.args.get(PARAM)
    if chosen in LANGUAGES and request.cookies.get(COOKIE) != chosen:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=COOKIE_MAX_AGE,
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
            httponly=True,
            samesite="Strict",
        )
    return response


def reason(check: Check) -> str:
    """A check's reason message in the reader's language, from the verifier's catalogs. In
    English the check's own message is shown: it is the catalog's language and may say more
    than the catalog's general entry (``… (cleared 2026-05-04 at CMB)``)."""
    lang = current_language()
    if lang == DEFAULT and check.message:
        return check.message
    return message_for(check, lang)


def reason_templates(lang: str) -> dict[str, str]:
    """The reason catalog of ``lang`` for a verifier that runs in the browser (``/scan``):
    key (``CODE`` or ``CODE/check.name``) → the entry's template without placeholders (the
    browser's checks carry no data to fill them). Empty in English, as :func:`reason`: the
    check's own message is shown."""
    if lang == DEFAULT:
        return {}
    chosen = {}
    for key, templates in catalog(lang).items():
        plain = [t for t in templates if not placeholders(t)]
        if plain:
            chosen[key] = plain[-1]
    return chosen


def word(text: object) -> str:
    """A word from a closed list (a state, a role, a column; marked with ``N_`` in
    ``legalize.web.words``) in the reader's language; anything else unchanged. Not ``_()``:
    Jinja's ``_`` %-formats its string, which a value holding ``%`` would break."""
    return translations().ugettext(str(text)) if text else ""


def say(value: object) -> str:
    """A library sentence (a :class:`~legalize.phrases.Phrase`) in the reader's language: its
    template through the catalog, each value said in turn (a value may be a phrase: a word of
    a closed list, "the API client …"). Anything else as its text. In English, or for a
    template the catalog lacks, the English the library wrote."""
    if not isinstance(value, Phrase):
        return "" if value is None else str(value)
    if current_language() == DEFAULT:
        return str(value)
    text: str = translations().ugettext(value.template)
    if value.params:
        try:
            text = text % {k: say(v) if isinstance(v, str) else v for k, v in value.params}
        except (KeyError, ValueError, TypeError):  # a damaged catalog entry: say the English
            return str(value)
    return text[:1].upper() + text[1:] if value.capital else text


def say_kept(kept: object, english: object) -> str:
    """A phrase a row keeps as JSON (:meth:`Phrase.stored`, e.g. a photo's findings) in the
    reader's language; ``english`` when the row has none (written before phrases were kept)."""
    found = Phrase.from_stored(kept) if isinstance(kept, dict) else None
    return say(found) if found is not None else ("" if english is None else str(english))


SHAPES: Final = {
    "day": "dd MMM yyyy",
    "moment": "dd MMM yyyy, HH:mm 'UTC'",
    "day_time": "dd MMM HH:mm",
    "day_seconds": "dd MMM HH:mm:ss",
}
"""How the staff pages write a date or time (Babel/CLDR patterns): as an officer reads them
on a travel document (14 MAY 1990), the month named in the reader's language; times in UTC
(the app's Babel time zone), said so by ``moment``. ``day_time`` and ``day_seconds`` are for
a sentence or a column that names UTC itself."""


def when(value: date | datetime | None, shape: str = "day") -> str:
    """A date or time for a page in the reader's language (``14 MAY 1990``, ``14 මැයි
    1990``, ``14 மே 1990``): the one filter every staff page shows dates with. Upper case as
    the document prints it (Sinhala and Tamil have no case). An ISO ``datetime`` attribute
    stays ISO: this is for the words."""
    if value is None:
        return "—"
    pattern, locale = SHAPES[shape], current_locale()
    value = _utc(value)
    if isinstance(value, datetime) and shape != "day":
        # times in UTC (a naive value from SQLite is UTC too), as the pattern says
        text = babel_dates.format_datetime(value, pattern, tzinfo=UTC, locale=locale)
    else:
        text = babel_dates.format_date(value, pattern, locale=locale)
    return str(text).upper()


def day(value: date | datetime, format: str = "medium") -> str:
    """The public pages' date (``dateformat``): Babel's ``medium`` date in the reader's
    locale (``Dec 4, 2026``, ``2026 දෙසැ 4``), a time by its UTC date."""
    return str(babel_dates.format_date(_utc(value), format, locale=current_locale()))


def _utc(value: date | datetime) -> date | datetime:
    """A time with a zone in UTC (the pages' zone, as Flask-Babel's is); anything else as it
    is (a naive time from SQLite is UTC already)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def vary_on_language(response: Response) -> Response:
    """A page differs by cookie and Accept-Language: a shared cache must not mix them."""
    if response.mimetype == "text/html":
        if "Vary" in response.headers:
            response.vary.add("Cookie")
            response.vary.add("Accept-Language")
        else:  # the usual case, without parsing and re-joining the header
            response.headers["Vary"] = "Cookie, Accept-Language"
    return response


def translations() -> NullTranslations:
    """The request's catalog. Loaded once per process and language from the catalogs
    Flask-Babel reads too: Flask-Babel's own lookup walked its request context and cache on
    every request (a tenth of the QR link's page)."""
    return _catalog(current_language())


@functools.cache
def _catalog(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [language])


@pass_context
def page_gettext(context: Context, message: str, **variables: Any) -> str:
    """Jinja's new-style ``gettext`` — every ``_()`` and ``{% trans %}`` of the pages — in one
    call: Jinja's own wraps the catalog function in a second call through the template
    context, and ``_`` resolves ``gettext`` through it once more; the three calls were 6 %
    of the QR link's CPU. The same rules: Markup under autoescape, always a format string.
    A page rendered by Flask gets it already bound to its language (:func:`page_words`)."""
    bound: Callable[..., str] = _gettext_of(current_language())
    return bound(context, message, **variables)


@functools.cache
def _gettext_of(language: str) -> Callable[..., str]:
    """:func:`page_gettext` for one language, made once per process and language."""
    lookup = _catalog(language).ugettext

    @pass_context
    def gettext(context: Context, message: str, **variables: Any) -> str:
        text = lookup(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - our own catalog's text, as Jinja's gettext marks it
        # A format string always ("100%%" is "100%"); without a % there is nothing to format.
        return text % variables if variables or "%" in text else text

    return gettext


def load_languages() -> None:
    """Load every language's locale, catalog and page ``gettext`` now, as a new worker starts
    (:mod:`legalize.web.warm`), not on each language's first page."""
    for language in LANGUAGES:
        # Babel reads a locale's data and parses its date pattern on first use (20-30 ms).
        babel_dates.format_date(date(2000, 1, 1), "medium", locale=_locale(language))
        _gettext_of(language)  # loads the catalog too


def page_words() -> dict[str, Any]:
    """The page's ``_`` and ``gettext`` bound to the request's language once per render (a
    context processor): not found anew for each of a page's dozen or more strings."""
    bound = _gettext_of(current_language())
    return {"_": bound, "gettext": bound}


def init_language(app: Flask) -> None:
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    Babel(app, locale_selector=current_language)
    # Flask-Babel's template callables find the request's catalog anew for every string (a
    # page has a dozen or more); these take the process's catalog of the request's language.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # jinja2.ext.i18n
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(gettext=page_gettext, _=page_gettext)
    app.context_processor(page_words)
    # {% trans %} blocks as one line, the same msgid babel.cfg extracts (trimmed = true)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_links"] = switch_links
    app.jinja_env.filters["reason"] = reason
    app.jinja_env.filters["word"] = word
    app.jinja_env.filters["say"] = say
    app.jinja_env.filters["say_kept"] = say_kept
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["dateformat"] = day  # in place of Flask-Babel's: the same output
    app.after_request(remember_choice)
    app.after_request(vary_on_language)
