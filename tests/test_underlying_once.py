"""Issue 12 item 2: the underlying document is sanitized once, at filing, outside any
transaction, within a work budget; issuance reuses the stored result; errors show no
internals."""

from __future__ import annotations

import base64
import io
import time
import zlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import g
from sqlalchemy.orm import Session

from legalize.cases import legalization
from legalize.cases.errors import InvalidInput
from legalize.documents import sanitize
from tests.helpers.cases_support import ALICE, BOB, real_issuer
from tests.helpers.web_app import bearer, make_env, seeded_sqlite
from tests.test_cases_legalization import _body, _signatory


def optional_content_pdf(draws: int = 1, side: int = 64) -> bytes:
    """A one-page PDF with optional content (so it must be rasterized) that draws one
    ``side``² image ``draws`` times over the whole page."""
    pdf = pikepdf.new()
    ocg = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name="layer"))
    pdf.Root.OCProperties = pikepdf.Dictionary(
        OCGs=[ocg], D=pikepdf.Dictionary(ON=[ocg], Order=[ocg])
    )
    image = pikepdf.Stream(pdf, zlib.compress(bytes(range(256)) * (side * side * 3 // 256)))
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width = image.Height = side
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
    image.Filter = pikepdf.Name.FlateDecode
    draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q\n"
    content = b"/OC /L1 BDC\n" + draw * draws + b"EMC\n"
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 595, 842],
        Resources=pikepdf.Dictionary(
            XObject=pikepdf.Dictionary(Im0=image),
            Properties=pikepdf.Dictionary(L1=ocg),
        ),
        Contents=pikepdf.Stream(pdf, zlib.compress(content)),
    )
    page.Contents.Filter = pikepdf.Name.FlateDecode
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_rasterized_once_across_filing_and_issuance(
    db_session: Session, dev_pki: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real_sanitize, real_rasterize = sanitize.sanitize_underlying, sanitize._rasterize

    def counting_sanitize(*args: Any, **kwargs: Any) -> sanitize.SanitizedDocument:
        calls.append("sanitize")
        return real_sanitize(*args, **kwargs)

    def counting_rasterize(*args: Any, **kwargs: Any) -> Any:
        calls.append("rasterize")
        return real_rasterize(*args, **kwargs)

    monkeypatch.setattr(sanitize, "sanitize_underlying", counting_sanitize)
    monkeypatch.setattr(legalization, "sanitize_underlying", counting_sanitize)
    monkeypatch.setattr(sanitize, "_rasterize", counting_rasterize)
    t0 = dev_pki.at + timedelta(hours=9)
    _signatory(db_session)
    request = legalization.parse_request(_body(), optional_content_pdf(), t0)
    case = legalization.file_application(db_session, ALICE, request, t0)
    assert calls == ["sanitize", "rasterize"]
    stored, media_type = legalization.underlying_document(db_session, case.id)
    assert media_type == "application/pdf" and b"/OCProperties" not in stored
    legalization.prepare(db_session, ALICE, case.id, t0 + timedelta(minutes=1))
    legalization.approve(db_session, BOB, case.id, t0 + timedelta(minutes=2))
    issued = legalization.issue(
        db_session, BOB, case.id, t0 + timedelta(minutes=3), real_issuer(dev_pki.dir)
    )
    assert issued.document is not None
    assert calls == ["sanitize", "rasterize"]  # issuance reused the stored result


def test_over_budget_pdf_is_refused_quickly_without_internals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sanitize, "PDFTOPPM_CPU_SECONDS", 1)
    heavy = optional_content_pdf(draws=4000, side=1500)
    start = time.monotonic()
    with pytest.raises(sanitize.UnderlyingDocumentError) as caught:
        sanitize.sanitize_underlying(heavy, "application/pdf")
    assert time.monotonic() - start < 10
    assert caught.value.code == sanitize.TOO_COMPLEX
    text = str(caught.value)
    for internal in ("/", "pdftoppm", "legalize-raster", "Error", "returned", "["):
        assert internal not in text, text


def test_intake_errors_show_no_internals() -> None:
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer <<>>\n"
    with pytest.raises(InvalidInput) as caught:
        legalization.parse_request(_body(), broken, _t0())
    (error,) = [e for e in caught.value.errors if e.field == "underlying"]
    assert error.code.startswith("UNDERLYING_") and not error.code.startswith("UNDERLYING_UND")
    assert "/" not in error.message and "qpdf" not in error.message.lower()


def _t0() -> Any:
    from tests.helpers.cases_support import T0

    return T0


def test_api_sanitizes_with_no_open_transaction(
    tmp_path: Path, web_template: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, tokens = seeded_sqlite(tmp_path, web_template)
    env = make_env(url, tokens)
    seen: list[bool] = []
    real = legalization.sanitize_underlying

    def watching(*args: Any, **kwargs: Any) -> sanitize.SanitizedDocument:
        session = g.get("db_session")
        seen.append(session is not None and session.in_transaction())
        return real(*args, **kwargs)

    monkeypatch.setattr(legalization, "sanitize_underlying", watching)
    body = _body(underlying=base64.b64encode(optional_content_pdf()).decode())
    answer = env.app.test_client().post(
        "/api/legalizations", json=body, headers=bearer(tokens.legal_token)
    )
    assert answer.status_code == 201, answer.get_json()
    assert seen == [False]
