"""The legalization review in a real browser (headless Debian chromium): a scanned paper
document's page shown with the registered specimen signature and seal beside it at the same
scale; a document digitally signed by the claimed authority; and one signed by another
authority, an alert that leaves no Approve button. Screenshots go to the test's tmp
directory."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.cases import legalization, signatories
from legalize.cases.demo import demo_specimen_seal, demo_specimen_signature, demo_underlying
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry.db import make_engine, make_session_factory
from legalize.web.state import state
from tests.helpers.authority_pki import make_ca, make_signer, plain_pdf, sign
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import PASSWORD, WebEnv, bearer, make_env, seed, staff_client
from tests.test_web_browser import _driver

ADMIN = Actor("user:root", frozenset({Role.ADMINISTRATOR}))
AUTHORITY = "Divisional Secretariat, Kandy Four Gravets"
CA = make_ca("Kandy Divisional Secretariat CA")
REGISTRAR = make_signer(CA, "Additional District Registrar, Kandy")
OTHER = make_signer(make_ca("Jaffna CA"), "Registrar of Births and Deaths, Jaffna")


def _body(upload: bytes) -> dict[str, object]:
    return {
        "applicant": {
            "surname": "Silva",
            "given_names": "Nimali",
            "birth_date": "1985-12-01",
            "sex": "F",
        },
        "underlying_title": "Birth certificate",
        "underlying_date": "2024-03-15",
        "signer_name": "W. A. Jayasinghe",
        "signer_capacity": "Additional District Registrar",
        "signer_authority": AUTHORITY,
        "destination_country": "ITA",
        "underlying": base64.b64encode(upload).decode(),
    }


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, dict[str, int]]]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    tokens = seed(url)
    engine = make_engine(url)
    at = datetime.now(UTC)
    with make_session_factory(engine)() as s:
        kandy = legalization.add_signatory(
            s,
            ADMIN,
            name="W. A. Jayasinghe",
            capacity="Additional District Registrar",
            authority=AUTHORITY,
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=at,
            specimen=demo_specimen_signature(),
            seal_image=demo_specimen_seal(),
        )
        signatories.add_certificate(s, ADMIN, kandy.id, REGISTRAR.der, at)
        jaffna = legalization.add_signatory(
            s,
            ADMIN,
            name="S. Thevarajah",
            capacity="Registrar of Births and Deaths",
            authority="Divisional Secretariat, Jaffna",
            valid_from=date(2018, 3, 1),
            valid_until=None,
            at=at,
        )
        signatories.add_certificate(s, ADMIN, jaffna.id, OTHER.der, at)
    engine.dispose()
    env: WebEnv = make_env(url, tokens)
    api = env.app.test_client()
    cases: dict[str, int] = {}
    for name, upload in (
        ("paper", demo_underlying("Birth certificate")),
        ("signed", sign(plain_pdf(), REGISTRAR, CA)),
        ("forged", sign(plain_pdf(), OTHER, CA)),
    ):
        filed = api.post("/api/legalizations", json=_body(upload), headers=bearer(env.legal_token))
        assert filed.status_code == 201, filed.get_json()
        cases[name] = filed.get_json()["id"]
    alice, token = staff_client(env.app, "alice")
    prepared = alice.post(f"/staff/cases/{cases['forged']}/prepare", data={"csrf_token": token})
    assert prepared.status_code == 302
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", cases
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()


def test_legalization_review_in_a_browser(live: tuple[str, dict[str, int]], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, cases = live
    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 30)

    def open_case(name: str) -> None:
        driver.get(f"{base}/staff/cases/{cases[name]}")
        wait.until(ec.presence_of_element_located((By.ID, "origin-check")))
        # every image loaded (a broken one has naturalWidth 0)
        wait.until(
            lambda d: d.execute_script(
                "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"
            )
        )

    def width(selector: str) -> int:
        value = driver.execute_script(
            f"return document.querySelector({selector!r}).getBoundingClientRect().width"
        )
        return round(float(value))

    try:
        driver.set_window_size(1400, 1500)
        driver.set_page_load_timeout(60)
        driver.get(f"{base}/staff/login")
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys("bob")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(page_replaced(login_page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

        # 1. A scanned paper document: the page and the specimens side by side, one scale.
        open_case("paper")
        origin = driver.find_element(By.ID, "origin-check")
        assert origin.get_attribute("data-outcome") == "not_signed"
        assert "compare the signature and seal" in origin.text
        page = "figure.review-page img"
        assert width(page) == 827  # A4 at 100 px per inch
        assert width(".specimens img[src$='/signature']") == 197  # 50 mm at the same scale
        assert width(".specimens img[src$='/seal']") == 157  # 40 mm
        page_box = driver.find_element(By.CSS_SELECTOR, page).rect
        specimen_box = driver.find_element(By.CSS_SELECTOR, ".specimens").rect
        assert specimen_box["x"] > page_box["x"] + page_box["width"] - 1  # beside, not below
        driver.find_element(By.ID, "pages-h").location_once_scrolled_into_view  # noqa: B018
        driver.save_screenshot(str(shots / "1-paper-with-specimens.png"))

        # 2. Digitally signed by the claimed authority.
        open_case("signed")
        origin = driver.find_element(By.ID, "origin-check")
        assert origin.get_attribute("data-outcome") == "signed_by_claimed_authority"
        assert "Digitally signed by the claimed authority" in origin.text
        assert origin.get_attribute("role") != "alert"
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(shots / "2-signed-by-authority.png"))

        # 3. Signed by another authority: an alert, and no Approve button.
        open_case("forged")
        origin = driver.find_element(By.ID, "origin-check")
        assert origin.get_attribute("role") == "alert"
        assert "Origin alert" in origin.text and "Jaffna" in origin.text
        assert origin.value_of_css_property("border-left-width") == "12px"
        approve = f"form[action='/staff/cases/{cases['forged']}/approve'] button"
        assert driver.find_elements(By.CSS_SELECTOR, approve) == []
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(shots / "3-origin-alert.png"))
    finally:
        driver.quit()
    assert len(list(shots.glob("*.png"))) == 3
    print(f"screenshots in {shots}")
