"""Random codes of an issued document: the check code and the web-check token (DESIGN §7)."""

from __future__ import annotations

import secrets

from legalize.seal import checkcode

WEB_TOKEN_BYTES = 24
"""192 random bits, URL-safe Base64 (32 characters)."""


def new_web_token() -> str:
    return secrets.token_urlsafe(WEB_TOKEN_BYTES)


def new_check_code() -> str:
    """65 random bits + a check character, grouped (legalize.seal.checkcode)."""
    return checkcode.new_check_code()
