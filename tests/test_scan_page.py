"""/scan, its service worker and /scan/status without a browser: headers, CSP, bad input."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from cryptography.hazmat.primitives import serialization
from flask import Flask

from legalize.pki.devkeys import DevPki
from legalize.pki.trust import TrustStore

pytestmark = pytest.mark.web(signed=True)  # the dev PKI's keys folder: its published root


def test_scan_page_pins_the_root_and_runs_no_inline_script(app: Flask, dev_pki: DevPki) -> None:
    page = app.test_client().get("/scan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    root = TrustStore.load(dev_pki.trust_dir).roots[0]
    pin = hashlib.sha256(root.public_bytes(serialization.Encoding.DER)).hexdigest()
    assert f'data-root-sha256="{pin}"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    # Every script that runs is our own file; the one inline block is JSON data (scan.js's
    # words in the reader's language), which a browser never executes.
    data = [(a, body) for a, body in scripts if 'type="application/json"' in a]
    code = [(a, body) for a, body in scripts if 'type="application/json"' not in a]
    assert code and all('src="/static/' in attrs and not body.strip() for attrs, body in code)
    assert [a for a, _ in data] == [' type="application/json" id="scan-messages"']
    words = json.loads(data[0][1])
    assert words["words"]["verdict_VALID"].startswith("Genuine seal")
    assert "<" not in data[0][1]  # tojson escapes it: the block cannot end early
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp  # the decoder's wasm, no JS eval
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    other = app.test_client().get("/")
    assert "wasm-unsafe-eval" not in other.headers["Content-Security-Policy"]  # /scan only


def test_service_worker_is_served_from_the_root(app: Flask) -> None:
    worker = app.test_client().get("/scan-sw.js")
    assert worker.status_code == 200
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Cache-Control"] == "no-store"  # a new worker is taken at once
    assert b"legalize-scan-v1" in worker.data


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("", 422, "number"),
        ("number=T1", 422, "check_code"),
        ("number=" + "9" * 21 + "&check_code=X", 422, "number"),
        ("number=T1&check_code=" + "X" * 41, 422, "check_code"),
        ("number=T26000001&check_code=AAAA-BBBB-CCCC-DD", 404, None),
    ],
)
def test_status_refuses_bad_input_as_json(
    app: Flask, query: str, status: int, field: str | None
) -> None:
    answer = app.test_client().get(f"/scan/status?{query}")
    assert answer.status_code == status
    error = answer.get_json()["error"]
    assert error["field"] == field
    assert answer.headers["Cache-Control"] == "no-store"
