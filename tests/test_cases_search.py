"""The staff search: NIC number, passport number, part of a reference or document number, a
name in any word order; the text is a parameter, never SQL nor a LIKE pattern."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from legalize.cases import readmission, views
from tests.helpers.cases_support import ALICE, BOB, HOST, T0, distinct_people, request_body
from tests.helpers.issuer import UnsignedTestIssuer

PORTRAIT = (Path(__file__).parent / "data" / "portraits" / "ok.jpg").read_bytes()


def _found(session: Session, text: str) -> set[str]:
    return {c.host_reference or "" for c in views.list_cases(session, search=text).items}


@pytest.fixture
def filed(db_session: Session) -> str:
    """Three requests (the second under another name than the register's); the first
    issued. Returns its document number."""
    people = distinct_people(db_session, 3)
    people[1] = {**people[1], "surname": "de Silva", "given_names": "Nimali Anne"}
    ids = [
        readmission.file_request(
            db_session,
            HOST,
            readmission.parse_request(request_body(f"DEU-2026-{n:04d}", **person), T0),
            T0,
        ).id
        for n, person in enumerate(people, start=1)
    ]
    readmission.attach_photo(db_session, ALICE, ids[0], PORTRAIT, T0)
    readmission.prepare(db_session, ALICE, ids[0], T0)
    readmission.approve(db_session, BOB, ids[0], T0)
    doc = readmission.issue(db_session, ALICE, ids[0], T0, UnsignedTestIssuer()).document
    assert doc is not None
    return doc.number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("198000000000", {"DEU-2026-0001"}),  # NIC number, exactly
        ("p0000002", {"DEU-2026-0003"}),  # passport number, any case
        ("2026-000", {"DEU-2026-0001", "DEU-2026-0002", "DEU-2026-0003"}),  # part of a reference
        ("deu-2026-0003", {"DEU-2026-0003"}),
        ("nimali de silva", {"DEU-2026-0002"}),  # name words in any order
        ("  SILVA   anne ", {"DEU-2026-0002"}),
        ("PERSONAAA", {"DEU-2026-0001"}),
        ("%", set()),  # a LIKE wildcard is a character like any other
        ("_", set()),
        ("' OR 1=1 --", set()),
        ("1980000000", set()),  # part of a NIC number is not enough
    ],
)
def test_search_finds_by_number_reference_and_name(
    db_session: Session, filed: str, text: str, expected: set[str]
) -> None:
    assert _found(db_session, text) == expected


def test_search_finds_part_of_a_document_number(db_session: Session, filed: str) -> None:
    assert _found(db_session, filed[-5:].lower()) == {"DEU-2026-0001"}
    assert _found(db_session, filed) == {"DEU-2026-0001"}
