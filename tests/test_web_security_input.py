"""Hostile input the route-by-route bad-input test did not reach, on SQLite and PostgreSQL:
ids beyond the database's integer range, NUL characters (PostgreSQL refuses them in text),
non-ASCII digits, JSON nested past Python's recursion limit, control characters in the
sign-in redirect target. Each must be a clear 4xx, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.web_app import (
    PASSWORD,
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    staff_client,
)

HUGE_IDS = [2**31, 10**20]


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    return every_backend_database  # on SQLite and PostgreSQL


@pytest.mark.parametrize("case_id", HUGE_IDS)
@pytest.mark.parametrize(
    "template",
    [
        "/staff/cases/{}",
        "/staff/cases/{}/document.pdf",
        "/staff/cases/{}/photo",
        "/staff/users/{}",
        "/staff/batches/{}",
        "/staff/batches/{}/progress.json",
    ],
)
def test_staff_ids_beyond_the_integer_range_are_404(
    env: WebEnv, template: str, case_id: int
) -> None:
    client, _ = staff_client(env.app, "dave")
    if "/users/" in template:
        client, _ = staff_client(env.app, "root")
    response = client.get(template.format(case_id))
    assert response.status_code == 404


@pytest.mark.parametrize("case_id", HUGE_IDS)
@pytest.mark.parametrize("template", ["/api/cases/{}", "/api/cases/{}/document.pdf"])
def test_api_ids_beyond_the_integer_range_are_404(env: WebEnv, template: str, case_id: int) -> None:
    response = env.app.test_client().get(template.format(case_id), headers=bearer(env.token))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "NOT_FOUND"


def test_staff_action_on_a_huge_id_is_404(env: WebEnv) -> None:
    client, token = staff_client(env.app, "bob")
    response = client.post(f"/staff/cases/{2**40}/approve", data={"csrf_token": token})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("where", "url", "field"),
    [
        ("staff", "/staff/cases?q=A%00B", "q"),
        ("api", "/api/cases?reference=A%00B", "reference"),
        ("api", "/api/documents/LK%00123/status?check_code=X", "number"),
        ("api", "/api/documents/LK123/status?check_code=X%00", "check_code"),
    ],
)
def test_nul_in_query_or_path_is_400(env: WebEnv, where: str, url: str, field: str) -> None:
    if where == "staff":
        client, _ = staff_client(env.app, "alice")
        response = client.get(url)
    else:
        response = env.app.test_client().get(url, headers=bearer(env.token))
    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/staff/login", {"username": "ro\x00ot", "password": PASSWORD}, "username"),
        ("/", {"number": "LK\x00123", "check_code": "ABCD"}, "number"),
    ],
)
def test_nul_in_a_form_is_400(env: WebEnv, url: str, data: dict[str, str], field: str) -> None:
    client = env.app.test_client()
    token = csrf_token(client, url)
    response = client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 400
    assert field in response.get_data(as_text=True)


def test_nul_in_a_border_lookup_is_400(env: WebEnv) -> None:
    client, token = staff_client(env.app, "carol")
    response = client.post("/staff/clear", data={"number": "LK\x00123", "csrf_token": token})
    assert response.status_code == 400


@pytest.mark.parametrize("page", ["\u00b2", "\u0661", "9" * 5000, "-1", "0", "1e3"])
def test_staff_page_number_must_be_plain_digits(env: WebEnv, page: str) -> None:
    client, _ = staff_client(env.app, "alice")
    response = client.get("/staff/cases", query_string={"page": page})
    assert response.status_code == 400
    assert "page" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,
        '{"a":' * 5_000 + "1" + "}" * 5_000,
        '{"host_reference": "R", "identity": ' + "[" * 50_000 + "]" * 50_000 + "}",
    ],
    ids=["array", "object", "inside"],
)
def test_json_nested_past_the_recursion_limit_is_400(env: WebEnv, body: str) -> None:
    headers: dict[str, Any] = {**bearer(env.token), "Content-Type": "application/json"}
    response = env.app.test_client().post("/api/readmissions", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "body"


@pytest.mark.parametrize(
    "target", ["/staff\r\nX-Evil: 1", "/staff/users\n", "/\t/evil.example", "/staff\x00"]
)
def test_sign_in_ignores_a_next_with_control_characters(env: WebEnv, target: str) -> None:
    client = env.app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={"username": "root", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response.headers["Location"] == "/staff/"  # My work
    assert "X-Evil" not in response.headers


@pytest.mark.parametrize(
    "body",
    [
        '{"host_reference": "R", "identity": {"surname": "\\ud800", "birth_date": "1990-01-01",'
        ' "sex": "M"}}',
        '{"host_reference": "\\udfff", "identity": {"surname": "A", "birth_date": "1990-01-01",'
        ' "sex": "M"}}',
    ],
    ids=["surname", "reference"],
)
def test_json_with_an_unpaired_surrogate_is_400(env: WebEnv, body: str) -> None:
    """JSON may spell a lone UTF-16 surrogate as an escape; Python decodes it into a str no
    database can store (UnicodeEncodeError, a 500)."""
    headers: dict[str, Any] = {**bearer(env.token), "Content-Type": "application/json"}
    response = env.app.test_client().post("/api/readmissions", data=body, headers=headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "body"
