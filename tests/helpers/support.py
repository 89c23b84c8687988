"""Helpers shared by the tests (import as ``support``)."""

from __future__ import annotations

import os
import shutil

import pytest

REQUIRE_ALL = os.environ.get("LEGALIZE_REQUIRE_ALL") == "1"
"""Set by CI: a component a test needs must be there; a skip would hide a missing install."""


def unavailable(reason: str) -> None:
    """Skip the test on a developer's machine; fail it in CI."""
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        unavailable(f"command {name!r} not installed")
        raise AssertionError  # unreachable: unavailable() raises
    return path


PRODUCTION_SECRET = "Xq7-vR2mZ8pL0wY7nB4cD6fH1jS5eT9k"
"""A secret key that passes production mode's entropy rule (legalize.config)."""
PRODUCTION_REDIS = "redis://127.0.0.1:1/0"
"""A Redis URL for production configs of tests that never count a rate limit (production
refuses to start without one; nothing connects until a limit is counted)."""
