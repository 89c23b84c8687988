"""The legalization workflow end to end, signatory matching, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from typing import Any

import pytest
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission, views
from legalize.cases.errors import (
    Forbidden,
    FourEyesViolation,
    InvalidInput,
    InvalidTransition,
    SignatoryNotAuthorized,
)
from legalize.cases.legalization import MatchOutcome
from legalize.cases.rules import Actor
from legalize.registry import audit
from tests.helpers.cases_support import ADMIN, ALICE, BOB, CAROL, T0, real_issuer
from verifier.pdf import verify_pdf


def _underlying_pdf() -> bytes:
    """A one-page PDF standing in for a birth certificate."""
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "BIRTH CERTIFICATE No. 1234 (test document)")
    canvas.save()
    return out.getvalue()


UNDERLYING = _underlying_pdf()


def _signatory(session: Session) -> int:
    view = legalization.add_signatory(
        session,
        ADMIN,
        name="W. A. Jayasinghe",
        capacity="Additional District Registrar",
        authority="Divisional Secretariat, Kandy Four Gravets",
        valid_from=date(2020, 1, 1),
        valid_until=date(2025, 12, 31),
        at=T0,
        specimen=b"\x89PNG\r\n\x1a\n" + b"0" * 20,
    )
    return view.id


def _body(**change: object) -> dict[str, object]:
    body: dict[str, object] = {
        "applicant": {
            "surname": "Silva",
            "given_names": "Nimali",
            "birth_date": "1985-12-01",
            "sex": "F",
        },
        "underlying_title": "Birth certificate",
        "underlying_date": "2024-03-15",
        "signer_name": "W.A. JAYASINGHE",
        "signer_capacity": "Additional District Registrar",
        "signer_authority": "Divisional Secretariat, Kandy Four Gravets",
        "destination_country": "ITA",
    }
    body.update(change)
    return body


def test_whole_legalization_path(db_session: Session, dev_pki: Any) -> None:
    """Application, signatory match, prepare, four-eyes approval, issuance with the real
    issuer, download, verification, revocation."""
    session = db_session
    t0 = dev_pki.at + timedelta(hours=9)
    signatory_id = _signatory(session)
    request = legalization.parse_request(_body(), UNDERLYING, t0)
    case = legalization.file_application(session, ALICE, request, t0)
    assert case.state == "draft" and case.kind == "legalization"
    assert case.signatory_id == signatory_id  # matched despite spacing and case
    # the case stores the document as sanitized at filing (issuance reuses it), not the upload
    assert request.sanitized is not None
    assert case.underlying_sha256 == request.sanitized.sha256
    stored = legalization.underlying_document(session, case.id)
    assert stored == (request.sanitized.pdf, "application/pdf")
    assert hashlib.sha256(stored[0]).hexdigest() == case.underlying_sha256

    legalization.prepare(session, ALICE, case.id, t0 + timedelta(minutes=1))
    with pytest.raises(FourEyesViolation):
        legalization.approve(session, Actor(ALICE.id, BOB.roles), case.id, t0)
    legalization.approve(session, BOB, case.id, t0 + timedelta(minutes=2))
    issued = legalization.issue(
        session, BOB, case.id, t0 + timedelta(minutes=3), real_issuer(dev_pki.dir)
    )
    doc = issued.document
    assert doc is not None and doc.type == "legalization" and doc.number == f"L{t0:%y}000001"
    assert doc.expires_on is None
    pdf = views.document_pdf(session, doc.number)
    assert hashlib.sha256(pdf).hexdigest() == doc.pdf_sha256
    report = verify_pdf(pdf, dev_pki.trust_store(), t0 + timedelta(hours=1))
    assert report.verdict.value == "VALID", [c for c in report.checks if c.status.value != "VALID"]
    with pytest.raises(InvalidTransition):  # a legalization is never "cleared"
        readmission.clear(session, CAROL, doc.number, t0)
    revoked = legalization.revoke(session, BOB, doc.number, "signature found forged", t0)
    assert revoked.status == "revoked"
    actions = [e.action for e in audit.entries_for(session, "case", case.id)]
    assert actions == [
        "case.filed",
        "case.signatory_matched",
        "case.origin_checked",
        "case.prepared",
        "case.approved",
        "document.number_taken",
        "document.issued",
        "document.revoked",
    ]
    assert audit.verify_chain(session).ok


@pytest.mark.parametrize(
    ("change", "outcome"),
    [
        ({}, MatchOutcome.MATCHED),
        ({"underlying_date": "2026-01-05"}, MatchOutcome.NOT_VALID_ON_DATE),
        ({"underlying_date": "2019-12-31"}, MatchOutcome.NOT_VALID_ON_DATE),
        ({"signer_capacity": "District Registrar"}, MatchOutcome.CAPACITY_MISMATCH),
        ({"signer_authority": "Divisional Secretariat, Galle"}, MatchOutcome.AUTHORITY_MISMATCH),
        ({"signer_name": "A. N. Other"}, MatchOutcome.UNKNOWN_SIGNER),
    ],
)
def test_signatory_matching(
    db_session: Session, change: dict[str, object], outcome: MatchOutcome
) -> None:
    _signatory(db_session)
    request = legalization.parse_request(_body(**change), UNDERLYING, T0)
    case = legalization.file_application(db_session, ALICE, request, T0)
    result = legalization.match_signer(db_session, ALICE, case.id, T0)
    assert result.outcome is outcome
    assert (case.signatory_id is not None) == (outcome is MatchOutcome.MATCHED)
    if outcome is not MatchOutcome.MATCHED:
        with pytest.raises(SignatoryNotAuthorized) as exc:
            legalization.prepare(db_session, ALICE, case.id, T0)
        assert exc.value.field == "signer_name"


def test_signatory_registered_later_then_matched(db_session: Session) -> None:
    request = legalization.parse_request(_body(), UNDERLYING, T0)
    case = legalization.file_application(db_session, ALICE, request, T0)
    assert case.signatory_id is None
    _signatory(db_session)
    assert legalization.match_signer(db_session, ALICE, case.id, T0).outcome is MatchOutcome.MATCHED
    assert legalization.prepare(db_session, ALICE, case.id, T0).prepared_by == ALICE.id


def test_only_administrator_adds_signatories(db_session: Session) -> None:
    with pytest.raises(Forbidden):
        legalization.add_signatory(
            db_session,
            ALICE,
            name="X",
            capacity="Y",
            authority="Z",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=T0,
        )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"valid_from": None}, "valid_from"),
        ({"valid_until": date(2019, 1, 1)}, "valid_until"),
        ({"specimen": b"GIF89a"}, "specimen"),
    ],
)
def test_bad_signatory_input(db_session: Session, kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "name": "X",
        "capacity": "Y",
        "authority": "Z",
        "valid_from": date(2020, 1, 1),
        "valid_until": None,
        "at": T0,
    }
    args.update(kwargs)
    with pytest.raises(InvalidInput) as exc:
        legalization.add_signatory(db_session, ADMIN, **args)  # type: ignore[arg-type]
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("change", "underlying", "field"),
    [
        ({}, None, "underlying"),
        ({}, b"MZ\x90\x00", "underlying"),
        ({}, b"%PDF-1.7\nnot really a PDF\n", "underlying"),
        ({"underlying_date": "2099-01-01"}, UNDERLYING, "underlying_date"),
        ({"underlying_date": "15/03/2024"}, UNDERLYING, "underlying_date"),
        ({"signer_name": ""}, UNDERLYING, "signer_name"),
        ({"signer_capacity": "C" * 37}, UNDERLYING, "signer_capacity"),
        ({"signer_authority": "ශ්‍රී" * 10}, UNDERLYING, "signer_authority"),
        ({"applicant": None}, UNDERLYING, "applicant"),
        (
            {"applicant": {"surname": "X", "birth_date": "1990-01-01", "sex": "?"}},
            UNDERLYING,
            "applicant.sex",
        ),
        ({"destination_country": "Italy"}, UNDERLYING, "destination_country"),
    ],
)
def test_bad_applications_name_the_field(
    change: dict[str, object], underlying: bytes | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as exc:
        legalization.parse_request(_body(**change), underlying, T0)
    assert field in {e.field for e in exc.value.errors}


def test_foreign_authority_files_an_application(db_session: Session) -> None:
    from tests.helpers.cases_support import HOST

    _signatory(db_session)
    case = legalization.file_application(
        db_session, HOST, legalization.parse_request(_body(), UNDERLYING, T0), T0
    )
    assert case.filed_by == HOST.id and case.signatory_id is not None
    with pytest.raises(Forbidden):  # filing only: preparation stays with officers
        legalization.prepare(db_session, HOST, case.id, T0)
    assert views.list_cases(db_session, filed_by=HOST.id).items[0].id == case.id
