"""The QR link's cache of offline seal readings (legalize.cases.check.SealReadings): it saves
the decoding and the ECDSA verification of a seal seen before, never the register's answer,
the time-dependent checks, or a reading made against another trust store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from flask import Flask
from sqlalchemy import Engine, text, update

from legalize.cases.check import SealReadings
from legalize.pki.trust import TrustStore
from legalize.registry.models import Document
from legalize.seal.profiles import read_profile, seal_ttd
from legalize.seal.qrtext import qr_text
from legalize.web.state import state
from tests.helpers.db import clear_tables
from tests.helpers.web_app import demo_site, engine_url, qr_path
from tests.vectors.build import CHECK_URL, sample_ttd
from verifier.seal import read_seal, report_at, to_container, verify_seal


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def site(dev_pki, db_engine: Engine) -> Iterator[tuple[Flask, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """An app over the demo register on SQLite and PostgreSQL, with a clock the test moves;
    an issued TTD's QR text and number."""
    clear_tables(db_engine)
    clock = Clock(dev_pki.at + timedelta(hours=1, minutes=5))
    app, docs = demo_site(dev_pki, engine_url(db_engine), clock=clock)
    doc = docs["readmission:issued"]
    yield app, {"text": doc.seal_text, "number": doc.number, "clock": clock, "engine": db_engine}
    state(app).close()


def _verdict(html: str) -> str:
    return html.split('data-verdict="', 1)[1].split('"', 1)[0]


def _readings(app: Flask) -> SealReadings:
    found: SealReadings = app.extensions["legalize"].services["seal_readings"]
    return found


def test_a_status_change_shows_at_once_though_the_seal_reading_is_cached(
    site: tuple[Flask, dict[str, Any]],
) -> None:
    app, doc = site
    client = app.test_client()
    first = client.get(qr_path(doc["text"])).get_data(as_text=True)
    assert _verdict(first) == "VALID" and ">valid<" in first
    assert len(_readings(app)) == 1
    with doc["engine"].begin() as conn:  # the register revokes it (another worker, say)
        conn.execute(
            update(Document)
            .where(Document.number == doc["number"])
            .values(status="revoked", status_changed_at=doc["clock"].at)
        )
    second = client.get(qr_path(doc["text"])).get_data(as_text=True)
    assert _verdict(second) == "INVALID"
    assert "DOCUMENT_REVOKED" in second and ">valid<" not in second
    assert len(_readings(app)) == 1  # the same cached reading answered


def test_the_time_dependent_checks_are_made_on_every_request(
    site: tuple[Flask, dict[str, Any]],
) -> None:
    app, doc = site
    client = app.test_client()
    assert _verdict(client.get(qr_path(doc["text"])).get_data(as_text=True)) == "VALID"
    expiry = read_profile(to_container(doc["text"])).fields()["expiry_date"]
    doc["clock"].at = datetime.fromisoformat(expiry).replace(tzinfo=UTC) + timedelta(days=2)
    later = client.get(qr_path(doc["text"])).get_data(as_text=True)
    assert _verdict(later) == "INVALID" and "DOCUMENT_EXPIRED" in later


def test_another_trust_store_does_not_use_the_readings_of_the_first(
    site: tuple[Flask, dict[str, Any]], dev_pki
) -> None:  # type: ignore[no-untyped-def]
    app, doc = site
    client = app.test_client()
    assert _verdict(client.get(qr_path(doc["text"])).get_data(as_text=True)) == "VALID"
    full = app.extensions["legalize"].services["published_trust"].store()
    assert isinstance(full, TrustStore)
    ttd_signer = x509.load_pem_x509_certificate(Path(dev_pki.signers["TTD"].cert).read_bytes())
    without = TrustStore([c for c in full.certificates if c != ttd_signer], full.crls)
    assert without.version != full.version
    app.extensions["legalize"].services["trust"] = without  # the published store changed
    html = client.get(qr_path(doc["text"])).get_data(as_text=True)
    assert _verdict(html) == "INVALID" and "SIGNER_UNKNOWN" in html
    del app.extensions["legalize"].services["trust"]  # the published one again
    assert _verdict(client.get(qr_path(doc["text"])).get_data(as_text=True)) == "VALID"


def test_a_dropped_database_connection_costs_no_checker_an_answer(
    site: tuple[Flask, dict[str, Any]],
) -> None:
    """The public pool does not ping before each request: a connection the server dropped
    is found by the lookup itself and the QR link retries once on a fresh one."""
    app, doc = site
    if doc["engine"].dialect.name != "postgresql":
        pytest.skip("SQLite connections are not dropped by a server")
    client = app.test_client()
    assert client.get(qr_path(doc["text"])).status_code == 200
    with doc["engine"].connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    assert killed >= 1
    again = client.get(qr_path(doc["text"]))
    assert again.status_code == 200 and _verdict(again.get_data(as_text=True)) == "VALID"


def test_reading_and_report_at_make_verify_seal_s_report(dev_pki) -> None:  # type: ignore[no-untyped-def]
    trust = dev_pki.trust_store()
    at = dev_pki.at + timedelta(days=1)
    genuine = _ttd_text(dev_pki)
    damaged = genuine[:-8] + ("A" if genuine[-8] != "A" else "B") + genuine[-7:]
    for seal in (genuine, damaged, "not a seal", "HTTPS://X.LK/V/" + "A" * 40):
        reading = read_seal(seal, trust)
        assert report_at(reading, trust, at) == verify_seal(seal, trust, at)
    assert read_seal(genuine, trust).genuine and not read_seal(damaged, trust).genuine


def test_only_genuine_seals_are_kept_and_the_oldest_goes_first(dev_pki) -> None:  # type: ignore[no-untyped-def]
    trust = dev_pki.trust_store()
    readings = SealReadings(size=2)
    seals = [_ttd_text(dev_pki, i) for i in range(3)]
    forged = seals[0][:-8] + ("A" if seals[0][-8] != "A" else "B") + seals[0][-7:]
    assert not readings.read(forged, trust).genuine
    assert len(readings) == 0
    first = readings.read(seals[0], trust)
    assert readings.read(seals[0], trust) is first  # kept
    second = readings.read(seals[1], trust)
    readings.read(seals[0], trust)  # used again: now the newest
    readings.read(seals[2], trust)  # the oldest, seals[1], goes
    assert len(readings) == 2
    assert readings.read(seals[0], trust) is first
    assert readings.read(seals[1], trust) is not second  # read afresh: it had gone


def _ttd_text(dev_pki, photo: int = 0) -> str:  # type: ignore[no-untyped-def]
    """A genuine TTD seal of the dev PKI's signer as QR text; ``photo`` tells seals apart."""
    data = sample_ttd(photo_hash=bytes([photo]) * 32)
    return qr_text(
        seal_ttd(data, dev_pki.signer("TTD"), dev_pki.at + timedelta(hours=1)), CHECK_URL
    )
