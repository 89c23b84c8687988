"""The committed examples render, and the JSON request formats refuse bad requests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from legalize.documents.errors import DocumentError
from legalize.documents.legalization import render_legalization
from legalize.documents.sanitize import sanitize_underlying
from legalize.documents.schema import legalization_from_json, ttd_from_json, ttd_photo_path
from legalize.documents.ttd import render_ttd

EXAMPLES = Path(__file__).parent.parent / "examples"
AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
QR = "HTTPS://CHECK.LEGALIZE.EXAMPLE/V/EXAMPLE234567"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return data


def test_example_ttd_renders() -> None:
    request = load("ttd.json")
    data = ttd_from_json(request, document_number="T00000042", check_code="ABCD-EFGH-JKLM-N")
    photo = ttd_photo_path(request, EXAMPLES).read_bytes()
    assert len(photo) <= 60_000
    pdf = render_ttd(data, QR, photo, AT)
    with pikepdf.open(_bio(pdf)) as doc:
        assert str(doc.Root.LegalizeSeal) == QR


def _bio(data: bytes) -> Any:
    import io

    return io.BytesIO(data)


def test_example_legalization_renders() -> None:
    data = legalization_from_json(
        load("legalization.json"), number="L2026000001", check_code="X", default_date=AT.date()
    )
    underlying = sanitize_underlying((EXAMPLES / "underlying.pdf").read_bytes(), "underlying.pdf")
    assert not underlying.rasterized and underlying.pages == 1
    pdf = render_legalization(data, QR, underlying, AT)
    with pikepdf.open(_bio(pdf)) as doc:
        assert len(doc.pages) == 2
        assert doc.Root.LegalizeUnderlying.read_bytes() == underlying.pdf
        # the example's fonts are embedded, so the PDF/A claim stands
        assert b"<pdfaid:part>2</pdfaid:part>" in doc.Root.Metadata.read_bytes()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"surname": None}, "missing"),
        ({"birth_date": "14/03/1988"}, "YYYY-MM-DD"),
        ({"colour": "red"}, "unknown keys"),
        ({"expiry_date": "2026-01-01"}, "before"),
        ({"sex": "Q"}, "sex"),
        ({"surname": ""}, "non-empty"),
    ],
)
def test_bad_ttd_requests(change: dict[str, Any], message: str) -> None:
    request = load("ttd.json")
    for key, value in change.items():
        if value is None:
            del request[key]
        else:
            request[key] = value
    with pytest.raises(DocumentError, match=message):
        ttd_from_json(request, document_number="T1", check_code="C")


def test_number_and_check_code_must_come_from_somewhere() -> None:
    with pytest.raises(DocumentError, match="document_number"):
        ttd_from_json(load("ttd.json"), check_code="C")
    with pytest.raises(DocumentError, match="date"):
        legalization_from_json(load("legalization.json"), number="L1", check_code="C")
    data = legalization_from_json(
        {**load("legalization.json"), "date": "2026-11-02"}, number="L1", check_code="C"
    )
    assert data.date == date(2026, 11, 2)


def test_request_must_be_an_object() -> None:
    with pytest.raises(DocumentError):
        ttd_from_json([], document_number="T1", check_code="C")  # type: ignore[arg-type]


def test_example_legalization_fits_the_seal_profile() -> None:
    from legalize.seal.profiles import LEGALIZATION_LIMITS

    request = load("legalization.json")
    for field, limit in LEGALIZATION_LIMITS.items():
        if field in request:
            assert len(request[field].encode("utf-8")) <= limit, field
