"""The risk dashboard in a real browser (headless Debian chromium): a risk analyst signs in,
lands on the dashboard, sees the SVG charts drawn (no script, the page's CSP refuses inline
ones), the alert of a number checked with wrong codes over and over, and the recent failures.
The screenshot goes to the test's tmp directory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.cases import checks_log
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import PASSWORD, WebEnv, csrf_token, make_env, seed
from tests.test_web_browser import _driver

HISTORY = (
    # (days ago, method, verdict, reasons, number, type, post)
    (6, Method.QR_LINK, "valid", (), "TA0000011", "ttd", "Dubai"),
    (5, Method.NUMBER, "invalid", ("DOCUMENT_NOT_IN_REGISTER",), "TA0000012", "ttd", None),
    (
        4,
        Method.PDF,
        "invalid",
        ("PDF_MODIFIED_AFTER_SIGNING",),
        "LG0000003",
        "legalization",
        "Colombo",
    ),
    (3, Method.QR_LINK, "invalid", ("SEAL_SIGNATURE_INVALID",), None, "ttd", None),
    (2, Method.PHOTO, "invalid", ("PHOTO_MISMATCH",), "TA0000011", "ttd", "Dubai"),
    (1, Method.API, "valid", (), "TA0000014", "ttd", None),
    (1, Method.SCAN, "valid", (), "LG0000004", "legalization", "Colombo"),
)


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    env: WebEnv = make_env(url, seed(url))
    now = datetime.now(UTC)
    with state(env.app).sessions() as session:
        for days, method, verdict, reasons, number, kind, post in HISTORY:
            at = now - timedelta(days=days)
            for i in range(3 if verdict == "valid" else 1):
                source = checks_log.client_hash(
                    checks_log.day_salt(session, at.date()), f"198.51.100.{i}"
                )
                outcome = CheckOutcome(method, verdict, reasons, number, kind, post)
                checks_log.record(session, outcome, source, at)
        session.commit()
    # Six wrong check codes for one number through the real form: the alert.
    checker = env.app.test_client()
    form = {"number": "TA0000099", "check_code": "GUESS", "csrf_token": csrf_token(checker, "/")}
    for _ in range(6):
        assert checker.post("/", data=form).status_code == 404
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()


def test_risk_dashboard_in_a_browser(live: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    shots = tmp_path / "screenshots"
    shots.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 30)
    try:
        driver.set_window_size(1280, 1800)
        driver.set_page_load_timeout(60)
        driver.get(f"{live}/staff/login")
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys("rita")
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(page_replaced(login_page))
        heading = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))
        assert heading.text == "Forgery watch: public checks"
        assert driver.current_url.endswith("/staff/risk")
        alert = driver.find_element(By.CSS_SELECTOR, "#alerts li.alert")
        assert "TA0000099" in alert.text and "6 failed checks" in alert.text
        charts = driver.find_elements(By.CSS_SELECTOR, "svg.chart")
        assert len(charts) == 5
        # drawn, with the stylesheet's colours: failures red, checks grey
        bad = driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.failures")
        assert any(float(r.get_attribute("height") or 0) > 0 for r in bad)
        assert bad[0].value_of_css_property("fill") == "rgb(170, 0, 0)"
        assert charts[0].size["width"] > 500 and charts[0].size["height"] > 100
        rows = driver.find_elements(By.CSS_SELECTOR, "#recent tbody tr")
        assert len(rows) == 6 + 4  # the form's six wrong codes and the four older failures
        driver.save_screenshot(str(shots / "risk-dashboard.png"))
        # the page's own script count: none (the CSP would refuse an inline one anyway)
        assert driver.find_elements(By.TAG_NAME, "script") == []
    finally:
        driver.quit()
    assert (shots / "risk-dashboard.png").stat().st_size > 0
    print(f"screenshots in {shots}")
