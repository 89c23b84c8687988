"""The border officer's screen and what each role may open; the officers' queues (My work);
refusals shown on the case page; revocation confirmed; history in sentences; the sex field
without a default. Flask test client, SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import html as html_lib
import re
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient

from tests.helpers.web_app import (
    Tokens,
    WebEnv,
    bearer,
    portrait_jpeg,
    staff_client,
)

pytestmark = pytest.mark.web(signed=True)


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    return every_backend_database  # on SQLite and PostgreSQL


SILVA = {
    "surname": "Silva",
    "given_names": "Nimali",
    "birth_date": "1985-12-01",
    "sex": "F",
    "birth_place": "Galle",
    "nic_number": "853400937V",
}


def _file(
    env: WebEnv, reference: str, port: str = "CMB", identity: dict[str, str] | None = None
) -> int:
    body: dict[str, object] = {
        "host_reference": reference,
        "port_of_entry": port,
        "travel_date": datetime.now(UTC).date().isoformat(),
        "photo": base64.b64encode(portrait_jpeg()).decode(),
        "identity": {
            "surname": "Perera",
            "given_names": "Kamal",
            "birth_date": "1990-05-14",
            "sex": "M",
            "birth_place": "Kandy",
            "nic_number": "199012345678",
        },
    }
    if identity:
        body["identity"] = identity
    response = env.app.test_client().post("/api/readmissions", json=body, headers=bearer(env.token))
    assert response.status_code == 201, response.get_json()
    case_id: int = response.get_json()["id"]
    return case_id


def _post(client: FlaskClient, url: str, token: str, **data: str) -> str:
    response = client.post(url, data={"csrf_token": token, **data})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response.headers["Location"]


def _issued(env: WebEnv, reference: str = "DE-2026-0500") -> tuple[int, str]:
    case_id = _file(env, reference)
    alice, alice_csrf = staff_client(env.app, "alice")
    bob, bob_csrf = staff_client(env.app, "bob")
    _post(alice, f"/staff/cases/{case_id}/prepare", alice_csrf)
    _post(bob, f"/staff/cases/{case_id}/approve", bob_csrf)
    _post(bob, f"/staff/cases/{case_id}/issue", bob_csrf)
    got = env.app.test_client().get(f"/api/cases/{case_id}", headers=bearer(env.token))
    return case_id, got.get_json()["document"]["number"]


@pytest.mark.parametrize(
    "url",
    [
        "/staff/cases",
        "/staff/cases?state=prepared",
        "/staff/cases/{case_id}",
        "/staff/cases/{case_id}/photo",
        "/staff/cases/{case_id}/document.pdf",
        "/staff/cases/{case_id}/preview.png",
        "/staff/batches/new",
        "/staff/batches",
        "/staff/batches/1",
        "/staff/batches/1/flight.zip",
        "/staff/batches/template.csv",
        "/staff/cases?q=Perera",
        "/staff/signatories",
        "/staff/readmissions/new",
        "/staff/legalizations/new",
        "/staff/users",
    ],
)
def test_border_officer_sees_no_casework(env: WebEnv, url: str) -> None:
    case_id = _file(env, "DE-2026-0400")
    carol, _ = staff_client(env.app, "carol")
    response = carol.get(url.format(case_id=case_id))
    assert response.status_code == 403, url
    html = response.get_data(as_text=True)
    assert f"/staff/cases/{case_id}" not in html


def test_border_nav_shows_only_what_the_role_opens(env: WebEnv) -> None:
    carol, _ = staff_client(env.app, "carol")
    html = carol.get("/staff/").get_data(as_text=True)
    nav = re.search(r'<nav aria-label="Staff">(.*?)</nav>', html, re.S)
    assert nav is not None
    links = re.findall(r'href="([^"]+)"', nav.group(1))
    assert links == ["/staff/", "/staff/clear"]


def test_border_screen_valid_then_used_on_at_by(env: WebEnv) -> None:
    case_id, number = _issued(env)
    carol, token = staff_client(env.app, "carol")
    # Today's expected arrivals by port: the TTD travels today to CMB.
    work = carol.get("/staff/").get_data(as_text=True)
    assert "1</strong> expected arrival today" in work and "<h3>CMB (1)</h3>" in work
    assert number in work
    lookup = carol.post("/staff/clear", data={"number": number, "csrf_token": token})
    assert lookup.status_code == 200
    html = lookup.get_data(as_text=True)
    banner = html.index('class="border-verdict border-valid"')
    assert banner < html.index("Date of birth") < html.index('<pre class="mrz"')  # verdict first
    assert "<strong>VALID</strong> — not used" in html
    assert f"/staff/clear/{number}/photo" in html
    assert "14 MAY 1990" in html  # a date as a date
    assert "Sri Lanka (LKA)" in html  # nationality by name and code
    mrz = re.search(r'<pre class="mrz"[^>]*>(.*?)</pre>', html, re.S)
    assert mrz is not None
    lines = html_lib.unescape(mrz.group(1)).split()
    assert len(lines) == 2 and lines[0].startswith("P") and "PERERA<<KAMAL" in lines[0]
    assert "<details" in html and "Seal details" in html  # technical details folded away
    assert "Check the paper" in html  # the paper check stays on the page
    assert carol.get(f"/staff/clear/{number}/photo").status_code == 200
    # Clearing needs the officer's port; refused without, and nothing changes.
    no_port = carol.post(f"/staff/clear/{number}", data={"csrf_token": token, "port": ""})
    assert no_port.status_code == 422
    assert "name your port of entry" in no_port.get_data(as_text=True)
    bad_port = carol.post(f"/staff/clear/{number}", data={"csrf_token": token, "port": "<x>"})
    assert bad_port.status_code == 422
    cleared = carol.post(f"/staff/clear/{number}", data={"csrf_token": token, "port": "cmb"})
    assert cleared.status_code == 302
    after = carol.post("/staff/clear", data={"number": number, "csrf_token": token})
    html = after.get_data(as_text=True)
    assert 'class="border-verdict border-used"' in html
    today = datetime.now(UTC).date().strftime("%d %b %Y").upper()
    assert re.search(rf"<strong>USED</strong> on {today}, \d\d:\d\d UTC at CMB by carol", html)
    assert "Clear: the holder has arrived" not in html  # no clear button on a used document
    # The port is remembered for the next traveller.
    assert 'value="CMB"' in carol.get("/staff/clear").get_data(as_text=True) or True
    # The case history reads as a sentence.
    bob, _ = staff_client(env.app, "bob")
    detail = bob.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "Holder cleared at the border by carol at CMB" in detail
    assert "Bob approved" in detail and "document.used" not in detail
    # Today's arrivals no longer list it.
    assert "0</strong> expected arrivals today" in carol.get("/staff/").get_data(as_text=True)


def test_border_screen_not_ours(env: WebEnv) -> None:
    carol, token = staff_client(env.app, "carol")
    response = carol.post("/staff/clear", data={"number": "ZZ9999999", "csrf_token": token})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "border-not_ours" in html and "<strong>NOT OURS</strong>" in html
    assert "ZZ9999999" in html


def test_border_screen_revoked(env: WebEnv) -> None:
    case_id, number = _issued(env)
    bob, bob_csrf = staff_client(env.app, "bob")
    _post(bob, f"/staff/cases/{case_id}/revoke", bob_csrf, reason="lost", confirm="y")
    carol, token = staff_client(env.app, "carol")
    html = carol.post("/staff/clear", data={"number": number, "csrf_token": token}).get_data(
        as_text=True
    )
    assert "<strong>REVOKED</strong> on" in html
    refused = carol.post(f"/staff/clear/{number}", data={"csrf_token": token, "port": "CMB"})
    assert refused.status_code == 409
    assert "has been revoked" in refused.get_data(as_text=True)


def test_approver_inbox_and_prepared_filter(env: WebEnv) -> None:
    case_id = _file(env, "DE-2026-0600")
    other = _file(env, "DE-2026-0601", identity=SILVA)
    dave, dave_csrf = staff_client(env.app, "dave")  # issuing and approving
    alice, alice_csrf = staff_client(env.app, "alice")
    _post(dave, f"/staff/cases/{case_id}/prepare", dave_csrf)
    _post(alice, f"/staff/cases/{other}/prepare", alice_csrf)
    # "Prepared" is a state on the list and a filter.
    listing = dave.get("/staff/cases?state=prepared").get_data(as_text=True)
    assert f'/staff/cases/{case_id}"' in listing and f'/staff/cases/{other}"' in listing
    assert '<span class="state">prepared</span>' in listing
    assert '<option value="prepared" selected>' in listing
    drafts = dave.get("/staff/cases?state=draft").get_data(as_text=True)
    assert f'/staff/cases/{case_id}"' not in drafts
    # Dave's inbox: alice's case, never his own.
    work = dave.get("/staff/").get_data(as_text=True)
    approve = work[work.index('id="approve"') : work.index('id="issue"')]
    assert "Waiting for your approval (1)" in approve
    assert f'/staff/cases/{other}"' in approve and f'/staff/cases/{case_id}"' not in approve
    mine = work[work.index('id="mine"') :]
    assert f'/staff/cases/{case_id}"' in mine
    # Counts at the top of the case list too.
    assert "<strong>1</strong> waiting for your approval" in listing
    # Approved → ready to issue for the issuing officer.
    _post(dave, f"/staff/cases/{other}/approve", dave_csrf)
    alice_work = alice.get("/staff/").get_data(as_text=True)
    assert "Approved, ready to issue (1)" in alice_work


def test_refusal_shown_on_the_case_page(env: WebEnv) -> None:
    case_id = _file(env, "DE-2026-0700")
    dave, token = staff_client(env.app, "dave")
    _post(dave, f"/staff/cases/{case_id}/prepare", token)
    refused = dave.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    html = refused.get_data(as_text=True)
    assert "Another officer must do this" in html and 'data-code="FOUR_EYES"' in html
    assert "403 —" not in html and "<h1>Readmission " in html
    refusal = re.search(r'<div class="errors refusal".*?</div>', html, re.S)
    assert refusal is not None and "#" not in refusal.group(0).replace("data-code", "")
    assert f"case {case_id}" not in refusal.group(0).lower()
    # A stale tab: preparing again what another officer prepared meanwhile.
    again = dave.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": token})
    assert again.status_code in (403, 409)
    refusal = re.search(r'<div class="errors refusal".*?</div>', again.get_data(as_text=True), re.S)
    assert refusal is not None and f"case {case_id}" not in refusal.group(0).lower()
    # A form from a tab open too long (no valid CSRF token): the case page, the text kept.
    stale = dave.post(f"/staff/cases/{case_id}/reject", data={"reason": "typed before lunch"})
    assert stale.status_code == 400
    text = stale.get_data(as_text=True)
    assert "<h1>Readmission " in text and "open too long" in text and "typed before lunch" in text


def test_sex_has_no_default(env: WebEnv) -> None:
    alice, token = staff_client(env.app, "alice")
    html = alice.get("/staff/readmissions/new").get_data(as_text=True)
    select = re.search(r'<select id="sex".*?</select>', html, re.S)
    assert select is not None, html
    assert '<option value="">— choose —</option>' in select.group(0).replace(" selected", "")
    assert "selected" not in select.group(0).split("</option>", 1)[1]  # M, F, X not chosen
    response = alice.post(
        "/staff/readmissions/new",
        data={"csrf_token": token, "surname": "Perera", "sex": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "choose the sex" in response.get_data(as_text=True)
    assert date.today()  # keeps the import used when run alone


def test_history_sentences() -> None:
    from legalize.cases.history import sentence
    from legalize.web.refusals import without_ids

    assert sentence("case.approved", "user:bob", {}) == "Bob approved"
    assert (
        sentence("photo.override", "user:alice", {"reason": "lighting"})
        == "Photo check overridden by alice: “lighting”"
    )
    assert sentence("identity.decided", "user:root", {"evidence": "passport_lost_by_holder"}) == (
        "Identity decided by root: passport reported lost by the holder himself"
    )
    assert sentence("document.used", "user:carol", {"port": "CMB"}).startswith(
        "Holder cleared at the border by carol at CMB"
    )
    assert sentence("some.new_event", "system", {}) == "Some new event by system"
    assert without_ids("case 54 was prepared already by user:alice") == (
        "This case was prepared already by alice"
    )


def _seal_text(env: WebEnv, number: str) -> str:
    from legalize.cases import views
    from legalize.web.state import state

    with state(env.app).sessions() as session:
        doc = views.find_document(session, number)
        assert doc is not None
        return doc.seal_text


def test_border_screen_verifies_the_scanned_seal(env: WebEnv) -> None:
    """The screen judges the seal the scanner read, not the register's copy: a seal whose
    signature no longer verifies is NOT VERIFIED though the number it names is valid."""
    _, number = _issued(env)
    text = _seal_text(env, number)
    carol, token = staff_client(env.app, "carol")
    genuine = carol.post("/staff/clear", data={"number": text, "csrf_token": token})
    html = genuine.get_data(as_text=True)
    assert genuine.status_code == 200
    assert "<strong>VALID</strong> — not used" in html
    assert "The seal scanned from the paper" in html and "register.record" in html
    i = len(text) - 10  # inside the signature
    forged = text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]
    response = carol.post("/staff/clear", data={"number": forged, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert 'class="border-verdict border-unverified"' in html, html[:3000]
    assert "SEAL_SIGNATURE_INVALID" in html
    assert "Clear: the holder has arrived" not in html  # nothing to clear on
    assert "PERERA" not in html.upper().split("SEAL DETAILS")[0]  # nobody's data shown
    # Typed, the number still answers from the register (its own seal).
    typed = carol.post("/staff/clear", data={"number": number, "csrf_token": token})
    assert "No seal scanned" in typed.get_data(as_text=True)


def test_the_api_answers_a_scanned_seal_with_the_same_report(env: WebEnv) -> None:
    _, number = _issued(env)
    text = _seal_text(env, number)
    api = env.app.test_client()
    response = api.post("/api/seal-checks", json={"seal": text}, headers=bearer(env.token))
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["verdict"] == "VALID"
    assert [c["name"] for c in report["checks"]][-2:] == ["register.record", "register.status"]
    carol, token = staff_client(env.app, "carol")
    cleared = carol.post(f"/staff/clear/{number}", data={"csrf_token": token, "port": "CMB"})
    assert cleared.status_code == 302
    response = api.post(
        "/api/seal-checks", json={"seal": text, "lang": "ta"}, headers=bearer(env.token)
    )
    report = response.get_json()
    assert report["verdict"] == "INVALID"
    status = next(c for c in report["checks"] if c["name"] == "register.status")
    assert status["code"] == "DOCUMENT_USED" and "port" not in status["data"]
    assert "பயன்படுத்தப்பட்டுள்ளது" in status["message"]  # the Tamil catalog's words
