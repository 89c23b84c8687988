"""Issue 12 item 7: names and other printed text are checked at intake with the rules the
page and the MRZ apply at issuance — hostile ones get 422 naming the field, normalisable ones
(fullwidth Latin) are filed normalised and issue."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission
from legalize.cases.errors import InvalidInput
from tests.helpers.cases_support import (
    ALICE,
    BOB,
    HOST,
    T0,
    match_registers,
    plain_photo,
    real_issuer,
    request_body,
)
from tests.helpers.web_app import bearer, make_env, seeded_sqlite
from tests.test_cases_legalization import UNDERLYING, _body

# The 18 kinds of hostile name the outside attack filed (all passed intake before).
HOSTILE = {
    "right-to-left override": "PER\u202eERA",
    "left-to-right override": "PER\u202dERA",
    "right-to-left embedding": "PER\u202bERA",
    "right-to-left isolate": "PER\u2067ERA\u2069",
    "right-to-left mark": "PERERA\u200f",
    "zero-width space": "PER\u200bERA",
    "zero-width non-joiner": "PER\u200cERA",
    "zero-width joiner": "PER\u200dERA",
    "word joiner": "PER\u2060ERA",
    "byte order mark": "\ufeffPERERA",
    "C1 control (CSI)": "PER\u009bERA",
    "C1 control (NEL)": "PER\u0085ERA",
    "DEL": "PER\u007fERA",
    "tag characters": "PERERA\U000e0041\U000e0042",
    "soft hyphen": "PER\u00adERA",
    "Cyrillic look-alike": "P\u0435RERA",  # Cyrillic е
    "Greek look-alike": "PERER\u0391",  # Greek Α
    "fullwidth Cyrillic": "PERER\uff21\u0430",  # fullwidth A normalises, Cyrillic а does not
}


def _identity_error(body: dict[str, Any], field: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        readmission.parse_request(body, T0)
    fields = {e.field: e for e in caught.value.errors}
    assert field in fields, fields
    return fields[field].code


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("field", ["surname", "given_names", "birth_place"])
def test_hostile_text_is_refused_at_intake(kind: str, field: str) -> None:
    body = request_body(**{field: HOSTILE[kind]})
    assert _identity_error(body, f"identity.{field}") == "INVALID_CHARACTERS"


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_applicant_name_of_a_legalization_is_refused(kind: str) -> None:
    body = _body(applicant={**_body()["applicant"], "surname": HOSTILE[kind]})  # type: ignore[dict-item]
    with pytest.raises(InvalidInput) as caught:
        legalization.parse_request(body, UNDERLYING, T0)
    assert "applicant.surname" in {e.field for e in caught.value.errors}


@pytest.mark.parametrize("kind", ["right-to-left override", "zero-width space", "byte order mark"])
def test_hidden_characters_refused_in_any_text(kind: str) -> None:
    """Fields printed in any of the three scripts (signer, title) refuse hidden characters."""
    for field in ("signer_name", "underlying_title"):
        with pytest.raises(InvalidInput) as caught:
            legalization.parse_request(
                _body(**{field: "Registrar" + HOSTILE[kind]}), UNDERLYING, T0
            )
        assert field in {e.field for e in caught.value.errors}


def test_sinhala_joiner_stays_allowed() -> None:
    request = legalization.parse_request(_body(signer_authority="ශ්\u200dරී ලංකා"), UNDERLYING, T0)
    assert "\u200d" in request.signer_authority


def test_api_answers_422_naming_the_field(tmp_path: Path, web_template: Any) -> None:
    url, tokens = seeded_sqlite(tmp_path, web_template)
    env = make_env(url, tokens)
    api = env.app.test_client()
    for value in HOSTILE.values():
        travel = "2099-01-01"
        body = {
            **request_body(travel_date=travel, surname=value),
            "photo": base64.b64encode(plain_photo()).decode(),
        }
        answer = api.post("/api/readmissions", json=body, headers=bearer(tokens.token))
        assert answer.status_code == 422, (value, answer.get_json())
        assert answer.get_json()["error"]["field"] == "identity.surname"


def test_fullwidth_name_is_filed_normalised_and_issues(db_session: Session, dev_pki: Any) -> None:
    t0 = dev_pki.at + timedelta(hours=9)
    match_registers(db_session)  # the identity gate: the NIC register knows Kamal Nuwan Perera
    travel = (t0 + timedelta(days=14)).date().isoformat()
    body = {
        **request_body(
            travel_date=travel,
            surname="\uff30\uff45\uff52\uff45\uff52\uff41",  # ＰＥＲＥＲＡ in fullwidth
            given_names="  Kamal\u3000\u3000Nuwan ",  # ideographic spaces, padding
        ),
        "photo": plain_photo(),
    }
    request = readmission.parse_request(body, t0)
    assert request.identity.surname == "Perera"
    assert request.identity.given_names == "Kamal Nuwan"
    case = readmission.file_request(db_session, HOST, request, t0)
    readmission.override_photo(db_session, ALICE, case.id, "checked by eye", t0)
    readmission.prepare(db_session, ALICE, case.id, t0)
    readmission.approve(db_session, BOB, case.id, t0 + timedelta(minutes=1))
    issued = readmission.issue(
        db_session, ALICE, case.id, t0 + timedelta(minutes=2), real_issuer(dev_pki.dir)
    )
    assert issued.state == "issued" and issued.person.surname == "Perera"


def test_batch_file_rows_with_hostile_names_fail_naming_the_field(db_session: Session) -> None:
    from legalize.cases import batch

    kinds = sorted(HOSTILE)
    header = "host_reference,surname,given_names,birth_date,sex,travel_date"
    lines = [header] + [
        f"N-{i},{HOSTILE[kind]},Kamal,1990-05-14,M,2099-01-01" for i, kind in enumerate(kinds)
    ]
    rows = batch.read_batch_file(("\n".join(lines) + "\n").encode(), "flight.csv")
    filed = batch.file_batch(db_session, HOST, "DEU", "NAMES-1", rows, T0)
    assert not filed.succeeded
    assert len(filed.failed) == len(kinds) == 18
    assert {f.field for f in filed.failed} == {"surname"}
