"""Pages in English, Sinhala and Tamil (legalize.web.language): the browser's choice, the
switch remembered, every public string translated, reason messages and dates in the reader's
language, and no page that fails in any language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch
from flask import Flask, render_template_string

from legalize.cases import views
from legalize.web import words
from legalize.web.language import COOKIE, TRANSLATIONS_DIR, page_gettext
from legalize.web.state import state
from tests.helpers.web_app import USERS, WebEnv, demo_env, staff_client
from verifier.messages import LANGUAGES, message_for
from verifier.report import Check

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
PUBLIC_TEMPLATES = (
    "base.html",
    "error.html",
    "public/check.html",
    "public/seal.html",
    "public/scan.html",
    "staff/base.html",
    "staff/login.html",
    "staff/totp.html",
    "staff/clear.html",
    "staff/_paper.html",
)
"""What foreign authorities and border officers read: every string here has si and ta."""
PUBLIC_PYTHON = (ROOT / "legalize" / "web" / "public.py",)
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != "en")
HEADING = re.compile(r"<h1>(.*?)</h1>", re.S)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _catalog(lang: str) -> Any:
    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def _translate(lang: str, msgid: str) -> str:
    message = _catalog(lang).get(msgid)
    assert message is not None and message.string, (lang, msgid)
    return str(message.string)


def _html_lang(html: str) -> str:
    match = re.search(r'<html lang="(\w+)">', html)
    assert match, html[:200]
    return match.group(1)


@pytest.fixture(scope="module")
def site(dev_pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:  # type: ignore[no-untyped-def]
    """The test users and the demo register: real issued, used, revoked and expired
    documents with their seals, so the public pages show every status."""
    env = demo_env(dev_pki, tmp_path_factory.mktemp("language"))
    yield env
    state(env.app).close()


def _documents(app: Flask) -> list[views.DocumentView]:
    with state(app).sessions() as session:
        cases = views.list_cases(session, limit=100).items
    return [c.document for c in cases if c.document is not None and c.document.seal_text]


def _seal_path(text: str) -> str:
    return "/" + text.split("://", 1)[1].split("/", 1)[1]


# --- the pages' gettext ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "si", "ta"])
def test_page_gettext_keeps_jinjas_rules(site: WebEnv, lang: str) -> None:
    """``_()`` is our one-call gettext (language.page_gettext), not Jinja's: the reader's
    catalog, a value escaped and the text kept unescaped under autoescape, ``%%`` a format
    string's percent sign, and the same outside autoescape."""
    msgid = "Document %(number)s"
    expected = msgid if lang == "en" else _translate(lang, msgid)
    assert "%(number)s" in expected
    assert site.app.jinja_env.globals["_"] is page_gettext
    with site.app.test_request_context(f"/?lang={lang}"):
        html = site.app.jinja_env.from_string("{{ _('Document %(number)s', number=n) }}")
        assert html.render(n="<T1>") == expected.replace("%(number)s", "&lt;T1&gt;")
        env = site.app.jinja_env.overlay(autoescape=False)
        plain = env.from_string("{{ _('Document %(number)s', number=n) }}|{{ _('100%%') }}")
        assert plain.render(n="<T1>") == expected.replace("%(number)s", "<T1>") + "|100%"
        # A page Flask renders gets _ and {% trans %} bound to its language once per render
        # (language.page_words): the same words by the same rules.
        page = (
            "{{ _('Document %(number)s', number=n) }}|{{ _('100%%') }}"
            "|{% trans %}Seal check{% endtrans %}"
        )
        shown = render_template_string(page, n="<T1>")
        seal_check = "Seal check" if lang == "en" else _translate(lang, "Seal check")
        assert seal_check != "Seal check" or lang == "en"
        assert shown == f"{expected.replace('%(number)s', '&lt;T1&gt;')}|100%|{seal_check}"


# --- choosing the language ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ta", "ta"),
        ("si-LK,si;q=0.9,en;q=0.5", "si"),
        ("de-DE,de;q=0.9,ta;q=0.3", "ta"),
        ("fr-FR,fr;q=0.9", "en"),
        ("", "en"),
    ],
)
def test_the_browser_language_is_honoured(site: WebEnv, header: str, expected: str) -> None:
    page = site.app.test_client().get("/", headers={"Accept-Language": header})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert _html_lang(html) == expected
    heading = "Check a document"
    if expected != "en":
        heading = _translate(expected, heading)
    assert HEADING.search(html).group(1) == heading  # type: ignore[union-attr]
    assert "Accept-Language" in page.headers["Vary"] and "Cookie" in page.headers["Vary"]


def test_the_switch_is_remembered_over_the_browser_language(site: WebEnv) -> None:
    client = site.app.test_client()
    switched = client.get("/?lang=si", headers={"Accept-Language": "ta"})
    assert _html_lang(switched.get_data(as_text=True)) == "si"
    cookie = switched.headers["Set-Cookie"]
    assert f"{COOKIE}=si" in cookie and "SameSite=Strict" in cookie and "HttpOnly" in cookie
    # the next page, without the switch, in another part of the site: still Sinhala
    later = client.get("/staff/login", headers={"Accept-Language": "ta"})
    html = later.get_data(as_text=True)
    assert _html_lang(html) == "si"
    assert _translate("si", "Staff sign-in") in html
    assert "Set-Cookie" not in later.headers  # nothing new to remember
    back = client.get("/?lang=en", headers={"Accept-Language": "ta"})
    assert _html_lang(back.get_data(as_text=True)) == "en"
    assert _html_lang(client.get("/").get_data(as_text=True)) == "en"


@pytest.mark.parametrize("bad", ["xx", "EN", "si;", "../etc", "s" * 300])
def test_an_unknown_language_falls_back_to_the_browser_choice(site: WebEnv, bad: str) -> None:
    client = site.app.test_client()
    page = client.get("/", query_string={"lang": bad}, headers={"Accept-Language": "ta"})
    assert page.status_code == 200
    assert _html_lang(page.get_data(as_text=True)) == "ta"
    assert "Set-Cookie" not in page.headers or COOKIE not in page.headers["Set-Cookie"]
    client.set_cookie(COOKIE, bad)
    page = client.get("/", headers={"Accept-Language": "si"})
    assert _html_lang(page.get_data(as_text=True)) == "si"


def test_the_switch_is_a_plain_relative_link_on_every_page(site: WebEnv) -> None:
    client = site.app.test_client()
    for url in ("/", "/staff/login", "/V/NOTASEAL", "/nowhere"):
        html = client.get(url).get_data(as_text=True)
        links = re.findall(r'<a href="\?([^"]*)" lang="(\w+)"', html)
        assert sorted(lang for _, lang in links) == sorted(LANGUAGES), url
        assert all(query.endswith(f"lang={lang}") for query, lang in links), links
        assert "<script" not in html
    # other query arguments are kept, the old choice replaced
    html = client.get("/staff/login?next=x&lang=ta").get_data(as_text=True)
    assert 'href="?next=x&amp;lang=si"' in html


# --- the catalogs -----------------------------------------------------------------------------


def _public_msgids() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    options = {"trimmed": "true", "extensions": "jinja2.ext.i18n"}
    for name in PUBLIC_TEMPLATES:
        for _, message, _, _ in extract_from_file("jinja2", TEMPLATES / name, options=options):
            found.add(message if isinstance(message, str) else tuple(message[:2]))
    for path in PUBLIC_PYTHON:
        keywords = {"gettext": None, "lazy_gettext": None, "_": None}
        for _, message, _, _ in extract_from_file("python", path, keywords=keywords):
            found.add(message if isinstance(message, str) else tuple(message[:2]))
    return found


def test_the_public_pages_have_strings_to_translate() -> None:
    msgids = _public_msgids()
    assert "Check a document" in msgids and "Seal check" in msgids
    assert "no document with this number and check code" in msgids
    assert len(msgids) > 80


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_public_string_has_a_translation(lang: str) -> None:
    catalog = _catalog(lang)
    missing, fuzzy, broken = [], [], []
    for msgid in sorted(_public_msgids(), key=str):
        message = catalog.get(msgid)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if message is None or not all(strings):
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
        else:
            ids = (msgid,) if isinstance(msgid, str) else msgid
            wanted = set(PLACEHOLDER.findall(ids[-1]))
            if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
                broken.append(msgid)
    assert not missing, f"no {lang} translation (run make translations, then translate): {missing}"
    assert not fuzzy, f"fuzzy {lang} entries: {fuzzy}"
    assert not broken, f"{lang} translations whose placeholders differ: {broken}"


def _key(message_id: Any) -> str | tuple[str, str]:
    return message_id if isinstance(message_id, str) else (message_id[0], message_id[1])


def _template_catalog() -> Any:
    with (TRANSLATIONS_DIR / "messages.pot").open("rb") as f:
        return read_po(f)


def _marked_in_sources() -> set[str | tuple[str, str]]:
    """Every string the sources mark, extracted as scripts/translations.sh does (babel.cfg's
    method map, the default keywords, ``lazy_gettext`` and ``P_``)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "P_": None}
    found: set[str | tuple[str, str]] = set()
    for path in sorted([*(ROOT / "legalize").rglob("*.py"), *TEMPLATES.rglob("*.html")]):
        relative = path.relative_to(ROOT).as_posix()
        for pattern, method in method_map:
            if pathmatch(pattern, relative):
                options = options_map.get(pattern, {})
                for _, message, _, _ in extract_from_file(
                    method, path, keywords=keywords, options=options
                ):
                    found.add(_key(message))
                break
    return found


def test_the_template_catalog_holds_every_marked_string() -> None:
    """messages.pot is current: a string marked since the last ``make translations`` is
    not in it, so nobody would translate it."""
    in_pot = {_key(m.id) for m in _template_catalog() if m.id}
    marked = _marked_in_sources()
    assert len(marked) > 500
    assert not marked - in_pot, f"run make translations: {sorted(marked - in_pot, key=str)}"
    assert not in_pot - marked, f"stale entries: {sorted(in_pot - marked, key=str)}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalog_string_has_a_translation(lang: str) -> None:
    """Every entry of messages.pot — public and staff pages, form labels and messages,
    flash messages, refusals, /scan's script words — has a non-fuzzy translation in ``lang``
    with the same placeholders."""
    catalog = _catalog(lang)
    missing, fuzzy, broken = [], [], []
    for entry in _template_catalog():
        if not entry.id:
            continue
        message = catalog.get(entry.id)
        strings = () if message is None else message.string
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if message is None or not strings or not all(strings):
            missing.append(entry.id)
        elif message.fuzzy:
            fuzzy.append(entry.id)
        else:
            ids = (entry.id,) if isinstance(entry.id, str) else tuple(entry.id)
            wanted = set(PLACEHOLDER.findall(ids[-1]))
            if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
                broken.append(entry.id)
    assert not missing, f"no {lang} translation (run make translations, then translate): {missing}"
    assert not fuzzy, f"fuzzy {lang} entries: {fuzzy}"
    assert not broken, f"{lang} translations whose placeholders differ: {broken}"


def test_the_closed_lists_words_are_all_marked() -> None:
    """The library's lists the pages show through the ``word`` filter (states, roles, holds,
    duplicate bases, identity evidence): a word the library adds and legalize.web.words does
    not mark would stay English."""
    for name, (library, marked) in words.LISTS.items():
        assert set(library) <= set(marked), (name, set(library) - set(marked))


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(lang: str) -> None:
    """The .mo files are committed (a fresh clone runs without a build step): each must say
    what its .po says (scripts/translations.sh compiles them)."""

    def entries(catalog: Any) -> dict[Any, Any]:
        def key(value: Any) -> Any:
            return value if isinstance(value, str) else tuple(value)

        # an untranslated entry is not compiled: the page shows the English
        return {
            key(m.id): key(m.string)
            for m in catalog
            if m.id and not m.fuzzy and m.string and all(key(m.string))
        }

    with (TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = entries(read_mo(f))
    assert compiled == entries(_catalog(lang))


# --- what the pages say -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_check_page_gives_status_and_dates_in_the_reader_language(
    site: WebEnv, lang: str
) -> None:
    doc = next(d for d in _documents(site.app) if d.status == "issued")
    client = site.app.test_client()
    form = client.get(f"/?lang={lang}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token
    page = client.post(
        "/",
        data={"csrf_token": token.group(1), "number": doc.number, "check_code": doc.check_code},
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    valid = "valid" if lang == "en" else _translate(lang, "valid")
    assert f">{valid}</dd>" in html
    assert format_date(doc.issued_on, format="medium", locale=lang) in html
    if lang != "en":
        assert doc.issued_on.isoformat() not in html


@pytest.mark.parametrize("lang", TRANSLATED)
def test_reason_messages_come_from_the_verifier_catalogs(site: WebEnv, lang: str) -> None:
    client = site.app.test_client()
    page = client.get(f"/V/NOTASEAL?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    code = re.search(r"<li><code>(\w+)</code>: (.*?)</li>", html)
    assert code, html
    expected = message_for(Check("seal.decode", "seal", "INVALID", code.group(1), ""), lang)  # type: ignore[arg-type]
    assert expected and code.group(2) == expected
    english = message_for(Check("seal.decode", "seal", "INVALID", code.group(1), ""), "en")  # type: ignore[arg-type]
    assert code.group(2) != english


# --- no page fails in any language --------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_public_page_fails_in_any_language(site: WebEnv, lang: str) -> None:
    client = site.app.test_client()
    client.set_cookie(COOKIE, lang)
    urls = ["/", "/scan", "/V/NOTASEAL", "/V/" + "A" * 3000, "/nowhere", "/staff/login"]
    urls += [_seal_path(d.seal_text or "") for d in _documents(site.app)]
    for url in urls:
        page = client.get(url)
        assert page.status_code < 500, (url, page.status_code)
        assert _html_lang(page.get_data(as_text=True)) == lang, url
    bad = client.post("/", data={"number": "", "check_code": ""})
    assert bad.status_code == 400  # no CSRF token: the form's own answer, not a crash


STAFF_PAGES = (
    "/staff/",
    "/staff/cases",
    "/staff/batches",
    "/staff/batches/new",
    "/staff/readmissions/new",
    "/staff/legalizations/new",
    "/staff/signatories",
    "/staff/users",
    "/staff/clear",
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_staff_page_fails_in_any_language(site: WebEnv, lang: str) -> None:
    docs = _documents(site.app)
    for username in USERS:
        client, token = staff_client(site.app, username)
        client.set_cookie(COOKIE, lang)
        urls = [*STAFF_PAGES, *(f"/staff/cases/{d.case_id}" for d in docs)]
        for url in urls:
            page = client.get(url)
            assert page.status_code < 500, (username, url, page.status_code)
            if page.status_code == 200:
                assert _html_lang(page.get_data(as_text=True)) == lang, url
        if username == "carol":  # the border clearance page of every document and status
            for number in [d.number for d in docs] + ["XX0000000", "not a seal"]:
                found = client.post("/staff/clear", data={"csrf_token": token, "number": number})
                assert found.status_code < 500, (number, found.status_code)
                assert _html_lang(found.get_data(as_text=True)) == lang
        if lang != "en":
            work = client.get("/staff/", follow_redirects=True).get_data(as_text=True)
            assert _translate(lang, "Sign out") in work
