"""The public check pages in headless Chromium against a live server over the demo register
(real sealed, signed documents): by number and check code, the /V/ link read from the QR of
an issued PDF (zxing-cpp on the rendered page), a genuine and a tampered PDF upload, and a
simulated phone photo of an issued TTD and a forged one. Screenshots go to the test's tmp
directory (the path is printed)."""

from __future__ import annotations

import os
import random
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from werkzeug.serving import BaseWSGIServer, make_server

from legalize.cases import views
from legalize.cases.demo import seed_demo
from legalize.cases.issuer import bind_issuer
from legalize.config import Config, RateLimits
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.web import create_app
from legalize.web.state import state
from tests.helpers.browser import page_replaced
from tests.test_tasks_crash import Worker
from tests.test_web_browser import _driver


@dataclass(frozen=True)
class Doc:
    number: str
    check_code: str
    pdf: bytes


@pytest.fixture(scope="module")
def live(dev_pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Doc]]]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("browser_check")
    database = f"sqlite:///{folder / 'register.sqlite3'}"
    # The photo checks go to the embedded queue, read by a real `legalize worker` process.
    config = replace(
        Config(),
        database_url=database,
        keys_dir=Path(dev_pki.dir),
        key_passphrase=dev_pki.passphrase,
        rates=RateLimits(public="1000/minute"),
        queue="sqlite",
        instance_dir=folder / "instance",
    )
    engine = make_engine(database)
    upgrade(engine)
    issuer = bind_issuer(config)
    docs: dict[str, Doc] = {}
    with make_session_factory(engine)() as session:
        seed_demo(session, dev_pki.at + timedelta(hours=1), issuer)
        for case in views.list_cases(session, limit=100).items:
            d = case.document
            if d is not None and d.status == "issued":
                pdf = views.document_pdf(session, d.number)
                docs.setdefault(case.kind, Doc(d.number, d.check_code, pdf))
    engine.dispose()
    app = create_app(config, services={"issuer": issuer})
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = {
        "DATABASE_URL": database,
        "LEGALIZE_QUEUE": "sqlite",
        "LEGALIZE_KEYS_DIR": str(dev_pki.dir),
        "LEGALIZE_KEY_PASSPHRASE": dev_pki.passphrase,
        "LEGALIZE_INSTANCE_DIR": str(folder / "instance"),
    }
    env = {**os.environ, **settings, "PYTHONPATH": str(Path(__file__).parent.parent)}
    for name in ("LEGALIZE_ENV", "REDIS_URL", "LEGALIZE_QUEUE_NAME"):
        env.pop(name, None)
    worker = Worker(env, folder / "worker.log")
    try:
        yield f"http://127.0.0.1:{server.server_port}", docs
    finally:
        worker.kill(signal.SIGTERM)
        server.shutdown()
        thread.join(timeout=10)
        state(app).close()


def _page(pdf: bytes, dpi: int) -> np.ndarray:  # type: ignore[type-arg]
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil().convert("RGB")
    finally:
        document.close()
    return np.asarray(image)


def test_public_checks_in_a_real_browser(live: tuple[str, dict[str, Doc]], tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image, ImageDraw
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from bench.forgesim.capture import scan_300dpi

    base, docs = live
    ttd, legal = docs["readmission"], docs["legalization"]
    shots = tmp_path / "screenshots"
    shots.mkdir()
    files = tmp_path / "files"
    files.mkdir()
    driver = _driver()
    wait = WebDriverWait(driver, 60)

    def submit(selector: str) -> None:
        before = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.CSS_SELECTOR, selector).click()
        wait.until(page_replaced(before))

    def verdict() -> str:
        return str(wait.until(ec.presence_of_element_located((By.ID, "verdict"))).text)

    try:
        driver.set_window_size(1280, 1400)
        driver.set_page_load_timeout(90)
        # 1. by number and check code: a legalization, with its Apostille and certificate page
        driver.get(f"{base}/")
        driver.find_element(By.ID, "number").send_keys(legal.number)
        driver.find_element(By.ID, "check_code").send_keys(legal.check_code)
        submit("form.narrow button[type=submit]")
        assert verdict() == "VALID"
        assert driver.find_element(By.ID, "underlying-sha256").text
        cert = driver.find_element(By.CSS_SELECTOR, "figure.certificate img")
        assert driver.execute_script("return arguments[0].naturalWidth", cert) == 600
        driver.save_screenshot(str(shots / "check-by-number.png"))

        # 2. the /V/ link read from the QR of the issued TTD's rendered page
        found = zxingcpp.read_barcodes(_page(ttd.pdf, 150), formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1
        path = "/" + found[0].text.split("://", 1)[1].split("/", 1)[1]
        driver.get(base + path)
        verdict()
        assert driver.find_element(By.ID, "verdict").get_attribute("data-verdict") == "VALID"
        sealed = driver.find_element(By.ID, "sealed").text
        assert ttd.number in sealed
        banner = driver.find_element(By.ID, "verdict")
        assert banner.size["width"] > 0.8 * driver.find_element(By.TAG_NAME, "main").size["width"]
        driver.save_screenshot(str(shots / "qr-link.png"))

        # 3. PDF upload: the issued file, then one byte of it changed
        genuine = files / "genuine.pdf"
        genuine.write_bytes(ttd.pdf)
        title = ttd.pdf.index(b"Temporary travel document")
        tampered = files / "tampered.pdf"
        tampered.write_bytes(ttd.pdf[:title] + b"X" + ttd.pdf[title + 1 :])
        for name, file, expect, copy in (
            ("pdf-genuine", genuine, "VALID.", "Exactly the document we issued"),
            ("pdf-tampered", tampered, "NOT VALID.", "Changed after issuance"),
        ):
            driver.get(f"{base}/check/pdf")
            driver.find_element(By.ID, "pdf").send_keys(str(file))
            submit("form.narrow button[type=submit]")
            assert verdict().startswith(expect), name
            assert copy in driver.find_element(By.ID, "register-copy").text, name
            driver.save_screenshot(str(shots / f"{name}.png"))

        # 4. photo upload: a simulated 300 dpi scan of the printed TTD, and of a forged one
        page = _page(ttd.pdf, 300)
        photo = files / "scan.jpg"
        photo.write_bytes(scan_300dpi(page, random.Random(7)).jpeg)
        forged_page = Image.fromarray(page)
        w, h = forged_page.size
        ImageDraw.Draw(forged_page).rectangle(
            (w * 0.08, h * 0.25, w * 0.35, h * 0.6), fill=(200, 170, 150)
        )
        forged = files / "forged.jpg"
        forged.write_bytes(scan_300dpi(np.asarray(forged_page), random.Random(7)).jpeg)
        for name, file, expect in (
            ("photo-genuine", photo, "valid"),
            ("photo-forged", forged, "invalid"),
        ):
            driver.get(f"{base}/check/photo")
            driver.find_element(By.ID, "paper").send_keys(str(file))
            submit("form.paper-upload button[type=submit]")
            # The check's own page: "checking…" until the worker has answered, reloading
            # itself, then the report.
            assert "/check/photo/" in driver.current_url, driver.current_url
            shown = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".paper-verdict")))
            assert f"paper-{expect}" in str(shown.get_attribute("class")), (
                name,
                driver.find_element(By.CSS_SELECTOR, ".paper-checks").text,
            )
            picture = driver.find_element(By.CSS_SELECTOR, "figure.paper-picture img")
            assert driver.execute_script("return arguments[0].naturalWidth", picture) > 0
            driver.save_screenshot(str(shots / f"{name}.png"))
    finally:
        driver.quit()
    names = sorted(shot.name for shot in shots.iterdir() if shot.stat().st_size > 0)
    assert len(names) == 6, names
    print(f"screenshots in {shots}")
