"""A real browser (headless Debian chromium through chromium-driver) against a live server on
127.0.0.1: sign in, see the case list, filter it. Catches what the test client cannot: the
CSP blocking our own CSS, cookies a browser refuses, forms a browser cannot submit."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from tests.helpers import support
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import PASSWORD, WebEnv, bearer, make_env, seed, seeded_sqlite


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, WebEnv]]:
    template = tmp_path / "t.sqlite3"
    tokens = seed(f"sqlite:///{template}")
    url, tokens = seeded_sqlite(tmp_path, (template, tokens))
    env = make_env(url, tokens)
    api = env.app.test_client()
    for ref, letter in (("BR-1", "A"), ("BR-2", "B")):
        filed = api.post(
            "/api/readmissions",
            json={
                "host_reference": ref,
                "identity": {
                    "surname": f"Surname{letter}",  # names hold no digits (the MRZ)
                    "birth_date": "1990-01-01",
                    "sex": "F",
                },
            },
            headers=bearer(env.token),
        )
        assert filed.status_code == 201
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", env
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _driver(*extra_args: str):  # type: ignore[no-untyped-def]
    """Headless chromium; ``extra_args`` are more command-line switches (e.g. a fake camera)."""
    chromium = shutil.which("chromium")
    chromedriver = shutil.which("chromedriver")
    if chromium is None or chromedriver is None:
        support.unavailable("Debian chromium and chromium-driver are not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        support.unavailable("selenium is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        *extra_args,
    ):
        options.add_argument(arg)
    # An explicit driver path: Selenium Manager never runs (it would download a browser).
    return webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)


def test_login_and_case_list_in_a_real_browser(live: tuple[str, WebEnv]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, _env = live
    driver = _driver()
    try:
        driver.set_page_load_timeout(60)
        driver.get(f"{base}/staff/cases")
        wait = WebDriverWait(driver, 30)
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        assert "/staff/login" in driver.current_url  # not signed in: sent to the login page
        driver.find_element(By.ID, "username").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(page_replaced(login_page))  # the next page, not the login page's h1
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert driver.find_element(By.CSS_SELECTOR, "h1").text == "Cases"
        rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert len(rows) == 2
        assert "SurnameZ" not in driver.page_source
        # The stylesheet loaded under our CSP (a blocked one leaves the bar unstyled).
        bar = driver.find_element(By.CSS_SELECTOR, "header.bar")
        assert bar.value_of_css_property("display") == "flex"
        # The session cookie is HttpOnly: script cannot read it.
        assert "legalize_session" not in driver.execute_script("return document.cookie")
        # Filter by text.
        box = driver.find_element(By.ID, "q")
        box.send_keys("SurnameB")
        driver.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
        wait.until(ec.url_contains("q=SurnameB"))
        rows = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert len(rows) == 1 and "SurnameB" in rows[0].text
        # The browser console saw no CSP violation.
        logs = driver.get_log("browser")
        assert not [e for e in logs if "Content Security Policy" in e.get("message", "")], logs
    finally:
        driver.quit()
