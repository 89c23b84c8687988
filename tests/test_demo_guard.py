"""Demo credentials never reach production: `legalize dev run` stays on the embedded
database unless told otherwise, and production refuses to start while the demo users (with
their published passwords) or the demo API token are in the database."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from legalize.cases.demo_credentials import DEMO_TOKEN, DEMO_USERS, demo_credentials
from legalize.commands.dev import seed_users
from legalize.config import Config, ConfigError
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.web import create_app
from legalize.web.state import state
from tests.helpers import support
from tests.helpers.db import create_postgres_database, drop_postgres_database, postgres_server_url

LEGALIZE = Path(sys.executable).parent / "legalize"
AT = datetime(2026, 3, 1, tzinfo=UTC)


def test_demo_credentials_are_found(db_session: Session) -> None:
    assert demo_credentials(db_session) == []
    seed_users(db_session, AT)
    found = demo_credentials(db_session)
    assert len(found) == len(DEMO_USERS) + 1
    assert any("root" in line for line in found)
    assert any("token" in line for line in found)


def test_changed_demo_passwords_and_a_new_token_clear_the_alarm(db_session: Session) -> None:
    seed_users(db_session, AT)
    for name in DEMO_USERS:
        user = accounts.get_user(db_session, name)
        assert user is not None
        accounts.set_password(user, f"a new password for {name} 7Qz")
    client = next(c for c in accounts.list_api_clients(db_session) if c.name == "demo-deu")
    client.token_hash = accounts.token_hash("another token entirely")
    db_session.commit()
    assert demo_credentials(db_session) == []


def test_a_disabled_demo_user_still_counts(db_session: Session) -> None:
    """Disabled today, re-enabled by a click tomorrow: the published password must go."""
    seed_users(db_session, AT)
    user = accounts.get_user(db_session, "root")
    assert user is not None
    accounts.set_active(user, False)
    db_session.commit()
    assert any("root" in line for line in demo_credentials(db_session))


def _production(url: str, tmp_path: Path) -> Config:
    return Config(
        production=True,
        secret_key=support.PRODUCTION_SECRET,
        database_url=url,
        redis_url=support.PRODUCTION_REDIS,
        keys_dir=tmp_path / "keys",
    )


@pytest.mark.postgres
def test_production_refuses_to_start_with_demo_credentials(tmp_path: Path) -> None:
    server = postgres_server_url()
    url, name = create_postgres_database(server)
    try:
        # An empty database (no tables), then a migrated one without users: both start.
        state(create_app(_production(url, tmp_path))).close()
        engine = make_engine(url)
        upgrade(engine)
        state(create_app(_production(url, tmp_path))).close()
        with make_session_factory(engine)() as s:
            seed_users(s, AT)
        with pytest.raises(ConfigError, match="demo"):
            create_app(_production(url, tmp_path))
        with make_session_factory(engine)() as s:  # the token alone is enough to refuse
            for name_ in DEMO_USERS:
                user = accounts.get_user(s, name_)
                assert user is not None
                s.delete(user)
            s.commit()
            assert len(demo_credentials(s)) == 1
        with pytest.raises(ConfigError, match="demo API token"):
            create_app(_production(url, tmp_path))
        engine.dispose()
    finally:
        drop_postgres_database(server, name)


def test_production_refuses_to_start_when_the_database_cannot_be_checked(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match="cannot check"):
        create_app(_production("postgresql://nobody@127.0.0.1:1/none", tmp_path))


def _dev_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGALIZE_", "DATABASE_"))}
    env.update(
        {
            "LEGALIZE_KEYS_DIR": str(tmp_path / "keys"),
            "LEGALIZE_INSTANCE_DIR": str(tmp_path / "instance"),
            "DATABASE_URL": database_url,
        }
    )
    return env


def test_dev_run_refuses_a_server_database(tmp_path: Path) -> None:
    url = "postgresql://nobody@127.0.0.1:1/x"
    done = subprocess.run(
        [str(LEGALIZE), "dev", "run", "--check"],
        env=_dev_env(tmp_path, url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "--allow-any-database" in done.stderr
    assert "demo" in done.stderr
    assert not (tmp_path / "keys").exists()  # refused before anything was made
    # Told otherwise, it goes on (and here fails to reach the server).
    told = subprocess.run(
        [str(LEGALIZE), "dev", "run", "--check", "--allow-any-database"],
        env=_dev_env(tmp_path, url),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert told.returncode == 1
    assert "--allow-any-database" not in told.stderr


def test_users_revoke_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from legalize.cli import main

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    for key in ("LEGALIZE_ENV", "LEGALIZE_KEY_PASSPHRASE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", url)
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as s:
        seed_users(s, AT)
        assert demo_credentials(s)
    assert main(["users", "revoke-demo"]) == 0
    assert "no demo credentials left" in capsys.readouterr().out
    with make_session_factory(engine)() as s:
        assert demo_credentials(s) == []
        assert accounts.client_for_token(s, DEMO_TOKEN) is None
    engine.dispose()
