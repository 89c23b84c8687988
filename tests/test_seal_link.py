"""The page a phone camera opens from the QR: <path of the check URL>/<seal>."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import EnvironBuilder
from sqlalchemy import Engine

from legalize.cases import views
from legalize.documents.mrz import birth_date
from legalize.seal.profiles import TtdSeal, decode, read_profile, seal_ttd
from legalize.seal.qrtext import parse_qr_text, qr_text
from legalize.web.seal_link import prefix_of
from legalize.web.state import state
from tests.helpers.db import clear_tables
from tests.helpers.web_app import csrf_token, demo_site, engine_url, qr_path


@pytest.fixture(scope="module")
def site(dev_pki, db_engine: Engine) -> Iterator[tuple[Flask, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """An app over a register seeded with the demo cases (real sealed, signed documents), on
    SQLite and PostgreSQL; the documents' QR texts by status."""
    clear_tables(db_engine)
    app, docs = demo_site(dev_pki, engine_url(db_engine))
    yield app, {key: str(doc.seal_text) for key, doc in docs.items()}
    state(app).close()


def test_prefix_follows_the_check_url() -> None:
    assert prefix_of("HTTPS://CHECK.EXAMPLE.LK/V/") == "/V"
    assert prefix_of("https://check.example.lk/") == ""
    assert prefix_of("HTTPS://X.LK/A/B") == "/A/B"


def test_genuine_ttd_shows_the_sealed_data_beside_the_register_status(
    site: tuple[Flask, dict[str, str]],
) -> None:
    app, texts = site
    text = texts["readmission:issued"]
    page = app.test_client().get(qr_path(text))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "The seal is genuine" in html and 'class="verdict-full verdict-ok"' in html
    assert "Status in the register" in html and ">valid<" in html
    fields = read_profile(decode(parse_qr_text(text))).fields()
    sealed = html.split('id="sealed">', 1)[1].split("</dl>", 1)[0]
    for key in ("surname", "given_names", "nationality", "document_number"):
        assert f"<dd>{fields[key]}</dd>" in sealed, key
    # the dates as the page writes the register's: the birth date with its century, never
    # the MRZ's bare YYMMDD (is 05-09-09 a day or a year?)
    born = birth_date(fields["date_of_birth"], date.fromisoformat(str(fields["issue_date"])))
    expiry = date.fromisoformat(str(fields["expiry_date"]))
    assert born is not None and born.year < 2000  # the demo holder: 920909 on a 2026 TTD
    for shown in (born, expiry):
        assert f"<dd>{shown:%b} {shown.day}, {shown.year}</dd>" in sealed, shown
    assert str(fields["date_of_birth"]) not in sealed
    # the demo TTD's seal carries no face image: nothing to compare the holder with here
    assert "Compare the holder with the photo" not in html
    # some camera apps lower-case the path
    assert app.test_client().get(qr_path(text).lower()).status_code == 200


def test_used_and_revoked_documents_say_so(site: tuple[Flask, dict[str, str]]) -> None:
    app, texts = site
    for status, shown, code in (
        ("used", ">used on ", "DOCUMENT_USED"),
        ("revoked", ">revoked on ", "DOCUMENT_REVOKED"),
    ):
        html = app.test_client().get(qr_path(texts[f"readmission:{status}"])).get_data(as_text=True)
        assert shown in html, status
        assert 'data-verdict="INVALID"' in html and f"<code>{code}</code>" in html, status
        # the verdict itself names what the officer must act on, as the check by number does
        # ("USED ON DEC 3, 2026 AT BIA COLOMBO"), not only "does not pass every check"
        headline = html.split('id="verdict-status">', 1)[1].split("</strong>", 1)[0]
        assert headline.startswith(f"{status.upper()} ON "), headline
        row = html.split("Status in the register</dt>", 1)[1].split(">", 1)[1].split("</dd>")[0]
        assert headline == row.upper(), (headline, row)  # one wording (public/_status.html)
    # in the reader's language too
    tamil = app.test_client().get(qr_path(texts["readmission:revoked"]) + "?lang=ta")
    headline = tamil.get_data(as_text=True).split('id="verdict-status">', 1)[1].split("<", 1)[0]
    assert "REVOKED" not in headline and any("\u0b80" <= c <= "\u0bff" for c in headline)
    # a valid document has no such line
    valid = app.test_client().get(qr_path(texts["readmission:issued"])).get_data(as_text=True)
    assert 'id="verdict-status"' not in valid


def test_legalization_shows_the_underlying_signer(site: tuple[Flask, dict[str, str]]) -> None:
    app, texts = site
    html = app.test_client().get(qr_path(texts["legalization:issued"])).get_data(as_text=True)
    assert "The seal is genuine" in html
    assert "Underlying document signed by" in html
    assert "not its content" in html
    fields = read_profile(decode(parse_qr_text(texts["legalization:issued"]))).fields()
    sealed = html.split('id="sealed">', 1)[1].split("</dl>", 1)[0]
    for key in ("country", "signed_by", "capacity", "seal_of", "place", "number"):
        assert f"<dd>{fields[key]}</dd>" in sealed, key
    on = date.fromisoformat(str(fields["date"]))  # 6. The: as the check by number writes it
    assert f"<dd>{on:%b} {on.day}, {on.year}</dd>" in sealed
    assert str(fields["document_sha256"]) in sealed


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty-ish"])
def test_damaged_or_foreign_text_is_not_a_valid_seal(
    damage: str, site: tuple[Flask, dict[str, str]]
) -> None:
    app, texts = site
    path = qr_path(texts["readmission:issued"])
    prefix, payload = path.rsplit("/", 1)
    if damage == "flip":
        payload = payload[:60] + ("A" if payload[60] != "A" else "B") + payload[61:]
    elif damage == "truncate":
        payload = payload[:40]
    elif damage == "garbage":
        payload = "HELLO-WORLD"
    else:
        payload = "A"
    response = app.test_client().get(f"{prefix}/{payload}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-verdict="INVALID"' in html
    assert "Status in the register" not in html
    assert 'id="sealed"' not in html  # nothing unsigned is shown as sealed data


def test_a_genuine_seal_the_register_does_not_hold_is_flagged(
    site: tuple[Flask, dict[str, str]], dev_pki
) -> None:  # type: ignore[no-untyped-def]
    """A second seal for an existing number (only a stolen key could make one)."""
    app, texts = site
    text = texts["readmission:issued"]
    original = read_profile(decode(parse_qr_text(text)))
    assert isinstance(original, TtdSeal)
    other = seal_ttd(
        replace(original, photo_hash=bytes(32)),
        dev_pki.signer("TTD"),
        dev_pki.at + timedelta(hours=2),
    )
    html = (
        app.test_client()
        .get(qr_path(qr_text(other, text.split("/V/")[0] + "/V/")))
        .get_data(as_text=True)
    )
    assert "register holds a different seal" in html
    assert 'data-verdict="INVALID"' in html and "<code>SEAL_NOT_IN_REGISTER</code>" in html
    assert "Status in the register" not in html


def _high_s(seal: bytes) -> bytes:
    """The same seal with its signature's s replaced by n - s: still a valid ECDSA signature
    of the same signed bytes, made without the key (ECDSA malleability)."""
    from legalize.pki import curves
    from legalize.seal import vds

    container = vds.decode(seal)
    n = curves.curve("secp256r1").n
    size = len(container.signature) // 2
    r, s = container.signature[:size], int.from_bytes(container.signature[size:], "big")
    flipped = r + (n - s).to_bytes(size, "big")
    return container.signed_bytes + vds.signature_zone(flipped)


def test_a_malleated_signature_is_the_same_seal(
    site: tuple[Flask, dict[str, str]], dev_pki
) -> None:  # type: ignore[no-untyped-def]
    """s -> n - s needs no key: the signed bytes are the register's, so the page shows the
    register's status (it said "the register holds a different seal ... report this
    document" while `verifier seal` said VALID)."""
    from verifier.seal import verify_seal

    app, texts = site
    text = texts["readmission:issued"]
    seal = parse_qr_text(text)
    assert isinstance(seal, bytes)
    other = _high_s(seal)
    assert other != seal
    prefix = text.split("/V/")[0] + "/V/"
    trust = dev_pki.trust_store()
    at = dev_pki.at + timedelta(hours=2)
    assert verify_seal(qr_text(other, prefix), trust, at).verdict.value == "VALID"
    html = app.test_client().get(qr_path(qr_text(other, prefix))).get_data(as_text=True)
    assert "register holds a different seal" not in html
    assert "Status in the register" in html and ">valid<" in html
    assert 'data-verdict="VALID"' in html


def test_overlong_payload_is_refused(site: tuple[Flask, dict[str, str]]) -> None:
    app, _ = site
    response = app.test_client().get("/V/" + "A" * 3000)
    assert response.status_code == 400


def _check(app: Flask, text: str) -> str:
    """The check by number and check code for the document of QR ``text``."""
    fields = read_profile(decode(parse_qr_text(text))).fields()
    number = fields.get("document_number") or fields["number"]
    client = app.test_client()
    form = {"number": number, "check_code": fields["check_code"]}
    response = client.post("/", data={**form, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_check_by_number_answers_in_plain_words_without_personal_data(
    site: tuple[Flask, dict[str, str]],
) -> None:
    app, texts = site
    html = _check(app, texts["readmission:issued"])
    fields = read_profile(decode(parse_qr_text(texts["readmission:issued"]))).fields()
    assert 'id="verdict">VALID<' in html and 'id="status">valid<' in html
    assert 'Issuing post</dt><dd translate="no">DEPARTMENT OF IMMIGRATION' in html
    assert str(fields["surname"]) not in html.upper() and "data:image/png" not in html
    assert "full check comes with the web-check service" not in html
    used = _check(app, texts["readmission:used"])
    assert 'id="status">used on ' in used and "verdict-bad" in used
    assert 'id="status">revoked on ' in _check(app, texts["readmission:revoked"])


def test_check_by_number_shows_a_legalization_s_apostille_hash_and_page(
    site: tuple[Flask, dict[str, str]],
) -> None:
    app, texts = site
    html = _check(app, texts["legalization:issued"])
    fields = read_profile(decode(parse_qr_text(texts["legalization:issued"]))).fields()
    for key in ("signed_by", "capacity", "seal_of", "place"):
        assert f"<dd>{fields[key]}</dd>" in html, key
    assert f'id="underlying-sha256">{fields["document_sha256"]}<' in html
    image = html.split('<figure class="certificate"><img src="data:image/png;base64,', 1)[1]
    png = base64.b64decode(image.split('"', 1)[0])
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == 600
    # rendered once per process: the next check of this paper shows the kept page
    again = _check(app, texts["legalization:issued"])
    assert (
        again.split('<figure class="certificate">', 1)[1].split('"', 4)[:4]
        == html.split('<figure class="certificate">', 1)[1].split('"', 4)[:4]
    )
    assert len(state(app).services["issued_previews"]) == 1


def _stored_pdf(app: Flask, text: str) -> bytes:
    from legalize.web.state import db

    fields = read_profile(decode(parse_qr_text(text))).fields()
    with app.app_context():
        return views.document_pdf(db(), str(fields.get("document_number") or fields["number"]))


def _upload(app: Flask, data: bytes, name: str = "document.pdf") -> tuple[int, str]:
    client = app.test_client()
    token = csrf_token(client, "/check/pdf")
    builder = EnvironBuilder(
        app=app,
        path="/check/pdf",
        method="POST",
        data={"csrf_token": token, "pdf": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    environ = builder.get_environ()
    try:
        response = client.open(environ)
        return response.status_code, response.get_data(as_text=True)
    finally:
        # a large body is spooled to a temporary file the test client leaves open
        environ["wsgi.input"].close()
        builder.close()


def test_pdf_upload_of_the_issued_file_is_exactly_what_we_issued(
    site: tuple[Flask, dict[str, str]],
) -> None:
    app, texts = site
    for kind in ("readmission:issued", "legalization:issued"):
        status, html = _upload(app, _stored_pdf(app, texts[kind]))
        assert status == 200, kind
        assert 'id="verdict">VALID.' in html, kind
        assert "Exactly the document we issued as" in html, kind


def test_pdf_upload_of_a_changed_file_says_what_changed(
    site: tuple[Flask, dict[str, str]],
) -> None:
    app, texts = site
    pdf = _stored_pdf(app, texts["readmission:issued"])
    # one signed byte changed (the title in the document information): still a readable PDF
    title = pdf.index(b"Temporary travel document")
    tampered = pdf[:title] + b"X" + pdf[title + 1 :]
    status, html = _upload(app, tampered)
    assert status == 200
    assert 'id="verdict">NOT VALID.' in html
    copy = html.split('id="register-copy"', 1)[1].split("</p>", 1)[0]
    assert "Changed after issuance" in copy
    assert "<code>DOCUMENT_MISMATCH</code>" in html
    # a used document's exact PDF is ours, but not valid any more
    _, used = _upload(app, _stored_pdf(app, texts["readmission:used"]))
    assert "Exactly the document we issued" in used and "<code>DOCUMENT_USED</code>" in used


def test_pdf_upload_refuses_what_is_no_document_of_ours_clearly(
    site: tuple[Flask, dict[str, str]],
) -> None:
    import pypdfium2 as pdfium

    app, _ = site
    status, html = _upload(app, b"GIF89a not a pdf", "x.gif")
    assert status == 422 and "This file is not a PDF" in html
    status, html = _upload(app, b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    assert status == 422 and "larger than 10 MB" in html
    many = pdfium.PdfDocument.new()
    for _ in range(61):
        many.new_page(100, 100)
    buffer = io.BytesIO()
    many.save(buffer)
    status, html = _upload(app, buffer.getvalue())
    assert status == 422 and "61 pages" in html
    # a readable PDF we never issued: the verifier's report and "not in the register"
    one = pdfium.PdfDocument.new()
    one.new_page(100, 100)
    buffer = io.BytesIO()
    one.save(buffer)
    status, html = _upload(app, buffer.getvalue())
    assert status == 200 and 'id="verdict">VALID' not in html
    assert "The register holds no document this file could be" in html
