"""The staff pages' own gaps closed (issue 11): the case history, WTForms' validation messages
and the staff dates, read in Sinhala and Tamil; and the library phrases they rest on."""

from __future__ import annotations

import base64
import copy
import io
import re
from collections.abc import Iterator
from html import unescape

import pytest
from babel.dates import format_date

from legalize.phrases import P_, Phrase, listing, word
from legalize.web.language import COOKIE
from legalize.web.state import state
from tests.helpers.web_app import WebEnv, demo_cases, demo_env, portrait_jpeg, staff_client
from tests.test_web_language import _translate
from tests.test_web_language_pages import english_runs

HISTORY = re.compile(r'<ol class="history">(.*?)</ol>', re.S)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def site(dev_pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:  # type: ignore[no-untyped-def]
    env = demo_env(dev_pki, tmp_path_factory.mktemp("language-staff"))
    yield env
    state(env.app).close()


def _history(html: str) -> list[str]:
    found = HISTORY.search(html)
    assert found, "no history on the page"
    items = re.findall(r"<li>(.*?)</li>", found.group(1), re.S)
    return [" ".join(unescape(TAG.sub("", item)).split()) for item in items]


def test_a_case_page_in_tamil_shows_its_history_in_tamil(site: WebEnv) -> None:
    """A case the demo's API client filed: "Filed by the API client demo-deu" in English,
    in Tamil the catalog's sentence around the catalog's "the API client …"."""
    case = next(c for c in demo_cases(site) if c.filed_by.startswith("api:"))
    client, _ = staff_client(site.app, "alice")
    english = _history(client.get(f"/staff/cases/{case.id}").get_data(as_text=True))
    name = case.filed_by.split(":", 1)[1]
    assert f"Filed by the API client {name}" in english[0]

    client.set_cookie(COOKIE, "ta")
    tamil = _history(client.get(f"/staff/cases/{case.id}").get_data(as_text=True))
    who = _translate("ta", "the API client %(name)s") % {"name": name}
    assert _translate("ta", "filed by %(who)s") % {"who": who} in tamil[0]
    assert len(tamil) == len(english) > 1
    for line in tamil:
        assert not english_runs(f"<p>{line}</p>", {name}), line


def test_a_too_long_field_in_sinhala_gets_the_sinhala_message(site: WebEnv) -> None:
    """WTForms' Length message, which WTForms ships in no Sinhala, from our catalog."""
    client, token = staff_client(site.app, "alice")
    data = {"csrf_token": token, "host_reference": "R-1", "surname": "X" * 101}
    english = client.post("/staff/readmissions/new", data=data).get_data(as_text=True)
    assert "Field cannot be longer than 100 characters." in english

    client.set_cookie(COOKIE, "si")
    page = client.post("/staff/readmissions/new", data=data)
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    sinhala = _translate("si", "Field cannot be longer than %(max)d characters.") % {"max": 100}
    assert sinhala in html
    assert "Field cannot be longer" not in html


def test_a_staff_date_in_sinhala_names_the_month_in_sinhala(site: WebEnv) -> None:
    """The case page's date of birth and history times through Babel: the Sinhala month
    (not "MAY"), the ISO datetime attribute unchanged."""
    case = demo_cases(site)[0]
    born = case.person.birth_date
    client, _ = staff_client(site.app, "alice")
    client.set_cookie(COOKIE, "si")
    html = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    month = format_date(born, "MMM", locale="si")
    assert not re.search(r"[A-Za-z]", month), month  # a Sinhala name, not a Latin fallback
    assert format_date(born, "dd MMM yyyy", locale="si") in html
    assert born.strftime("%d %b %Y").upper() not in html
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+', html)

    client.set_cookie(COOKIE, "en")
    assert born.strftime("%d %b %Y").upper() in client.get(f"/staff/cases/{case.id}").get_data(
        as_text=True
    )


def test_a_batch_row_refused_by_the_rules_reads_in_tamil(site: WebEnv) -> None:
    """The rules' refusal ("identity.birth_date is in the future") kept with the batch as a
    phrase: in Tamil the catalog's sentence around the column's Tamil name."""
    photo = base64.b64encode(portrait_jpeg()).decode()
    csv = (
        "host_reference,surname,given_names,birth_date,sex,photo\n"
        f"LANG-1,Perera,Kamal,1990-05-14,M,{photo}\n"
        f"LANG-2,Silva,Nimali,2999-12-01,F,{photo}\n"
    ).encode()
    client, token = staff_client(site.app, "alice")
    sent = client.post(
        "/staff/batches/new",
        data={
            "host_country": "DEU",
            "reference": "LANG-ROWS",
            "csrf_token": token,
            "file": (io.BytesIO(csv), "rows.csv"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)
    url = sent.headers["Location"]
    assert "Date of birth is in the future" in client.get(url).get_data(as_text=True)

    client.set_cookie(COOKIE, "ta")
    html = client.get(url).get_data(as_text=True)
    column = _translate("ta", "Date of birth")
    assert _translate("ta", "%(field)s is in the future") % {"field": column} in html
    assert "is in the future" not in html
    poll = client.get(f"{url}/progress.json").get_json()
    assert poll["errors"][0]["code"] == "INVALID_INPUT" and "phrase" not in poll["errors"][0]


def test_a_refusal_of_the_rules_on_a_form_reads_in_sinhala(site: WebEnv) -> None:
    """A CaseError whose message is a phrase ("the batch file has no rows"), shown beside the
    upload form, in the reader's language."""
    client, token = staff_client(site.app, "alice")
    client.set_cookie(COOKIE, "si")
    data = {
        "host_country": "DEU",
        "reference": "LANG-EMPTY",
        "csrf_token": token,
        "file": (io.BytesIO(b"host_reference,surname,given_names,birth_date,sex\n"), "e.csv"),
    }
    page = client.post("/staff/batches/new", data=data, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert page.status_code == 422, html
    assert _translate("si", "the batch file has no rows") in html
    assert "has no rows" not in html


# --- the phrases ------------------------------------------------------------------------------


def test_a_phrase_is_its_english_text() -> None:
    said = P_("%(who)s approved", who=P_("the API client %(name)s", name="de-bamf"))
    assert said == "the API client de-bamf approved"
    assert said.capitalized() == "The API client de-bamf approved"
    assert " ".join([said, "x"]) == "the API client de-bamf approved x"
    assert said.template == "%(who)s approved"
    assert P_("70-80 %%") == "70-80 %%"  # no values: not %-formatted, as gettext does it
    again = copy.deepcopy(said.capitalized())  # through __reduce__, as pickle goes
    assert again == "The API client de-bamf approved" and again.capital
    with pytest.raises(AttributeError):
        said.template = "%(who)s rejected"  # type: ignore[misc]


def test_a_kept_phrase_comes_back_or_is_refused() -> None:
    kept = P_("%(num)s faces found; exactly one is required", num=2).stored()
    assert Phrase.from_stored(kept) == "2 faces found; exactly one is required"
    assert Phrase.from_stored({"template": "%(num)s faces", "params": {"n": 1}}) is None
    assert Phrase.from_stored({"template": "%(num)s", "params": {"num": [1]}}) is None
    assert Phrase.from_stored({"message": "old row"}) is None


def test_a_listing_says_each_item() -> None:
    items = listing([word("no face"), "blurred"])
    assert items == "no face, blurred"
    assert dict(items.params)["0"].template == "no face"  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["en", "si", "ta"])
def test_the_page_date_filters_write_what_flask_babel_writes(site: WebEnv, lang: str) -> None:
    """``dateformat`` and ``when`` call Babel with the locale found once per request (Flask-
    Babel looks it up on every call): the words must be Flask-Babel's own."""
    from datetime import UTC, date, datetime, timedelta, timezone

    import flask_babel

    from legalize.web.language import day, when

    values = [
        date(2026, 5, 14),
        datetime(2026, 12, 4, 23, 30, tzinfo=UTC),
        datetime(2026, 12, 4, 23, 30),  # naive, as SQLite returns it: UTC
        datetime(2026, 12, 5, 1, 30, tzinfo=timezone(timedelta(hours=5, minutes=30))),
    ]
    with site.app.test_request_context(f"/?lang={lang}"):
        for value in values:
            assert day(value) == flask_babel.format_date(value)
        for value in values[1:]:
            pattern = "dd MMM yyyy, HH:mm 'UTC'"
            assert when(value, "moment") == str(flask_babel.format_datetime(value, pattern)).upper()
