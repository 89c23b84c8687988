"""Batches through HTTP: CSV upload (one bad row reported, the rest filed), prepare, approve
and issue all with progress polled from the JSON endpoint; the API batch."""

from __future__ import annotations

import base64
import io
import time

from flask.testing import FlaskClient

from tests.helpers.web_app import (
    WebEnv,
    bearer,
    portrait_jpeg,
    staff_client,
)


def _wait(client: FlaskClient, batch_id: int, step: str) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + 120
    while True:
        info = client.get(f"/staff/batches/{batch_id}/progress.json").get_json()
        job = info["job"]
        if job and job["step"] == step and not job["running"]:
            return info  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, info
        time.sleep(0.1)


def test_csv_batch_through_the_staff_pages(env: WebEnv) -> None:
    photo = base64.b64encode(portrait_jpeg()).decode()
    csv = (
        "host_reference,surname,given_names,birth_date,sex,photo\n"
        f"CH-001,Perera,Kamal,1990-05-14,M,{photo}\n"
        f"CH-002,Silva,Nimali,1985-12-01,F,{photo}\n"
        f"CH-003,Fernando,Ruwan,14.05.1990,M,{photo}\n"
    ).encode()
    alice, alice_csrf = staff_client(env.app, "alice")
    response = alice.post(
        "/staff/batches/new",
        data={
            "host_country": "DEU",
            "reference": "CHARTER-7",
            "csrf_token": alice_csrf,
            "file": (io.BytesIO(csv), "charter.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    batch_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = alice.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert "3 rows in the file: 2 filed as cases, 1 refused" in page
    assert "Batch filed: 2 of 3 rows filed as cases, 1 refused." in page  # the same counts
    # the column in words; its name only in the row's data-field
    assert "<code>" not in page and 'data-field="birth_date"' in page
    assert "<td>Date of birth</td>" in page
    info = alice.get(f"/staff/batches/{batch_id}/progress.json").get_json()
    # line 4 of the file (the header is line 1)
    assert info["errors"][0]["line"] == 4 and info["errors"][0]["field"] == "birth_date"

    assert (
        alice.post(
            f"/staff/batches/{batch_id}/prepare", data={"csrf_token": alice_csrf}
        ).status_code
        == 302
    )
    info = _wait(alice, batch_id, "prepare")
    assert info["job"]["done"] == 2 and not info["job"]["failures"], info
    bob, bob_csrf = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/batches/{batch_id}/approve", data={"csrf_token": bob_csrf}).status_code
        == 302
    )
    info = _wait(bob, batch_id, "approve")
    assert info["states"] == {"approved": 2}, info
    assert (
        bob.post(f"/staff/batches/{batch_id}/issue", data={"csrf_token": bob_csrf}).status_code
        == 302
    )
    info = _wait(bob, batch_id, "issue")
    assert info["states"] == {"issued": 2} and info["issued"] == 2, info
    page = bob.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert "2 of 2 issued." in page and 'http-equiv="refresh"' not in page
    assert "Issue finished: 2 issued." in page


def test_api_batch_reports_a_bad_request_and_files_the_rest(env: WebEnv) -> None:
    api = env.app.test_client()
    body = {
        "reference": "FLIGHT-9",
        "requests": [
            {
                "host_reference": "F9-1",
                "identity": {"surname": "Perera", "birth_date": "1990-05-14", "sex": "M"},
            },
            {
                "host_reference": "F9-2",
                "identity": {"surname": "Silva", "birth_date": "2999-01-01", "sex": "F"},
            },
        ],
    }
    response = api.post("/api/readmissions/batch", json=body, headers=bearer(env.token))
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert len(result["filed"]) == 1
    assert result["errors"] == [
        {
            "line": 2,
            "field": "identity.birth_date",
            "code": result["errors"][0]["code"],
            "message": result["errors"][0]["message"],
        }
    ]
    case = api.get(f"/api/cases/{result['filed'][0]}", headers=bearer(env.token)).get_json()
    assert case["batch_id"] == result["batch_id"] and case["host_reference"] == "F9-1"
    again = api.post("/api/readmissions/batch", json=body, headers=bearer(env.token))
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "reference"


def test_api_list_is_paginated(env: WebEnv) -> None:
    api = env.app.test_client()
    requests_ = [
        {
            "host_reference": f"PG-{i}",
            "identity": {"surname": "Perera", "birth_date": "1990-05-14", "sex": "M"},
        }
        for i in range(5)
    ]
    filed = api.post(
        "/api/readmissions/batch",
        json={"reference": "PAGES", "requests": requests_},
        headers=bearer(env.token),
    ).get_json()["filed"]
    seen: list[int] = []
    url: str | None = "/api/cases?per_page=2"
    pages = 0
    while url:
        page = api.get(url, headers=bearer(env.token)).get_json()
        assert page["total"] == 5 and page["per_page"] == 2
        seen += [c["id"] for c in page["items"]]
        url = page["next"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(filed)  # newest first, nothing twice, nothing missing
    other = api.get("/api/cases", headers=bearer(env.other_token)).get_json()
    assert other["total"] == 0  # another country's client sees none of them
