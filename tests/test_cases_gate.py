"""The identity gate and the duplicate flags (legalize.cases.gate, .duplicates) through the
library and the batch steps, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from legalize.cases import batch, readmission, views
from legalize.cases.duplicates import DuplicateUnresolved
from legalize.cases.errors import (
    DuplicatePerson,
    Forbidden,
    FourEyesViolation,
    InvalidInput,
    InvalidTransition,
    ReasonRequired,
)
from legalize.cases.gate import IdentityUnresolved
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry import audit
from legalize.registry.identity import import_sltd
from legalize.registry.models import Case, DuplicateLink
from tests.helpers.cases_support import (
    ADMIN,
    ALICE,
    BOB,
    BOTH,
    CAROL,
    HOST,
    SLTD_CSV,
    T0,
    match_registers,
    plain_photo,
    request_body,
)
from tests.helpers.issuer import UnsignedTestIssuer

BEN = Actor("user:ben", frozenset({Role.APPROVING_OFFICER}))
"""A second approving officer: the further officer a watchlist hit needs."""
FR_HOST = Actor("api:fr-ofii", frozenset({Role.FOREIGN_AUTHORITY}), country="FRA")
DECISION = {
    "evidence": "passport_lost_by_holder",
    "evidence_reference": "police report CMB/2025/118",
    "reason": "the holder reported the passport lost himself; interview confirms identity",
}


def _file(session: Session, reference: str, actor: Actor = HOST, **identity: Any) -> int:
    body = {**request_body(reference, **identity), "photo": plain_photo()}
    if actor is FR_HOST:
        body["host_country"] = "FRA"
    case = readmission.file_request(session, actor, readmission.parse_request(body, T0), T0)
    readmission.override_photo(session, ALICE, case.id, "face detector misses; by eye", T0)
    return case.id


def _prepared(session: Session, reference: str = "DE-1", **identity: Any) -> int:
    case_id = _file(session, reference, **identity)
    readmission.prepare(session, ALICE, case_id, T0)
    return case_id


def _actions(session: Session, case_id: int) -> list[str]:
    return [e.action for e in audit.entries_for(session, "case", case_id)]


def test_watchlist_decision_rules(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    assert import_sltd(s, SLTD_CSV, "sltd.csv", T0).errors == ()
    s.commit()
    case_id = _file(s, "DE-W", passport_number="N1234567")
    readmission.prepare(s, BOTH, case_id, T0)  # an officer with both roles prepared it
    with pytest.raises(IdentityUnresolved):
        readmission.approve(s, BOB, case_id, T0)
    with pytest.raises(Forbidden):  # an issuing officer alone may not decide a watchlist hit
        readmission.decide_identity(s, ALICE, case_id, DECISION, T0)
    with pytest.raises(FourEyesViolation):  # the preparer may not decide it
        readmission.decide_identity(s, BOTH, case_id, DECISION, T0)
    for bad, field in (
        ({**DECISION, "evidence": "trust me"}, "evidence"),
        ({**DECISION, "evidence_reference": " "}, "evidence_reference"),
    ):
        with pytest.raises(InvalidInput) as exc:
            readmission.decide_identity(s, BOB, case_id, bad, T0)
        assert exc.value.field == field
    with pytest.raises(ReasonRequired):
        readmission.decide_identity(s, BOB, case_id, {**DECISION, "reason": ""}, T0)

    decided = T0 + timedelta(minutes=5)
    readmission.decide_identity(s, BOB, case_id, DECISION, decided)
    with pytest.raises(FourEyesViolation) as same:  # the decider may not also approve
        readmission.approve(s, BOB, case_id, T0)
    assert "further officer" in same.value.message
    approved = readmission.approve(s, BEN, case_id, T0 + timedelta(minutes=10))
    assert approved.state == "approved"
    issued = readmission.issue(s, ALICE, case_id, T0, UnsignedTestIssuer())
    assert issued.state == "issued"

    entries = audit.entries_for(s, "case", case_id)
    decision = next(e for e in entries if e.action == "identity.decided")
    assert decision.actor == BOB.id
    assert decision.details_dict["outcome"] == "on_watchlist"
    assert decision.details_dict["watchlist"] == ["N1234567"]
    assert decision.details_dict["evidence"] == "passport_lost_by_holder"
    assert decision.details_dict["evidence_reference"] == "police report CMB/2025/118"
    assert audit.verify_chain(s).ok
    status = readmission.checks(s, BEN, case_id, T0)
    assert status.identity.settled and status.identity.decision is not None
    assert status.identity.decision.evidence_text == "passport reported lost by the holder himself"
    assert status.identity.watchlist[0].status == "stolen"
    assert status.identity.watchlist[0].issuing_country == "LKA"


def test_an_administrator_may_decide_a_watchlist_hit(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    import_sltd(s, SLTD_CSV, "sltd.csv", T0)
    s.commit()
    case_id = _prepared(s, passport_number="N1234567")
    readmission.decide_identity(s, ADMIN, case_id, DECISION, T0)
    assert readmission.approve(s, BOB, case_id, T0).state == "approved"


def test_not_found_and_mismatch_are_blocked_until_decided(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    # not found: a NIC number the register does not hold
    lost = _prepared(
        s, "DE-NF", nic_number="200011112222", surname="Nobody", given_names="N", passport_number=""
    )
    assert views.get_case(s, lost).crosscheck["outcome"] == "not_found"  # type: ignore[index]
    with pytest.raises(IdentityUnresolved) as exc:
        readmission.approve(s, BOB, lost, T0)
    assert "No NIC register record" in exc.value.message
    with pytest.raises(Forbidden):  # a border officer decides nothing
        readmission.decide_identity(s, CAROL, lost, DECISION, T0)
    # For not_found and mismatch the preparer may decide; the approver sees it.
    readmission.decide_identity(s, ALICE, lost, {**DECISION, "evidence": "civil_record"}, T0)
    assert readmission.approve(s, BOB, lost, T0).state == "approved"

    # mismatch: the birth date differs from the register
    wrong = _prepared(s, "DE-MM", birth_date="1990-05-15")
    check = readmission.checks(s, BOB, wrong, T0).identity
    assert check.outcome == "mismatch" and not check.settled
    assert [(d.field, d.claimed, d.register) for d in check.differences] == [
        ("birth_date", "1990-05-15", "1990-05-14")
    ]
    with pytest.raises(IdentityUnresolved):
        readmission.approve(s, BOB, wrong, T0)
    readmission.decide_identity(s, BOB, wrong, {**DECISION, "evidence": "nic_record_corrected"}, T0)
    assert readmission.approve(s, BOB, wrong, T0).state == "approved"  # not a watchlist hit
    assert "identity.decided" in _actions(s, wrong)
    readmission.issue(s, ALICE, wrong, T0, UnsignedTestIssuer())
    with pytest.raises(InvalidTransition):  # decided before issuance, not after
        readmission.decide_identity(s, BOB, wrong, DECISION, T0)


def test_a_clean_match_needs_no_decision(db_session: Session) -> None:
    match_registers(db_session)
    case_id = _prepared(db_session)
    with pytest.raises(InvalidTransition):
        readmission.decide_identity(db_session, BOB, case_id, DECISION, T0)
    assert readmission.approve(db_session, BOB, case_id, T0).state == "approved"


def test_a_decision_settles_only_the_result_it_was_made_on(db_session: Session) -> None:
    s = db_session
    case_id = _file(s, "DE-R")  # no register yet: not_found
    readmission.decide_identity(s, ALICE, case_id, {**DECISION, "evidence": "civil_record"}, T0)
    # The register arrives and says the birth date differs: a new result, a new decision.
    match_registers(s)
    readmission.recheck_identity(s, ALICE, case_id, T0)
    row = s.get(Case, case_id)
    assert row is not None
    row.person.birth_date = row.person.birth_date.replace(day=15)
    s.commit()
    result = readmission.recheck_identity(s, ALICE, case_id, T0)
    assert result.outcome.value == "mismatch"
    readmission.prepare(s, ALICE, case_id, T0)
    status = readmission.checks(s, BOB, case_id, T0).identity
    assert status.decision is not None and not status.decision.current and not status.settled
    with pytest.raises(IdentityUnresolved):
        readmission.approve(s, BOB, case_id, T0)


def test_issuance_is_gated_too(db_session: Session) -> None:
    """A case approved before the gate existed (or changed behind the rules' back) is not
    issued while its identity is unsettled."""
    s = db_session
    match_registers(s)
    case_id = _prepared(s)
    readmission.approve(s, BOB, case_id, T0)
    row = s.get(Case, case_id)
    assert row is not None and row.crosscheck is not None
    row.crosscheck = {**row.crosscheck, "outcome": "not_found", "identity": "not_found"}
    s.commit()
    with pytest.raises(IdentityUnresolved):
        readmission.issue(s, ALICE, case_id, T0, UnsignedTestIssuer())
    assert views.get_case(s, case_id).state == "approved"
    # An approved case is decided before issuance.
    readmission.decide_identity(s, ALICE, case_id, {**DECISION, "evidence": "civil_record"}, T0)
    assert readmission.issue(s, ALICE, case_id, T0, UnsignedTestIssuer()).state == "issued"


def test_duplicate_flagged_at_filing_blocks_both_until_resolved(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    first = _prepared(s, "DE-A")
    second = _prepared(s, "DE-B")  # the same person under another host reference
    for mine, other in ((first, second), (second, first)):
        (dup,) = readmission.checks(s, BOB, mine, T0).duplicates
        assert dup.other_case_id == other and dup.blocking
        assert set(dup.basis) == {"nic_number", "passport_number", "name_birth_date"}
        assert "case.duplicate_flagged" in _actions(s, mine)
    for case_id in (first, second):
        with pytest.raises(DuplicateUnresolved) as exc:
            readmission.approve(s, BOB, case_id, T0)
        assert exc.value.code == "DUPLICATE_UNRESOLVED"
    with pytest.raises(ReasonRequired):
        readmission.resolve_duplicate(s, ALICE, second, first, " ", T0)
    with pytest.raises(Forbidden):
        readmission.resolve_duplicate(s, CAROL, second, first, "both", T0)
    readmission.resolve_duplicate(
        s, ALICE, second, first, "host confirms two journeys: deportation then transfer", T0
    )
    assert "case.duplicate_resolved" in _actions(s, first)
    assert readmission.approve(s, BOB, first, T0).state == "approved"
    assert readmission.approve(s, BOB, second, T0).state == "approved"
    assert audit.verify_chain(s).ok


def test_rejecting_one_duplicate_frees_the_other(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    first = _prepared(s, "DE-A")
    second = _prepared(s, "DE-B", nic_number="", passport_number="")  # name and birth date
    (dup,) = readmission.checks(s, BOB, second, T0).duplicates
    assert dup.basis == ("name_birth_date",)
    readmission.reject(s, BOB, first, "filed twice by the host country", T0)
    assert not readmission.checks(s, BOB, second, T0).duplicates[0].blocking
    assert readmission.approve(s, BOB, second, T0).state == "approved"


def test_duplicate_detected_again_at_approval(db_session: Session) -> None:
    """Two filings that missed each other (e.g. concurrent) are caught at approval, and the
    flag stays although the approval is refused."""
    s = db_session
    match_registers(s)
    first = _prepared(s, "DE-A")
    second = _prepared(s, "DE-B")
    s.execute(delete(DuplicateLink))
    s.commit()
    with pytest.raises(DuplicateUnresolved):
        readmission.approve(s, BOB, first, T0)
    assert s.scalars(select(DuplicateLink)).one().other_case_id == second


def test_duplicate_detected_again_at_issuance(db_session: Session) -> None:
    """Issuance searches under its own lock; a case it finds not linked is linked in a
    transaction of its own (it stays) and the issuance refused before a number is taken."""
    s = db_session
    match_registers(s)
    first = _prepared(s, "DE-A")
    readmission.approve(s, BOB, first, T0)
    second = _prepared(s, "DE-B")
    s.execute(delete(DuplicateLink))
    s.commit()
    with pytest.raises(DuplicateUnresolved):
        readmission.issue(s, ALICE, first, T0, UnsignedTestIssuer())
    assert s.scalars(select(DuplicateLink)).one().other_case_id == second
    assert views.get_case(s, first).state == "approved"
    assert "document.number_taken" not in _actions(s, first)
    assert audit.verify_chain(s).ok


def test_a_valid_unused_ttd_is_a_duplicate_a_used_one_is_not(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    first = _prepared(s, "DE-A")
    readmission.approve(s, BOB, first, T0)
    issued = readmission.issue(s, ALICE, first, T0, UnsignedTestIssuer())
    second = _prepared(s, "DE-B")
    with pytest.raises(DuplicateUnresolved):
        readmission.approve(s, BOB, second, T0)
    assert issued.document is not None
    readmission.clear(s, CAROL, issued.document.number, T0 + timedelta(days=1))
    assert readmission.approve(s, BOB, second, T0).state == "approved"


def test_own_duplicate_refused_when_asked_other_clients_flagged_silently(
    db_session: Session,
) -> None:
    s = db_session
    match_registers(s)
    _file(s, "DE-A")
    body = readmission.parse_request(request_body("DE-B"), T0)
    with pytest.raises(DuplicatePerson) as exc:
        readmission.file_request(s, HOST, body, T0, refuse_own_duplicate=True)
    assert exc.value.code == "DUPLICATE_PERSON"
    assert exc.value.details == {"other_references": ["DE-A"]}
    assert views.list_cases(s).total == 1  # nothing filed
    # France files the same person: filed and flagged for the officers, no word to France.
    fr = readmission.parse_request({**request_body("FR-1"), "host_country": "FRA"}, T0)
    case = readmission.file_request(s, FR_HOST, fr, T0, refuse_own_duplicate=True)
    assert len(readmission.checks(s, BOB, case.id, T0).duplicates) == 1


def test_one_person_eight_times_in_one_batch_is_flagged(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    photo = plain_photo()
    rows = [{**request_body(f"CH-{n}"), "photo": photo} for n in range(8)]
    report = batch.file_batch(s, HOST, "DEU", "CHARTER-8", rows, T0)
    assert len(report.succeeded) == 8 and report.failed == ()
    assert [f.line for f in report.flagged] == [2, 3, 4, 5, 6, 7, 8]
    assert all(f.code == "DUPLICATE_PERSON" for f in report.flagged)
    assert "DEU CH-0" in report.flagged[0].message  # the same client's own reference
    for _line, case_id in report.succeeded:
        assert len(readmission.checks(s, BOB, case_id, T0).duplicates) == 7
        readmission.override_photo(s, ALICE, case_id, "by eye", T0)
    assert len(batch.prepare_batch(s, ALICE, report.batch_id, T0).succeeded) == 8
    approved = batch.approve_batch(s, BOB, report.batch_id, T0)
    assert approved.succeeded == ()
    assert {f.code for f in approved.failed} == {"DUPLICATE_UNRESOLVED"}
    assert len(approved.failed) == 8


def test_batch_approve_and_issue_refuse_and_report_gated_rows(db_session: Session) -> None:
    s = db_session
    match_registers(s)
    import_sltd(s, SLTD_CSV, "sltd.csv", T0)
    s.commit()
    photo = plain_photo()
    rows = [
        {**request_body("B-OK"), "photo": photo},
        {
            **request_body(
                "B-SLTD",
                surname="Silva",
                given_names="Nimali",
                birth_date="1985-12-01",
                sex="F",
                nic_number="853400937V",
                passport_number="N1234567",
            ),
            "photo": photo,
        },
        {
            **request_body(
                "B-NF",
                surname="Nobody",
                given_names="X",
                birth_date="1970-01-01",
                nic_number="",
                passport_number="",
            ),
            "photo": photo,
        },
    ]
    filed = batch.file_batch(s, HOST, "DEU", "CH-GATE", rows, T0)
    assert filed.flagged == ()
    for _line, case_id in filed.succeeded:
        readmission.override_photo(s, ALICE, case_id, "by eye", T0)
    assert len(batch.prepare_batch(s, ALICE, filed.batch_id, T0).succeeded) == 3
    approved = batch.approve_batch(s, BOB, filed.batch_id, T0)
    assert [line for line, _ in approved.succeeded] == [1]
    assert [(f.line, f.code) for f in approved.failed] == [
        (2, "IDENTITY_UNRESOLVED"),
        (3, "IDENTITY_UNRESOLVED"),
    ]
    issued = batch.issue_batch(s, ALICE, filed.batch_id, T0, UnsignedTestIssuer())
    assert len(issued.succeeded) == 1
    assert batch.get_batch(s, filed.batch_id).states == {"issued": 1, "draft": 2}
