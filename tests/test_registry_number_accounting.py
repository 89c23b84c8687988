"""Every document number taken is accounted for in the audit log: issued, failed or
abandoned, each with why. A gap an auditor cannot explain looks like a hidden document."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import readmission
from legalize.cases.errors import CaseError
from legalize.cases.issuer import IssuedPdf
from legalize.documents.ttd import TtdData
from legalize.registry import audit
from legalize.registry.models import Counter, Document
from legalize.registry.numbers import account_numbers
from tests.helpers.cases_support import (
    ALICE,
    BOB,
    HOST,
    T0,
    match_registers,
    plain_photo,
    request_body,
)
from tests.helpers.issuer import UnsignedTestIssuer


def _approved(session: Session, reference: str = "DE-N-1") -> int:
    match_registers(session)  # the identity gate (issue 8) lets a clean match through
    request = readmission.parse_request({**request_body(reference), "photo": plain_photo()}, T0)
    case = readmission.file_request(session, HOST, request, T0)
    readmission.override_photo(session, ALICE, case.id, "compared by eye", T0)
    readmission.prepare(session, ALICE, case.id, T0)
    readmission.approve(session, BOB, case.id, T0)
    return case.id


def _fates(session: Session, number: str) -> list[str]:
    entries = session.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq))
    return [e.action for e in entries if e.details_dict.get("number") == number]


def test_an_issued_number_is_reserved_then_issued(db_session: Session) -> None:
    case_id = _approved(db_session)
    doc = readmission.issue(db_session, ALICE, case_id, T0, UnsignedTestIssuer()).document
    assert doc is not None
    assert _fates(db_session, doc.number) == ["document.number_taken", "document.issued"]
    report = account_numbers(db_session)
    assert report.taken == 1 and report.open == ()


def test_the_losing_issue_of_a_concurrent_pair_records_its_number(
    db_session: Session, session_factory: sessionmaker[Session]
) -> None:
    """Two officers issue one case at once: both take a number, one wins; the loser's number
    used to vanish with no audit entry."""
    case_id = _approved(db_session)

    class RacingIssuer(UnsignedTestIssuer):
        """While the first issue renders, a second one issues the same case to the end."""

        raced = False

        def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
            if not self.raced:
                self.raced = True
                with session_factory() as other:
                    readmission.issue(other, BOB, case_id, T0, UnsignedTestIssuer())
            return super().issue_ttd(data, photo, at)

    with pytest.raises(CaseError):
        readmission.issue(db_session, ALICE, case_id, T0, RacingIssuer())
    db_session.expire_all()
    winner = db_session.scalars(select(Document)).one()
    loser = "T26000001" if winner.number == "T26000002" else "T26000002"
    fates = _fates(db_session, loser)
    assert fates == ["document.number_taken", "document.number_abandoned"]
    abandoned = next(
        e
        for e in db_session.scalars(select(audit.AuditEntry))
        if e.action == "document.number_abandoned"
    )
    assert abandoned.details_dict["reason"]
    report = account_numbers(db_session)
    assert report.taken == 2 and report.open == ()
    assert audit.verify_chain(db_session).ok


def test_an_exception_while_rendering_records_the_number(db_session: Session) -> None:
    case_id = _approved(db_session)

    class Broken(UnsignedTestIssuer):
        def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
            raise RuntimeError("renderer crashed")

    with pytest.raises(CaseError):
        readmission.issue(db_session, ALICE, case_id, T0, Broken())
    assert _fates(db_session, "T26000001") == [
        "document.number_taken",
        "document.issue_failed",
    ]
    assert account_numbers(db_session).open == ()


def test_a_crash_while_rendering_leaves_an_open_number_the_check_lists(
    db_session: Session,
) -> None:
    """A SIGKILL mid-rendering runs no handler: the reservation, committed before rendering,
    is all that is left, and the check names the number."""

    class Killed(BaseException):
        pass

    class Dies(UnsignedTestIssuer):
        def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
            raise Killed

    case_id = _approved(db_session)
    with pytest.raises(Killed):
        readmission.issue(db_session, ALICE, case_id, T0, Dies())
    db_session.rollback()
    report = account_numbers(db_session)
    assert report.taken == 1
    assert [n.number for n in report.open] == ["T26000001"]
    assert report.open[0].case_id == str(case_id)
    assert report.open[0].reserved
    # An administrator records its fate after looking into it; then nothing is open.
    from legalize.registry.numbers import abandon_number

    abandon_number(db_session, "T26000001", "worker killed mid-rendering (ticket 42)", T0)
    db_session.commit()
    assert account_numbers(db_session).open == ()
    with pytest.raises(ValueError, match="not open"):
        abandon_number(db_session, "T26000001", "again", T0)


def test_a_number_with_no_entry_at_all_is_listed(db_session: Session) -> None:
    """Taken by the counter, never mentioned in the log (what a crash left before this)."""
    db_session.add(Counter(name="document:ttd:2026", value=3))
    db_session.commit()
    report = account_numbers(db_session)
    assert [(n.number, n.reserved) for n in report.open] == [
        ("T26000001", False),
        ("T26000002", False),
        ("T26000003", False),
    ]


def test_audit_numbers_command(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json
    from pathlib import Path

    from legalize.cli import main
    from legalize.registry.db import make_engine, make_session_factory, upgrade

    url = f"sqlite:///{Path(str(tmp_path)) / 'n.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with make_session_factory(engine)() as s:
        s.add(Counter(name="document:legalization:2026", value=1))
        s.commit()
    engine.dispose()
    assert main(["audit", "numbers", "--database-url", url]) == 1
    assert "L26000001" in capsys.readouterr().out
    assert main(["audit", "numbers", "--database-url", url, "--abandon", "L26000001"]) == 2
    assert "reason" in capsys.readouterr().err
    args = ["--abandon", "l26000001", "--reason", "counter advanced by a crashed worker"]
    assert main(["audit", "numbers", "--database-url", url, *args]) == 0
    capsys.readouterr()
    assert main(["audit", "numbers", "--database-url", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"ok": True, "taken": 1, "open": []}
    assert main(["audit", "verify", "--database-url", url]) == 0
