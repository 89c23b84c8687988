"""legalize.logs: a failure is logged by type and place, never by its text."""

from __future__ import annotations

import logging

import pytest

from legalize import logs


def _insert_person(name: str) -> None:
    raise ValueError(f"Failing row contains ({name}, 1992-09-09)")


def _issue(name: str) -> None:
    try:
        _insert_person(name)
    except ValueError as exc:
        raise RuntimeError(f"issuing for {name} failed") from exc


def test_a_failure_names_its_types_and_frames_not_its_text(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("legalize.test")
    try:
        _issue("JAYAWARDENA")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            logs.failure(log, "job %s: issuing a group failed", exc, 12)
    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.exc_info is None
    text = record.getMessage()
    assert text.startswith("job 12: issuing a group failed: builtins.RuntimeError at ")
    assert "test_logs.py" in text and "in _issue" in text
    # the exception it came from, by type and place too
    assert "; from builtins.ValueError at " in text and "in _insert_person" in text
    assert "JAYAWARDENA" not in text and "1992" not in text


def test_an_exception_never_raised_has_no_place() -> None:
    assert logs.described(KeyError("JAYAWARDENA")) == "builtins.KeyError"
