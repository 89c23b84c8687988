"""The shipped examples work in the web flow a newcomer follows (README, "Try it"): on the
demo data, the holder of examples/ttd.json filed with examples/holder.jpg, and the example
birth certificate examples/underlying.pdf with the signer examples/legalization.json names,
are prepared, approved and issued — no photo override, no identity decision, no
administrator adding a signatory."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from cases_support import T0, real_issuer, workflow_issuer
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission
from legalize.cases.demo import ALICE, BOB, seed_demo
from legalize.cases.legalization import MatchOutcome
from legalize.imaging.portrait import check_portrait
from legalize.registry import audit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    return data


def _holder() -> dict[str, str]:
    """The holder of examples/ttd.json as the staff form and the API name the fields."""
    ttd = _example("ttd.json")
    return {
        "surname": ttd["surname"],
        "given_names": ttd["given_names"],
        "birth_date": ttd["birth_date"],
        "sex": ttd["sex"],
        "birth_place": ttd["place_of_birth"],
        "nationality": ttd["nationality"],
        "nic_number": ttd["personal_number"],
    }


def test_example_holder_photo_passes_the_portrait_checks() -> None:
    result = check_portrait((EXAMPLES / "holder.jpg").read_bytes())
    assert result.ok, result.issues


def test_examples_are_issued_on_the_demo_data(
    db_session: Session, dev_pki: Any, backend: str
) -> None:
    if backend == "sqlite":  # the real PDFs once; the rules are the same on PostgreSQL
        issuer, at = real_issuer(dev_pki.dir), dev_pki.at + timedelta(minutes=1)
    else:
        issuer, at = workflow_issuer(), T0
    seed_demo(db_session, at, issuer)

    request = readmission.parse_request(
        {
            "host_country": "DEU",
            "host_reference": "README-TTD-1",
            "travel_date": (at.date() + timedelta(days=7)).isoformat(),
            "photo": (EXAMPLES / "holder.jpg").read_bytes(),
            "identity": _holder(),
        },
        at,
    )
    case = readmission.file_request(db_session, ALICE, request, at)
    assert case.photo is not None and case.photo.passed, case.photo
    assert case.crosscheck is not None and case.crosscheck["outcome"] == "match"
    readmission.prepare(db_session, ALICE, case.id, at)
    readmission.approve(db_session, BOB, case.id, at)
    issued = readmission.issue(db_session, ALICE, case.id, at, issuer)
    assert issued.state == "issued" and issued.document is not None

    apostille = _example("legalization.json")
    application = legalization.parse_request(
        {
            "applicant": {k: v for k, v in _holder().items() if k != "nationality"},
            "underlying_title": apostille["document_title"],
            "underlying_date": (at.date() - timedelta(days=1)).isoformat(),
            "signer_name": apostille["signed_by"],
            "signer_capacity": apostille["capacity"],
            "signer_authority": apostille["seal_of"],
            "destination_country": "ITA",
        },
        (EXAMPLES / "underlying.pdf").read_bytes(),
        at,
    )
    filed = legalization.file_application(db_session, ALICE, application, at)
    assert filed.signatory_id is not None
    match = legalization.match_signer(db_session, ALICE, filed.id, at)
    assert match.outcome == MatchOutcome.MATCHED, match
    legalization.prepare(db_session, ALICE, filed.id, at)
    legalization.approve(db_session, BOB, filed.id, at)
    done = legalization.issue(db_session, ALICE, filed.id, at, issuer)
    assert done.state == "issued" and done.document is not None
    assert audit.verify_chain(db_session).ok
