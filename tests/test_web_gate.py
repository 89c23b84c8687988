"""The identity gate, duplicates and country codes through the staff pages, the API and the
CLI, on SQLite and PostgreSQL (the rules themselves: tests/test_cases_gate.py)."""

from __future__ import annotations

import argparse
import base64
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from legalize.cli import main
from legalize.commands.registry import add_issue_batch
from legalize.registry import audit
from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_sltd
from legalize.web.state import state
from tests.helpers.web_app import (
    Tokens,
    WebEnv,
    bearer,
    portrait_jpeg,
    staff_client,
    underlying_pdf,
)

SLTD_CSV = b"""document_number,issuing_country,status,reported_on
N1234567,LKA,stolen,2025-03-01
"""
DECISION = {
    "evidence": "passport_lost_by_holder",
    "evidence_reference": "police report CMB/2025/118",
    "reason": "the holder reported it lost himself; the interview confirms the identity",
}


pytestmark = pytest.mark.web(signed=True)


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    url, _ = every_backend_database  # on SQLite and PostgreSQL, with the SLTD list below
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        assert import_sltd(s, SLTD_CSV, "sltd.csv", datetime.now(UTC)).errors == ()
        s.commit()
    engine.dispose()
    return every_backend_database


def _body(reference: str, **identity: Any) -> dict[str, Any]:
    ident = {
        "surname": "Perera",
        "given_names": "Kamal",
        "birth_date": "1990-05-14",
        "sex": "M",
        "nic_number": "199012345678",
        "passport_number": "N7654321",
        **identity,
    }
    return {
        "host_reference": reference,
        "port_of_entry": "CMB",
        "travel_date": (date.today() + timedelta(days=7)).isoformat(),
        "photo": base64.b64encode(portrait_jpeg()).decode(),
        "identity": {k: v for k, v in ident.items() if v is not None},
    }


def _file(env: WebEnv, reference: str, token: str | None = None, **identity: Any) -> int:
    api = env.app.test_client()
    r = api.post(
        "/api/readmissions", json=_body(reference, **identity), headers=bearer(token or env.token)
    )
    assert r.status_code == 201, r.get_json()
    case_id: int = r.get_json()["id"]
    return case_id


def _post(client: FlaskClient, url: str, token: str, **data: str) -> Any:
    return client.post(url, data={"csrf_token": token, **data})


def _text(client: FlaskClient, case_id: int) -> str:
    return client.get(f"/staff/cases/{case_id}").get_data(as_text=True)


def test_watchlist_case_blocked_then_decided_on_the_pages(env: WebEnv) -> None:
    case_id = _file(env, "DE-W-1", passport_number="N1234567")
    alice, a_token = staff_client(env.app, "alice")
    assert _post(alice, f"/staff/cases/{case_id}/prepare", a_token).status_code == 302

    bob, b_token = staff_client(env.app, "bob")
    page = _text(bob, case_id)
    assert "Travel document reported STOLEN" in page
    assert "N1234567" in page and "Sri Lanka (LKA)" in page and "01 MAR 2025" in page
    assert "Approval and issuance are blocked" in page
    assert "on_watchlist" not in page
    refused = _post(bob, f"/staff/cases/{case_id}/approve", b_token)
    assert refused.status_code == 409 and "IDENTITY_UNRESOLVED" in refused.get_data(as_text=True)

    # The preparer (an issuing officer) sees no decision form and is refused by the rules.
    assert "Record the identity decision" not in _text(alice, case_id)
    url = f"/staff/cases/{case_id}/identity-decision"
    assert _post(alice, url, a_token, **DECISION).status_code == 403
    # An administrator decides; a missing reason is shown on the case page, field named.
    root, r_token = staff_client(env.app, "root")
    assert "Record the identity decision" in _text(root, case_id)
    invalid = _post(root, url, r_token, **{**DECISION, "reason": ""})
    assert invalid.status_code == 422 and 'href="#reason"' in invalid.get_data(as_text=True)
    assert _post(root, url, r_token, **DECISION).status_code == 302

    page = _text(bob, case_id)
    assert "Settled" in page and "by root on" in page and "user:root" not in page
    assert "passport reported lost by the holder himself" in page
    assert "police report CMB/2025/118" in page
    assert _post(bob, f"/staff/cases/{case_id}/approve", b_token).status_code == 302
    assert _post(bob, f"/staff/cases/{case_id}/issue", b_token).status_code == 302
    with state(env.app).sessions() as s:
        actions = [e.action for e in audit.entries_for(s, "case", case_id)]
        assert actions.index("identity.decided") < actions.index("case.approved")
        assert audit.verify_chain(s).ok


def test_mismatch_and_not_found_are_alerts_that_block(env: WebEnv) -> None:
    wrong = _file(env, "DE-MM", birth_date="1990-05-15")
    lost = _file(env, "DE-NF", surname="Nobody", nic_number="200011112222", passport_number=None)
    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    page = _text(bob, wrong)
    assert "Identity does not match the NIC register" in page
    row = re.search(r"<th scope=\"row\">Birth date</th>(.*?)</tr>", page, re.S)
    assert row is not None and "1990-05-15" in row.group(1) and "1990-05-14" in row.group(1)
    assert "No NIC register record found" in _text(bob, lost)
    for case_id in (wrong, lost):
        assert _post(alice, f"/staff/cases/{case_id}/prepare", a_token).status_code == 302
        refused = _post(bob, f"/staff/cases/{case_id}/approve", b_token)
        assert refused.status_code == 409
        assert "IDENTITY_UNRESOLVED" in refused.get_data(as_text=True)
    # For a mismatch the preparer may decide; the approver then approves.
    decided = _post(
        alice,
        f"/staff/cases/{wrong}/identity-decision",
        a_token,
        **{**DECISION, "evidence": "nic_record_corrected"},
    )
    assert decided.status_code == 302
    assert _post(bob, f"/staff/cases/{wrong}/approve", b_token).status_code == 302


def test_duplicates_through_api_and_pages(env: WebEnv) -> None:
    first = _file(env, "DE-D-1")
    api = env.app.test_client()
    again = api.post("/api/readmissions", json=_body("DE-D-2"), headers=bearer(env.token))
    assert again.status_code == 409
    error = again.get_json()["error"]
    assert error["code"] == "DUPLICATE_PERSON" and error["other_references"] == ["DE-D-1"]
    # Another client's request for the same person: filed, flagged, nothing said about ours.
    fr_body = {**_body("FR-D-1"), "host_country": "FRA"}
    filed = api.post("/api/readmissions", json=fr_body, headers=bearer(env.other_token))
    assert filed.status_code == 201 and "DE-D-1" not in filed.get_data(as_text=True)
    second = filed.get_json()["id"]

    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    for case_id in (first, second):
        page = _text(bob, case_id)
        assert "Possibly the same person as 1 other case" in page
        assert "same NIC number" in page
        assert _post(alice, f"/staff/cases/{case_id}/prepare", a_token).status_code == 302
    assert f'href="/staff/cases/{first}"' in _text(bob, second)
    refused = _post(bob, f"/staff/cases/{second}/approve", b_token)
    assert refused.status_code == 409
    assert "DUPLICATE_UNRESOLVED" in refused.get_data(as_text=True)
    url = f"/staff/cases/{second}/duplicates/{first}/resolve"
    assert _post(bob, url, b_token, reason="").status_code == 422
    reason = "France returns him first; the German request follows a later journey"
    assert _post(bob, url, b_token, reason=reason).status_code == 302
    assert reason in _text(bob, first)
    assert _post(bob, f"/staff/cases/{second}/approve", b_token).status_code == 302
    assert _post(bob, f"/staff/cases/{first}/approve", b_token).status_code == 302


def test_countries_on_the_api(env: WebEnv) -> None:
    api = env.app.test_client()
    for country, hint in (("XYZ", "not an ICAO 9303 country code"), ("Germany", "DEU")):
        r = api.post(
            "/api/readmissions",
            json={**_body("DE-C-1"), "host_country": country},
            headers=bearer(env.token),
        )
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["field"] == "host_country" and error["code"] == "INVALID_INPUT"
        assert hint in error["message"]
    body = _body("DE-C-2", nationality="GER")
    r = api.post("/api/readmissions", json=body, headers=bearer(env.token))
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "identity.nationality"
    # D is Germany (the MRZ code): the German client's own country.
    r = api.post(
        "/api/readmissions",
        json={**_body("DE-C-3"), "host_country": "D"},
        headers=bearer(env.token),
    )
    assert r.status_code == 201 and r.get_json()["host_country"] == "DEU"
    legal = {
        "applicant": {"surname": "Silva", "birth_date": "1985-12-01", "sex": "F"},
        "destination_country": "XYZ",
        "underlying_title": "Birth certificate",
        "underlying_date": "2024-03-15",
        "signer_name": "W. A. Jayasinghe",
        "signer_capacity": "Additional District Registrar",
        "signer_authority": "Divisional Secretariat, Kandy",
        "underlying": base64.b64encode(underlying_pdf()).decode(),
    }
    r = api.post("/api/legalizations", json=legal, headers=bearer(env.legal_token))
    assert r.status_code == 422 and r.get_json()["error"]["field"] == "destination_country"


def test_countries_on_the_staff_form(env: WebEnv) -> None:
    alice, a_token = staff_client(env.app, "alice")
    form = alice.get("/staff/readmissions/new").get_data(as_text=True)
    assert 'list="icao-countries"' in form and '<datalist id="icao-countries">' in form
    assert '<option value="DEU">Germany</option>' in form and 'value="XXA"' in form
    data = {
        "csrf_token": a_token,
        "host_reference": "DE-F-1",
        "surname": "Silva",
        "given_names": "Nimali",
        "birth_date": "1985-12-01",
        "sex": "F",
        "nic_number": "853400937V",
        "port_of_entry": "CMB",
        "travel_date": (date.today() + timedelta(days=7)).isoformat(),
    }

    def post(country: str) -> Any:
        return alice.post(
            "/staff/readmissions/new",
            data={**data, "host_country": country, "photo": (io.BytesIO(portrait_jpeg()), "p.jpg")},
            content_type="multipart/form-data",
        )

    refused = post("Germany")
    assert refused.status_code == 422
    assert "use the ICAO code DEU for Germany" in refused.get_data(as_text=True)
    assert post("XYZ").status_code == 422
    accepted = post("deu")
    assert accepted.status_code == 302
    api = env.app.test_client()
    cases = api.get("/api/cases", headers=bearer(env.token)).get_json()
    assert [c["host_reference"] for c in cases["items"]] == ["DE-F-1"]  # the German client sees it


def _batch_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="legalize")
    top = parser.add_subparsers(dest="command", required=True)
    issue = top.add_parser("issue")
    add_issue_batch(issue.add_subparsers(dest="issue_command", required=True))
    args = parser.parse_args(argv)
    status: int = args.handler(args)
    return status


def test_batch_steps_refuse_and_report_on_the_page_and_the_cli(
    env: WebEnv, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    photo = base64.b64encode(portrait_jpeg()).decode()
    path = tmp_path / "flight.csv"
    path.write_text(
        "host_reference,surname,given_names,birth_date,sex,nic_number,passport_number,photo\n"
        f"F-1,Perera,Kamal,1990-05-14,M,199012345678,N1234567,{photo}\n"
        f"F-2,Silva,Nimali,1985-12-01,F,853400937V,N2222222,{photo}\n"
        f"F-3,Silva,Nimali,1985-12-01,F,853400937V,N2222222,{photo}\n"
    )
    url = ["--database-url", env.config.database_url]
    assert (
        _batch_cli(
            [
                *("issue", "batch", "file", str(path), "--country", "DEU"),
                *("--reference", "CH-G", "--as", "alice", *url),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "line 4 (SILVA, Nimali): identity: DUPLICATE_PERSON" in out
    batch_id = re.search(r"batch (\d+):", out).group(1)  # type: ignore[union-attr]
    assert _batch_cli(["issue", "batch", "prepare", batch_id, "--as", "alice", *url]) == 0
    assert _batch_cli(["issue", "batch", "approve", batch_id, "--as", "bob", *url]) == 1
    out = capsys.readouterr().out
    assert "0 done, 3 refused, 0 failed" in out
    assert "line 2 (PERERA, Kamal): identity: IDENTITY_UNRESOLVED" in out
    assert "line 3 (SILVA, Nimali): duplicates: DUPLICATE_UNRESOLVED" in out
    # The staff page's batch step reports the same refusals.
    bob, b_token = staff_client(env.app, "bob")
    started = _post(bob, f"/staff/batches/{batch_id}/approve", b_token)
    assert started.status_code == 302
    for _ in range(100):
        page = bob.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
        if "finished" in page:
            break
        import time

        time.sleep(0.1)
    # in plain words, each case by name (no codes on the page; the CLI above keeps them)
    assert "Approve finished: 0 approved, 3 refused." in page
    assert ">PERERA, Kamal</a>: The last travel document is on the stolen" in page
    assert "SILVA, Nimali</a>: This person may already have an open case" in page
    # codes only in data- attributes, never in the words the officer reads
    visible = re.sub(r"<[^>]*>", " ", page)
    assert "IDENTITY_UNRESOLVED" not in visible and "DUPLICATE_UNRESOLVED" not in visible
    assert 'data-code="IDENTITY_UNRESOLVED"' in page


def test_cli_client_country_is_an_icao_code(
    env: WebEnv, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", env.config.database_url)
    base = ["users", "add-client", "--scope", "readmission:read"]
    assert main([*base, "de-x", "--country", "Germany"]) == 1
    assert "use the ICAO code DEU for Germany" in capsys.readouterr().err
    assert main([*base, "de-y", "--country", "D"]) == 0
    assert "(DEU)" in capsys.readouterr().out
