"""A charter flight in a real browser (headless Debian chromium): the clerk downloads the CSV
template, fills it, uploads it beside a ZIP of photos, prepares; another officer approves and
issues; the flight's ZIP is downloaded and holds every TTD and the manifest; the staff search
finds a passenger by name. Screenshots (and the manifest's first page as a PNG) go to the
test's tmp directory."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.helpers.web_app import PASSWORD, WebEnv, make_env, seed, seeded_sqlite
from tests.test_web_browser import _driver
from tests.test_web_flight import flight_files


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    template = tmp_path / "t.sqlite3"
    url, tokens = seeded_sqlite(tmp_path, (template, seed(f"sqlite:///{template}")))
    env: WebEnv = make_env(url, tokens)
    server: BaseWSGIServer = make_server("127.0.0.1", 0, env.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        state(env.app).close()


def _downloaded(folder: Path, name: str, timeout: float = 30) -> Path:
    path = folder / name
    deadline = time.monotonic() + timeout
    while not path.exists() or list(folder.glob("*.crdownload")):
        assert time.monotonic() < deadline, f"{name} not downloaded: {list(folder.iterdir())}"
        time.sleep(0.1)
    return path


def test_charter_flight_in_a_browser(live: str, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base = live
    shots = tmp_path / "screenshots"
    downloads = tmp_path / "downloads"
    shots.mkdir()
    downloads.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 60)

    def sign_in(user: str) -> None:
        driver.delete_all_cookies()
        driver.get(f"{base}/staff/login")
        wait.until(ec.presence_of_element_located((By.ID, "username")))
        driver.find_element(By.ID, "username").send_keys(user)
        driver.find_element(By.ID, "password").send_keys(PASSWORD)
        login_page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, "form.narrow button[type=submit]").click()
        wait.until(page_replaced(login_page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    def click(selector: str) -> None:
        page = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, selector).click()
        wait.until(page_replaced(page))
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "h1")))

    def step(label: str, expected: str) -> None:
        click(f"section.actions form[action$='/{label}'] button")
        # the page refreshes itself while the step runs; then it says how the step ended
        result = wait.until(ec.presence_of_element_located((By.ID, "step-result")))
        assert result.text == expected, result.text

    try:
        driver.set_window_size(1280, 1100)
        driver.set_page_load_timeout(60)
        driver.execute_cdp_cmd(
            "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        sign_in("alice")
        click("nav a[href='/staff/batches']")
        click("a.button[href='/staff/batches/new']")
        driver.find_element(By.ID, "template-link").click()
        template = _downloaded(downloads, "batch-template.csv").read_text("utf-8-sig")
        table, photos = flight_files(template)
        (tmp_path / "flight.csv").write_bytes(table)
        (tmp_path / "photos.zip").write_bytes(photos)
        driver.find_element(By.ID, "host_country").send_keys("DEU")
        driver.find_element(By.ID, "reference").send_keys("CHARTER-BROWSER")
        driver.find_element(By.ID, "file").send_keys(str(tmp_path / "flight.csv"))
        driver.find_element(By.ID, "photos").send_keys(str(tmp_path / "photos.zip"))
        driver.save_screenshot(str(shots / "1-upload.png"))
        click("form.narrow button[type=submit]")
        counts = driver.find_element(By.ID, "batch-counts").text
        assert "4 rows in the file: 3 filed as cases, 1 refused" in counts, counts
        assert (
            "DIAS, Amali"
            in driver.find_element(By.ID, "refused")
            .find_element(By.XPATH, "following-sibling::table")
            .text
        )
        step("prepare", "Prepare finished: 3 prepared.")
        driver.save_screenshot(str(shots / "2-filed-and-prepared.png"))
        batch_url = driver.current_url

        sign_in("bob")
        driver.get(batch_url)
        wait.until(ec.presence_of_element_located((By.ID, "batch-cases")))
        step("approve", "Approve finished: 2 approved, 1 refused.")
        refused = driver.find_element(By.CSS_SELECTOR, "ul.failures li")
        assert refused.text.startswith("Line 4 — FERNANDO, Ruwan: ")
        assert (
            refused.find_element(By.TAG_NAME, "a")
            .get_attribute("href")
            .startswith(f"{base}/staff/cases/")
        )
        driver.save_screenshot(str(shots / "3-approved.png"))
        step("issue", "Issue finished: 2 issued, 1 not ready for this step.")
        button = driver.find_element(By.ID, "flight-download")
        assert "2 TTDs and the manifest" in button.text
        driver.save_screenshot(str(shots / "4-issued.png"))
        button.click()
        flight = _downloaded(downloads, "flight-DEU-CHARTER-BROWSER.zip")
        with zipfile.ZipFile(flight) as z:
            names = z.namelist()
            manifest = z.read("flight-DEU-CHARTER-BROWSER/manifest.csv").decode("utf-8-sig")
            pdf = z.read("flight-DEU-CHARTER-BROWSER/manifest.pdf")
        assert len([n for n in names if "/ttd/" in n]) == 2
        rows = list(csv.DictReader(io.StringIO(manifest)))
        assert [r["surname"] for r in rows] == ["PERERA", "SILVA"]
        pdftoppm = shutil.which("pdftoppm")
        if pdftoppm:  # the printable manifest, to look at beside the screenshots
            (tmp_path / "manifest.pdf").write_bytes(pdf)
            subprocess.run(
                [
                    pdftoppm,
                    "-r",
                    "70",
                    "-png",
                    "-singlefile",
                    str(tmp_path / "manifest.pdf"),
                    str(shots / "5-manifest"),
                ],
                check=True,
            )

        click("nav a[href='/staff/batches']")
        listing = driver.find_element(By.ID, "batch-list").text
        assert "CHARTER-BROWSER" in listing and "2 of 3" in listing
        driver.save_screenshot(str(shots / "6-batches.png"))

        driver.get(f"{base}/staff/cases")
        wait.until(ec.presence_of_element_located((By.ID, "q")))
        driver.find_element(By.ID, "q").send_keys("nimali silva")
        click("form.filters button[type=submit]")
        found = driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
        assert len(found) == 1 and "Silva, Nimali" in found[0].text
        driver.save_screenshot(str(shots / "7-search.png"))
        logs = driver.get_log("browser")
        assert not [e for e in logs if "Content Security Policy" in e.get("message", "")], logs
    finally:
        driver.quit()
    assert len(list(shots.glob("*.png"))) >= 6
    print(f"screenshots in {shots}")
