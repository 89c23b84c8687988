"""Files in and out of the web layer: uploads are typed by their content, never by the
client's name or Content-Type; decompression bombs are refused; what is served back (PDF,
photo, underlying document) carries safe headers: attachment where it is a document,
nosniff, no-store."""

from __future__ import annotations

import base64
import io
import time
import zlib
from struct import pack

import pytest

from tests.helpers.web_app import (
    WebEnv,
    bearer,
    portrait_jpeg,
    staff_client,
    underlying_pdf,
)

HTML = b"<html><script>alert(document.cookie)</script></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


pytestmark = pytest.mark.web(rates={"signin": "100/minute"})


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG header for a huge grey picture whose data is a few hundred kB at most."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * width
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(200)) + compressor.flush()
    ihdr = pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _file_case(env: WebEnv, photo: bytes | None = None, reference: str = "F-1") -> int:
    extra = {"photo": base64.b64encode(photo).decode()} if photo else {}
    response = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": reference,
            "identity": {"surname": "PERERA", "birth_date": "1990-05-14", "sex": "M"},
            **extra,
        },
        headers=bearer(env.token),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    case_id: int = response.get_json()["id"]
    return case_id


def _assert_private(response: object) -> None:
    headers = response.headers  # type: ignore[attr-defined]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("content", "name", "mimetype"),
    [
        (HTML, "me.jpg", "image/jpeg"),
        (SVG, "me.png", "image/png"),
        (b"GIF89a" + b"\x00" * 100, "me.jpg", "image/jpeg"),
    ],
    ids=["html-as-jpeg", "svg-as-png", "gif-as-jpeg"],
)
def test_photo_upload_is_typed_by_content_not_by_the_client(
    env: WebEnv, content: bytes, name: str, mimetype: str
) -> None:
    case_id = _file_case(env)
    alice, token = staff_client(env.app, "alice")
    response = alice.post(
        f"/staff/cases/{case_id}/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(content), name, mimetype)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "photo" in response.get_data(as_text=True)
    assert alice.get(f"/staff/cases/{case_id}/photo").status_code == 404


@pytest.mark.parametrize("side", [12_000, 30_000])
def test_a_decompression_bomb_photo_is_refused_quickly(env: WebEnv, side: int) -> None:
    """12 000² lies between Pillow's warning and error limits (a warning only in
    production); 30 000² is past both. Both are refused from the header, never decoded."""
    bomb = png_bomb(side, side)
    assert len(bomb) < 1_000_000
    case_id = _file_case(env)
    alice, token = staff_client(env.app, "alice")
    started = time.monotonic()
    response = alice.post(
        f"/staff/cases/{case_id}/photo",
        data={"csrf_token": token, "photo": (io.BytesIO(bomb), "bomb.png")},
        content_type="multipart/form-data",
    )
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert 'data-field="photo"' in response.get_data(as_text=True)  # refused on the case page
    assert alice.get(f"/staff/cases/{case_id}/photo").status_code == 404


@pytest.mark.parametrize(
    ("content", "name"), [(HTML, "birth.pdf"), (SVG, "birth.pdf")], ids=["html", "svg"]
)
def test_underlying_upload_is_typed_by_content(env: WebEnv, content: bytes, name: str) -> None:
    alice, token = staff_client(env.app, "alice")
    response = alice.post(
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
            "document": (io.BytesIO(content), name, "application/pdf"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422


def test_files_are_served_with_safe_headers(env: WebEnv) -> None:
    case_id = _file_case(env, portrait_jpeg())
    alice, a_token = staff_client(env.app, "alice")
    photo = alice.get(f"/staff/cases/{case_id}/photo")
    assert photo.status_code == 200 and photo.mimetype in ("image/jpeg", "image/png")
    _assert_private(photo)
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": a_token}).status_code
        == 302
    )
    bob, b_token = staff_client(env.app, "bob")
    assert (
        bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": b_token}).status_code == 302
    )
    assert (
        bob.post(f"/staff/cases/{case_id}/issue", data={"csrf_token": b_token}).status_code == 302
    )
    responses = [
        alice.get(f"/staff/cases/{case_id}/document.pdf"),
        env.app.test_client().get(f"/api/cases/{case_id}/document.pdf", headers=bearer(env.token)),
    ]
    for pdf in responses:
        assert pdf.status_code == 200
        assert pdf.mimetype == "application/pdf"
        assert pdf.headers["Content-Disposition"].startswith("attachment;")
        assert pdf.data.startswith(b"%PDF-")
        _assert_private(pdf)

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
            "document": (io.BytesIO(underlying_pdf()), "../../../etc/passwd", "text/html"),
            "csrf_token": a_token,
        },
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)
    legal_id = int(filed.headers["Location"].rsplit("/", 1)[1])
    # The reviewer sees the sanitized pages as images; no file of the applicant's is served.
    assert alice.get(f"/staff/cases/{legal_id}/underlying").status_code == 404
    page = alice.get(f"/staff/cases/{legal_id}/pages/1.png")
    assert page.mimetype == "image/png" and page.data.startswith(b"\x89PNG")
    assert "Content-Disposition" not in page.headers
    _assert_private(page)
    # A border officer clears TTDs; an applicant's underlying document is none of that.
    carol, _ = staff_client(env.app, "carol")
    assert carol.get(f"/staff/cases/{legal_id}/pages/1.png").status_code == 403
    assert f"/staff/cases/{legal_id}/pages" not in carol.get(f"/staff/cases/{legal_id}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("side", [12_000, 30_000])
def test_a_decompression_bomb_underlying_or_api_photo_is_refused_quickly(
    env: WebEnv, side: int
) -> None:
    bomb = png_bomb(side, side)
    alice, token = staff_client(env.app, "alice")
    started = time.monotonic()
    response = alice.post(
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
            "document": (io.BytesIO(bomb), "scan.png"),
            "csrf_token": token,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    api = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": f"BOMB-{side}",
            "identity": {"surname": "PERERA", "birth_date": "1990-05-14", "sex": "M"},
            "photo": base64.b64encode(bomb).decode(),
        },
        headers=bearer(env.token),
    )
    assert api.status_code == 422
    assert api.get_json()["error"]["field"] == "photo"
    assert time.monotonic() - started < 10
