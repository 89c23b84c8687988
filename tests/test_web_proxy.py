"""Behind a TLS proxy (LEGALIZE_TRUSTED_PROXIES): the client's address and HTTPS are seen."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from flask import request

from legalize.config import Config, ConfigError
from legalize.web import create_app


def _app(tmp_path: Path, proxies: int):  # type: ignore[no-untyped-def]
    config = replace(
        Config(), database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}", trusted_proxies=proxies
    )
    app = create_app(config)

    @app.get("/_seen")
    def seen() -> str:
        return f"{request.remote_addr} {request.scheme}"

    return app


HEADERS = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_ignored_by_default(tmp_path: Path) -> None:
    app = _app(tmp_path, 0)
    assert app.test_client().get("/_seen", headers=HEADERS).get_data(as_text=True) == (
        "127.0.0.1 http"
    )


def test_one_trusted_proxy_gives_the_client_address(tmp_path: Path) -> None:
    app = _app(tmp_path, 1)
    body = app.test_client().get("/_seen", headers=HEADERS).get_data(as_text=True)
    assert body == "203.0.113.9 https"
    # a client cannot push a forged address past the one proxy we trust
    spoofed = {**HEADERS, "X-Forwarded-For": "198.51.100.7, 203.0.113.9"}
    assert app.test_client().get("/_seen", headers=spoofed).get_data(as_text=True) == (
        "203.0.113.9 https"
    )


@pytest.mark.parametrize("value", ["x", "-1", "11"])
def test_bad_setting_is_refused(value: str) -> None:
    with pytest.raises(ConfigError):
        Config.from_env({"LEGALIZE_TRUSTED_PROXIES": value})


def test_setting_read_from_the_environment() -> None:
    assert Config.from_env({"LEGALIZE_TRUSTED_PROXIES": "2"}).trusted_proxies == 2
