"""A photo of the printed paper on the staff pages (legalize.web.staff.paper, legalize.cases.paper)
and the public photo check: real TTDs issued with the dev keys, page 1 rasterized as a scan,
uploaded on the clearance page, the case page and /check/photo; the register's answer
(DOCUMENT_MISMATCH, DOCUMENT_USED), bad input answered at once, the roles, CSRF and the audit
entry. The queue runs in the caller here (immediate mode): the upload's 303 leads to the
answer. tests/test_photo_queue.py covers the progress page, expiry and failures."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import TestResponse, encode_multipart

from legalize.pki.devkeys import DevPki
from legalize.registry import audit
from legalize.registry.identity import import_nic
from legalize.web.state import state
from tests.helpers.web_app import (
    Tokens,
    WebEnv,
    bearer,
    csrf_token,
    make_env,
    portrait_jpeg,
    seeded_sqlite,
    staff_client,
)
from tests.test_web_security_files import HTML, png_bomb

NIC_CSV = b"""nic_number,surname,given_names,birth_date,sex,birth_place
199012345678,PERERA,KAMAL NUWAN,1990-05-14,M,KANDY
853400937V,SILVA,NIMALI,1985-12-01,F,GALLE
197902020011,FERNANDO,RUWAN,1979-02-02,M,NEGOMBO
"""
PEOPLE = {
    # three different holders: one person's three valid TTDs would be duplicates
    "P-A": ("Perera", "Kamal Nuwan", "1990-05-14", "M", "Kandy", "199012345678"),
    "P-B": ("Silva", "Nimali", "1985-12-01", "F", "Galle", "853400937V"),
    "P-C": ("Fernando", "Ruwan", "1979-02-02", "M", "Negombo", "197902020011"),
}
DPI = 150


@dataclass(frozen=True)
class Issued:
    case_id: int
    number: str
    scan: bytes
    """Page 1 of the PDF rasterized at DPI, as a PNG: a flat-bed scan of the paper."""


@dataclass(frozen=True)
class World:
    env: WebEnv
    a: Issued
    b: Issued
    c: Issued
    """C gets cleared (used) by a test."""


def rasterize(pdf: bytes, dpi: int = DPI) -> bytes:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    image.convert("RGB").save(out, "PNG")
    return out.getvalue()


def _issue(env: WebEnv, reference: str) -> Issued:
    api = env.app.test_client()
    surname, given, birth, sex, place, nic = PEOPLE[reference]
    body = {
        "host_reference": reference,
        "port_of_entry": "CMB",
        "travel_date": (date.today() + timedelta(days=7)).isoformat(),
        "photo": base64.b64encode(portrait_jpeg()).decode(),
        "identity": {
            "surname": surname,
            "given_names": given,
            "birth_date": birth,
            "sex": sex,
            "birth_place": place,
            "nic_number": nic,
        },
    }
    filed = api.post("/api/readmissions", json=body, headers=bearer(env.token))
    assert filed.status_code == 201, filed.get_json()
    case_id: int = filed.get_json()["id"]
    dave, dave_csrf = staff_client(env.app, "dave")
    assert dave.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": dave_csrf}).status_code
    bob, bob_csrf = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": bob_csrf}).status_code
        == 302
    )
    issued = bob.post(f"/staff/cases/{case_id}/issue", data={"csrf_token": bob_csrf})
    assert issued.status_code == 302, issued.get_data(as_text=True)
    doc = api.get(f"/api/cases/{case_id}", headers=bearer(env.token)).get_json()["document"]
    pdf = api.get(f"/api/cases/{case_id}/document.pdf", headers=bearer(env.token)).data
    return Issued(case_id, doc["number"], rasterize(pdf))


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, web_template: tuple[Path, Tokens], dev_pki: DevPki
) -> Iterator[World]:
    url, tokens = seeded_sqlite(tmp_path_factory.mktemp("paper"), web_template)
    env = make_env(url, tokens, keys_dir=Path(dev_pki.dir), rates={"signin": "1000/minute"})
    with state(env.app).sessions() as s:
        import_nic(s, NIC_CSV, "nic.csv", datetime.now(UTC))
        s.commit()
    yield World(env, _issue(env, "P-A"), _issue(env, "P-B"), _issue(env, "P-C"))
    state(env.app).close()


def _post(client: FlaskClient, url: str, token: str | None, data: bytes) -> TestResponse:
    """A multipart upload encoded in memory: the test client's own encoder spools bodies over
    500 kB to a temporary file that nobody closes when the view refuses before reading."""
    fields: MultiDict[str, object] = MultiDict({"paper": FileStorage(io.BytesIO(data), "page.png")})
    if token is not None:
        fields["csrf_token"] = token
    boundary, body = encode_multipart(fields)
    response: TestResponse = client.post(
        url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    return response


def _upload(client: FlaskClient, url: str, token: str | None, data: bytes) -> tuple[int, str]:
    """The upload, and the check's page it is sent to (answered at once: immediate mode)."""
    response = _post(client, url, token, data)
    if response.status_code == 303:
        location = response.headers["Location"]
        assert location.startswith(url) and location.split("#")[0] != url, location
        response = client.get(location)
        assert 'http-equiv="refresh"' not in response.get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def _verdict(html: str) -> str:
    found = re.search(r'class="paper-verdict paper-(\w+)"', html)
    assert found, html
    return found.group(1).upper()


def _assert_valid(html: str) -> None:
    failing = re.findall(r"<li>(.*?)</li>", html.split("<details>")[0])
    assert _verdict(html) == "VALID", failing


def test_a_scan_of_the_genuine_paper_is_valid_on_the_clearance_page(world: World) -> None:
    carol, token = staff_client(world.env.app, "carol")
    status, html = _upload(carol, f"/staff/clear/{world.a.number}/paper", token, world.a.scan)
    assert status == 200, html
    _assert_valid(html)
    assert '<img src="data:image/png;base64,' in html
    assert "<details>" in html and "register.number" in html and "register.status" in html
    assert "The photo is deleted once checked" in html
    # the register data is shown beside it, and the clear button is still there
    assert "PERERA" in html.upper()
    assert f"/staff/clear/{world.a.number}" in html


def test_a_photo_of_another_document_is_a_mismatch(world: World) -> None:
    carol, token = staff_client(world.env.app, "carol")
    status, html = _upload(carol, f"/staff/clear/{world.a.number}/paper", token, world.b.scan)
    assert status == 200
    assert _verdict(html) == "INVALID"
    assert "DOCUMENT_MISMATCH" in html
    assert world.b.number in html


def test_a_used_document_is_refused_with_when(world: World) -> None:
    carol, token = staff_client(world.env.app, "carol")
    cleared = carol.post(
        f"/staff/clear/{world.c.number}", data={"csrf_token": token, "port": "CMB"}
    )
    assert cleared.status_code == 302
    status, html = _upload(carol, f"/staff/clear/{world.c.number}/paper", token, world.c.scan)
    assert status == 200
    assert _verdict(html) == "INVALID"
    assert "DOCUMENT_USED" in html and "cleared 20" in html


def test_the_case_page_checks_the_paper_for_office_staff(world: World) -> None:
    url = f"/staff/cases/{world.a.case_id}/paper"
    bob, token = staff_client(world.env.app, "bob")
    page = bob.get(f"/staff/cases/{world.a.case_id}").get_data(as_text=True)
    assert f'action="{url}#paper"' in page  # the browser scrolls to the report

    def checked() -> list[audit.AuditEntry]:
        with state(world.env.app).sessions() as s:
            return [
                e
                for e in audit.entries_for(s, "case", world.a.case_id)
                if e.action == "document.paper_checked"
            ]

    before = len(checked())
    response = _post(bob, url, token, world.a.scan)
    assert response.status_code == 303
    check_page = response.headers["Location"].split("#")[0]
    html = bob.get(check_page).get_data(as_text=True)
    assert "<h1>Readmission " in html  # the case page itself
    bob.get(check_page)
    entries = checked()
    assert len(entries) == before + 1  # audited once, when the answer was stored
    assert entries[-1].actor == "user:bob"
    details = entries[-1].details_dict
    assert set(details) == {"number", "verdict", "codes"}  # no picture, nothing personal
    assert details["number"] == world.a.number
    assert details["verdict"] == _verdict(html)
    _assert_valid(html)


def test_roles_and_sign_in(world: World) -> None:
    carol, token = staff_client(world.env.app, "carol")
    status, html = _upload(carol, f"/staff/cases/{world.a.case_id}/paper", token, world.a.scan)
    assert status == 403 and "ROLE_REQUIRED" in html
    alice, alice_token = staff_client(world.env.app, "alice")  # issuing officer, not border
    assert _upload(alice, f"/staff/clear/{world.a.number}/paper", alice_token, b"x")[0] == 403
    anonymous = world.env.app.test_client()
    anonymous_token = csrf_token(anonymous)
    for url in (f"/staff/clear/{world.a.number}/paper", f"/staff/cases/{world.a.case_id}/paper"):
        assert _upload(anonymous, url, anonymous_token, world.a.scan)[0] == 401


def test_csrf_is_required(world: World) -> None:
    carol, _ = staff_client(world.env.app, "carol")
    status, html = _upload(carol, f"/staff/clear/{world.a.number}/paper", None, world.a.scan)
    assert status == 400 and "CSRF" in html
    status, _ = _upload(carol, f"/staff/clear/{world.a.number}/paper", "forged", world.a.scan)
    assert status == 400


def _no_qr_photo() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1200, 900), (120, 140, 110))
    ImageDraw.Draw(img).rectangle((300, 200, 900, 700), fill=(200, 190, 170))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        (b"", 422, "FILE_EMPTY"),
        (HTML, 422, "IMAGE_FORMAT_UNSUPPORTED"),
        (b"GIF89a" + b"\x00" * 100, 422, "not a photo or scan"),
        (png_bomb(30_000, 30_000), 422, "too large"),
        (portrait_jpeg()[:2000], 422, "IMAGE_UNREADABLE"),
        (_no_qr_photo(), 200, "QR_NOT_FOUND"),
    ],
    ids=["empty", "html", "gif", "png-bomb", "truncated-jpeg", "no-qr"],
)
def test_bad_input_gets_a_clear_answer(
    world: World, content: bytes, status: int, words: str
) -> None:
    carol, token = staff_client(world.env.app, "carol")
    got, html = _upload(carol, f"/staff/clear/{world.a.number}/paper", token, content)
    assert got == status, html
    assert words in html
    assert "INTERNAL_ERROR" not in html
    if status == 422:
        # The field named in the markup, as on every form; no "paper:" prefix for the officer.
        assert 'data-field="paper"' in html and "<code>paper</code>" not in html


def test_bad_input_creates_no_check(world: World) -> None:
    """Refused in the request: no picture is stored, no job is queued."""
    from sqlalchemy import func, select

    from legalize.registry.photo_checks import PhotoCheck

    def stored() -> int:
        with state(world.env.app).sessions() as s:
            return int(s.scalar(select(func.count()).select_from(PhotoCheck)) or 0)

    before = stored()
    carol, token = staff_client(world.env.app, "carol")
    for bad in (png_bomb(30_000, 30_000), b"GIF89a" + b"\x00" * 100, b""):
        response = _post(carol, f"/staff/clear/{world.a.number}/paper", token, bad)
        assert response.status_code == 422
    assert stored() == before


def test_the_public_photo_check_needs_no_sign_in(world: World) -> None:
    client = world.env.app.test_client()
    page = client.get("/check/photo")
    assert page.status_code == 200 and 'name="csrf_token"' in page.get_data(as_text=True)
    token = csrf_token(client, "/check/photo")
    status, html = _upload(client, "/check/photo", token, world.a.scan)
    assert status == 200, html
    _assert_valid(html)
    assert '<img src="data:image/png;base64,' in html and "register.status" in html


def test_the_check_page_is_only_for_the_browser_that_sent_the_photo(world: World) -> None:
    client = world.env.app.test_client()
    posted = _post(client, "/check/photo", csrf_token(client, "/check/photo"), world.a.scan)
    assert posted.status_code == 303
    location = posted.headers["Location"]
    token = location.rsplit("/", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", token), location
    poll = client.get(f"/check/photo/{token}.json")
    assert poll.status_code == 200 and poll.headers["Cache-Control"] == "no-store"
    assert poll.get_json() == {"state": "done", "done": True, "verdict": "VALID", "error": None}
    # Another browser holding the link sees nothing; neither do the staff pages' addresses.
    other = world.env.app.test_client()
    assert other.get(location).status_code == 404
    assert (
        other.get(f"/check/photo/{token}.json").get_json()["error"]["code"]
        == "PHOTO_CHECK_NOT_FOUND"
    )
    carol, _ = staff_client(world.env.app, "carol")
    assert carol.get(f"/staff/clear/{world.a.number}/paper/{token}").status_code == 404
    assert client.get(location).status_code == 200


def test_the_staff_check_page_belongs_to_its_document(world: World) -> None:
    carol, token = staff_client(world.env.app, "carol")
    posted = _post(carol, f"/staff/clear/{world.a.number}/paper", token, world.a.scan)
    assert posted.status_code == 303
    location = posted.headers["Location"]
    assert location.endswith("#paper")
    check = location.split("#")[0].rsplit("/", 1)[1]
    assert carol.get(location.split("#")[0]).status_code == 200
    assert carol.get(f"/staff/clear/{world.b.number}/paper/{check}").status_code == 404
    assert carol.get(f"/check/photo/{check}").status_code == 404
    assert carol.get(f"/staff/clear/{world.a.number}/paper/{'x' * 43}").status_code == 404


def test_the_public_photo_check_finds_a_forged_paper(world: World) -> None:
    from PIL import Image, ImageDraw

    page = Image.open(io.BytesIO(world.a.scan)).convert("RGB")
    width, height = page.size
    # someone pasted over the left part of the page, where the holder's photo is printed
    ImageDraw.Draw(page).rectangle(
        (width * 0.08, height * 0.25, width * 0.35, height * 0.6), fill=(200, 170, 150)
    )
    forged = io.BytesIO()
    page.save(forged, "PNG")
    client = world.env.app.test_client()
    token = csrf_token(client, "/check/photo")
    status, html = _upload(client, "/check/photo", token, forged.getvalue())
    assert status == 200
    assert _verdict(html) == "INVALID"
    status, html = _upload(client, "/check/photo", token, b"GIF89a no picture")
    assert status == 422 and "IMAGE_FORMAT_UNSUPPORTED" in html
