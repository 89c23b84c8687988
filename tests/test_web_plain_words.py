"""The staff pages speak to officers in plain words: every form error listed at once beside
its field with no field-name prefix, no internal ids ("case 54", "#4"), people by their
display name (never ``user:root``), no "404 — NOT_FOUND" screens. The markup keeps the rules'
field names and codes in data- attributes for scripts and tests."""

from __future__ import annotations

import base64
import io
import re
import time
from datetime import UTC, date, datetime, timedelta
from html import unescape
from typing import Any

import pytest

from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_sltd
from legalize.web.refusals import without_ids
from tests.helpers.web_app import (
    PASSWORD,
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    portrait_jpeg,
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
def web_database(web_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    """The canonical register, plus a passport reported stolen (the SLTD refusal's words)."""
    url, _ = web_database
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        sltd = (
            b"document_number,issuing_country,status,reported_on\nN1234567,LKA,stolen,2025-03-01\n"
        )
        assert import_sltd(s, sltd, "sltd.csv", datetime.now(UTC)).errors == ()
        s.commit()
    engine.dispose()
    return web_database


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


def _batch_csv(*rows: str) -> bytes:
    photo = base64.b64encode(portrait_jpeg()).decode()
    lines = ["host_reference,surname,given_names,birth_date,sex,photo"]
    lines += [f"{row},{photo}" for row in rows]
    return ("\n".join(lines) + "\n").encode()


def _upload(client: Any, token: str, reference: str, csv: bytes) -> Any:
    return client.post(
        "/staff/batches/new",
        data={
            "csrf_token": token,
            "host_country": "DEU",
            "reference": reference,
            "file": (io.BytesIO(csv), "flight.csv"),
        },
        content_type="multipart/form-data",
    )


def test_the_batch_pages_name_batches_and_columns_in_words(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    csv = _batch_csv(
        "DE-B-1,Perera,Kamal,1990-05-14,M",
        "DE-B-2,Fernando,Ruwan,14.05.1990,M",  # not a date: refused, named by its line
    )
    filed = _upload(alice, token, "DE-2026-12", csv)
    assert filed.status_code == 302, filed.get_data(as_text=True)
    today = datetime.now(UTC)
    name = f"DEU flight DE-2026-12 of {today.day} {today:%b %Y}"
    html = alice.get(filed.headers["Location"]).get_data(as_text=True)
    text = assert_plain(html)
    assert f"<h1>{name}</h1>" in html and f"<title>{name}" in html
    assert "<code>" not in html  # the column in words, its name in the row's data-field
    refused = re.search(r'<tr data-code="([A-Z_]+)" data-field="birth_date">(.*?)</tr>', html, re.S)
    assert refused is not None, html
    row = visible(refused.group(2)).split()
    assert row[:5] == ["3", "FERNANDO,", "Ruwan", "Date", "of"], row
    assert " ".join(row[3:]) == "Date of birth Date of birth must be a date YYYY-MM-DD", row
    assert "birth_date" not in text
    person = re.search(r'<a href="/staff/cases/\d+">([^<]+)</a>', html)
    assert person is not None and person.group(1) == "PERERA, Kamal"  # by name, linked

    listing = alice.get("/staff/batches").get_data(as_text=True)
    assert_plain(listing)
    assert re.search(r'<a href="/staff/batches/\d+">DE-2026-12</a>', listing)


def test_a_refused_batch_upload_says_why_beside_the_field(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    assert _upload(alice, token, "DE-TWICE", _batch_csv("DE-T-1,Perera,Kamal,1990-05-14,M"))
    again = _upload(alice, token, "DE-TWICE", _batch_csv("DE-T-2,Silva,Nimali,1985-12-01,F"))
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    errors = _errors(html)
    assert set(errors) == {"reference"}, errors
    assert "DE-TWICE" in errors["reference"] and 'value="DE-TWICE"' in html
    assert_plain(html)
    empty = _upload(alice, token, "DE-EMPTY", b"")
    assert empty.status_code in (400, 422), empty.get_data(as_text=True)
    assert set(_errors(empty.get_data(as_text=True))) == {"file"}
    assert_plain(empty.get_data(as_text=True))


def test_a_batch_step_and_its_failures_in_words(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    filed = _upload(alice, token, "DE-STEP", _batch_csv("DE-S-1,Perera,Kamal,1990-05-14,M"))
    assert filed.status_code == 302
    location = filed.headers["Location"]
    assert alice.post(f"{location}/prepare", data={"csrf_token": token}).status_code == 302
    deadline = time.monotonic() + 120
    while (job := alice.get(f"{location}/progress.json").get_json()["job"])["running"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    html = alice.get(location).get_data(as_text=True)
    assert "Prepare finished: 1 prepared." in assert_plain(html)
    # The same step again: nothing left to prepare, said as a count, no ids.
    again = alice.post(f"{location}/prepare", data={"csrf_token": token})
    assert again.status_code == 302
    while (job := alice.get(f"{location}/progress.json").get_json()["job"])["running"]:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    html = alice.get(location).get_data(as_text=True)
    text = assert_plain(html)
    assert "Prepare finished: 0 prepared, 1 not ready for this step." in text
    missing = alice.get("/staff/batches/999999")
    assert missing.status_code == 404
    assert "Not found" in assert_plain(missing.get_data(as_text=True))


def test_a_batch_id_becomes_this_batch_not_this_case() -> None:
    assert without_ids("batch 12 is running; case 4 waits") == (
        "This batch is running; this case waits"
    )
