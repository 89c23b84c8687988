"""The identity gate in a real browser (headless Debian chromium): a case whose passport is
reported stolen is shown as an alert, its approval is not offered, an administrator records the
decision, another officer approves. Screenshots go to the test's tmp directory."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_sltd
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

SLTD_CSV = b"""document_number,issuing_country,status,reported_on
N1234567,LKA,stolen,2025-03-01
"""


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, WebEnv, int]]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    tokens = seed(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        assert import_sltd(s, SLTD_CSV, "sltd.csv", datetime.now(UTC)).errors == ()
        s.commit()
    engine.dispose()
    env = make_env(url, tokens)
    filed = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": "DE-STOLEN-1",
            "port_of_entry": "CMB",
            "travel_date": (date.today() + timedelta(days=7)).isoformat(),
            "photo": base64.b64encode(portrait_jpeg()).decode(),
            "identity": {
                "surname": "Perera",
                "given_names": "Kamal",
                "birth_date": "1990-05-14",
                "sex": "M",
                "nic_number": "199012345678",
                "passport_number": "N1234567",
            },
        },
        headers=bearer(env.token),
    )
    assert filed.status_code == 201, filed.get_json()
    case_id: int = filed.get_json()["id"]
    alice, token = staff_client(env.app, "alice")
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token}).status_code == 302
    )
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", env, case_id
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()


def test_watchlist_case_blocked_then_decided_in_a_browser(
    live: tuple[str, WebEnv, int], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    base, _env, case_id = live
    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 30)

    def sign_in(user: str) -> None:
        driver.delete_all_cookies()
        driver.get(f"{base}/staff/login")
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys(user)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        # the signed-in page, not the login page still showing (its h1 would satisfy the
        # next wait and the case would be requested before the session cookie is set)
        wait.until(page_replaced(login_page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        driver.get(f"{base}/staff/cases/{case_id}")
        wait.until(ec.presence_of_element_located((By.ID, "identity-check")))

    def click(selector: str) -> None:
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, selector).click()
        wait.until(page_replaced(page))  # the next page, not the old one still showing
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    try:
        driver.set_window_size(1280, 1400)
        driver.set_page_load_timeout(60)
        sign_in("bob")
        alert = driver.find_element(By.ID, "identity-check")
        assert alert.get_attribute("role") == "alert"
        assert "Travel document reported STOLEN" in alert.text
        assert "N1234567" in alert.text and "Sri Lanka (LKA)" in alert.text
        assert "01 MAR 2025" in alert.text and "blocked" in alert.text
        assert "on_watchlist" not in driver.page_source
        # The alert stands out: a thick red border.
        assert alert.value_of_css_property("border-left-width") == "12px"
        approve = f"form[action='/staff/cases/{case_id}/approve'] button"
        assert driver.find_elements(By.CSS_SELECTOR, approve) == []  # no button the rules refuse
        driver.save_screenshot(str(shots / "1-blocked.png"))

        sign_in("root")  # an administrator who neither filed nor prepared it decides
        Select(driver.find_element(By.ID, "evidence")).select_by_value("passport_lost_by_holder")
        driver.find_element(By.ID, "evidence_reference").send_keys("police report CMB/2025/118")
        driver.find_element(By.ID, "reason").send_keys(
            "the holder reported it lost before the theft report; interview confirms identity"
        )
        click("#identity-check form button[type=submit]")
        alert = driver.find_element(By.ID, "identity-check")
        assert "Settled" in alert.text and "by root on" in alert.text and "user:" not in alert.text
        driver.save_screenshot(str(shots / "2-decided.png"))

        sign_in("bob")  # a further officer approves
        click(approve)
        assert "approved" in driver.find_element(By.CSS_SELECTOR, "h1").text.lower()
        driver.save_screenshot(str(shots / "3-approved.png"))
    finally:
        driver.quit()
    assert len(list(shots.glob("*.png"))) == 3
    print(f"screenshots in {shots}")
