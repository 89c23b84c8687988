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
