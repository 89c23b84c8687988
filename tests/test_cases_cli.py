"""`legalize cases decide-identity|resolve-duplicate` and the gate on the CLI's approve and
issue steps (`legalize issue batch approve|issue`), on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import batch, readmission, views
from legalize.cli import main
from legalize.registry import audit
from legalize.registry.accounts import create_user
from legalize.registry.identity import import_sltd
from tests.helpers.cases_support import (
    ALICE,
    HOST,
    SLTD_CSV,
    T0,
    match_registers,
    plain_photo,
    request_body,
)

WATCHLISTED = {
    "surname": "Silva",
    "given_names": "Nimali",
    "birth_date": "1985-12-01",
    "sex": "F",
    "nic_number": "853400937V",
    "passport_number": "N1234567",  # reported stolen (SLTD_CSV)
}


def _cli(engine: Engine, *argv: str) -> int:
    return main([*argv, "--database-url", engine.url.render_as_string(hide_password=False)])


def _file(session: Session, reference: str, *rows: dict[str, object]) -> dict[str, int]:
    """File a batch from the library (as the host country); host reference → case id."""
    photo = plain_photo()
    report = batch.file_batch(
        session, HOST, "DEU", reference, [{**r, "photo": photo} for r in rows], T0
    )
    ids = {}
    for _line, case_id in report.succeeded:
        readmission.override_photo(session, ALICE, case_id, "face detector misses; by eye", T0)
        ids[str(views.get_case(session, case_id).host_reference)] = case_id
    session.rollback()
    return ids


@pytest.fixture
def staff(
    session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # No keys: the CLI's issuer is the test double (the product has none), placeholder PDFs.
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(tmp_path / "no-keys"))
    from tests.helpers.issuer import UnsignedTestIssuer

    monkeypatch.setattr("legalize.cases.issuer.bind_issuer", lambda config: UnsignedTestIssuer())
    with session_factory() as s:
        for name, roles in (
            ("alice", ["issuing_officer"]),
            ("bob", ["approving_officer"]),
            ("ben", ["approving_officer"]),
        ):
            create_user(s, name, "correct horse battery", roles, T0)
        s.commit()
        match_registers(s)
        assert import_sltd(s, SLTD_CSV, "sltd.csv", T0).errors == ()
        s.commit()


def test_watchlist_hit_blocks_cli_approval_until_decided_on_the_cli(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    staff: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with session_factory() as s:
        ids = _file(s, "CH-W", request_body("W-1", **WATCHLISTED))
        batch_id = str(views.get_case(s, ids["W-1"]).batch_id)
    case = str(ids["W-1"])
    assert _cli(db_engine, "issue", "batch", "prepare", batch_id, "--as", "alice") == 0
    capsys.readouterr()
    assert _cli(db_engine, "issue", "batch", "approve", batch_id, "--as", "bob") == 1
    assert "identity: IDENTITY_UNRESOLVED" in capsys.readouterr().out

    decide = ("cases", "decide-identity", case, "--evidence", "passport_lost_by_holder")
    ref = ("--evidence-reference", "police report CMB/2025/118")
    reason = ("--reason", "reported lost by the holder before the theft report")
    # An issuing officer alone may not decide a watchlist hit; the rules say so on the CLI.
    assert _cli(db_engine, *decide, *ref, *reason, "--as", "alice") == 1
    assert "legalize: ROLE_REQUIRED" in capsys.readouterr().err
    assert _cli(db_engine, *decide, "--evidence-reference", " ", *reason, "--as", "bob") == 1
    assert "(evidence_reference)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # not one of the listed kinds of evidence
        _cli(
            db_engine,
            "cases",
            "decide-identity",
            case,
            "--evidence",
            "trust_me",
            *ref,
            *reason,
            "--as",
            "bob",
        )
    assert usage.value.code == 2
    capsys.readouterr()

    assert _cli(db_engine, *decide, *ref, *reason, "--as", "bob") == 0
    assert "identity decision recorded" in capsys.readouterr().out
    # The decider may not approve too (three people for a watchlist hit) …
    assert _cli(db_engine, "issue", "batch", "approve", batch_id, "--as", "bob") == 1
    assert "FOUR_EYES" in capsys.readouterr().out
    # … a further approving officer may.
    assert _cli(db_engine, "issue", "batch", "approve", batch_id, "--as", "ben") == 0
    with session_factory() as s:
        assert views.get_case(s, ids["W-1"]).state == "approved"
        decided = [
            e for e in audit.entries_for(s, "case", ids["W-1"]) if e.action == "identity.decided"
        ]
        assert [e.actor for e in decided] == ["user:bob"]
        assert decided[0].details_dict["evidence_reference"] == "police report CMB/2025/118"
        assert audit.verify_chain(s).ok


def test_duplicate_blocks_cli_issuance_until_resolved_on_the_cli(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    staff: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with session_factory() as s:
        first = _file(s, "CH-1", request_body("P-1"))
        batch_id = str(views.get_case(s, first["P-1"]).batch_id)
    assert _cli(db_engine, "issue", "batch", "prepare", batch_id, "--as", "alice") == 0
    assert _cli(db_engine, "issue", "batch", "approve", batch_id, "--as", "bob") == 0
    with session_factory() as s:  # the same person again, under another reference
        second = _file(s, "CH-2", request_body("P-2"))
    capsys.readouterr()
    issue = ("issue", "batch", "issue", batch_id, "--as", "alice")
    assert _cli(db_engine, *issue) == 1  # found again at issuance
    assert "duplicates: DUPLICATE_UNRESOLVED" in capsys.readouterr().out

    resolve = ("cases", "resolve-duplicate", str(first["P-1"]), str(second["P-2"]))
    assert _cli(db_engine, *resolve, "--reason", " ", "--as", "alice") == 1
    assert "REASON_REQUIRED" in capsys.readouterr().err
    assert (
        _cli(
            db_engine,
            "cases",
            "resolve-duplicate",
            str(first["P-1"]),
            "999999",
            "--reason",
            "x",
            "--as",
            "alice",
        )
        == 1
    )
    assert "NOT_FOUND (case_id)" in capsys.readouterr().err
    assert (
        _cli(
            db_engine, *resolve, "--reason", "twins: DRP confirms two NIC records", "--as", "nobody"
        )
        == 1
    )
    assert "no active user 'nobody'" in capsys.readouterr().err
    reason = "the host country withdrew P-2 by letter of 2 Nov"
    assert _cli(db_engine, *resolve, "--reason", reason, "--as", "alice") == 0
    assert _cli(db_engine, *issue) == 0
    with session_factory() as s:
        assert views.get_case(s, first["P-1"]).state == "issued"
        for case_id in (first["P-1"], second["P-2"]):
            (entry,) = [
                e
                for e in audit.entries_for(s, "case", case_id)
                if e.action == "case.duplicate_resolved"
            ]
            assert entry.actor == "user:alice" and entry.details_dict["reason"] == reason
