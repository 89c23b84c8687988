"""`legalize signatories …` and `legalize users add-client --signatory` on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import legalization
from legalize.cli import main
from legalize.registry import audit
from legalize.registry.accounts import ApiClient
from tests.helpers.authority_pki import make_ca, make_signer
from tests.helpers.cases_support import ADMIN, T0


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _signatory(session_factory: sessionmaker[Session]) -> int:
    with session_factory() as session:
        return legalization.add_signatory(
            session,
            ADMIN,
            name="N. Fernando",
            capacity="Registrar of Births",
            authority="Registrar General's Department, Colombo",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            at=T0,
        ).id


def test_add_list_and_remove_a_certificate(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    signatory_id = _signatory(session_factory)
    signer = make_signer(make_ca(), "Registrar of Births, Colombo")
    pem = tmp_path / "registrar.pem"
    pem.write_bytes(signer.cert.public_bytes(serialization.Encoding.PEM))
    url = ["--database-url", _url(db_engine)]
    assert main(["signatories", "add-certificate", str(signatory_id), str(pem), *url]) == 0
    added = capsys.readouterr().out
    sha256 = added.split()[1]
    assert len(sha256) == 64 and "Registrar of Births" in added
    assert main(["signatories", "list", *url]) == 0
    assert f"certificate {sha256}" in capsys.readouterr().out
    # the same file again, garbage, an unknown signatory: refused with the field named
    assert main(["signatories", "add-certificate", str(signatory_id), str(pem), *url]) == 1
    assert "certificate: this certificate is registered" in capsys.readouterr().err
    bad = tmp_path / "bad.pem"
    bad.write_bytes(b"hello")
    assert main(["signatories", "add-certificate", str(signatory_id), str(bad), *url]) == 1
    assert "not an X.509 certificate" in capsys.readouterr().err
    assert main(["signatories", "add-certificate", "999", str(pem), *url]) == 1
    assert "no signatory 999" in capsys.readouterr().err
    missing = tmp_path / "nothing.pem"
    assert main(["signatories", "add-certificate", "1", str(missing), *url]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["signatories", "remove-certificate", str(signatory_id), sha256, *url]) == 0
    assert main(["signatories", "remove-certificate", str(signatory_id), sha256, *url]) == 1
    with session_factory() as session:
        actions = [e.action for e in audit.entries_for(session, "signatory", signatory_id)]
    assert actions == [
        "signatory.added",
        "signatory.certificate_added",
        "signatory.certificate_removed",
    ]


def test_an_issuing_authority_client(
    db_engine: Engine,
    session_factory: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", _url(db_engine))
    signatory_id = _signatory(session_factory)
    base = ["users", "add-client", "--country", "LKA"]
    # an issuing authority files legalizations; readmission is a host country's business
    wrong = [*base, "rgd", "--scope", "readmission:write", "--signatory", str(signatory_id)]
    assert main(wrong) == 1
    assert "only legalization and status scopes" in capsys.readouterr().err
    assert main([*base, "rgd", "--scope", "legalization:write", "--signatory", "999"]) == 1
    assert "no signatory 999" in capsys.readouterr().err
    args = [*base, "rgd", "--scope", "legalization:write", "--signatory", str(signatory_id)]
    assert main(args) == 0
    assert f"issuing authority of signatory {signatory_id}" in capsys.readouterr().out
    with session_factory() as session:
        client = session.scalars(select(ApiClient).where(ApiClient.name == "rgd")).one()
        assert (client.kind, client.signatory_id) == ("issuing_authority", signatory_id)
