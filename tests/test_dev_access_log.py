"""The development server's access log holds no seal and no query string: `/V/<seal>` carries
the holder's name, birth date, NIC and check code, and staff searches carry names."""

from __future__ import annotations

import logging
import threading
import urllib.request

import pytest
from werkzeug.serving import make_server

from legalize.web.accesslog import AccessLogRedaction

SEAL = "3QBAAAPERERAKAMALNUWAN7K3M9QXR2HVD"


def _app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.mark.parametrize(
    ("check_url", "path", "shown"),
    [
        ("HTTPS://CHECK.LEGALIZE.EXAMPLE/V/", f"/V/{SEAL}", "/V/…"),
        ("HTTPS://CHECK.LEGALIZE.EXAMPLE/V/", f"/v/{SEAL.lower()}", "/v/…"),
        ("HTTPS://CHECK.EXAMPLE.LK/S/", f"/S/{SEAL}?x=1", "/S/…?…"),
        ("HTTPS://CHECK.EXAMPLE.LK/", f"/{SEAL}", "/…"),
        ("HTTPS://CHECK.LEGALIZE.EXAMPLE/V/", "/staff/cases?q=PERERA", "/staff/cases?…"),
    ],
)
def test_access_log_hides_seals_and_queries(
    check_url: str, path: str, shown: str, caplog: pytest.LogCaptureFixture
) -> None:
    logger = logging.getLogger("werkzeug")
    redaction = AccessLogRedaction(check_url)
    logger.addFilter(redaction)
    server = make_server("127.0.0.1", 0, _app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            url = f"http://127.0.0.1:{server.server_port}{path}"
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
            server.shutdown()
            thread.join(timeout=10)
    finally:
        logger.removeFilter(redaction)
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any(f"GET {shown} HTTP" in line for line in lines), lines
    text = "\n".join(lines)
    assert "PERERA" not in text.upper()
    assert SEAL[:12] not in text.upper()


def test_other_paths_are_logged_as_they_are(caplog: pytest.LogCaptureFixture) -> None:
    redaction = AccessLogRedaction("HTTPS://CHECK.LEGALIZE.EXAMPLE/V/")
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s %s',
        ("127.0.0.1", "GET /staff/cases/12 HTTP/1.1", "200", "-"),
        None,
    )
    assert redaction.filter(record)
    assert "GET /staff/cases/12 HTTP/1.1" in record.getMessage()
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /Verify/x HTTP/1.1", "404", "-"),
        None,
    )
    assert redaction.filter(record)
    assert "/Verify/x" in record.getMessage()


def test_gunicorn_logger_redacts_every_atom(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import timedelta
    from types import SimpleNamespace

    from gunicorn.config import Config as GunicornConfig

    from legalize.web.accesslog import GunicornLogger

    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    monkeypatch.setenv("LEGALIZE_CHECK_URL", "https://check.example.lk/V/")
    logger = GunicornLogger(GunicornConfig())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/V/{SEAL}?q=PERERA",
        "PATH_INFO": f"/V/{SEAL}",
        "QUERY_STRING": "q=PERERA",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://check.example.lk/V/{SEAL}",
        "REMOTE_ADDR": "10.0.0.1",
    }
    resp = SimpleNamespace(status="200 OK", sent=2, headers=[])
    req = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    atoms = logger.atoms(resp, req, environ, timedelta(milliseconds=5))
    assert atoms["r"] == "GET /V/…?… HTTP/1.1"
    assert atoms["U"] == "/V/…"
    assert atoms["f"] == "https://check.example.lk/V/…"
    text = repr(atoms)
    assert SEAL[:12] not in text and "PERERA" not in text
