"""`legalize users add` without --password-stdin: the prompt's end of input is a clear error.

Before, `echo | legalize users add NAME --role …` (stdin not a terminal, ended at the second
prompt) crashed with getpass's EOFError traceback.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from legalize.cli import main


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("LEGALIZE_ENV", raising=False)
    return url


@pytest.mark.parametrize("typed", ["", "only-one-password\n"])
def test_prompt_input_ended(
    database: str,
    typed: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    answers = iter(typed.splitlines())

    def getpass(prompt: str = "") -> str:
        try:
            return next(answers)
        except StopIteration:
            raise EOFError from None

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setattr("sys.stdin", io.StringIO(typed))
    assert main(["users", "add", "erin", "--role", "issuing_officer"]) == 1
    assert "use --password-stdin" in capsys.readouterr().err
    assert main(["users", "list"]) == 0
    assert "erin" not in capsys.readouterr().out


def test_prompt_typed_twice(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "erin-password-1234")
    assert main(["users", "add", "erin", "--role", "issuing_officer"]) == 0
    assert main(["users", "list"]) == 0
    assert "erin\tissuing_officer" in capsys.readouterr().out
