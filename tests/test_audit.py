"""The hash-chained audit log: appends, verification, tampering found, no fork under load."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from legalize.registry import audit
from tests.helpers.cli import Runner

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _fill(session: Session, n: int) -> None:
    for i in range(n):
        audit.append(
            session,
            actor="user:alice",
            action="case.prepared",
            subject_type="case",
            subject_id=i + 1,
            at=T0 + timedelta(seconds=i, microseconds=123),
            details={"from": "draft", "n": i, "reason": "Ünïcode ✓"},
        )
    session.commit()


def test_chain_verifies(db_session: Session) -> None:
    assert audit.verify_chain(db_session) == audit.AuditVerification(True, 0)
    _fill(db_session, 5)
    result = audit.verify_chain(db_session)
    assert result.ok and result.entries == 5
    entries = audit.entries_for(db_session, "case", 3)
    assert len(entries) == 1 and entries[0].seq == 3
    assert entries[0].details_dict == {"from": "draft", "n": 2, "reason": "Ünïcode ✓"}
    assert entries[0].at == T0 + timedelta(seconds=2, microseconds=123)


@pytest.mark.parametrize(
    ("statement", "broken", "reason"),
    [
        ("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3", 3, "hash"),
        ("UPDATE audit_log SET details = replace(details, '3', '9') WHERE seq = 4", 4, "hash"),
        ("UPDATE audit_log SET at = at + interval '1 second' WHERE seq = 2", 2, "hash"),
        ("DELETE FROM audit_log WHERE seq = 3", 3, "missing"),
        ("DELETE FROM audit_log WHERE seq = 5", 5, "head"),
        ("UPDATE audit_log SET prev_hash = hash WHERE seq = 4", 4, "previous"),
    ],
)
def test_direct_change_is_named(
    db_session: Session, backend: str, statement: str, broken: int, reason: str
) -> None:
    _fill(db_session, 5)
    if backend == "sqlite":
        statement = statement.replace(
            "at + interval '1 second'", "replace(at, '09:00:01', '09:00:09')"
        )
    db_session.execute(text(statement))
    db_session.commit()
    result = audit.verify_chain(db_session)
    assert not result.ok
    assert result.first_broken_seq == broken
    assert reason in result.reason


def test_recomputed_hash_still_breaks_the_link(db_session: Session) -> None:
    """A forger who rewrites an entry and its own hash breaks the next entry's link."""
    _fill(db_session, 4)
    entry = db_session.get(audit.AuditEntry, 2)
    assert entry is not None
    new_hash = audit.entry_hash(
        2,
        entry.at,
        "user:mallory",
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.details,
        entry.prev_hash,
    )
    db_session.execute(
        text("UPDATE audit_log SET actor = 'user:mallory', hash = :h WHERE seq = 2"),
        {"h": new_hash},
    )
    db_session.commit()
    result = audit.verify_chain(db_session)
    assert (result.ok, result.first_broken_seq) == (False, 3)


@pytest.mark.parametrize(
    "details",
    [{"surname": "PERERA"}, {"birth_date": "1990-01-01"}, {"x": object()}, {"x": float("nan")}],
)
def test_bad_details_refused(db_session: Session, details: dict[str, object]) -> None:
    with pytest.raises(audit.AuditError):
        audit.append(
            db_session,
            actor="a",
            action="b",
            subject_type="c",
            subject_id=1,
            at=T0,
            details=details,
        )


def test_naive_time_refused(db_session: Session) -> None:
    with pytest.raises(audit.AuditError):
        audit.append(
            db_session,
            actor="a",
            action="b",
            subject_type="c",
            subject_id=1,
            at=T0.replace(tzinfo=None),
        )


def test_cli_verify(
    db_engine: Engine, session_factory: sessionmaker[Session], runner: Runner
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    with session_factory() as session:
        _fill(session, 3)
    result = runner("audit", "verify", "--database-url", url)
    assert result.status == 0 and "3 entries" in result.out
    with session_factory() as session:
        session.execute(text("UPDATE audit_log SET action = 'case.approved' WHERE seq = 2"))
        session.commit()
    result = runner("audit", "verify", "--database-url", url)
    assert result.status == 1 and "entry 2" in result.out
    result = runner("audit", "verify", "--database-url", url, "--json")
    assert result.status == 1
    out = json.loads(result.out)
    assert out["first_broken_seq"] == 2 and out["ok"] is False


def test_concurrent_appends_never_fork(
    session_factory: sessionmaker[Session], backend: str
) -> None:
    threads, per_thread = (8, 25) if backend == "postgresql" else (4, 10)
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(k: int) -> None:
        try:
            barrier.wait()
            for i in range(per_thread):
                with session_factory() as session:
                    audit.append(
                        session,
                        actor=f"t{k}",
                        action="load",
                        subject_type="t",
                        subject_id=i,
                        at=T0,
                    )
                    session.commit()
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)

    pool = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    with session_factory() as session:
        result = audit.verify_chain(session)
        assert result.ok and result.entries == threads * per_thread
        prevs = session.execute(text("SELECT COUNT(DISTINCT prev_hash) FROM audit_log")).scalar()
        assert prevs == threads * per_thread  # every entry extends a different head: no fork


def test_anchor_detects_a_rewritten_tail(db_session: Session) -> None:
    """A forger who rewrites the last entry and every hash after it keeps the chain
    consistent; an anchor recorded outside the database still names the entry."""
    _fill(db_session, 3)
    first = audit.verify_chain(db_session)
    anchor = audit.Anchor(3, first.head_hash)
    assert audit.verify_chain(db_session, anchors=[anchor]).ok
    entry = db_session.get(audit.AuditEntry, 3)
    assert entry is not None
    forged = audit.entry_hash(
        3,
        entry.at,
        "user:mallory",
        entry.action,
        entry.subject_type,
        entry.subject_id,
        entry.details,
        entry.prev_hash,
    )
    db_session.execute(
        text("UPDATE audit_log SET actor = 'user:mallory', hash = :h WHERE seq = 3"), {"h": forged}
    )
    db_session.commit()
    assert audit.verify_chain(db_session).ok  # the chain alone cannot tell
    result = audit.verify_chain(db_session, anchors=[anchor])
    assert (result.ok, result.first_broken_seq) == (False, 3)
    assert "anchor" in result.reason
    gone = audit.verify_chain(db_session, anchors=[audit.Anchor(9, first.head_hash)])
    assert (gone.ok, gone.first_broken_seq) == (False, 9)


@pytest.mark.parametrize("text_", ["3", "x:" + "0" * 64, "3:" + "0" * 63, "3:" + "g" * 64])
def test_bad_anchor_refused(text_: str) -> None:
    with pytest.raises(audit.AuditError):
        audit.Anchor.parse(text_)


def test_cli_anchor(
    db_engine: Engine, session_factory: sessionmaker[Session], runner: Runner
) -> None:
    url = db_engine.url.render_as_string(hide_password=False)
    with session_factory() as session:
        _fill(session, 2)
    result = runner("audit", "verify", "--database-url", url, "--json")
    assert result.status == 0
    anchor = json.loads(result.out)["anchor"]
    assert runner("audit", "verify", "--database-url", url, "--anchor", anchor).status == 0
    wrong = anchor[:-1] + ("0" if anchor[-1] != "0" else "1")
    assert runner("audit", "verify", "--database-url", url, "--anchor", wrong).status == 1
    assert runner("audit", "verify", "--database-url", url, "--anchor", "nonsense").status == 2


def test_cli_verify_without_schema(tmp_path: Path, runner: Runner) -> None:
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = runner("audit", "verify", "--database-url", url)
    assert result.status == 2 and "cannot read the audit log" in result.err
    assert runner("audit", "verify", "--database-url", "mysql://x@y/z").status == 2
