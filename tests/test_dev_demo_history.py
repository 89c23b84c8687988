"""`legalize dev run` makes a demo history that lies wholly in the past."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from legalize.cli import main
from legalize.registry.audit import AuditEntry
from legalize.registry.db import make_engine, make_session_factory


def test_demo_history_is_never_in_the_future(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("LEGALIZE_KEY_PASSPHRASE", "LEGALIZE_ENV", "LEGALIZE_PKCS11_MODULE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("LEGALIZE_INSTANCE_DIR", str(tmp_path / "instance"))
    database = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", database)
    assert main(["dev", "run", "--check"]) == 0
    assert "15 cases" in capsys.readouterr().out
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        latest = session.scalar(select(func.max(AuditEntry.at)))
        used = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "document.used")
        )
    engine.dispose()
    assert latest is not None
    assert latest.replace(tzinfo=latest.tzinfo or UTC) <= datetime.now(UTC)
    assert used == 1
