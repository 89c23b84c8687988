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

from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission
from legalize.cases.demo import ALICE, BOB, seed_demo
from legalize.cases.legalization import MatchOutcome
from legalize.imaging.portrait import check_portrait
from legalize.registry import audit
from tests.helpers.cases_support import T0, real_issuer, workflow_issuer

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


def test_readme_walkthrough_through_the_staff_pages(tmp_path: Path) -> None:
    """README "Try it with the examples", steps 1 and 2, as the forms post them."""
    import io

    from legalize.registry.db import make_engine, make_session_factory
    from tests.helpers.issuer import UnsignedTestIssuer
    from tests.helpers.web_app import make_env, seed, seeded_sqlite, staff_client

    template = tmp_path / "t.sqlite3"
    url, tokens = seeded_sqlite(tmp_path, (template, seed(f"sqlite:///{template}")))
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        seed_demo(session, T0.replace(year=2026, month=11, day=10), UnsignedTestIssuer())
    engine.dispose()
    env = make_env(url, tokens)
    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    holder = _holder()
    apostille = _example("legalization.json")

    def act(client: Any, token: str, case_url: str, step: str) -> str:
        done = client.post(f"{case_url}/{step}", data={"csrf_token": token})
        assert done.status_code == 302, done.get_data(as_text=True)[:3000]
        return str(client.get(case_url).get_data(as_text=True))

    filed = alice.post(
        "/staff/readmissions/new",
        data={
            "csrf_token": a_token,
            "host_country": "DEU",
            "host_reference": "README-1",
            "port_of_entry": "BIA Colombo",
            "travel_date": "2099-01-01",
            **{k: v for k, v in holder.items() if k != "nationality"},
            "photo": (io.BytesIO((EXAMPLES / "holder.jpg").read_bytes()), "holder.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)[:3000]
    case_url = filed.headers["Location"]
    assert '<span class="state">prepared</span></h1>' in act(alice, a_token, case_url, "prepare")
    act(bob, b_token, case_url, "approve")
    page = act(bob, b_token, case_url, "issue")
    assert '<span class="state">issued</span></h1>' in page and "document.pdf" in page

    filed = alice.post(
        "/staff/legalizations/new",
        data={
            "csrf_token": a_token,
            "surname": holder["surname"],
            "given_names": holder["given_names"],
            "birth_date": holder["birth_date"],
            "sex": holder["sex"],
            "destination_country": "ITA",
            "underlying_title": apostille["document_title"],
            "underlying_date": "2026-11-02",
            "signer_name": apostille["signed_by"],
            "signer_capacity": apostille["capacity"],
            "signer_authority": apostille["seal_of"],
            "document": (io.BytesIO((EXAMPLES / "underlying.pdf").read_bytes()), "b.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)[:3000]
    case_url = filed.headers["Location"]
    assert '<span class="state">prepared</span></h1>' in act(alice, a_token, case_url, "prepare")
    act(bob, b_token, case_url, "approve")
    page = act(bob, b_token, case_url, "issue")
    assert '<span class="state">issued</span></h1>' in page and "document.pdf" in page
