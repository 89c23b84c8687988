"""The legalization review through HTTP, on SQLite and PostgreSQL: the sanitized pages as
images (never the upload), typing by content, a broken PDF in plain words (page and API), the
origin check on the case page (signed by the claimed authority; an alert that blocks approval),
the issuing authority's own API submissions, and the certificate register's admin page."""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, date, datetime

import pikepdf
import pytest
from cryptography.hazmat.primitives import serialization
from PIL import Image
from sqlalchemy import select

from legalize.cases import legalization, signatories
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry import accounts, audit
from legalize.registry.db import make_engine, make_session_factory
from legalize.registry.models import Case
from legalize.web.state import state
from tests.helpers.authority_pki import Identity, make_ca, make_signer, plain_pdf, sign
from tests.helpers.web_app import Tokens, WebEnv, bearer, staff_client

AUTHORITY = "Registrar General's Department, Colombo"
ADMIN = Actor("user:root", frozenset({Role.ADMINISTRATOR}))
CA = make_ca()
REGISTRAR = make_signer(CA, "Registrar of Births, Colombo")
DEAN = make_signer(CA, "Registrar, University of Peradeniya")
FORM = {
    "surname": "Silva",
    "given_names": "Nimali",
    "birth_date": "1985-12-01",
    "sex": "F",
    "destination_country": "ITA",
    "underlying_title": "Birth certificate",
    "underlying_date": "2024-03-01",
    "signer_name": "N. Fernando",
    "signer_capacity": "Registrar of Births",
    "signer_authority": AUTHORITY,
}


def _jpeg(size: tuple[int, int], dpi: int = 300) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (250, 250, 245)).save(out, "JPEG", dpi=(dpi, dpi))
    return out.getvalue()


@pytest.fixture
def web_database(every_backend_database: tuple[str, Tokens]) -> tuple[str, Tokens]:
    """On SQLite and PostgreSQL, with two authorized signatories and their certificates."""
    url, _ = every_backend_database
    at = datetime.now(UTC)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        registrar = legalization.add_signatory(
            s,
            ADMIN,
            name="N. Fernando",
            capacity="Registrar of Births",
            authority=AUTHORITY,
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=at,
            specimen=_jpeg((600, 180)),
            seal_image=_jpeg((472, 472)),
        )
        signatories.add_certificate(s, ADMIN, registrar.id, REGISTRAR.der, at)
        dean = legalization.add_signatory(
            s,
            ADMIN,
            name="K. Perera",
            capacity="Registrar",
            authority="University of Peradeniya",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=at,
        )
        signatories.add_certificate(s, ADMIN, dean.id, DEAN.der, at)
    engine.dispose()
    return every_backend_database


def _file(env: WebEnv, upload: bytes, name: str = "document.pdf", **change: str) -> int:
    alice, token = staff_client(env.app, "alice")
    filed = alice.post(
        "/staff/legalizations/new",
        data={**FORM, **change, "document": (io.BytesIO(upload), name), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert filed.status_code == 302, filed.get_data(as_text=True)[:3000]
    return int(filed.headers["Location"].rsplit("/", 1)[1])


def _case_page(env: WebEnv, case_id: int, user: str = "bob") -> str:
    client, _ = staff_client(env.app, user)
    response = client.get(f"/staff/cases/{case_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _signed(who: Identity) -> bytes:
    return sign(plain_pdf(), who, CA)


def test_signed_by_the_claimed_authority_with_pages_and_specimens(env: WebEnv) -> None:
    case_id = _file(env, _signed(REGISTRAR))
    html = _case_page(env, case_id)
    assert 'data-outcome="signed_by_claimed_authority"' in html
    assert "Digitally signed by the claimed authority" in html
    # one page at 100 px per inch; the specimens at the same scale (600 px at 300 dpi = 200)
    assert f'src="/staff/cases/{case_id}/pages/1.png" width="827" height="1169"' in html
    assert re.search(r'specimen/signature" width="200" height="60"', html)
    assert re.search(r'specimen/seal" width="157" height="157"', html)
    bob, _ = staff_client(env.app, "bob")
    png = bob.get(f"/staff/cases/{case_id}/pages/1.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    with Image.open(io.BytesIO(png.data)) as image:
        assert image.width == 827
    assert bob.get(f"/staff/cases/{case_id}/pages/2.png").status_code == 404
    assert bob.get(f"/staff/cases/{case_id}/underlying").status_code == 404
    carol, _ = staff_client(env.app, "carol")  # the border sees no legalization at all
    assert carol.get(f"/staff/cases/{case_id}/pages/1.png").status_code == 403


def test_an_origin_alert_blocks_approval_on_the_page(env: WebEnv) -> None:
    case_id = _file(env, _signed(DEAN))
    alice, a_token = staff_client(env.app, "alice")
    assert (
        alice.post(f"/staff/cases/{case_id}/prepare", data={"csrf_token": a_token}).status_code
        == 302
    )
    html = _case_page(env, case_id)
    assert 'data-outcome="signer_not_claimed_authority"' in html and 'role="alert"' in html
    assert "Origin alert" in html and "University of Peradeniya" in html
    assert f"/staff/cases/{case_id}/approve" not in html  # no Approve button
    bob, b_token = staff_client(env.app, "bob")
    refused = bob.post(f"/staff/cases/{case_id}/approve", data={"csrf_token": b_token})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert 'data-code="ORIGIN_ALERT"' in text and 'data-field="origin"' in text
    assert "Approval is blocked" in text
    with state(env.app).sessions() as s:
        case = s.get(Case, case_id)
        assert case is not None and case.state == "draft"
        assert audit.entries_for(s, "case", case_id)[-1].action == "case.origin_refused"


def _with_javascript(pdf: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        doc.Root.OpenAction = pikepdf.Dictionary(
            S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('owned')")
        )
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def test_javascript_is_never_served_back(env: WebEnv) -> None:
    hostile = _with_javascript(plain_pdf())
    assert b"/JavaScript" in hostile
    case_id = _file(env, hostile)
    bob, _ = staff_client(env.app, "bob")
    html = bob.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    urls = set(re.findall(rf'(?:src|href)="(/staff/[^"]*{case_id}[^"]*)"', html))
    assert f"/staff/cases/{case_id}/pages/1.png" in urls
    for url in urls:
        served = bob.get(url)
        assert b"JavaScript" not in served.data and b"app.alert" not in served.data, url
        assert not served.data.startswith(b"%PDF"), url


def test_uploads_are_typed_by_content(env: WebEnv) -> None:
    case_id = _file(env, _jpeg((1200, 1600)), name="scan.pdf")  # a JPEG renamed .pdf
    html = _case_page(env, case_id)
    assert "Page 1 of 1" in html and 'data-outcome="not_signed"' in html
    assert "compare the signature and seal" in html


def test_a_broken_pdf_is_refused_in_plain_words(env: WebEnv) -> None:
    truncated = plain_pdf()[:400]
    alice, token = staff_client(env.app, "alice")
    refused = alice.post(
        "/staff/legalizations/new",
        data={**FORM, "document": (io.BytesIO(truncated), "b.pdf"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "damaged or incomplete" in text
    # on the form, beside the document field, what was typed kept; no full-page error
    assert re.search(
        r'<div class="field-error" id="document-error" data-field="underlying"><p>The PDF file is'
        r" damaged",
        text,
    )
    assert 'value="Nimali"' in text and "422 —" not in text
    for repr_mark in ("b&#39;", "b'", "Error(", "Traceback", "&lt;pikepdf"):
        assert repr_mark not in text
    api = env.app.test_client().post(
        "/api/legalizations",
        json={
            "applicant": {k: FORM[k] for k in ("surname", "given_names", "birth_date", "sex")},
            **{k: v for k, v in FORM.items() if k.startswith(("underlying", "signer"))},
            "underlying": base64.b64encode(truncated).decode(),
        },
        headers=bearer(env.legal_token),
    )
    assert api.status_code == 422
    error = api.get_json()["error"]
    assert error["field"] == "underlying"
    assert error["code"] == "UNDERLYING_MALFORMED"
    assert "damaged or incomplete" in error["message"]


def _api_body(upload: bytes) -> dict[str, object]:
    return {
        "applicant": {k: FORM[k] for k in ("surname", "given_names", "birth_date", "sex")},
        **{k: v for k, v in FORM.items() if k.startswith(("underlying", "signer"))},
        "underlying": base64.b64encode(upload).decode(),
    }


def test_the_issuing_authority_submits_through_its_own_client(env: WebEnv) -> None:
    engine = state(env.app).engine
    with make_session_factory(engine)() as s:
        registrar = s.scalars(
            select(legalization.Signatory).where(legalization.Signatory.name == "N. Fernando")
        ).one()
        _, token = accounts.create_api_client(
            s,
            "rgd-colombo",
            "LKA",
            ["legalization:write", "legalization:read"],
            datetime.now(UTC),
            signatory_id=registrar.id,
        )
        s.commit()
    client = env.app.test_client()
    own = client.post("/api/legalizations", json=_api_body(plain_pdf()), headers=bearer(token))
    assert own.status_code == 201, own.get_data(as_text=True)
    html = _case_page(env, own.get_json()["id"])
    assert 'data-outcome="submitted_by_authority"' in html
    assert "Submitted by the issuing authority itself" in html
    # the same document from an applicant's e-services account is not that evidence
    theirs = client.post(
        "/api/legalizations", json=_api_body(plain_pdf()), headers=bearer(env.legal_token)
    )
    assert theirs.status_code == 201
    assert 'data-outcome="not_signed"' in _case_page(env, theirs.get_json()["id"])
    # an issuing authority files no readmission requests
    readmission = client.post("/api/readmissions", json={}, headers=bearer(token))
    assert readmission.status_code == 403


def test_administrator_manages_certificates(env: WebEnv) -> None:
    root, token = staff_client(env.app, "root")
    listing = root.get("/staff/signatories").get_data(as_text=True)
    assert "Registrar of Births, Colombo" in listing  # the certificate's subject
    ids = re.findall(r'action="/staff/signatories/(\d+)/certificates"', listing)
    newcomer = make_signer(CA, "Deputy Registrar, Colombo")
    pem = newcomer.cert.public_bytes(serialization.Encoding.PEM)
    added = root.post(
        f"/staff/signatories/{ids[0]}/certificates",
        data={"certificate": (io.BytesIO(pem), "deputy.pem"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    listing = root.get("/staff/signatories").get_data(as_text=True)
    assert "Deputy Registrar, Colombo" in listing
    remove = re.search(
        r'action="(/staff/signatories/\d+/certificates/[0-9a-f]{64}/remove)"', listing
    )
    assert remove is not None
    again = root.post(
        f"/staff/signatories/{ids[0]}/certificates",
        data={"certificate": (io.BytesIO(pem), "deputy.pem"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert again.status_code == 422
    assert "registered for the signatory already" in again.get_data(as_text=True)
    bob, b_token = staff_client(env.app, "bob")  # officers see the register, never change it
    assert bob.post(remove.group(1), data={"csrf_token": b_token}).status_code == 403
    assert root.post(remove.group(1), data={"csrf_token": token}).status_code == 302
    assert root.post(remove.group(1), data={"csrf_token": token}).status_code == 404
