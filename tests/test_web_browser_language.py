"""The language switch in a real browser (headless Debian chromium): the public check page, a
QR link's page and the border clearance page in Sinhala and Tamil, the choice kept from page
to page, each script drawn with the Noto font made for it (Chromium's own report of the fonts
it used), screenshots saved as artifacts to look at the shaping."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.cases import views
from legalize.cases.demo import seed_demo
from legalize.web.language import NATIVE_NAMES
from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import PASSWORD, WebEnv, make_env, seed
from tests.test_web_browser import _driver

pytestmark = pytest.mark.slow


@pytest.fixture
def live(dev_pki, tmp_path: Path) -> Iterator[tuple[str, WebEnv, str]]:  # type: ignore[no-untyped-def]
    """A live server over the demo register; the QR path of an issued TTD."""
    url = f"sqlite:///{tmp_path / 'register.sqlite3'}"
    env = make_env(url, seed(url), keys_dir=Path(dev_pki.dir))
    with state(env.app).sessions() as session:
        seed_demo(session, dev_pki.at + timedelta(hours=1), env.issuer)
        texts = [
            c.document.seal_text
            for c in views.list_cases(session, limit=100).items
            if c.kind == "readmission" and c.document and c.document.status == "issued"
        ]
    assert texts and texts[0]
    seal_path = "/" + texts[0].split("://", 1)[1].split("/", 1)[1]
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", env, seal_path
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()


def _fonts_of(driver: Any, selector: str) -> set[str]:
    """The font families Chromium actually drew ``selector``'s text with."""
    driver.execute_cdp_cmd("DOM.enable", {})
    driver.execute_cdp_cmd("CSS.enable", {})
    root = driver.execute_cdp_cmd("DOM.getDocument", {})["root"]["nodeId"]
    node = driver.execute_cdp_cmd("DOM.querySelector", {"nodeId": root, "selector": selector})
    fonts = driver.execute_cdp_cmd("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return {f["familyName"] for f in fonts["fonts"]}


def test_switch_language_in_a_browser(live: tuple[str, WebEnv, str], tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _env, seal_path = live
    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 30)

    def switch_to(lang: str) -> None:
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.LINK_TEXT, NATIVE_NAMES[lang]).click()
        wait.until(page_replaced(page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang

    def shot(name: str) -> None:
        driver.save_screenshot(str(shots / f"{name}.png"))

    try:
        driver.set_window_size(1100, 900)
        driver.set_page_load_timeout(60)
        driver.get(f"{base}/")
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "Check a document"
        shot("1-check-en")

        switch_to("si")
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "ලේඛනයක් පරීක්ෂා කරන්න"
        assert "Noto Sans Sinhala" in _fonts_of(driver, "h1")
        shot("2-check-si")

        driver.get(f"{base}{seal_path}")  # remembered: no switch on this page yet
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "si"
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "මුද්‍රා පරීක්ෂාව"
        shot("3-seal-si")

        switch_to("ta")
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "முத்திரைச் சரிபார்ப்பு"
        assert "Noto Sans Tamil" in _fonts_of(driver, "h1")
        verdict = driver.find_element(By.CSS_SELECTOR, "p.verdict-ok").text
        assert verdict.startswith("முத்திரை உண்மையானது")
        shot("4-seal-ta")

        driver.get(f"{base}/staff/login")  # the border officer signs in, still in Tamil
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "பணியாளர் உள்நுழைவு"
        driver.find_element(By.ID, "username").send_keys("carol")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(page_replaced(page))
        driver.get(f"{base}/staff/clear")
        wait.until(ec.presence_of_element_located((By.ID, "number")))
        switch_to("si")
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == ("තාවකාලික ගමන් ලේඛනයක් නිෂ්කාශනය කරන්න")
        shot("5-clear-si")
    finally:
        driver.quit()
    for name in ("1-check-en", "2-check-si", "3-seal-si", "4-seal-ta", "5-clear-si"):
        assert (shots / f"{name}.png").stat().st_size > 0
    print(f"screenshots in {shots}")
