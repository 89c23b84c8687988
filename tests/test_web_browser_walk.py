"""The counter staff's walk in a real browser (headless Debian chromium), the parts the other
browser tests do not cover: a country chosen from the searchable list, the form's refusal
shown inline with what was typed kept, a duplicate flagged, the approving officer's inbox
(with counts, never their own cases), a refused action shown on the page where it happened,
and the border officer's screen of a valid document.

Screenshots go to the test's tmp directory, or to ``LEGALIZE_SCREENSHOTS`` when it is set
(CI keeps that directory as the job's artifact)."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_nic
from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import (
    PASSWORD,
    WebEnv,
    bearer,
    make_env,
    portrait_jpeg,
    seed,
    staff_client,
)
from tests.test_web_browser import _driver

MORE_NIC = b"""nic_number,surname,given_names,birth_date,sex,birth_place
197902020011,FERNANDO,RUWAN,1979-02-02,M,NEGOMBO
196505050055,DIAS,ANURA,1965-05-05,M,MATARA
"""
PEOPLE = {
    "DE-WALK-1": ("Perera", "Kamal", "1990-05-14", "199012345678"),
    "DE-WALK-2": ("Silva", "Nimali", "1985-12-01", "853400937V"),
    "DE-WALK-3": ("Fernando", "Ruwan", "1979-02-02", "197902020011"),
    "DE-WALK-4": ("Dias", "Anura", "1965-05-05", "196505050055"),
}


@dataclass
class Live:
    base: str
    env: WebEnv
    cases: dict[str, int]
    """host reference → case id"""
    number: str
    """The TTD issued for DE-WALK-1, travelling today."""
    shots: Path


@pytest.fixture
def live(tmp_path: Path, dev_pki: Any) -> Iterator[Live]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    tokens = seed(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        assert import_nic(s, MORE_NIC, "more-nic.csv", datetime.now(UTC)).errors == ()
        s.commit()
    engine.dispose()
    env = make_env(url, tokens, keys_dir=Path(dev_pki.dir))
    api = env.app.test_client()
    cases = {}
    for ref, (surname, given, born, nic) in PEOPLE.items():
        filed = api.post(
            "/api/readmissions",
            json={
                "host_reference": ref,
                "port_of_entry": "CMB",
                "travel_date": date.today().isoformat(),
                "photo": base64.b64encode(portrait_jpeg()).decode(),
                "identity": {
                    "surname": surname,
                    "given_names": given,
                    "birth_date": born,
                    "sex": "F" if surname == "Silva" else "M",
                    "nic_number": nic,
                },
            },
            headers=bearer(env.token),
        )
        assert filed.status_code == 201, filed.get_json()
        cases[ref] = filed.get_json()["id"]
    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    dave, d_token = staff_client(env.app, "dave")
    for client, token, ref, step in (
        (alice, a_token, "DE-WALK-1", "prepare"),
        (bob, b_token, "DE-WALK-1", "approve"),
        (bob, b_token, "DE-WALK-1", "issue"),
        (alice, a_token, "DE-WALK-2", "prepare"),
        (dave, d_token, "DE-WALK-3", "prepare"),  # dave's own: never in his inbox
        (alice, a_token, "DE-WALK-4", "prepare"),
    ):
        done = client.post(f"/staff/cases/{cases[ref]}/{step}", data={"csrf_token": token})
        assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    number = api.get(f"/api/cases/{cases['DE-WALK-1']}", headers=bearer(env.token)).get_json()[
        "document"
    ]["number"]
    shots = Path(os.environ.get("LEGALIZE_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.server_port}", env, cases, number, shots)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()
    print(f"screenshots in {shots}")


class Browser:
    """The few steps every walk takes, waiting for the next page each time."""

    def __init__(self, live: Live) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.live = live
        self.driver = _driver()
        self.driver.set_window_size(1280, 1100)
        self.driver.set_page_load_timeout(60)
        self.wait = WebDriverWait(self.driver, 30)

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def submit(self, css: str) -> None:
        """Click and wait for the next page (not the old one still showing)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        page = self.driver.find_element(By.TAG_NAME, "html")
        self.find(css).click()
        self.wait.until(page_replaced(page))
        self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    def open(self, path: str) -> None:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.driver.get(self.live.base + path)
        self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    def sign_in(self, user: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/staff/login")
        self.find("#username").send_keys(user)
        self.find("#password").send_keys(PASSWORD)
        self.submit("form.narrow button[type=submit]")

    def shot(self, name: str) -> Path:
        path = self.live.shots / name
        # The whole page, not only the window: what an officer scrolls through.
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, max(700, min(int(height) + 40, 4000)))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 1100)
        assert path.stat().st_size > 10_000
        return path

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture
def browser(live: Live) -> Iterator[Browser]:
    b = Browser(live)
    try:
        yield b
    finally:
        b.quit()


def _type(b: Browser, values: dict[str, str]) -> None:
    for name, value in values.items():
        field = b.find(f"#{name}")
        field.clear()
        field.send_keys(value)


def test_country_from_the_list_refusal_inline_and_a_duplicate(live: Live, browser: Browser) -> None:
    from selenium.webdriver.support.ui import Select

    b = browser
    b.sign_in("alice")
    b.open("/staff/readmissions/new")
    country = b.find("#host_country")
    assert country.get_attribute("list") == "icao-countries"
    # The searchable list: ICAO codes with their names, Germany's as DEU.
    options = {
        o.get_attribute("value"): o.get_attribute("textContent")
        for o in b.all("#icao-countries option")
    }
    assert options["DEU"] == "Germany" and options["XXA"].startswith("Stateless")
    assert len(options) > 240
    born_later = (date.today() + timedelta(days=40)).strftime("%m%d%Y")
    travel = (date.today() + timedelta(days=5)).strftime("%m%d%Y")
    _type(
        b,
        {
            "host_country": "Germany",  # a name, not a code
            "host_reference": "DE-WALK-9",
            "port_of_entry": "CMB",
            "travel_date": travel,
            "surname": "Perera",
            "given_names": "Kamal",
            "birth_date": born_later,  # in the future
            "nic_number": "199012345678",
        },
    )
    Select(b.find("#sex")).select_by_value("M")
    b.find("#photo").send_keys(str(Path(__file__).parent / "data" / "portraits" / "ok.jpg"))
    b.submit("form.narrow button[type=submit]")
    errors = {e.get_attribute("data-field"): e.text for e in b.all("div.field-error")}
    assert set(errors) == {"host_country", "identity.birth_date"}, errors
    assert "DEU" in errors["host_country"]
    assert errors["identity.birth_date"] == "Date of birth is in the future"
    summary = b.find("div.errors[role=alert]").text
    assert "Please correct: (2)" in summary and "birth_date" not in summary
    assert b.find("#surname").get_attribute("value") == "Perera"  # what was typed is kept
    assert b.find("#host_reference").get_attribute("value") == "DE-WALK-9"
    b.shot("walk-1-form-refused-inline.png")

    # Chosen from the list: typing part of the name offers "DEU — Germany"; the code goes in.
    _type(b, {"host_country": "DEU", "birth_date": "05141990"})
    b.find("#photo").send_keys(str(Path(__file__).parent / "data" / "portraits" / "ok.jpg"))
    b.submit("form.narrow button[type=submit]")
    assert "Readmission request DEU DE-WALK-9 filed." in b.find("p.flash").text
    dup = b.find("#duplicates")
    assert dup.get_attribute("role") == "alert"
    assert "Possibly the same person as 1 other case" in dup.text
    assert "DEU DE-WALK-1" in dup.text and "same NIC number" in dup.text
    assert "Blocks approval and issuance" in dup.text
    assert "Germany (DEU)" in b.find("section[aria-labelledby=case-h]").text
    b.shot("walk-2-duplicate-flagged.png")


def test_approver_inbox_and_a_refusal_on_the_page(live: Live, browser: Browser) -> None:
    b = browser
    b.sign_in("dave")  # issuing and approving: prepared DE-WALK-3 himself
    assert b.find("h1").text == "My work"
    inbox = b.find("section[aria-labelledby=approve]")
    names = [a.text for a in inbox.find_elements("css selector", "tbody a")]
    assert names == ["Silva, Nimali", "Dias, Anura"] or names == ["Dias, Anura", "Silva, Nimali"]
    assert "Fernando" not in inbox.text  # his own case is never in his inbox
    counts = " ".join(b.find("ul.work-counts").text.split())
    assert "2 waiting for your approval" in counts
    assert "1 prepared by you, awaiting approval" in counts
    b.shot("walk-3-inbox-dave.png")

    b.sign_in("bob")
    counts = " ".join(b.find("ul.work-counts").text.split())
    assert "3 waiting for your approval" in counts
    b.shot("walk-4-inbox-bob.png")

    # Bob starts rejecting DE-WALK-4 while another officer rejects it in another tab.
    case_id = live.cases["DE-WALK-4"]
    b.open(f"/staff/cases/{case_id}")
    reason = "the host country withdrew the request by letter of today"
    b.find("#reject-reason").send_keys(reason)
    dave, token = staff_client(live.env.app, "dave")
    other = dave.post(
        f"/staff/cases/{case_id}/reject", data={"csrf_token": token, "reason": "withdrawn"}
    )
    assert other.status_code == 302
    b.submit(f"form[action='/staff/cases/{case_id}/reject'] button")
    refusal = b.find("div.refusal")
    assert refusal.get_attribute("role") == "alert"
    assert refusal.text.startswith("Not done.")
    assert "This case is rejected now, so it can no longer be rejected" in refusal.text
    assert "changed since this page was loaded" in refusal.text
    assert "INVALID_STATE" not in refusal.text and str(case_id) not in refusal.text
    assert "rejected" in b.find("h1").text.lower()
    b.shot("walk-5-refused-on-the-case-page.png")

    # A tab open too long (its form token no longer valid): nothing done, the page as it is
    # now, and the reason Bob typed still in the box.
    case_id = live.cases["DE-WALK-2"]
    b.open(f"/staff/cases/{case_id}")
    typed = "the holder is in hospital; the host country asks to wait"
    b.find("#reject-reason").send_keys(typed)
    b.driver.execute_script(
        "document.querySelector(\"form[action$='/reject'] input[name=csrf_token]\").value"
        " = 'from-yesterday'"
    )
    b.submit(f"form[action='/staff/cases/{case_id}/reject'] button")
    refusal = b.find("div.refusal")
    assert "open too long" in refusal.text and "CSRF" not in refusal.text
    assert b.find("#reject-reason").get_attribute("value") == typed
    assert "prepared" in b.find("h1").text.lower()
    b.shot("walk-6-stale-tab-text-kept.png")


def test_border_screen_of_a_valid_document(live: Live, browser: Browser) -> None:
    b = browser
    b.sign_in("carol")
    arrivals = b.find("section[aria-labelledby=arrivals]")
    assert "CMB (1)" in arrivals.text and "PERERA" in arrivals.text.upper()
    b.shot("walk-7-border-arrivals.png")
    b.submit("section[aria-labelledby=arrivals] button")
    banner = b.find("#verdict")
    assert banner.text.startswith("VALID — not used")
    assert banner.value_of_css_property("background-color") == "rgba(23, 105, 46, 1)"
    assert banner.location["y"] < 250
    photo = b.find("img.photo-large")
    assert photo.size["width"] >= 250
    assert b.driver.execute_script("return arguments[0].naturalWidth", photo) > 0
    facts = b.find("dl.border-facts").text
    assert "14 MAY 1990" in facts and "Sri Lanka (LKA)" in facts and live.number in facts
    assert len(b.find("pre.mrz").text.split()) == 2
    b.shot("walk-8-border-valid.png")
    b.find("#port").send_keys("CMB")
    b.submit("form.border-clear button")
    assert b.find("p.flash").text == f"Cleared at CMB: document {live.number} is now used."
    b.find("#number").send_keys(live.number)  # the same document presented again
    b.submit("form.scan-bar button")
    assert b.find("#verdict").text.startswith("USED on ")
    assert "at CMB by carol" in b.find("#verdict").text
    assert b.all("form.border-clear") == []  # nothing to clear twice
