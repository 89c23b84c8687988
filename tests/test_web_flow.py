"""The whole readmission and legalization paths through HTTP, on SQLite and PostgreSQL:
API request by the host country, cross-check, prepare (officer A), approve (officer B; A
approving is refused), issue, download through the API, clearance by a border officer, a
second clearance refused with DOCUMENT_USED. Legalization likewise, up to the public check."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from legalize.cases import views
from legalize.registry import audit
from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.identity import import_nic
from legalize.web.staff.cases import PREVIEW_WIDTH
from legalize.web.state import state
from tests.helpers.web_app import (
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    photo_jpeg,
    portrait_jpeg,
    staff_client,
    underlying_pdf,
)

NIC_CSV = b"""nic_number,surname,given_names,birth_date,sex,birth_place
199012345678,PERERA,KAMAL NUWAN,1990-05-14,M,KANDY
"""


pytestmark = pytest.mark.web(signed=True)


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    url, _ = every_backend_database  # on SQLite and PostgreSQL, with the NIC record below
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        import_nic(s, NIC_CSV, "nic.csv", datetime.now(UTC))
        s.commit()
    engine.dispose()
    return every_backend_database


def _flash(response_html: str) -> str:
    found = re.search(r'class="flash" role="status">([^<]*)<', response_html)
    return found.group(1) if found else ""


def test_readmission_through_http(env: WebEnv) -> None:
    api = env.app.test_client()
    travel = (date.today() + timedelta(days=7)).isoformat()
    body = {
        "host_reference": "DE-2026-0042",
        "port_of_entry": "CMB",
        "travel_date": travel,
        "photo": base64.b64encode(portrait_jpeg()).decode(),
        "identity": {
            "surname": "Perera",
            "given_names": "Kamal Nuwan",
            "birth_date": "1990-05-14",
            "sex": "M",
            "birth_place": "Kandy",
            "nic_number": "199012345678",
        },
    }
    # 1. The host country files through the API.
    response = api.post("/api/readmissions", json=body, headers=bearer(env.token))
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    case_id = case["id"]
    assert case["state"] == "draft"
    assert case["host_country"] == "DEU"
    assert case["crosscheck"] == "match"
    assert response.headers["Location"].endswith(f"/api/cases/{case_id}")
    # Filing the same reference again is a 409 naming the field.
    again = api.post("/api/readmissions", json=body, headers=bearer(env.token))
    assert again.status_code == 409
    assert again.get_json()["error"]["field"] == "host_reference"
    # Another country's client does not see the case.
    assert api.get(f"/api/cases/{case_id}", headers=bearer(env.other_token)).status_code == 404

    # 2. Officer A (dave: issuing and approving roles) re-runs the cross-check and prepares.
    dave, dave_csrf = staff_client(env.app, "dave")
    page = dave.post(f"/staff/cases/{case_id}/crosscheck", data={"csrf_token": dave_csrf})
    assert page.status_code == 302
    assert "match" in _flash(dave.get(page.headers["Location"]).get_data(as_text=True))
    detail = dave.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "Portrait checks: passed" in detail
    prepared = dave.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": dave_csrf})
    assert prepared.status_code == 302, prepared.get_data(as_text=True)

    # 3. Officer A approving their own case is refused by the cases rules (four eyes) …
    refused = dave.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": dave_csrf})
    assert refused.status_code == 403
    assert "FOUR_EYES" in refused.get_data(as_text=True)
    # … and an officer without the approving role by the page decorator.
    alice, alice_csrf = staff_client(env.app, "alice")
    assert (
        alice.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": alice_csrf}).status_code
        == 403
    )
    # 4. Officer B approves and issues.
    bob, bob_csrf = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": bob_csrf}).status_code
        == 302
    )
    issued = bob.post(f"/staff/cases/{case_id}/issue", data={"csrf_token": bob_csrf})
    assert issued.status_code == 302, issued.get_data(as_text=True)
    detail = bob.get(f"/staff/cases/{case_id}")
    assert "issued" in detail.get_data(as_text=True)
    preview = bob.get(f"/staff/cases/{case_id}/preview.png")
    assert preview.status_code == 200
    assert preview.data.startswith(b"\x89PNG")
    # as wide as the case page shows it (PDFium renders to the pixel; pdftoppm went by dpi)
    assert int.from_bytes(preview.data[16:20], "big") == PREVIEW_WIDTH

    # 5. The host country downloads the TTD through the API.
    got = api.get(f"/api/cases/{case_id}", headers=bearer(env.token)).get_json()
    assert got["state"] == "issued"
    doc = got["document"]
    number = doc["number"]
    pdf = api.get(f"/api/cases/{case_id}/document.pdf", headers=bearer(env.token))
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert hashlib.sha256(pdf.data).hexdigest() == doc["pdf_sha256"]
    assert b"/ByteRange" in pdf.data  # the documents' issuer: a PAdES-signed PDF
    assert (
        api.get(f"/api/cases/{case_id}/document.pdf", headers=bearer(env.other_token)).status_code
        == 404
    )
    listing = api.get("/api/cases?state=issued", headers=bearer(env.token)).get_json()
    assert [c["id"] for c in listing["items"]] == [case_id]

    # 6. A border officer scans the QR, sees the data and photo, and clears it.
    with state(env.app).sessions() as s:
        found = views.find_document(s, number)
        assert found is not None
        seal_text = found.seal_text
    carol, carol_csrf = staff_client(env.app, "carol")
    lookup = carol.post("/staff/clear", data={"number": seal_text, "csrf_token": carol_csrf})
    assert lookup.status_code == 200
    html = lookup.get_data(as_text=True)
    assert "PERERA" in html.upper() and f"/staff/clear/{number}/photo" in html
    # The scanned seal verified against the trust store of the keys folder, with the register.
    assert "<strong>VALID</strong> — not used" in html
    assert 'The seal scanned from the paper: <span class="verdict-ok">VALID</span>' in html
    assert carol.get(f"/staff/clear/{number}/photo").status_code == 200
    # The border sees the TTD by its number, never a case by its id.
    assert carol.get(f"/staff/cases/{case_id}/photo").status_code == 403
    cleared = carol.post(f"/staff/clear/{number}", data={"csrf_token": carol_csrf, "port": "CMB"})
    assert cleared.status_code == 302
    # 7. A second clearance is refused: the screen shows USED on/at/by and the refusal.
    second = carol.post(f"/staff/clear/{number}", data={"csrf_token": carol_csrf, "port": "CMB"})
    assert second.status_code == 409
    refused = second.get_data(as_text=True)
    assert "USED</strong>" in refused and "at CMB by carol" in refused
    assert "used already" in refused
    status = api.get(
        f"/api/documents/{number}/status?check_code={doc['check_code']}", headers=bearer(env.token)
    )
    assert status.get_json()["status"] == "used"

    # Every step is in the audit log, and the chain verifies.
    with state(env.app).sessions() as s:
        actions = [e.action for e in audit.entries_for(s, "case", case_id)]
        assert audit.verify_chain(s).ok
    for action in (
        "case.filed",
        "case.prepared",
        "case.approved",
        "document.issued",
        "document.used",
    ):
        assert action in actions


def test_legalization_through_http(env: WebEnv) -> None:
    root, root_csrf = staff_client(env.app, "root")
    added = root.post(
        "/staff/signatories",
        data={
            "name": "N. Fernando",
            "capacity": "Registrar of Births",
            "authority": "Registrar-General's Department",
            "valid_from": "2020-01-01",
            "csrf_token": root_csrf,
        },
    )
    assert added.status_code == 302, added.get_data(as_text=True)
    assert "N. Fernando" in root.get("/staff/signatories").get_data(as_text=True)
    alice, alice_csrf = staff_client(env.app, "alice")
    filed = alice.post(
        "/staff/legalizations/new",
        data={
            "surname": "Silva",
            "given_names": "Nimali",
            "birth_date": "1985-12-01",
            "sex": "F",
            "destination_country": "ITA",
            "underlying_title": "Birth certificate",
            "underlying_date": "2024-03-01",
            "signer_name": "N. Fernando",
            "signer_capacity": "Registrar of Births",
            "signer_authority": "Registrar-General's Department",
            "document": (io.BytesIO(underlying_pdf()), "birth.pdf"),
            "csrf_token": alice_csrf,
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)
    case_id = int(filed.headers["Location"].rsplit("/", 1)[1])
    detail = alice.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "matched" in detail
    # the officer sees the pages as sanitized at filing, never the upload itself
    assert f"/staff/cases/{case_id}/pages/1.png" in detail
    page = alice.get(f"/staff/cases/{case_id}/pages/1.png")
    assert page.status_code == 200 and page.data.startswith(b"\x89PNG")
    assert alice.get(f"/staff/cases/{case_id}/underlying").status_code == 404
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": alice_csrf}).status_code
        == 302
    )
    bob, bob_csrf = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": bob_csrf}).status_code
        == 302
    )
    issued = bob.post(f"/staff/cases/{case_id}/issue", data={"csrf_token": bob_csrf})
    assert issued.status_code == 302, issued.get_data(as_text=True)
    pdf = bob.get(f"/staff/cases/{case_id}/document.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with state(env.app).sessions() as s:
        view = views.get_case(s, case_id)
    assert view.document is not None
    assert hashlib.sha256(pdf.data).hexdigest() == view.document.pdf_sha256
    # The public check answers with the least data: status and the underlying signer.
    public = env.app.test_client()
    token = csrf_token(public, "/")
    answer = public.post(
        "/",
        data={
            "number": view.document.number,
            "check_code": view.document.check_code,
            "csrf_token": token,
        },
    )
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    assert "valid" in html and "N. Fernando" in html
    assert "Nimali" not in html and "1985-12-01" not in html
    # An e-services client files through the API and sees only what it filed.
    api = env.app.test_client()
    body = {
        "applicant": {"surname": "Jayasuriya", "birth_date": "1979-02-03", "sex": "M"},
        "destination_country": "FRA",
        "underlying": base64.b64encode(underlying_pdf()).decode(),
        "underlying_title": "Birth certificate",
        "underlying_date": "2023-01-05",
        "signer_name": "N. Fernando",
        "signer_capacity": "Registrar of Births",
        "signer_authority": "Registrar-General's Department",
    }
    filed_api = api.post("/api/legalizations", json=body, headers=bearer(env.legal_token))
    assert filed_api.status_code == 201, filed_api.get_json()
    api_case = filed_api.get_json()
    assert api_case["kind"] == "legalization" and api_case["state"] == "draft"
    mine = api.get("/api/cases", headers=bearer(env.legal_token)).get_json()
    assert [c["id"] for c in mine["items"]] == [api_case["id"]]
    assert api.get(f"/api/cases/{case_id}", headers=bearer(env.legal_token)).status_code == 404
    assert api.get(f"/api/cases/{api_case['id']}", headers=bearer(env.token)).status_code == 404
    # Officers take it through; the client downloads its legalization through the API.
    api_id = api_case["id"]
    not_yet = api.get(f"/api/cases/{api_id}/document.pdf", headers=bearer(env.legal_token))
    assert not_yet.status_code == 409 and not_yet.get_json()["error"]["code"] == "NOT_ISSUED"
    for who, csrf, step in (
        (alice, alice_csrf, "prepare"),
        (bob, bob_csrf, "approve"),
        (bob, bob_csrf, "issue"),
    ):
        assert (
            who.post(f"/staff/cases/{api_id}/{step}", data={"csrf_token": csrf}).status_code == 302
        )
    got = api.get(f"/api/cases/{api_id}", headers=bearer(env.legal_token)).get_json()
    pdf_api = api.get(f"/api/cases/{api_id}/document.pdf", headers=bearer(env.legal_token))
    assert pdf_api.status_code == 200 and pdf_api.mimetype == "application/pdf"
    assert hashlib.sha256(pdf_api.data).hexdigest() == got["document"]["pdf_sha256"]
    # Revocation needs a reason, then the check shows it.
    no_reason = bob.post(
        f"/staff/cases/{case_id}/revoke", data={"csrf_token": bob_csrf, "reason": ""}
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.get_data(as_text=True)
    # … and a tick in "I confirm": without it nothing is revoked and the reason is kept.
    reason = "issued on a forged underlying document"
    unconfirmed = bob.post(
        f"/staff/cases/{case_id}/revoke", data={"csrf_token": bob_csrf, "reason": reason}
    )
    assert unconfirmed.status_code == 422
    assert reason in unconfirmed.get_data(as_text=True)
    assert "I confirm" in unconfirmed.get_data(as_text=True)
    revoked = bob.post(
        f"/staff/cases/{case_id}/revoke",
        data={"csrf_token": bob_csrf, "reason": reason, "confirm": "y"},
    )
    assert revoked.status_code == 302
    answer = public.post(
        "/",
        data={
            "number": view.document.number,
            "check_code": view.document.check_code,
            "csrf_token": token,
        },
    )
    assert "revoked" in answer.get_data(as_text=True)


def test_failed_photo_needs_an_override_with_reason(env: WebEnv) -> None:
    api = env.app.test_client()
    body = {
        "host_reference": "DE-2026-0077",
        "photo": base64.b64encode(photo_jpeg()).decode(),
        "identity": {"surname": "Perera", "birth_date": "1990-05-14", "sex": "M"},
    }
    case_id = api.post("/api/readmissions", json=body, headers=bearer(env.token)).get_json()["id"]
    alice, token = staff_client(env.app, "alice")
    detail = alice.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "Portrait checks: FAILED" in detail and "NO_FACE" in detail
    refused = alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token})
    assert refused.status_code == 422
    # Refused on the case page itself, in plain words: no "422 — CODE" screen, no field name.
    text = refused.get_data(as_text=True)
    assert 'data-code="PHOTO_CHECK_FAILED"' in text and "Accept the photo despite" in text
    assert "The photo failed the portrait checks" in text and "<code>photo</code>" not in text
    no_reason = alice.post(
        f"/staff/cases/{case_id}/photo-override", data={"csrf_token": token, "reason": ""}
    )
    assert no_reason.status_code == 422
    assert "field-error" in no_reason.get_data(as_text=True)  # next to its field
    override = alice.post(
        f"/staff/cases/{case_id}/photo-override",
        data={"csrf_token": token, "reason": "face visible; detector misses the lighting"},
    )
    assert override.status_code == 302
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token}).status_code == 302
    )
    with state(env.app).sessions() as s:
        actions = [e.action for e in audit.entries_for(s, "case", case_id)]
    assert "photo.override" in actions


def test_photo_added_on_the_case_page(env: WebEnv) -> None:
    api = env.app.test_client()
    body = {
        "host_reference": "DE-2026-0100",
        "identity": {"surname": "Perera", "birth_date": "1990-05-14", "sex": "M"},
    }
    case_id = api.post("/api/readmissions", json=body, headers=bearer(env.token)).get_json()["id"]
    alice, token = staff_client(env.app, "alice")
    missing = alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token})
    assert missing.status_code == 422 and 'data-field="photo"' in missing.get_data(as_text=True)
    upload = alice.post(
        f"/staff/cases/{case_id}/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(portrait_jpeg()), "me.jpg")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    assert "passed" in _flash(alice.get(upload.headers["Location"]).get_data(as_text=True))
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token}).status_code == 302
    )
