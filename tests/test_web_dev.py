"""`legalize dev run --check` on a fresh folder (what `make run` does, without serving), and
the `legalize users` commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from legalize.cli import main
from legalize.commands.dev import DEMO_TOKEN, DEMO_USERS
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory
from tests.helpers import support

LEGALIZE = Path(sys.executable).parent / "legalize"


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGALIZE_", "DATABASE_"))}
    env.update(
        {
            "LEGALIZE_KEYS_DIR": str(tmp_path / "keys"),
            "LEGALIZE_INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'legalize.sqlite3'}",
        }
    )
    return env


def test_dev_run_check_on_a_fresh_folder(tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = subprocess.run(
        [str(LEGALIZE), "dev", "run", "--check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    assert "made now; DEV ONLY" in first.stdout
    assert (tmp_path / "keys" / "DEV_ONLY").exists()
    for name, (_, password) in DEMO_USERS.items():
        assert name in first.stdout and password in first.stdout
    assert DEMO_TOKEN in first.stdout
    assert "ready to serve" in first.stdout
    # The demo users can sign in; running again changes nothing and still succeeds.
    engine = make_engine(env["DATABASE_URL"])
    with make_session_factory(engine)() as s:
        assert accounts.authenticate(s, "alice", DEMO_USERS["alice"][1]) is not None
        assert accounts.client_for_token(s, DEMO_TOKEN) is not None
        users_before = len(accounts.list_users(s))
    again = subprocess.run(
        [str(LEGALIZE), "dev", "run", "--check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "(present)" in again.stdout
    with make_session_factory(engine)() as s:
        assert len(accounts.list_users(s)) == users_before
    engine.dispose()


def test_dev_run_refuses_production(tmp_path: Path) -> None:
    env = _env(tmp_path) | {
        "LEGALIZE_ENV": "production",
        "LEGALIZE_SECRET_KEY": support.PRODUCTION_SECRET,
        "REDIS_URL": support.PRODUCTION_REDIS,
        "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x",
    }
    done = subprocess.run(
        [str(LEGALIZE), "dev", "run", "--check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "development" in done.stderr


def test_users_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdin", io.StringIO("a good long password\n"))
    assert main(["users", "add", "erin", "--role", "border_officer", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "fred", "--role", "border_officer", "--password-stdin"]) == 1
    assert "password" in capsys.readouterr().err
    assert (
        main(["users", "add-client", "nl-ind", "--country", "NLD", "--scope", "readmission:write"])
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["users", "disable", "erin"]) == 0
    assert main(["users", "list"]) == 0
    assert "erin\tborder_officer (disabled)" in capsys.readouterr().out
    engine = make_engine(os.environ["DATABASE_URL"])
    with make_session_factory(engine)() as s:
        client = accounts.client_for_token(s, token)
        assert client is not None and client.country == "NLD"
        assert accounts.authenticate(s, "erin", "a good long password") is None  # disabled
    engine.dispose()
