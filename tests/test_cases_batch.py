"""Batches: many rows filed, prepared, approved and issued; a bad row never stops the rest."""

from __future__ import annotations

import base64
import json

import pytest
from sqlalchemy.orm import Session

from legalize.cases import batch, readmission, views
from legalize.cases.errors import Duplicate, Forbidden, InvalidInput
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry import audit
from tests.helpers.cases_support import ALICE, BOB, HOST, T0, match_registers, plain_photo
from tests.helpers.issuer import UnsignedTestIssuer


def _csv(photo: bytes) -> bytes:
    b64 = base64.b64encode(photo).decode()
    lines = [
        "host_reference,surname,given_names,birth_date,sex,nic_number,travel_date,photo",
        f"B-1,Perera,Kamal Nuwan,1990-05-14,M,199012345678,2026-11-20,{b64}",
        f"B-2,Silva,Nimali,1985-13-01,F,,2026-11-20,{b64}",  # bad month
        f"B-3,Fernando,Ruwan,1979-02-02,M,,2026-11-20,{b64}",
        "B-4,Dias,Amal,1981-03-03,M,,2026-11-20,",  # no photo: filed, fails at prepare
    ]
    return ("\n".join(lines) + "\n").encode()


def test_batch_row_by_row(db_session: Session) -> None:
    match_registers(db_session)
    rows = batch.read_batch_file(_csv(plain_photo()), "flight.csv")
    seen: list[tuple[int, int]] = []
    filed = batch.file_batch(
        db_session,
        HOST,
        "DEU",
        "CHARTER-2026-11-20",
        rows,
        T0,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert [line for line, _ in filed.succeeded] == [2, 4, 5]
    assert [(f.line, f.field) for f in filed.failed] == [(3, "birth_date")]

    for _line, case_id in filed.succeeded[:2]:
        readmission.override_photo(db_session, ALICE, case_id, "checked by eye", T0)
    prepared = batch.prepare_batch(db_session, ALICE, filed.batch_id, T0)
    assert len(prepared.succeeded) == 2
    assert [(f.line, f.code) for f in prepared.failed] == [(5, "PHOTO_MISSING")]

    approved = batch.approve_batch(db_session, BOB, filed.batch_id, T0)
    assert len(approved.succeeded) == 2 and approved.skipped == 1
    failing = UnsignedTestIssuer(fail_for=frozenset({"T26000001"}))
    progress: list[int] = []
    issued = batch.issue_batch(
        db_session, ALICE, filed.batch_id, T0, failing, progress=lambda d, t: progress.append(d)
    )
    assert progress == [1, 2, 3]
    assert [f.code for f in issued.failed] == ["ISSUANCE_FAILED"]
    assert len(issued.succeeded) == 1
    again = batch.issue_batch(db_session, ALICE, filed.batch_id, T0, failing)
    assert len(again.succeeded) == 1 and again.skipped == 2

    view = batch.get_batch(db_session, filed.batch_id)
    assert view.rows_total == 4 and view.rows_failed == 1
    assert view.errors[0].line == 3 and view.states == {"issued": 2, "draft": 1}
    assert views.list_cases(db_session, state="issued").total == 2
    assert audit.verify_chain(db_session).ok


def test_batch_json_and_rules(db_session: Session) -> None:
    body = [
        {
            "host_reference": "J-1",
            "identity": {"surname": "A", "birth_date": "1990-01-01", "sex": "F"},
        },
        "not an object",
        {
            "host_reference": "J-2",
            "host_country": "FRA",
            "identity": {"surname": "B", "birth_date": "1990-01-01", "sex": "F"},
        },
    ]
    rows = batch.read_batch_file(json.dumps(body).encode(), "b.json")
    report = batch.file_batch(db_session, HOST, "DEU", "JSON-1", rows, T0)
    assert [line for line, _ in report.succeeded] == [1]
    assert {f.line for f in report.failed} == {2, 3}
    with pytest.raises(Duplicate):
        batch.file_batch(db_session, HOST, "DEU", "JSON-1", rows, T0)
    with pytest.raises(Forbidden):
        batch.file_batch(db_session, HOST, "FRA", "JSON-2", rows, T0)
    with pytest.raises(Forbidden):
        batch.prepare_batch(
            db_session, Actor("user:x", frozenset({Role.BORDER_OFFICER})), report.batch_id, T0
        )


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "x.csv"),
        (b"[]", "x.json"),
        (b"{}", "x.json"),
        (b"\xff\xfe", "x.csv"),
        (b"[1,", "x.json"),
    ],
)
def test_bad_batch_files(data: bytes, name: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        batch.read_batch_file(data, name)
    assert exc.value.field == "file"


def test_batch_of_bare_mappings(db_session: Session) -> None:
    rows = [
        {"host_reference": "M-1", "surname": "A", "birth_date": "1990-01-01", "sex": "F"},
        {"host_reference": "M-2", "surname": "B", "birth_date": "1990-01-01", "sex": "Z"},
    ]
    report = batch.file_batch(db_session, HOST, "DEU", "MAP-1", rows, T0)
    assert [line for line, _ in report.succeeded] == [1]
    assert [(f.line, f.field) for f in report.failed] == [(2, "sex")]
    view = batch.get_batch(db_session, report.batch_id)
    assert view.case_ids == (report.succeeded[0][1],)
    assert view.errors[0].field == "sex"
    assert views.list_cases(db_session, filed_by=HOST.id).total == 1
    assert views.list_cases(db_session, filed_by="api:other").total == 0
