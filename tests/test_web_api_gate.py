"""The API's case JSON shows a host country what it may learn of the identity gate and the
duplicate flags — the outcome, whether settled, and its own flagged requests only — on SQLite
and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.db import db_engine  # noqa: F401 - fixture
from tests.helpers.web_app import WebEnv, bearer, staff_client
from tests.test_web_gate import DECISION, _body, _file, web_database  # noqa: F401 - fixture

pytestmark = pytest.mark.web(signed=True)


def _case(env: WebEnv, case_id: int, token: str | None = None) -> dict[str, Any]:
    r = env.app.test_client().get(f"/api/cases/{case_id}", headers=bearer(token or env.token))
    assert r.status_code == 200, r.get_json()
    body: dict[str, Any] = r.get_json()
    return body


def test_case_json_shows_the_gate_to_the_filer(env: WebEnv) -> None:
    stolen = _file(
        env,
        "DE-W-1",
        passport_number="N1234567",
        nic_number="853400937V",
        surname="Silva",
        given_names="Nimali",
        birth_date="1985-12-01",
        sex="F",
    )
    assert _case(env, stolen)["identity_check"] == {"outcome": "on_watchlist", "settled": False}
    assert _case(env, stolen)["duplicate_of"] == []

    api = env.app.test_client()
    filed = api.post(
        "/api/readmissions/batch",
        json={"reference": "CH-9", "requests": [_body("DE-B-1"), _body("DE-B-2")]},
        headers=bearer(env.token),
    )
    assert filed.status_code == 201, filed.get_json()
    first, second = filed.get_json()["filed"]
    assert _case(env, second)["duplicate_of"] == ["DE-B-1"]
    assert _case(env, first)["duplicate_of"] == ["DE-B-2"]
    assert _case(env, first)["identity_check"] == {"outcome": "match", "settled": True}
    # France files the same person: flagged for the officers, but neither client is told
    # of the other's request — not even that it exists.
    fr = api.post(
        "/api/readmissions",
        json={**_body("FR-B-1"), "host_country": "FRA"},
        headers=bearer(env.other_token),
    )
    assert fr.status_code == 201
    assert fr.get_json()["duplicate_of"] == []
    assert "DE-B" not in fr.get_data(as_text=True)
    assert _case(env, first)["duplicate_of"] == ["DE-B-2"]
    listed = api.get("/api/cases?reference=DE-B-1", headers=bearer(env.token)).get_json()
    assert [c["duplicate_of"] for c in listed["items"]] == [["DE-B-2"]]

    root, r_token = staff_client(env.app, "root")
    decided = root.post(
        f"/staff/cases/{stolen}/identity-decision", data={"csrf_token": r_token, **DECISION}
    )
    assert decided.status_code == 302
    body = _case(env, stolen)
    assert body["identity_check"] == {"outcome": "on_watchlist", "settled": True}
    assert "police report" not in str(body)  # the decision's evidence stays with the officers

    bob, b_token = staff_client(env.app, "bob")
    resolved = bob.post(
        f"/staff/cases/{first}/duplicates/{second}/resolve",
        data={"csrf_token": b_token, "reason": "the host country confirmed two journeys"},
    )
    assert resolved.status_code == 302
    assert _case(env, first)["duplicate_of"] == [] and _case(env, second)["duplicate_of"] == []


def test_openapi_documents_the_gate_fields(env: WebEnv) -> None:
    spec = env.app.test_client().get("/api/openapi.json").get_json()
    case = spec["components"]["schemas"]["Case"]["properties"]
    assert case["identity_check"]["properties"]["settled"]["type"] == "boolean"
    assert "on_watchlist" in case["identity_check"]["properties"]["outcome"]["enum"]
    assert case["duplicate_of"]["items"] == {"type": "string"}
