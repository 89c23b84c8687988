"""Every page, public and staff, read in Sinhala and in Tamil: no English phrase left in the
words a reader sees (text, and the alt, placeholder, aria-label and title attributes).

An English phrase is a run of three or more Latin-alphabet words. What may stay English is
listed in ``ALLOWED`` with its reason: data, not page words (names, titles, authorities,
reasons typed by officers, country names as ICAO Doc 9303 writes them). An element marked
``translate="no"`` holds data (a name, an authority, a certificate subject, an officer's typed
reason) and is skipped: HTML's own mark for "not page words". The sentences library code
writes (the case history, the origin check, the portrait findings) are phrases the pages
translate (legalize.phrases), so no element is skipped for them."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from legalize import countries
from legalize.cases import photo_checks
from legalize.cases.photo_checks import Asked, Kind
from legalize.registry import audit
from legalize.web.language import COOKIE
from legalize.web.paper_check import SESSION_KEY
from legalize.web.state import state
from tests.helpers.web_app import WebEnv, demo_cases, demo_env, staff_client

TRANSLATED = ("si", "ta")
LOOKED_UP = "not a seal"
"""What the border officer types that is neither a number nor a seal (shown back to them)."""
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
LATIN_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,.:;/()–—-]+[A-Za-z][A-Za-z'’-]*){2,}")
"""Three or more Latin-alphabet words in a row, with only spaces and punctuation between."""
VOID_ELEMENTS = {"img", "input", "br", "meta", "link", "hr", "source", "wbr"}
SHOWN_ATTRIBUTES = ("alt", "placeholder", "aria-label", "title")
SKIPPED_ELEMENTS = {"script", "style", "code", "pre", "datalist", "svg", "time"}
"""Not page words: data blocks and scripts, codes and hashes, MRZ lines, the country list
(ICAO Doc 9303 names, English by the standard), charts (their labels are reason codes and
dates), machine-readable times."""

ALLOWED: tuple[tuple[str, str], ...] = (
    (r"(?:(?:JPEG|PNG|HEIC|HEIF|WebP|TIFF|PDF)[ ,/]*)+", "file format names, not words"),
)
"""(pattern, reason): an English run matching a pattern in full is allowed. Register data
(names of people and documents, signers, posts) is collected by :func:`_data_words`."""


class _Text(HTMLParser):
    """The text a reader sees, each node and shown attribute on its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipped: str | None = None
        """The tag of the element being skipped; ``depth`` counts its nesting."""
        self.depth = 0
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipped is not None:
            self.depth += tag == self.skipped
            return
        given = dict(attrs)
        if tag in SKIPPED_ELEMENTS or given.get("translate") == "no":
            if tag not in VOID_ELEMENTS:
                self.skipped, self.depth = tag, 1
            return
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.found.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == self.skipped:
            self.depth -= 1
            if self.depth == 0:
                self.skipped = None

    def handle_data(self, data: str) -> None:
        if self.skipped is None and data.strip():
            self.found.append(" ".join(data.split()))


def english_runs(html: str, data: set[str]) -> list[str]:
    """The English phrases of ``html`` no allow-list entry or register datum explains."""
    parser = _Text()
    parser.feed(html)
    runs = []
    for text in parser.found:
        for text_part in _without_data(text, data):
            for match in LATIN_RUN.finditer(text_part):
                run = match.group(0)
                if len(WORD.findall(run)) < 3:
                    continue
                if not any(re.fullmatch(pattern, run) for pattern, _ in ALLOWED):
                    runs.append(run)
    return runs


def _without_data(text: str, data: set[str]) -> list[str]:
    """``text`` cut at every register datum in it (longest first)."""
    parts = [text]
    for datum in sorted(data, key=len, reverse=True):
        parts = [piece for part in parts for piece in part.split(datum)]
    return parts


@pytest.fixture(scope="module")
def site(dev_pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:  # type: ignore[no-untyped-def]
    env = demo_env(dev_pki, tmp_path_factory.mktemp("language-pages"))
    yield env
    state(env.app).close()


def _data_words(env: WebEnv) -> set[str]:
    """What the register holds and the pages show as typed: names, titles, signers,
    authorities, ports, references, reasons, and the country names (ICAO Doc 9303)."""
    found: set[str] = {c.name for c in countries.countries()}
    for c in demo_cases(env):
        person = c.person
        found |= {person.surname, person.given_names, person.birth_place or ""}
        found |= {f"{person.surname}, {person.given_names}"}
        for value in (
            c.underlying_title,
            c.signer_name,
            c.signer_capacity,
            c.signer_authority,
            c.port_of_entry,
            c.host_reference,
            c.reason,
        ):
            found.add(value or "")
    with state(env.app).sessions() as session:  # what officers typed, quoted in the history
        for c in demo_cases(env):
            for entry in audit.entries_for(session, "case", c.id):
                details = entry.details_dict
                found |= {str(details.get(k) or "") for k in ("reason", "evidence_reference")}
    found |= {LOOKED_UP.upper(), "legalize"}  # what the officer typed; the product's name
    return {d for d in found if d and len(d) > 2}


def _picture() -> bytes:
    """A photo of no document (no QR): the verifier answers at once, "QR not found"."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1000, 750), (120, 140, 110))
    ImageDraw.Draw(img).rectangle((250, 180, 750, 560), fill=(200, 190, 170))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def _photo_check_pages(
    env: WebEnv, client: FlaskClient, token: str, post: str, asked: Asked
) -> Iterator[tuple[str, str]]:
    """A photo check's pages: its answer (the test app's queue runs the check at once) and
    its progress page while no worker has answered (a check put on record, not queued)."""
    sent = client.post(
        post,
        data={"csrf_token": token, "paper": (io.BytesIO(_picture()), "page.jpg")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, (post, sent.status_code)
    answer = sent.headers["Location"]
    page = client.get(answer)
    assert page.status_code == 200, (answer, page.status_code)
    html = page.get_data(as_text=True)
    assert "paper-verdict" in html, answer
    yield f"{post} answer", html
    with state(env.app).sessions() as session:
        waiting = photo_checks.create(session, _picture(), asked, datetime.now(UTC))
    with client.session_transaction() as kept:
        kept[SESSION_KEY] = [*kept.get(SESSION_KEY, []), waiting]
    progress = answer.split("#")[0].rsplit("/", 1)[0] + f"/{waiting}"
    page = client.get(progress)
    assert page.status_code == 200, (progress, page.status_code)
    html = page.get_data(as_text=True)
    assert "<progress" in html, progress
    yield f"{post} progress", html


def _seal_path(text: str) -> str:
    return "/" + text.split("://", 1)[1].split("/", 1)[1]


def _get(client: FlaskClient, url: str, lang: str) -> str:
    page = client.get(url)
    assert page.status_code < 500, (url, page.status_code)
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html, url
    return html


def _public_pages(env: WebEnv, client: FlaskClient, lang: str) -> Iterator[tuple[str, str]]:
    for url in ("/", "/check/pdf", "/check/photo", "/scan", "/V/NOTASEAL", "/nowhere"):
        yield url, _get(client, url, lang)
    form = client.get("/check/photo").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    assert token
    public = Asked(Kind.PUBLIC, client_hash="language-pages")
    yield from _photo_check_pages(env, client, token.group(1), "/check/photo", public)
    for c in demo_cases(env):
        if c.document is None or not c.document.seal_text:
            continue
        yield c.document.number, _get(client, _seal_path(c.document.seal_text), lang)
        form = client.get("/").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        assert token
        answer = client.post(
            "/",
            data={
                "csrf_token": token.group(1),
                "number": c.document.number,
                "check_code": c.document.check_code,
            },
        )
        assert answer.status_code == 200
        yield f"/ {c.document.number}", answer.get_data(as_text=True)


STAFF_PAGES = (
    "/staff/login",
    "/staff/",
    "/staff/cases",
    "/staff/batches",
    "/staff/batches/new",
    "/staff/readmissions/new",
    "/staff/legalizations/new",
    "/staff/signatories",
    "/staff/users",
    "/staff/clear",
    "/staff/risk",
)


def _staff_pages(env: WebEnv, lang: str) -> Iterator[tuple[str, str]]:
    cases = demo_cases(env)
    batch_ids = sorted({c.batch_id for c in cases if c.batch_id})
    for username in ("dave", "root", "carol", "rita", "alice", "bob"):
        client, token = staff_client(env.app, username)
        client.set_cookie(COOKIE, lang)
        urls = [*STAFF_PAGES, *(f"/staff/cases/{c.id}" for c in cases)]
        urls += [f"/staff/batches/{b}" for b in batch_ids]
        urls += ["/staff/users/1"] if username == "root" else []
        for url in urls:
            page = client.get(url)
            assert page.status_code < 500, (username, url, page.status_code)
            if page.status_code == 200:
                yield f"{username} {url}", page.get_data(as_text=True)
        if username == "carol":
            ttd = next(c for c in cases if c.document and c.document.type == "ttd")
            assert ttd.document is not None
            number = ttd.document.number
            asked = Asked(Kind.CLEARANCE, number, "user:carol")
            yield from _photo_check_pages(env, client, token, f"/staff/clear/{number}/paper", asked)
        if username == "bob":
            issued = next(c for c in cases if c.document)
            assert issued.document is not None
            asked = Asked(Kind.CASE, issued.document.number, "user:bob")
            post = f"/staff/cases/{issued.id}/paper"
            yield from _photo_check_pages(env, client, token, post, asked)
        if username == "carol":
            numbers = [c.document.number for c in cases if c.document]
            for number in [*numbers, "XX0000000", LOOKED_UP]:
                found = client.post("/staff/clear", data={"csrf_token": token, "number": number})
                assert found.status_code < 500
                yield f"carol clear {number}", found.get_data(as_text=True)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_english_phrase_on_any_page(site: WebEnv, lang: str) -> None:
    data = _data_words(site)
    client = site.app.test_client()
    client.set_cookie(COOKIE, lang)
    pages = [*_public_pages(site, client, lang), *_staff_pages(site, lang)]
    assert len(pages) > 60
    english = {}
    for where, html in pages:
        runs = english_runs(html, data)
        if runs:
            english[where] = sorted(set(runs))
    assert not english, "\n".join(f"{where}: {runs}" for where, runs in english.items())


def test_the_detector_finds_english_and_passes_data() -> None:
    """The check itself can fail: an English sentence is found, in text and in an alt, and in
    the case history (no longer skipped: the library's sentences are translated); a name from
    the register and text marked ``translate="no"`` are not."""
    html = (
        '<p>ලේඛනය: This field is required.</p><img alt="Photo of the holder">'
        "<p>Jane Mary Doe</p><code>not shown as words</code>"
        '<ol class="history"><li>Filed by the API client</li></ol><p translate="no">Ministry'
        " of Foreign Affairs</p><p>the API client de-bamf</p>"
    )
    assert english_runs(html, {"Jane Mary Doe"}) == [
        "This field is required",
        "Photo of the holder",
        "Filed by the API client",
        "the API client de-bamf",
    ]
