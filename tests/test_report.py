from __future__ import annotations

import json

import pytest

from verifier.report import (
    NOT_APPLICABLE,
    Category,
    Check,
    Report,
    Status,
    Verdict,
    guarded,
    verdict_of,
)


def _check(status: Status, code: str = "OK") -> Check:
    return Check("x", Category.INTEGRITY, status, code, "m")


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], Verdict.INDETERMINATE),
        ([Status.VALID], Verdict.VALID),
        ([Status.VALID, Status.INVALID], Verdict.INVALID),
        ([Status.ERROR, Status.INVALID], Verdict.INVALID),
        ([Status.VALID, Status.ERROR], Verdict.INDETERMINATE),
        ([Status.VALID, Status.SKIPPED], Verdict.INDETERMINATE),
    ],
)
def test_verdict_rule(statuses: list[Status], expected: Verdict) -> None:
    assert verdict_of([_check(s) for s in statuses]) is expected


def test_not_applicable_skip_does_not_block_valid() -> None:
    checks = [_check(Status.VALID), _check(Status.SKIPPED, NOT_APPLICABLE)]
    assert verdict_of(checks) is Verdict.VALID


def test_guarded_turns_exception_into_error_check_without_its_text() -> None:
    def boom() -> Check:
        raise ValueError("secret personal data")

    check = guarded("seal.signature", Category.INTEGRITY, boom)
    assert check.status is Status.ERROR
    assert "secret" not in check.message
    assert "ValueError" in check.message


def test_report_json_shape() -> None:
    report = Report.of([_check(Status.INVALID, "SEAL_SIGNATURE_INVALID")], {"raw": b"\x01"})
    doc = json.loads(report.to_json())
    assert doc["verdict"] == "INVALID"
    assert doc["checks"][0]["code"] == "SEAL_SIGNATURE_INVALID"
    assert set(doc["checks"][0]) >= {"name", "status", "code", "message"}
    assert doc["data"] == {"raw": "01"}
    assert report.codes == ("SEAL_SIGNATURE_INVALID",)
