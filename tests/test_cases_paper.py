"""legalize.cases.paper: the register's answer to a photo of the paper, as report checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any, cast

import pytest
from sqlalchemy.orm import Session

from legalize.cases import paper
from legalize.cases.views import DocumentView
from verifier.codes import Code
from verifier.report import Category, Check, Report, Status, Verdict

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
DOC = DocumentView(
    number="T26000001",
    type="ttd",
    status="issued",
    case_id=1,
    check_code="X",
    web_token="t",
    pdf_sha256="0" * 64,
    seal_text="",
    issued_at=AT,
    issued_on=AT.date(),
    expires_on=date(2027, 1, 3),
    status_changed_at=datetime(2026, 12, 5, 8, 30, tzinfo=UTC),
    location="COLOMBO",
)
NO_SESSION = cast(Session, None)  # only a used document reads the audit log
SEAL_OK = Check("seal.signature", Category.INTEGRITY, Status.VALID, "OK", "ok")


def _report(**data: Any) -> Report:
    return Report.of([SEAL_OK], data)


def test_the_same_document_passes() -> None:
    report = paper.with_register(NO_SESSION, DOC, _report(document_number="t26000001"), AT)
    assert report.verdict is Verdict.VALID
    assert [c.name for c in report.checks[-2:]] == ["register.number", "register.status"]


def test_another_document_is_a_mismatch() -> None:
    report = paper.with_register(NO_SESSION, DOC, _report(document_number="T26000002"), AT)
    check = report.check("register.number")
    assert check is not None and check.code == Code.DOCUMENT_MISMATCH
    assert dict(check.data) == {"looked_up": "T26000001", "in_photo": "T26000002"}
    assert report.verdict is Verdict.INVALID


def test_no_number_read_is_not_decided() -> None:
    report = paper.with_register(NO_SESSION, DOC, _report(), AT)
    check = report.check("register.number")
    assert check is not None and check.status is Status.SKIPPED
    assert report.verdict is Verdict.INDETERMINATE


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        (replace(DOC, status="revoked"), Code.DOCUMENT_REVOKED),
        (replace(DOC, status="expired"), Code.DOCUMENT_EXPIRED),
        (replace(DOC, expires_on=date(2026, 12, 1)), Code.DOCUMENT_EXPIRED),
    ],
    ids=["revoked", "expired", "past-expiry"],
)
def test_the_register_status_fails_the_paper(doc: DocumentView, code: str) -> None:
    report = paper.with_register(NO_SESSION, doc, _report(document_number=doc.number), AT)
    check = report.check("register.status")
    assert check is not None and check.status is Status.INVALID and check.code == code
    assert report.verdict is Verdict.INVALID
