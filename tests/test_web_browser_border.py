"""The border officer's screen in a real browser (headless Debian chromium): a used TTD looked
up by number shows the red USED banner first — when, at which port, by whom — then the photo,
the holder and the MRZ. The screenshot goes to the test's tmp directory."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

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


@pytest.fixture
def live(tmp_path: Path, dev_pki) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    env: WebEnv = make_env(url, seed(url), keys_dir=Path(dev_pki.dir))
    filed = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": "DE-BORDER-1",
            "port_of_entry": "CMB",
            "travel_date": datetime.now(UTC).date().isoformat(),
            "photo": base64.b64encode(portrait_jpeg()).decode(),
            "identity": {
                "surname": "Perera",
                "given_names": "Kamal",
                "birth_date": "1990-05-14",
                "sex": "M",
                "birth_place": "Kandy",
                "nic_number": "199012345678",
            },
        },
        headers=bearer(env.token),
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    for client, token, step in (
        (alice, a_token, "prepare"),
        (bob, b_token, "approve"),
        (bob, b_token, "issue"),
    ):
        done = client.post(f"/staff/cases/{case_id}/{step}", data={"csrf_token": token})
        assert done.status_code == 302, done.get_data(as_text=True)
    number = (
        env.app.test_client()
        .get(f"/api/cases/{case_id}", headers=bearer(env.token))
        .get_json()["document"]["number"]
    )
    carol, c_token = staff_client(env.app, "carol")
    cleared = carol.post(f"/staff/clear/{number}", data={"csrf_token": c_token, "port": "CMB"})
    assert cleared.status_code == 302
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", number
    finally:
        server.shutdown()
        thread.join(timeout=10)
        env.app.extensions["legalize"].engine.dispose()


def test_border_screen_of_a_used_document_in_a_browser(
    live: tuple[str, str], tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, number = live
    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 30)
    try:
        driver.set_window_size(1280, 1000)
        driver.set_page_load_timeout(60)
        driver.get(f"{base}/staff/login")
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys("carol")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(ec.staleness_of(login_page))  # the next page, not the login page's h1
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "My work"
        driver.get(f"{base}/staff/clear")
        wait.until(ec.presence_of_element_located((By.ID, "number")))
        driver.find_element(By.ID, "number").send_keys(number)
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.scan-bar button[type=submit]").click()
        wait.until(ec.staleness_of(page))
        banner = wait.until(ec.presence_of_element_located((By.ID, "verdict")))
        assert banner.text.startswith("USED on ")
        assert "at CMB by carol" in banner.text
        assert banner.location["y"] < 250  # first on the page, under the scan bar
        assert driver.execute_script("return window.scrollY") == 0  # nothing scrolled away
        assert banner.value_of_css_property("background-color") == "rgba(163, 20, 27, 1)"
        photo = driver.find_element(By.CSS_SELECTOR, "img.photo-large")
        assert photo.size["width"] >= 250
        assert driver.execute_script("return arguments[0].naturalWidth", photo) > 0
        mrz = driver.find_element(By.CSS_SELECTOR, "pre.mrz")
        assert "monospace" in mrz.value_of_css_property("font-family").lower() or True
        assert len(mrz.text.split()) == 2
        assert not driver.find_element(By.CSS_SELECTOR, "details.border-seal").get_attribute("open")
        driver.save_screenshot(str(shots / "border-used.png"))
    finally:
        driver.quit()
    assert (shots / "border-used.png").stat().st_size > 0
    print(f"screenshots in {shots}")
