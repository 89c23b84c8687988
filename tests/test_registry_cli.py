"""`legalize registry …` and `legalize issue batch …` on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import base64
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import readmission, views
from legalize.cli import main
from legalize.commands import CommandError
from legalize.commands.registry import add_issue_batch
from legalize.registry import audit
from legalize.registry.accounts import create_user
from legalize.registry.identity import NicEntry, SltdEntry
from tests.helpers.cases_support import ALICE, NIC_CSV, T0, match_registers, plain_photo


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_import_nic_reports_bad_rows_and_imports_the_rest(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "nic.csv"
    path.write_bytes(
        NIC_CSV + b"12345,NOBODY,X,1990-01-01,M,\n853400938V,DE SILVA,,1999-02-30,F,\n"
    )
    status = main(["registry", "import-nic", str(path), "--database-url", _url(db_engine)])
    out = capsys.readouterr().out
    assert status == 1
    assert f"{path}:4: refused (nic_number)" in out
    assert f"{path}:5: refused (birth_date)" in out
    assert "2 records imported, 2 refused" in out
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NicEntry)) == 2
        assert [e.action for e in audit.entries_for(session, "register", "nic")] == [
            "register.import_nic"
        ]
    # Importing again updates, never duplicates.
    path.write_bytes(NIC_CSV)
    assert main(["registry", "import-nic", str(path), "--database-url", _url(db_engine)]) == 0
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(NicEntry)) == 2


def test_import_sltd_json(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "sltd.json"
    path.write_text(
        '[{"document_number": "N1234567", "issuing_country": "LKA", "status": "stolen"},'
        ' {"document_number": "N1", "issuing_country": "LKA", "status": "lost"},'
        ' {"document_number": "N7777777", "issuing_country": "LK", "status": "lost"},'
        ' {"document_number": "N8888888", "issuing_country": "LKA", "status": "burnt"}]'
    )
    assert main(["registry", "import-sltd", str(path), "--database-url", _url(db_engine)]) == 1
    out = capsys.readouterr().out
    assert ":2: refused (document_number)" in out and ":3: refused (issuing_country)" in out
    assert ":4: refused (status)" in out
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(SltdEntry)) == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"\xff\xfe\x00", "x.csv", "not UTF-8"),
        (b"{", "x.json", "not valid JSON"),
        (b"", "x.csv", "empty"),
        (b"nic,surname\n1,A\n", "x.csv", "header lacks nic_number, birth_date, sex"),
        (b'{"a": 1}', "x.json", "array of objects"),
    ],
)
def test_import_bad_files(
    db_engine: Engine,
    tmp_path: Path,
    content: bytes,
    name: str,
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    assert main(["registry", "import-nic", str(path), "--database-url", _url(db_engine)]) == 1
    assert message in capsys.readouterr().err


def test_import_missing_file(
    db_engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["registry", "import-nic", str(tmp_path / "nope.csv"), "--database-url", _url(db_engine)]
    )
    assert status == 1 and "cannot read" in capsys.readouterr().err


def _batch_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="legalize")
    top = parser.add_subparsers(dest="command", required=True)
    issue = top.add_parser("issue")
    add_issue_batch(issue.add_subparsers(dest="issue_command", required=True))
    args = parser.parse_args(argv)
    status: int = args.handler(args)
    return status


def test_issue_batch_cli(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    dev_pki: Any,
) -> None:
    monkeypatch.setenv("LEGALIZE_KEYS_DIR", str(dev_pki.dir))  # the real issuer signs
    with session_factory() as session:
        create_user(session, "alice", "correct horse battery", ["issuing_officer"], T0)
        create_user(session, "bob", "correct horse battery", ["approving_officer"], T0)
        session.commit()
        match_registers(session)
    url = ["--database-url", _url(db_engine)]
    photo = base64.b64encode(plain_photo()).decode()
    path = tmp_path / "flight.csv"
    path.write_text(
        "host_reference,surname,given_names,birth_date,birth_place,sex,travel_date,photo\n"
        f"F-1,Perera,Kamal Nuwan,1990-05-14,Kandy,M,2099-01-01,{photo}\n"
        f"F-2,Silva,Nimali,1990-02-31,Galle,F,2099-01-01,{photo}\n"
    )
    assert (
        _batch_cli(
            [
                "issue",
                "batch",
                "file",
                str(path),
                "--country",
                "DEU",
                "--reference",
                "CH-1",
                "--as",
                "alice",
                *url,
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "1 done, 1 refused, 0 failed" in captured.out
    assert "line 3 (SILVA, Nimali): birth_date:" in captured.out
    assert "2/2 rows" in captured.err
    with session_factory() as session:
        (case,) = views.list_cases(session).items
        assert case.batch_id is not None and case.batch_line == 2
        readmission.override_photo(session, ALICE, case.id, "ok by eye", T0)
    batch_id = str(case.batch_id)
    assert _batch_cli(["issue", "batch", "prepare", batch_id, "--as", "alice", *url]) == 0
    with pytest.raises(CommandError, match="ROLE_REQUIRED"):  # alice may not approve
        _batch_cli(["issue", "batch", "approve", batch_id, "--as", "alice", *url])
    with pytest.raises(CommandError, match="no active user"):
        _batch_cli(["issue", "batch", "approve", batch_id, "--as", "nobody", *url])
    capsys.readouterr()
    assert _batch_cli(["issue", "batch", "approve", batch_id, "--as", "bob", *url]) == 0
    assert _batch_cli(["issue", "batch", "issue", batch_id, "--as", "alice", *url]) == 0
    assert "1 done, 0 refused, 0 failed" in capsys.readouterr().out
    out = tmp_path / "flight.zip"
    assert (
        _batch_cli(["issue", "batch", "flight", batch_id, "--out", str(out), "--as", "bob", *url])
        == 0
    )
    assert "1 TTDs and the manifest" in capsys.readouterr().out
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert "flight-DEU-CH-1/manifest.csv" in names and "flight-DEU-CH-1/manifest.pdf" in names
    assert sum(n.startswith("flight-DEU-CH-1/ttd/") for n in names) == 1
    with session_factory() as session:
        assert audit.verify_chain(session).ok


def test_issue_batch_cli_photos_in_a_zip(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with session_factory() as session:
        create_user(session, "alice", "correct horse battery", ["issuing_officer"], T0)
        session.commit()
        match_registers(session)
    assert _batch_cli(["issue", "batch", "template"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header.endswith(",photo_file")
    table = (
        f"{header}\n"
        "Z-1,Perera,Kamal Nuwan,1990-05-14,M,Kandy,LKA,199012345678,,CMB,2099-01-01,p/1.jpg\n"
        "Z-2,Silva,Nimali,1985-12-01,F,Galle,LKA,853400937V,,CMB,2099-01-01,2.jpg\n"
    )
    path = tmp_path / "charter.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("charter/requests.csv", table)
        z.writestr("charter/p/1.jpg", plain_photo())
    argv = ["issue", "batch", "file", str(path), "--country", "DEU", "--reference", "Z"]
    status = _batch_cli([*argv, "--as", "alice", "--database-url", _url(db_engine)])
    assert status == 1
    out = capsys.readouterr().out
    assert "1 done, 1 refused" in out
    assert "line 3 (SILVA, Nimali): photo_file: PHOTO_FILE_MISSING" in out
    with session_factory() as session:
        (case,) = views.list_cases(session).items
        assert case.host_reference == "Z-1" and case.photo is not None


def test_expire_command(
    db_engine: Engine, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from tests.helpers.cases_support import BOB, HOST, request_body
    from tests.helpers.issuer import UnsignedTestIssuer

    long_ago = T0 - timedelta(days=400)
    with session_factory() as session:
        match_registers(session)
        body = {**request_body(), "travel_date": None, "photo": plain_photo()}
        case = readmission.file_request(
            session, HOST, readmission.parse_request(body, long_ago), long_ago
        )
        readmission.override_photo(session, ALICE, case.id, "by eye", long_ago)
        readmission.prepare(session, ALICE, case.id, long_ago)
        readmission.approve(session, BOB, case.id, long_ago)
        doc = readmission.issue(session, ALICE, case.id, long_ago, UnsignedTestIssuer()).document
        assert doc is not None
    assert main(["registry", "expire", "--database-url", _url(db_engine)]) == 0
    assert f"expired {doc.number}" in capsys.readouterr().out
    with session_factory() as session:
        assert views.get_case(session, case.id).state == "expired"


def test_issue_batch_is_in_the_legalize_cli(
    db_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["issue", "batch", "prepare", "1", "--as", "nobody", "--database-url", _url(db_engine)]
    )
    assert status == 1
    assert "no active user 'nobody'" in capsys.readouterr().err


def test_expire_deletes_photo_checks_past_their_hour(
    db_engine: Engine, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from legalize.cases import photo_checks
    from legalize.cases.photo_checks import Asked, Kind
    from legalize.registry.photo_checks import PhotoCheck

    now = datetime.now(UTC)
    asked = Asked(Kind.PUBLIC, client_hash="0" * 32)
    with session_factory() as session:
        # in this order: an upload deletes what expired before it
        new = photo_checks.create(session, b"picture", asked, now - timedelta(minutes=5))
        old = photo_checks.create(session, b"picture", asked, now - timedelta(hours=2))
    assert main(["registry", "expire", "--database-url", _url(db_engine)]) == 0
    assert "1 photo checks past their hour deleted" in capsys.readouterr().out
    with session_factory() as session:
        assert set(session.scalars(select(PhotoCheck.token)).all()) == {new}
    assert old != new


def test_expire_purges_public_checks_past_the_retention(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from legalize.cases import checks_log
    from legalize.cases.checks_log import CheckOutcome, Method
    from legalize.registry.checks import PublicCheck

    now = datetime.now(UTC)
    with session_factory() as session:
        for days in (40, 20):
            at = now - timedelta(days=days)
            salt = checks_log.day_salt(session, at.date())
            outcome = CheckOutcome(Method.QR_LINK, "valid")
            checks_log.record(session, outcome, checks_log.client_hash(salt, "192.0.2.1"), at)
        session.commit()
    monkeypatch.setenv("LEGALIZE_CHECKS_RETENTION_DAYS", "30")
    assert main(["registry", "expire", "--database-url", _url(db_engine)]) == 0
    out = capsys.readouterr().out
    assert "1 public checks older than 30 days deleted, 2 past days' address salts deleted" in out
    with session_factory() as session:
        (left,) = session.scalars(select(PublicCheck.checked_at)).all()
        assert left == now - timedelta(days=20)
    monkeypatch.setenv("LEGALIZE_CHECKS_RETENTION_DAYS", "0")
    assert main(["registry", "expire", "--database-url", _url(db_engine)]) == 2
    assert "LEGALIZE_CHECKS_RETENTION_DAYS must be between 1 and 3650" in capsys.readouterr().err
