"""ICAO 9303 country codes (legalize.countries) and their checks on every input path."""

from __future__ import annotations

from dataclasses import replace

import pytest

from legalize import countries
from legalize.cases import batch, legalization, readmission
from legalize.cases.errors import InvalidInput
from legalize.registry.identity import _sltd_row  # the row check of the SLTD import
from tests.helpers.cases_support import HOST, T0, request_body
from tests.test_documents_ttd import DATA


@pytest.mark.parametrize(
    ("given", "code", "name"),
    [
        ("DEU", "DEU", "Germany"),
        (" deu ", "DEU", "Germany"),
        ("D", "DEU", "Germany"),  # the MRZ code of Germany
        ("LKA", "LKA", "Sri Lanka"),
        ("GBR", "GBR", "United Kingdom"),
        ("GBN", "GBN", "British National (Overseas)"),
        ("XXA", "XXA", "Stateless person (1954 Convention, Article 1)"),
        ("XXB", "XXB", "Refugee (1951 Convention, Article 1, or its 1967 Protocol)"),
        ("XXX", "XXX", "Person of unspecified nationality"),
        ("UNO", "UNO", "United Nations Organization or one of its officials"),
        ("XOM", "XOM", "Sovereign Military Order of Malta or one of its emissaries"),
        ("XPO", "XPO", "International Criminal Police Organization (INTERPOL)"),
        ("EUE", "EUE", "European Union"),
        ("RKS", "RKS", "Kosovo"),
    ],
)
def test_icao_codes_and_names(given: str, code: str, name: str) -> None:
    assert countries.normalize(given) == code
    assert countries.name(code) == name


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("XYZ", "'XYZ' is not an ICAO 9303 country code"),
        ("GER", "'GER' is not an ICAO 9303 country code"),
        ("Germany", "use the ICAO code DEU for Germany, not a name"),
        ("United Kingdom", "use the ICAO code GBR for United Kingdom, not a name"),
        ("", "'' is not an ICAO 9303 country code"),
    ],
)
def test_anything_else_is_refused_with_a_hint(given: str, message: str) -> None:
    with pytest.raises(countries.UnknownCountry, match=message):
        countries.normalize(given)


def test_every_code_is_three_letters_and_listed_once_by_name() -> None:
    listed = countries.countries()
    codes = [c.code for c in listed]
    assert len(codes) == len(set(codes)) > 260
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in codes)
    assert "D" not in codes  # offered as DEU; D is read as DEU
    names = [c.name.casefold() for c in listed]
    assert names == sorted(names)


def test_the_mrz_prints_d_for_germany() -> None:
    line2 = replace(DATA, nationality="DEU").mrz_lines()[1]
    assert line2[10:13] == "D<<"
    assert replace(DATA, nationality="LKA").mrz_lines()[1][10:13] == "LKA"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"host_country": "XYZ"}, "host_country"),
        ({"host_country": "Germany"}, "host_country"),
        (
            {"identity": {**request_body()["identity"], "nationality": "GER"}},
            "identity.nationality",
        ),  # type: ignore[dict-item]
    ],
)
def test_readmission_requests_name_the_country_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        readmission.parse_request({**request_body(), **change}, T0)
    assert exc.value.field == field
    assert exc.value.errors[0].code == "UNKNOWN_COUNTRY"


def test_d_and_lower_case_are_stored_as_the_register_code() -> None:
    request = readmission.parse_request({**request_body(), "host_country": "d"}, T0)
    assert request.host_country == "DEU"


def test_legalization_destination_and_batch_country_checked() -> None:
    body = {
        "applicant": {"surname": "Silva", "birth_date": "1985-12-01", "sex": "F"},
        "destination_country": "Italia",
        "underlying_title": "Birth certificate",
        "underlying_date": "2024-03-15",
        "signer_name": "W. A. Jayasinghe",
        "signer_capacity": "Registrar",
        "signer_authority": "Divisional Secretariat",
    }
    with pytest.raises(InvalidInput) as exc:
        legalization.parse_request(body, None, T0)
    assert "destination_country" in [e.field for e in exc.value.errors]
    with pytest.raises(InvalidInput) as refused:
        batch.file_batch(None, HOST, "Germany", "CH-1", [], T0)  # type: ignore[arg-type]
    assert refused.value.field == "host_country"
    assert "DEU" in refused.value.message


def test_sltd_rows_take_icao_codes() -> None:
    row = {"document_number": "N1234567", "status": "stolen"}
    assert _sltd_row({**row, "issuing_country": "D"}, T0).issuing_country == "DEU"
    with pytest.raises(ValueError, match="not an ICAO 9303 country code"):
        _sltd_row({**row, "issuing_country": "GER"}, T0)


def test_document_requests_take_icao_codes() -> None:
    from legalize.documents.errors import DocumentError
    from legalize.documents.schema import ttd_from_json

    obj = {
        "surname": "Perera",
        "given_names": "Kamal",
        "birth_date": "1990-05-14",
        "place_of_birth": "Kandy",
        "sex": "M",
        "nationality": "D",
        "issue_date": "2026-11-02",
        "expiry_date": "2026-12-02",
        "issuing_post": "COLOMBO",
        "photo": "holder.jpg",
    }
    data = ttd_from_json(obj, "T26000001", "ABCD-EFGH-JKLM-NP")
    assert data.nationality == "DEU" and data.mrz_lines()[1][10:13] == "D<<"
    with pytest.raises(DocumentError, match="nationality"):
        ttd_from_json({**obj, "nationality": "Germany"}, "T26000001", "ABCD-EFGH-JKLM-NP")
