"""The log of public checks (legalize.cases.checks_log) on SQLite and PostgreSQL: what a row
keeps, the dashboard's counts and alerts, the daily salts and the purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import checks_log
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.registry.checks import CheckSalt, PublicCheck

AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def _check(
    session: Session,
    at: datetime,
    method: Method = Method.QR_LINK,
    verdict: str = "valid",
    reasons: tuple[str, ...] = (),
    number: str | None = None,
    kind: str | None = "ttd",
    post: str | None = None,
    address: str = "192.0.2.1",
) -> None:
    salt = checks_log.day_salt(session, at.date())
    outcome = CheckOutcome(method, verdict, reasons, number, kind, post)
    checks_log.record(session, outcome, checks_log.client_hash(salt, address), at)
    session.commit()


def _board(session: Session, days: int = 7, **thresholds: int) -> checks_log.Dashboard:
    values = {"window_hours": 24, "document_failures": 3, "source_failures": 4} | thresholds
    return checks_log.dashboard(session, AT, days=days, **values)


def test_a_row_keeps_the_check_and_only_a_hash_of_the_address(db_session: Session) -> None:
    _check(db_session, AT, Method.NUMBER, "invalid", ("DOCUMENT_NOT_IN_REGISTER",), "TA0000042")
    row = db_session.scalars(select(PublicCheck)).one()
    assert (row.method, row.verdict, row.reasons, row.document_number) == (
        "number",
        "invalid",
        "DOCUMENT_NOT_IN_REGISTER",
        "TA0000042",
    )
    assert row.checked_at == AT
    assert "192.0.2.1" not in row.client_hash and len(row.client_hash) == 32


def test_an_address_hashes_alike_within_a_day_and_differently_across_days(
    db_session: Session,
) -> None:
    today = checks_log.day_salt(db_session, AT.date())
    assert checks_log.day_salt(db_session, AT.date()) == today  # one salt per day
    tomorrow = checks_log.day_salt(db_session, AT.date() + timedelta(days=1))
    assert today != tomorrow
    address = "198.51.100.7"
    assert checks_log.client_hash(today, address) == checks_log.client_hash(today, address)
    assert checks_log.client_hash(today, address) != checks_log.client_hash(tomorrow, address)
    assert checks_log.client_hash(today, address) != checks_log.client_hash(today, "198.51.100.8")


def test_the_dashboard_counts_by_day_reason_type_method_and_post(db_session: Session) -> None:
    yesterday = AT - timedelta(days=1)
    _check(db_session, AT, post="Colombo")
    _check(db_session, AT, Method.NUMBER, "invalid", ("DOCUMENT_REVOKED",), "TA1", post="Colombo")
    _check(
        db_session,
        yesterday,
        Method.QR_LINK,
        "invalid",
        ("SEAL_SIGNATURE_INVALID", "SIGNER_UNKNOWN"),
        kind="legalization",
        post="Dubai",
    )
    _check(db_session, yesterday, Method.API, "valid", kind="ttd")
    _check(db_session, AT - timedelta(days=30), Method.API)  # outside the 7 days
    board = _board(db_session)
    assert len(board.days) == 7 and board.days[-1].key == "2026-12-04"
    assert board.days[0].key == "2026-11-28" and board.days[0].checks == 0
    assert (board.days[-1].checks, board.days[-1].failures) == (2, 1)
    assert (board.days[-2].checks, board.days[-2].failures) == (2, 1)
    assert (board.total.checks, board.total.failures) == (4, 2)
    assert {t.key: t.failures for t in board.reasons} == {
        "DOCUMENT_REVOKED": 1,
        "SEAL_SIGNATURE_INVALID": 1,
        "SIGNER_UNKNOWN": 1,
    }
    assert {t.key: (t.checks, t.failures) for t in board.types} == {
        "ttd": (3, 1),
        "legalization": (1, 1),
    }
    assert {t.key: t.checks for t in board.methods} == {"qr-link": 2, "number": 1, "api": 1}
    assert {t.key: t.checks for t in board.posts} == {"Colombo": 2, "Dubai": 1, "unknown": 1}
    assert [c.reasons for c in board.recent] == [
        "DOCUMENT_REVOKED",
        "SEAL_SIGNATURE_INVALID SIGNER_UNKNOWN",
    ]


def test_repeated_failures_of_one_number_raise_an_alert_at_the_threshold(
    db_session: Session,
) -> None:
    for i in range(2):
        _check(db_session, AT - timedelta(minutes=i), Method.NUMBER, "invalid", ("X",), "TA7")
    assert _board(db_session).alerts == ()
    _check(db_session, AT - timedelta(hours=30), Method.NUMBER, "invalid", ("X",), "TA7")
    assert _board(db_session).alerts == ()  # outside the 24 hours
    _check(db_session, AT - timedelta(minutes=5), Method.NUMBER, "valid", (), "TA7")
    assert _board(db_session).alerts == ()  # a valid check is no failure
    _check(db_session, AT - timedelta(minutes=9), Method.NUMBER, "invalid", ("X",), "TA7")
    (alert,) = _board(db_session).alerts
    assert (alert.kind, alert.key, alert.failures) == ("document", "TA7", 3)
    assert alert.last_at == AT


def test_repeated_failures_from_one_source_raise_an_alert(db_session: Session) -> None:
    for i in range(4):
        _check(
            db_session,
            AT - timedelta(minutes=i),
            Method.NUMBER,
            "invalid",
            ("DOCUMENT_NOT_IN_REGISTER",),
            f"TA{i}",
            address="203.0.113.9",
        )
    _check(db_session, AT, Method.NUMBER, "invalid", ("X",), "TB", address="203.0.113.10")
    (alert,) = _board(db_session).alerts
    salt = checks_log.day_salt(db_session, AT.date())
    assert alert.kind == "source" and alert.failures == 4
    assert checks_log.client_hash(salt, "203.0.113.9").startswith(alert.key)


def test_purge_deletes_old_checks_and_past_salts(db_session: Session) -> None:
    _check(db_session, AT - timedelta(days=91))
    _check(db_session, AT - timedelta(days=89))
    _check(db_session, AT)
    purged = checks_log.purge(db_session, AT, 90)
    db_session.commit()
    assert (purged.checks, purged.salts) == (1, 2)
    left = db_session.scalars(select(PublicCheck.checked_at).order_by(PublicCheck.id)).all()
    assert left == [AT - timedelta(days=89), AT]
    assert db_session.scalars(select(CheckSalt.day)).all() == [AT.date()]


@pytest.mark.parametrize("verdict", ["VALID", "ok", ""])
def test_an_unknown_verdict_is_refused(verdict: str) -> None:
    with pytest.raises(ValueError, match="verdict"):
        CheckOutcome(Method.PDF, verdict)
