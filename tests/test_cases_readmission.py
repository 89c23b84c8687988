"""The readmission workflow end to end, and its rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import readmission, views
from legalize.cases.errors import (
    DocumentRevoked,
    DocumentUsed,
    Duplicate,
    Forbidden,
    FourEyesViolation,
    InvalidInput,
    InvalidTransition,
    IssuanceFailed,
    ReasonRequired,
)
from legalize.cases.issuer import IssuedPdf
from legalize.config import Config
from legalize.documents.ttd import TtdData
from legalize.registry import audit
from legalize.registry.identity import import_nic, import_sltd
from legalize.registry.models import Counter, Document
from legalize.seal import checkcode
from tests.helpers.cases_support import (
    ALICE,
    BOB,
    BOTH,
    CAROL,
    HOST,
    NIC_CSV,
    SLTD_CSV,
    T0,
    match_registers,
    plain_photo,
    real_issuer,
    request_body,
)
from tests.helpers.issuer import UnsignedTestIssuer
from verifier.pdf import verify_pdf


def _registers(session: Session) -> None:
    assert import_nic(session, NIC_CSV, "nic.csv", T0).errors == ()
    assert import_sltd(session, SLTD_CSV, "sltd.csv", T0).errors == ()
    session.commit()


def _approved_case(session: Session, reference: str = "DE-2026-0001") -> int:
    match_registers(session)
    req = readmission.parse_request({**request_body(reference), "photo": plain_photo()}, T0)
    case = readmission.file_request(session, HOST, req, T0)
    readmission.override_photo(session, ALICE, case.id, "face detector misses; checked by eye", T0)
    readmission.prepare(session, ALICE, case.id, T0)
    readmission.approve(session, BOB, case.id, T0)
    return case.id


def test_whole_readmission_path(db_session: Session, dev_pki: Any) -> None:
    """Request, cross-check, photo, prepare, four-eyes approval, issuance with the real
    issuer (seal + PAdES), download, verification, clearance, second clearance refused."""
    session = db_session
    t0 = dev_pki.at + timedelta(hours=9)
    _registers(session)
    issuer = real_issuer(dev_pki.dir)
    travel = (t0 + timedelta(days=14)).date().isoformat()
    body = {**request_body(travel_date=travel), "photo": plain_photo()}
    case = readmission.file_request(session, HOST, readmission.parse_request(body, t0), t0)
    assert case.state == "draft"
    assert case.crosscheck is not None
    assert case.crosscheck["outcome"] == "match"
    assert case.crosscheck["nic_number"] == "199012345678"
    assert case.photo is not None and not case.photo.passed  # no face in the test picture

    with pytest.raises(InvalidInput) as failed_photo:
        readmission.prepare(session, ALICE, case.id, t0)
    assert failed_photo.value.code == "PHOTO_CHECK_FAILED"
    with pytest.raises(ReasonRequired):
        readmission.override_photo(session, ALICE, case.id, "  ", t0)
    readmission.override_photo(session, ALICE, case.id, "checked against the NIC photo", t0)
    prepared = readmission.prepare(session, ALICE, case.id, t0 + timedelta(minutes=5))
    assert prepared.prepared_by == ALICE.id

    with pytest.raises(Forbidden):  # an issuing officer cannot approve
        readmission.approve(session, ALICE, case.id, t0)
    approved = readmission.approve(session, BOB, case.id, t0 + timedelta(minutes=10))
    assert approved.state == "approved" and approved.approved_by == BOB.id

    at_issue = t0 + timedelta(minutes=20)
    issued = readmission.issue(session, ALICE, case.id, at_issue, issuer)
    doc = issued.document
    assert issued.state == "issued" and doc is not None
    assert doc.number == f"T{t0:%y}000001"
    assert checkcode.is_valid(doc.check_code)
    assert len(doc.web_token) >= 32  # 192 bits, URL-safe Base64
    assert doc.expires_on == at_issue.date() + timedelta(days=30)
    pdf = views.document_pdf(session, doc.number)  # the host country's download
    assert hashlib.sha256(pdf).hexdigest() == doc.pdf_sha256
    report = verify_pdf(pdf, dev_pki.trust_store(), at_issue + timedelta(hours=1))
    assert report.verdict.value == "VALID", [c for c in report.checks if c.status.value != "VALID"]
    assert doc.seal_text.startswith(Config().check_url)
    assert views.check_document(session, doc.number, doc.check_code.lower()) == doc
    assert views.check_document(session, doc.number, "0000-0000-0000-00") is None
    assert views.document_by_token(session, doc.web_token) == doc
    assert views.document_by_pdf_hash(session, doc.pdf_sha256) == doc

    with pytest.raises(Forbidden):
        readmission.clear(session, ALICE, doc.number, t0 + timedelta(days=2))
    used = readmission.clear(session, CAROL, doc.number, t0 + timedelta(days=2), port="CMB")
    assert used.status == "used"
    with pytest.raises(DocumentUsed) as second:
        readmission.clear(session, CAROL, doc.number, t0 + timedelta(days=2, hours=1))
    assert second.value.code == "DOCUMENT_USED"

    actions = [e.action for e in audit.entries_for(session, "case", case.id)]
    assert actions == [
        "case.filed",
        "case.crosschecked",
        "photo.added",
        "photo.override",
        "case.prepared",
        "case.approved",
        "document.number_taken",
        "document.issued",
        "document.used",
    ]
    issued_entry = audit.entries_for(session, "case", case.id)[7]
    assert issued_entry.actor == ALICE.id
    assert issued_entry.details_dict["pdf_sha256"] == doc.pdf_sha256
    assert issued_entry.details_dict["number"] == doc.number
    assert audit.verify_chain(session).ok
    final = views.get_case(session, case.id)
    assert final.state == "used" and final.closed_by == CAROL.id


def test_four_eyes_refuses_same_officer(db_session: Session) -> None:
    match_registers(db_session)
    req = readmission.parse_request({**request_body(), "photo": plain_photo()}, T0)
    case = readmission.file_request(db_session, HOST, req, T0)
    readmission.override_photo(db_session, BOTH, case.id, "checked by eye", T0)
    readmission.prepare(db_session, BOTH, case.id, T0)
    with pytest.raises(FourEyesViolation) as refused:
        readmission.approve(db_session, BOTH, case.id, T0)
    assert refused.value.code == "FOUR_EYES"
    assert views.get_case(db_session, case.id).state == "draft"
    assert readmission.approve(db_session, BOB, case.id, T0).state == "approved"


def test_approve_needs_preparation(db_session: Session) -> None:
    case = readmission.file_request(
        db_session, HOST, readmission.parse_request(request_body(), T0), T0
    )
    with pytest.raises(InvalidTransition):
        readmission.approve(db_session, BOB, case.id, T0)


def test_rejection_and_revocation_need_reason(db_session: Session) -> None:
    case_id = _approved_case(db_session)
    for blank in ("", "   "):
        with pytest.raises(ReasonRequired) as exc:
            readmission.reject(db_session, BOB, case_id, blank, T0)
        assert exc.value.field == "reason"
    issued = readmission.issue(db_session, ALICE, case_id, T0, UnsignedTestIssuer())
    assert issued.document is not None
    number = issued.document.number
    with pytest.raises(ReasonRequired):
        readmission.revoke(db_session, BOB, number, "", T0)
    revoked = readmission.revoke(db_session, BOB, number, "issued in error", T0)
    assert revoked.status == "revoked"
    with pytest.raises(DocumentRevoked):
        readmission.clear(db_session, CAROL, number, T0)
    rejected_id = _approved_case(db_session, "DE-2026-0002")
    rejected = readmission.reject(db_session, BOB, rejected_id, "identity not established", T0)
    assert rejected.state == "rejected" and rejected.reason == "identity not established"
    with pytest.raises(InvalidTransition):
        readmission.issue(db_session, ALICE, rejected_id, T0, UnsignedTestIssuer())
    assert audit.verify_chain(db_session).ok


def test_expiry_by_date(db_session: Session) -> None:
    case_id = _approved_case(db_session)
    issued = readmission.issue(db_session, ALICE, case_id, T0, UnsignedTestIssuer())
    assert issued.document is not None and issued.document.expires_on is not None
    expires_on = issued.document.expires_on
    assert readmission.expire_due(db_session, T0 + timedelta(days=30)) == []
    day_after = T0 + timedelta(days=31)
    assert expires_on < day_after.date()
    assert readmission.expire_due(db_session, day_after) == [issued.document.number]
    assert views.get_case(db_session, case_id).state == "expired"
    assert readmission.expire_due(db_session, day_after) == []


def test_failed_issuance_changes_nothing_but_burns_the_number(db_session: Session) -> None:
    case_id = _approved_case(db_session)
    failing = UnsignedTestIssuer(fail_for=frozenset({"T26000001"}))
    with pytest.raises(IssuanceFailed) as exc:
        readmission.issue(db_session, ALICE, case_id, T0, failing)
    assert exc.value.code == "ISSUANCE_FAILED"
    assert views.get_case(db_session, case_id).state == "approved"
    assert db_session.scalars(select(Document)).all() == []
    again = readmission.issue(db_session, ALICE, case_id, T0, failing)
    assert again.document is not None and again.document.number == "T26000002"
    counter = db_session.get(Counter, "document:ttd:2026")
    assert counter is not None and counter.value == 2
    actions = [e.action for e in audit.entries_for(db_session, "case", case_id)]
    assert "document.issue_failed" in actions
    assert audit.verify_chain(db_session).ok


def test_duplicate_reference_refused(db_session: Session) -> None:
    req = readmission.parse_request(request_body("DE-X-1"), T0)
    readmission.file_request(db_session, HOST, req, T0)
    with pytest.raises(Duplicate) as exc:
        readmission.file_request(db_session, HOST, req, T0)
    assert exc.value.field == "host_reference"


def test_foreign_authority_files_only_for_its_country(db_session: Session) -> None:
    body = {**request_body(), "host_country": "FRA"}
    with pytest.raises(Forbidden) as exc:
        readmission.file_request(db_session, HOST, readmission.parse_request(body, T0), T0)
    assert exc.value.field == "host_country"


def test_crosscheck_outcomes(db_session: Session) -> None:
    _registers(db_session)
    cases = {
        "mismatch": request_body("R1", birth_date="1990-05-15"),
        "not_found": request_body("R2", nic_number="199900000000"),
        "on_watchlist": request_body("R3", passport_number="N1234567"),
        "match": request_body("R4", nic_number=""),  # found by name and birth date
    }
    for expected, body in cases.items():
        view = readmission.file_request(db_session, HOST, readmission.parse_request(body, T0), T0)
        assert view.crosscheck is not None
        assert view.crosscheck["outcome"] == expected, body
    mismatch = views.list_cases(db_session, search="R1").items[0]
    assert mismatch.crosscheck is not None and mismatch.crosscheck["mismatched"] == ["birth_date"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host_country": "DE"}, "host_country"),
        ({"host_reference": ""}, "host_reference"),
        ({"travel_date": "2026-13-01"}, "travel_date"),
        ({"travel_date": "2020-01-01"}, "travel_date"),
        ({"identity": "x"}, "identity"),
        ({"identity": {"surname": "A"}}, "identity.birth_date"),
        ({"photo": "not base64!"}, "photo"),
        ({"photo": 12}, "photo"),
    ],
)
def test_bad_requests_name_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        readmission.parse_request({**request_body(), **change}, T0)
    assert field in {e.field for e in exc.value.errors}


@pytest.mark.parametrize(
    ("identity", "field"),
    [
        ({"surname": ""}, "identity.surname"),
        ({"birth_date": "2099-01-01"}, "identity.birth_date"),
        ({"sex": "Q"}, "identity.sex"),
        ({"nic_number": "12345"}, "identity.nic_number"),
        ({"passport_number": "x"}, "identity.passport_number"),
        ({"surname": "A" * 101}, "identity.surname"),
        ({"surname": "A\x00B"}, "identity.surname"),
    ],
)
def test_bad_identity_fields(identity: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        readmission.parse_request(request_body(**identity), T0)
    assert exc.value.field == field


def test_photo_not_an_image_refused(db_session: Session) -> None:
    body = {**request_body(), "photo": b"GIF89a...."}
    with pytest.raises(InvalidInput) as exc:
        readmission.file_request(db_session, HOST, readmission.parse_request(body, T0), T0)
    assert exc.value.field == "photo"
    assert views.list_cases(db_session).total == 0  # the filing rolled back as a whole


def test_naive_time_refused(db_session: Session) -> None:
    with pytest.raises(InvalidInput) as exc:
        readmission.file_request(
            db_session, HOST, readmission.parse_request(request_body(), T0), T0.replace(tzinfo=None)
        )
    assert exc.value.field == "at"


def test_available_actions_follow_the_rules(db_session: Session) -> None:
    from legalize.cases.rules import Action, available_actions

    case = readmission.file_request(
        db_session,
        HOST,
        readmission.parse_request({**request_body(), "photo": plain_photo()}, T0),
        T0,
    )
    assert available_actions(ALICE, case) == [Action.PREPARE, Action.REJECT]
    assert available_actions(BOB, case) == [Action.REJECT]  # not prepared: nothing to approve
    assert available_actions(CAROL, case) == []
    readmission.override_photo(db_session, BOTH, case.id, "checked by eye", T0)
    prepared = readmission.prepare(db_session, BOTH, case.id, T0)
    assert Action.APPROVE in available_actions(BOB, prepared)
    assert Action.APPROVE not in available_actions(BOTH, prepared)  # four eyes


def test_transition_and_audit_entry_are_one_transaction(
    db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the audit entry cannot be written, the state change is rolled back with it."""
    match_registers(db_session)
    req = readmission.parse_request({**request_body(), "photo": plain_photo()}, T0)
    case = readmission.file_request(db_session, HOST, req, T0)
    readmission.override_photo(db_session, ALICE, case.id, "checked by eye", T0)
    readmission.prepare(db_session, ALICE, case.id, T0)
    entries_before = audit.count_entries(db_session)

    def broken_append(*args: object, **kwargs: object) -> None:
        raise audit.AuditError("disk full")

    monkeypatch.setattr(audit, "append", broken_append)
    with pytest.raises(audit.AuditError):
        readmission.approve(db_session, BOB, case.id, T0)
    monkeypatch.undo()
    db_session.expire_all()
    after = views.get_case(db_session, case.id)
    assert after.state == "draft" and after.approved_by is None
    assert audit.count_entries(db_session) == entries_before


def test_issuer_with_wrong_hash_is_refused(db_session: Session) -> None:
    class LyingIssuer(UnsignedTestIssuer):
        def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
            return IssuedPdf(b"%PDF-1.7 x", "0" * 64, "TEST")

    case_id = _approved_case(db_session)
    with pytest.raises(IssuanceFailed) as exc:
        readmission.issue(db_session, ALICE, case_id, T0, LyingIssuer())
    assert exc.value.code == "ISSUANCE_FAILED"
    assert views.get_case(db_session, case_id).state == "approved"
    assert db_session.scalars(select(Document)).all() == []
