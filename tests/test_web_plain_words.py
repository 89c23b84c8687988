"""The staff pages speak to officers in plain words: every form error listed at once beside
its field with no field-name prefix, no internal ids ("case 54", "#4"), people by their
display name (never ``user:root``), no "404 — NOT_FOUND" screens. The markup keeps the rules'
field names and codes in data- attributes for scripts and tests."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_sltd
from tests.helpers.web_app import (
    PASSWORD,
    WebEnv,
    bearer,
    csrf_token,
    make_env,
    portrait_jpeg,
    seeded_sqlite,
    staff_client,
)

LEAKS = re.compile(
    r"\bcase \d+|#\d+|\buser:|\bapi:|\b[a-z]+_[a-z_]+:|\b(?:identity|applicant)\.[a-z_]+"
    r"|\b[1-5]\d\d — [A-Z_]+"
)
"""Internal ids, actor ids, field-name prefixes (``birth_date:``, ``identity.birth_date``),
and the "422 — CODE" headline."""


def visible(html: str) -> str:
    """The text an officer reads: no tags, attributes or hidden inputs."""
    body = re.sub(r"<datalist.*?</datalist>", " ", html.split("<main", 1)[-1], flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def assert_plain(html: str) -> str:
    text = visible(html)
    leak = LEAKS.search(text)
    assert leak is None, (
        f"{leak.group(0)!r} shown in: …{text[max(0, leak.start() - 120) : leak.end() + 80]}…"
    )
    return text


@pytest.fixture
def env(tmp_path: Path, web_template: Any) -> Iterator[WebEnv]:
    url, tokens = seeded_sqlite(tmp_path, web_template)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        sltd = (
            b"document_number,issuing_country,status,reported_on\nN1234567,LKA,stolen,2025-03-01\n"
        )
        assert import_sltd(s, sltd, "sltd.csv", datetime.now(UTC)).errors == ()
        s.commit()
    engine.dispose()
    environment = make_env(url, tokens)
    yield environment
    environment.app.extensions["legalize"].engine.dispose()


def _form(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "host_country": "DEU",
        "host_reference": "DE-PLAIN-1",
        "port_of_entry": "CMB",
        "travel_date": (date.today() + timedelta(days=7)).isoformat(),
        "surname": "Perera",
        "given_names": "Kamal",
        "birth_date": "1990-05-14",
        "sex": "M",
        "nic_number": "199012345678",
        "photo": (io.BytesIO(portrait_jpeg()), "holder.jpg"),
    }
    data.update(over)
    return data


def _errors(html: str) -> dict[str, str]:
    """data-field → the words beside that field."""
    return {
        m.group(1): visible(m.group(2)).strip()
        for m in re.finditer(
            r'<div class="field-error"[^>]*data-field="([^"]+)">(.*?)</div>', html, re.S
        )
    }


def test_every_readmission_form_error_at_once_beside_its_field(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    future = (date.today() + timedelta(days=30)).isoformat()
    past = (date.today() - timedelta(days=3)).isoformat()
    r = alice.post(
        "/staff/readmissions/new",
        data={
            "csrf_token": token,
            **_form(host_country="Germany", sex="", birth_date=future, travel_date=past),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    errors = _errors(html)
    # The form's own checks and the cases rules, all in one answer.
    assert set(errors) == {"host_country", "sex", "identity.birth_date", "travel_date"}, errors
    assert "DEU" in errors["host_country"]  # the code to use for the name typed
    assert errors["identity.birth_date"] == "Date of birth is in the future"
    assert errors["travel_date"] == "Travel date is in the past"
    assert errors["sex"] == "Choose the sex as the travel document shows it"
    text = assert_plain(html)
    assert "Please correct: (4)" in text
    assert 'value="Perera"' in html and 'value="DE-PLAIN-1"' in html  # what was typed is kept
    assert 'aria-invalid="true"' in html


def test_duplicate_reference_refused_on_the_form_without_an_id(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    first = alice.post(
        "/staff/readmissions/new",
        data={"csrf_token": token, **_form()},
        content_type="multipart/form-data",
    )
    assert first.status_code == 302
    shown = alice.get(first.headers["Location"]).get_data(as_text=True)
    assert "Readmission request DEU DE-PLAIN-1 filed." in assert_plain(shown)
    again = alice.post(
        "/staff/readmissions/new",
        data={"csrf_token": token, **_form(surname="Fernando", nic_number="")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "on file already" in _errors(html)["host_reference"]
    assert 'value="Fernando"' in html
    assert_plain(html)


def test_people_by_display_name_on_the_case_page(env: WebEnv) -> None:
    api = env.app.test_client()
    filed = api.post(
        "/api/readmissions",
        json={
            "host_reference": "DE-STOLEN-9",
            "port_of_entry": "CMB",
            "travel_date": (date.today() + timedelta(days=7)).isoformat(),
            "photo": base64.b64encode(portrait_jpeg()).decode(),
            "identity": {
                "surname": "Perera",
                "given_names": "Kamal",
                "birth_date": "1990-05-14",
                "sex": "M",
                "nic_number": "199012345678",
                "passport_number": "N1234567",
            },
        },
        headers=bearer(env.token),
    )
    case_id = filed.get_json()["id"]
    root, r_token = staff_client(env.app, "root")
    decision = {
        "evidence": "passport_lost_by_holder",
        "evidence_reference": "police report CMB/2025/118",
        "reason": "",
    }
    # The decision form's own error, beside its field, on the case page.
    bad = root.post(
        f"/staff/cases/{case_id}/identity-decision", data={"csrf_token": r_token, **decision}
    )
    assert bad.status_code == 422
    assert set(_errors(bad.get_data(as_text=True))) == {"reason"}
    assert 'value="police report CMB/2025/118"' in bad.get_data(as_text=True)
    decision["reason"] = "the holder reported it lost himself"
    ok = root.post(
        f"/staff/cases/{case_id}/identity-decision", data={"csrf_token": r_token, **decision}
    )
    assert ok.status_code == 302
    alice, a_token = staff_client(env.app, "alice")
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": a_token}).status_code
        == 302
    )
    html = alice.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    text = assert_plain(html)
    assert "by root on" in text  # who settled it, as the officers know them
    assert "Readmission DEU DE-STOLEN-9 — Perera, Kamal" in text
    assert "the API client de-bamf" in text and "alice" in text


def test_error_pages_and_sign_in_errors_are_words(env: WebEnv) -> None:
    alice, _ = staff_client(env.app, "alice")
    missing = alice.get("/staff/cases/999999")
    assert missing.status_code == 404
    text = assert_plain(missing.get_data(as_text=True))
    assert "Not found" in text and "NOT_FOUND" not in text
    assert 'data-code="NOT_FOUND"' in missing.get_data(as_text=True)

    client = env.app.test_client()
    wrong = client.post(
        "/staff/login",
        data={"username": "alice", "password": PASSWORD + "x", "csrf_token": csrf_token(client)},
    )
    text = assert_plain(wrong.get_data(as_text=True))
    assert "Wrong user name or password" in text and "<code>" not in wrong.get_data(as_text=True)


def test_every_legalization_form_error_at_once(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    r = alice.post(
        "/staff/legalizations/new",
        data={
            "csrf_token": token,
            "surname": "Silva",
            "given_names": "Nimali",
            "birth_date": (date.today() + timedelta(days=3)).isoformat(),
            "sex": "F",
            "destination_country": "Italy",
            "underlying_title": "Birth certificate",
            "underlying_date": "2020-01-10",
            "signer_name": "W. A. Jayasinghe",
            "signer_capacity": "Registrar",
            "signer_authority": "Registrar General, Kandy",
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    errors = _errors(html)
    assert set(errors) == {"destination_country", "applicant.birth_date", "document"}, errors
    assert errors["applicant.birth_date"] == "Date of birth is in the future"
    assert "ITA" in errors["destination_country"]
    assert 'value="Birth certificate"' in html
    assert "Please correct: (3)" in assert_plain(html)


def test_the_inbox_says_what_holds_a_case(env: WebEnv) -> None:
    api = env.app.test_client()
    photo = base64.b64encode(portrait_jpeg()).decode()
    ids = {}
    for ref, passport in (("DE-HOLD-1", "N1234567"), ("DE-HOLD-2", None)):
        identity = {"surname": "Silva", "given_names": "Nimali", "birth_date": "1985-12-01"}
        identity |= {"sex": "F", "nic_number": "853400937V"}
        if passport:
            identity["passport_number"] = passport  # reported stolen
        filed = api.post(
            "/api/readmissions/batch",
            json={
                "reference": f"B-{ref}",
                "requests": [{"host_reference": ref, "identity": identity, "photo": photo}],
            },
            headers=bearer(env.token),
        )
        assert filed.status_code == 201, filed.get_json()
        ids[ref] = filed.get_json()["filed"][0]
    alice, a_token = staff_client(env.app, "alice")
    for case_id in ids.values():
        prepared = alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": a_token})
        assert prepared.status_code == 302
    bob, _ = staff_client(env.app, "bob")
    html = bob.get("/staff/").get_data(as_text=True)
    rows = {
        m.group(1): visible(m.group(2))
        for m in re.finditer(r'<a href="/staff/cases/(\d+)">(.*?)</td>', html, re.S)
    }
    assert "On hold: identity to decide; possible duplicate" in rows[str(ids["DE-HOLD-1"])]
    assert "On hold: possible duplicate" in rows[str(ids["DE-HOLD-2"])]
    assert_plain(html)


def test_the_case_list_links_people_not_row_numbers(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    filed = alice.post(
        "/staff/readmissions/new",
        data={"csrf_token": token, **_form()},
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302
    html = alice.get("/staff/cases").get_data(as_text=True)
    link = re.search(r'<a href="/staff/cases/\d+">([^<]+)</a>', html)
    assert link is not None and link.group(1) == "Perera, Kamal"
    assert_plain(html)
