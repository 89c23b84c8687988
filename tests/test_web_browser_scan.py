"""The camera check (/scan) in headless chromium: a fake camera shows the QR code of an issued
TTD (Chromium's --use-file-for-fake-video-capture, a Y4M video made from the QR of the seal
the register holds for the document); the page decodes it (the barcode-detector polyfill and
its wasm from our origin: Linux chromium has no BarcodeDetector), verifies the seal with
WebCrypto against the signed trust list and adds the register's status. Then the same offline:
after a first visit installs the service worker, the server is stopped and the network cut
(DevTools emulation), and the page still loads, decodes and verifies; the register's status
is added once the network is back. Screenshots go to the test's tmp directory."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import qrcode
from babel.dates import format_date
from PIL import Image
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.web.scan import SERVICE_WORKER  # noqa: F401 - the page's worker exists
from legalize.web.state import state
from tests.helpers import support
from tests.helpers.web_app import WebEnv, issued_ttd, make_env, seed
from tests.test_web_browser import _driver

VENDOR = Path(__file__).resolve().parents[1] / "legalize" / "web" / "static" / "vendor"


@dataclass
class Live:
    env: WebEnv
    number: str
    seal_text: str
    port: int
    server: BaseWSGIServer | None = None
    thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.env.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.server = None


def issued_ttd_and_seal(env: WebEnv) -> tuple[str, str]:
    """File, prepare, approve and issue a TTD; its number and the QR text the register holds."""
    number = issued_ttd(env, "DE-SCAN-1")
    from legalize.cases import views

    with state(env.app).sessions() as session:
        doc = views.find_document(session, number)
        assert doc is not None and doc.seal_text
        return number, doc.seal_text


def y4m_of_qr(text: str, path: Path, width: int = 640, height: int = 480) -> Path:
    """A short Y4M video (4:2:0) of the QR code on white, for Chromium's fake camera."""
    matrix = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    matrix.add_data(text)
    image = matrix.make_image().get_image().convert("L")
    side = height - 40
    frame = Image.new("L", (width, height), 255)
    frame.paste(image.resize((side, side), Image.Resampling.NEAREST), ((width - side) // 2, 20))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def live(tmp_path: Path, dev_pki: Any) -> Iterator[Live]:
    if (
        not (VENDOR / "barcode-detector.js").is_file()
        or not (VENDOR / "zxing_reader.wasm").is_file()
    ):
        support.unavailable("the QR decoder polyfill is not built (make vendor: npm ci)")
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    env = make_env(url, seed(url), keys_dir=Path(dev_pki.dir))
    number, seal_text = issued_ttd_and_seal(env)
    running = Live(env, number, seal_text, 0)
    running.start()
    try:
        yield running
    finally:
        running.stop()
        state(env.app).close()


def camera_driver(video: Path) -> Any:
    return _driver(
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",  # grant the camera permission without a prompt
        f"--use-file-for-fake-video-capture={video}",
    )


def scan_and_wait(driver: Any, wait: Any) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait.until(
        ec.text_to_be_present_in_element((By.ID, "trust-state"), "Trust list signed by the root")
    )
    driver.find_element(By.ID, "scan-start").click()
    wait.until(lambda d: d.find_element(By.ID, "scan-verdict").get_attribute("data-verdict"))
    return driver.find_element(By.ID, "scan-verdict")


def fields_shown(driver: Any) -> dict[str, str]:
    from selenium.webdriver.common.by import By

    names = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#scan-fields dt")]
    values = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#scan-fields dd")]
    return dict(zip(names, values, strict=True))


def test_scan_a_qr_code_from_the_camera(live: Live, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = camera_driver(y4m_of_qr(live.seal_text, tmp_path / "qr.y4m"))
    try:
        driver.set_window_size(1000, 1400)
        driver.get(f"{live.base}/scan")
        wait = WebDriverWait(driver, 60)
        verdict = scan_and_wait(driver, wait)
        assert verdict.get_attribute("data-verdict") == "VALID", driver.find_element(
            By.ID, "scan-problems"
        ).text
        assert driver.find_element(By.ID, "scan-text").get_attribute("value") == live.seal_text
        fields = fields_shown(driver)
        assert fields["Document number"] == live.number
        assert fields["Name"] == "PERERA, KAMAL"
        # Dates in the page's language, as the server's pages write them (Babel's medium).
        assert fields["Date of birth"] == "May 14, 1990"
        assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}", fields["Valid until"])
        wait.until(lambda d: d.find_element(By.ID, "scan-register").get_attribute("data-status"))
        register = driver.find_element(By.ID, "scan-register")
        assert register.get_attribute("data-status") == "issued"
        assert register.text.startswith("Register: valid")
        driver.save_screenshot(str(tmp_path / "scan-online.png"))
        logs = driver.get_log("browser")
        assert not [e for e in logs if "Content Security Policy" in e.get("message", "")], logs
        # Nothing came from another origin (the polyfill's default is a CDN).
        origins = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
        )
        assert set(origins) == {live.base}, origins
    finally:
        driver.quit()
    print(f"screenshots in {tmp_path}")


def test_camera_permission_denied_is_said_plainly(live: Live, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver = _driver("--use-fake-device-for-media-stream", "--deny-permission-prompts")
    try:
        driver.get(f"{live.base}/scan")
        wait = WebDriverWait(driver, 30)
        driver.find_element(By.ID, "scan-start").click()
        wait.until(ec.text_to_be_present_in_element((By.ID, "scan-message"), "permission"))
        assert "Camera permission was denied" in driver.find_element(By.ID, "scan-message").text
        driver.save_screenshot(str(tmp_path / "scan-denied.png"))
    finally:
        driver.quit()


def test_scan_offline_after_a_first_visit(live: Live, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = camera_driver(y4m_of_qr(live.seal_text, tmp_path / "qr.y4m"))
    try:
        driver.set_window_size(1000, 1400)
        wait = WebDriverWait(driver, 60)
        driver.get(f"{live.base}/scan")
        # The first visit installs the worker, which keeps the page, code, wasm and trust list.
        wait.until(lambda d: d.execute_script("return !!navigator.serviceWorker.controller"))
        wait.until(
            lambda d: d.execute_script(
                "return caches.open('legalize-scan-v1').then(c => c.keys())"
                ".then(k => k.map(r => new URL(r.url).pathname))"
            )
        )
        kept = driver.execute_script(
            "return caches.open('legalize-scan-v1').then(c => c.keys())"
            ".then(k => k.map(r => new URL(r.url).pathname))"
        )
        assert "/static/vendor/zxing_reader.wasm" in kept and "/trust/" in kept, kept

        live.stop()  # the network is cut: nothing answers on the server's port …
        driver.execute_cdp_cmd("Network.enable", {})
        offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", offline)  # … nor anywhere
        driver.get(f"{live.base}/scan")
        assert driver.execute_script("return navigator.onLine") is False
        verdict = scan_and_wait(driver, wait)
        assert verdict.get_attribute("data-verdict") == "VALID"
        assert fields_shown(driver)["Document number"] == live.number
        trust_state = driver.find_element(By.ID, "trust-state").text
        assert trust_state.startswith("Offline, using the copy kept on this device.")
        assert "current until" in trust_state and "day" in trust_state
        register = driver.find_element(By.ID, "scan-register")
        wait.until(lambda d: "Offline" in register.text)
        driver.save_screenshot(str(tmp_path / "scan-offline.png"))

        # The network is back: the page adds the register's status by itself.
        live.start()
        online = {**offline, "offline": False}
        driver.execute_cdp_cmd("Network.emulateNetworkConditions", online)
        wait.until(lambda d: register.get_attribute("data-status") == "issued")
        trust = driver.find_element(By.ID, "trust-state")
        wait.until(lambda d: trust.text.startswith("Trust list signed by the root"))
        driver.save_screenshot(str(tmp_path / "scan-back-online.png"))
    finally:
        driver.quit()
    print(f"screenshots in {tmp_path}")


def _tamil(msgid: str) -> str:
    """``msgid`` as the Tamil catalog the page is served from says it."""
    from babel.messages.pofile import read_po

    from legalize.web.language import TRANSLATIONS_DIR

    with (TRANSLATIONS_DIR / "ta" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        message = read_po(f, locale="ta").get(msgid)
    assert message is not None and message.string and not message.fuzzy, msgid
    return str(message.string)


def test_scan_in_tamil(live: Live, tmp_path: Path) -> None:
    """What scan.js writes comes from the page's language (a JSON data block the CSP allows):
    the trust list's state, the verdict, the field labels, the register's status and a
    problem's reason, all in Tamil."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from legalize.web.language import reason_templates

    tamil_reasons = set(reason_templates("ta").values())
    driver = _driver()
    try:
        driver.set_window_size(1000, 1400)
        wait = WebDriverWait(driver, 60)
        driver.get(f"{live.base}/scan?lang=ta")
        trust = driver.find_element(By.ID, "trust-state")
        prefix = _tamil(
            "Trust list signed by the root, issued %(issued)s UTC (%(age)s), current until"
            " %(next)s."
        ).split("%(")[0]
        wait.until(lambda d: trust.text.startswith(prefix))
        assert "Trust list" not in trust.text

        driver.find_element(By.ID, "scan-text").send_keys(live.seal_text)
        driver.find_element(By.CSS_SELECTOR, "#scan-form button[type=submit]").click()
        verdict = driver.find_element(By.ID, "scan-verdict")
        wait.until(lambda d: verdict.get_attribute("data-verdict"))
        assert verdict.get_attribute("data-verdict") == "VALID"
        assert verdict.text == _tamil("Genuine seal: signed by a trusted issuer and unchanged.")
        fields = fields_shown(driver)
        assert fields[_tamil("Document number")] == live.number
        assert fields[_tamil("Document")] == _tamil("Temporary travel document")
        born = format_date(date(1990, 5, 14), "medium", locale="ta")  # 14 மே, 1990
        assert fields[_tamil("Date of birth")] == born
        register = driver.find_element(By.ID, "scan-register")
        wait.until(lambda d: register.get_attribute("data-status"))
        status = _tamil("Register: %(status)s (checked %(moment)s UTC).").split("%(")[0]
        assert register.text.startswith(status + _tamil("valid")), register.text
        driver.save_screenshot(str(tmp_path / "scan-ta-valid.png"))

        # A seal whose signed content was changed: the problem's reason from the Tamil catalog.
        head, _, tail = live.seal_text.rpartition("/")
        changed = head + "/" + tail[:40] + ("A" if tail[40] != "A" else "B") + tail[41:]
        box = driver.find_element(By.ID, "scan-text")
        box.clear()
        box.send_keys(changed)
        driver.find_element(By.CSS_SELECTOR, "#scan-form button[type=submit]").click()
        wait.until(lambda d: verdict.get_attribute("data-verdict") != "VALID")
        assert verdict.text == _tamil(
            {
                "INVALID": "Not a valid seal: do not rely on this document.",
                "INDETERMINATE": "The seal could not be fully checked on this device.",
            }[verdict.get_attribute("data-verdict")]
        )
        problems = [e.text for e in driver.find_elements(By.CSS_SELECTOR, "#scan-problems li")]
        assert problems
        for line in problems:
            code, _, text = line.partition(": ")
            assert code.isupper() and text in tamil_reasons, line
        driver.save_screenshot(str(tmp_path / "scan-ta-changed.png"))
        logs = driver.get_log("browser")
        assert not [e for e in logs if "Content Security Policy" in e.get("message", "")], logs
    finally:
        driver.quit()
    print(f"screenshots in {tmp_path}")
