"""legalize.cases.check: the scanned seal verified, the register's answer as report checks, one
verdict. Real sealed documents (the demo register on the dev PKI), SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from legalize.cases import border, check, views
from legalize.cases.demo import seed_demo
from legalize.cases.issuer import bind_issuer
from legalize.config import Config
from legalize.pki.devkeys import DevPki
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.seal.profiles import TtdSeal, decode, read_profile, seal_ttd
from legalize.seal.qrtext import parse_qr_text, qr_text
from verifier.codes import Code
from verifier.report import Report, Status, Verdict

COUNTRY = "LKA"


@pytest.fixture(scope="module")
def register(
    dev_pki: DevPki, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Session, dict[str, str], datetime]]:
    """A session on the seeded demo register, its QR texts by "kind:status", and a time at
    which the issued ones are valid."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('check') / 'register.sqlite3'}")
    upgrade(engine)
    at = dev_pki.at + timedelta(hours=1)
    config = replace(Config(), keys_dir=Path(dev_pki.dir), key_passphrase=dev_pki.passphrase)
    with make_session_factory(engine)() as session:
        seed_demo(session, at, bind_issuer(config))
        texts: dict[str, str] = {}
        for case in views.list_cases(session, limit=100).items:
            if case.document is not None and case.document.seal_text:
                texts.setdefault(f"{case.kind}:{case.document.status}", case.document.seal_text)
        yield session, texts, at + timedelta(hours=2)
    engine.dispose()


def _check(
    register: tuple[Session, dict[str, str], datetime], text: str, dev_pki: DevPki
) -> Report:
    session, _, at = register
    report = check.check_seal(session, text, dev_pki.trust_store(), at, issuing_country=COUNTRY)
    session.rollback()
    return report


def _code(report: Report, name: str) -> tuple[Status, str]:
    found = report.check(name)
    assert found is not None, name
    return found.status, found.code


def test_an_issued_document_is_valid(register, dev_pki: DevPki) -> None:  # type: ignore[no-untyped-def]
    for kind in ("readmission", "legalization"):
        report = _check(register, register[1][f"{kind}:issued"], dev_pki)
        assert report.verdict is Verdict.VALID, report.to_text()
        assert _code(report, check.RECORD) == (Status.VALID, "OK")
        assert _code(report, check.STATUS) == (Status.VALID, "OK")


@pytest.mark.parametrize(
    ("status", "code"),
    [("used", Code.DOCUMENT_USED), ("revoked", Code.DOCUMENT_REVOKED)],
)
def test_a_closed_document_fails_with_the_registers_code(
    register,  # type: ignore[no-untyped-def]
    dev_pki: DevPki,
    status: str,
    code: str,
) -> None:
    report = _check(register, register[1][f"readmission:{status}"], dev_pki)
    assert _code(report, check.RECORD) == (Status.VALID, "OK")  # the seal is ours and genuine
    assert _code(report, check.STATUS) == (Status.INVALID, code)
    assert report.verdict is Verdict.INVALID
    assert border.verdict_of(report).value == status
    used = report.check(check.STATUS)
    assert used is not None and "port" not in used.data  # the public answer says not where


def test_a_document_past_its_expiry_fails(register, dev_pki: DevPki) -> None:  # type: ignore[no-untyped-def]
    session, texts, at = register
    later = at + timedelta(days=60)
    report = check.check_seal(
        session, texts["readmission:issued"], dev_pki.trust_store(), later, issuing_country=COUNTRY
    )
    session.rollback()
    # (the signer may have expired too by then; the register's answer is there regardless)
    assert Code.DOCUMENT_EXPIRED in report.codes
    assert report.verdict is Verdict.INVALID


def _resealed(dev_pki: DevPki, text: str, **changes: object) -> str:
    """A genuine seal (signed with the real TTD key, as a thief of the key could) of changed
    content."""
    original = read_profile(decode(parse_qr_text(text)))
    assert isinstance(original, TtdSeal)
    seal = seal_ttd(
        replace(original, **changes), dev_pki.signer("TTD"), dev_pki.at + timedelta(hours=2)
    )
    return qr_text(seal, text.split("/V/")[0] + "/V/")


def test_another_seal_for_a_registered_number_is_flagged(register, dev_pki: DevPki) -> None:  # type: ignore[no-untyped-def]
    text = _resealed(dev_pki, register[1]["readmission:issued"], photo_hash=bytes(32))
    report = _check(register, text, dev_pki)
    assert _code(report, "seal.signature") == (Status.VALID, "OK")
    assert _code(report, check.RECORD) == (Status.INVALID, Code.SEAL_NOT_IN_REGISTER)
    assert _code(report, check.STATUS)[0] is Status.SKIPPED
    assert report.verdict is Verdict.INVALID
    assert border.verdict_of(report) is border.Verdict.UNVERIFIED


def test_a_genuine_seal_the_register_never_issued_is_not_ours(
    register,  # type: ignore[no-untyped-def]
    dev_pki: DevPki,
    tmp_path: Path,
) -> None:
    """Another register (another deployment with the same keys): our seal, not our record."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    upgrade(engine)
    _, texts, at = register
    with make_session_factory(engine)() as empty:
        report = check.check_seal(
            empty, texts["readmission:issued"], dev_pki.trust_store(), at, issuing_country=COUNTRY
        )
    engine.dispose()
    assert _code(report, "seal.signature") == (Status.VALID, "OK")
    assert _code(report, check.RECORD) == (Status.INVALID, Code.DOCUMENT_NOT_IN_REGISTER)
    assert report.verdict is Verdict.INVALID
    assert border.verdict_of(report) is border.Verdict.NOT_OURS


def test_a_seal_of_another_state_is_left_to_its_register(register, dev_pki: DevPki) -> None:  # type: ignore[no-untyped-def]
    session, texts, at = register
    report = check.check_seal(
        session, texts["readmission:issued"], dev_pki.trust_store(), at, issuing_country="DEU"
    )
    session.rollback()
    record = report.check(check.RECORD)
    assert record is not None and record.status is Status.SKIPPED
    assert record.code == Code.DOCUMENT_OF_ANOTHER_STATE and record.data == {
        "issuing_country": "LKA"
    }
    assert report.verdict is Verdict.INDETERMINATE  # only that state's register can say


@pytest.mark.parametrize("damage", ["signature", "garbage"])
def test_a_seal_that_does_not_verify_gets_no_register_answer(
    register,  # type: ignore[no-untyped-def]
    dev_pki: DevPki,
    damage: str,
) -> None:
    text = register[1]["readmission:issued"]
    if damage == "signature":
        i = len(text) - 10
        text = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    else:
        text = "HELLO WORLD"
    report = _check(register, text, dev_pki)
    for name in (check.RECORD, check.STATUS):
        assert _code(report, name) == (Status.SKIPPED, "PRECONDITION_FAILED")
    assert report.verdict is Verdict.INVALID
    assert border.verdict_of(report) is border.Verdict.UNVERIFIED
