from __future__ import annotations

import json

import pytest

from verifier.codes import Code
from verifier.report import (
    Category,
    Check,
    Report,
    Status,
    Verdict,
    fail,
    guarded,
    not_applicable,
    ok,
    passed_with,
    skipped,
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
    checks = [_check(Status.VALID), _check(Status.SKIPPED, Code.NOT_APPLICABLE)]
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


def test_a_report_read_back_from_its_json_is_the_same_report() -> None:
    checks = [
        ok("seal.signature", Category.INTEGRITY, "fine", {"signer": "LKTD"}),
        fail("register.number", Category.BINDING, Code.DOCUMENT_MISMATCH, "another", {"n": 1}),
        skipped("photo.match", Category.BINDING, "no face"),
    ]
    report = Report.of(checks, {"document_number": "T26000001"})
    again = Report.from_dict(json.loads(report.to_json()))
    assert again == report
    assert again.verdict is Verdict.INVALID and again.codes == ("DOCUMENT_MISMATCH",)
    # the verdict is the rule's, never the stored text's
    forged = {**report.to_dict(), "verdict": "VALID"}
    assert Report.from_dict(forged).verdict is Verdict.INVALID


# --- the check constructors ------------------------------------------------------------------


def test_ok_is_valid_with_the_ok_code_and_merged_data() -> None:
    check = ok("pdf.number", Category.BINDING, "fine", {"a": 1}, b=2)
    assert (check.status, check.code, check.message) == (Status.VALID, Code.OK, "fine")
    assert check.data == {"a": 1, "b": 2}
    assert verdict_of([check]) is Verdict.VALID


@pytest.mark.parametrize("code", [Code.PDF_NOT_SIGNED, Code.SEAL_MALFORMED, Code.FIELD_MISMATCH])
def test_fail_is_invalid_with_its_code(code: Code) -> None:
    check = fail("x.y", Category.INTEGRITY, code, "bad", where=3)
    assert (check.status, check.code, dict(check.data)) == (Status.INVALID, code, {"where": 3})
    assert verdict_of([ok("a", Category.FORMAT, "m"), check]) is Verdict.INVALID
    assert check.to_dict()["code"] == code.value


def test_skips_not_applicable_and_precondition() -> None:
    na = not_applicable("pdf.underlying", Category.BINDING, "a TTD has none")
    pre = skipped("pdf.signer", Category.TRUST, "no signature")
    assert (na.status, na.code) == (Status.SKIPPED, Code.NOT_APPLICABLE)
    assert (pre.status, pre.code) == (Status.SKIPPED, Code.PRECONDITION_FAILED)
    assert verdict_of([ok("a", Category.FORMAT, "m"), na]) is Verdict.VALID
    assert verdict_of([ok("a", Category.FORMAT, "m"), pre]) is Verdict.INDETERMINATE


def test_skips_and_reservations_carry_their_details() -> None:
    unreadable = skipped(
        "print.mrz", Category.BINDING, "blurred", Code.FIELD_UNREADABLE, {"px": 3}, region="mrz"
    )
    na = not_applicable("print.field.x", Category.BINDING, "not sealed", region="box")
    aligned = passed_with(
        "page.locate", Category.FORMAT, Code.PAGE_ALIGNED_WITHOUT_MARKERS, "no markers", fix="qr"
    )
    assert (unreadable.status, unreadable.code) == (Status.SKIPPED, Code.FIELD_UNREADABLE)
    assert dict(unreadable.data) == {"px": 3, "region": "mrz"}
    assert dict(na.data) == {"region": "box"} and na.code == Code.NOT_APPLICABLE
    # a reservation keeps the check VALID (the verdict holds) under its own code
    assert (aligned.status, aligned.code, dict(aligned.data)) == (
        Status.VALID,
        Code.PAGE_ALIGNED_WITHOUT_MARKERS,
        {"fix": "qr"},
    )
    assert verdict_of([ok("a", Category.FORMAT, "m"), aligned]) is Verdict.VALID
    assert verdict_of([aligned, unreadable]) is Verdict.INDETERMINATE
