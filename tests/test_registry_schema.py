"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from legalize.cases.demo import seed_demo
from legalize.cases.issuer import bind_issuer
from legalize.config import Config
from legalize.documents.pades import signing_location
from legalize.registry.db import (
    DatabaseError,
    alembic_config,
    make_engine,
    make_session_factory,
    normalize_url,
    upgrade,
)
from legalize.registry.schema import load_models
from tests.helpers.db import BACKENDS, drop_postgres_database, fresh_engine, postgres_server_url


@pytest.mark.parametrize("backend", BACKENDS)
def test_upgrade_head_matches_models(backend: str, tmp_path: Path) -> None:
    engine, name = fresh_engine(backend, tmp_path)
    try:
        upgrade(engine)
        metadata = load_models()
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(ctx, metadata)
            tables = set(inspect(conn).get_table_names())
        assert diffs == []
        assert {t.name for t in metadata.sorted_tables} <= tables
        assert {"cases", "documents", "audit_log", "users", "api_clients"} <= tables
        upgrade(engine)  # idempotent
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(postgres_server_url(), name)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'sub' / 'x.sqlite3'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgresql+psycopg://u@h/d", "postgresql+psycopg://u@h/d"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_normalize_url(given: str, expected: str) -> None:
    assert normalize_url(given) == expected


@pytest.mark.parametrize("url", ["mysql://u@h/d", "postgresql+psycopg2://u@h/d", "not a url"])
def test_bad_urls_refused(url: str) -> None:
    with pytest.raises(DatabaseError):
        make_engine(url)


@pytest.mark.parametrize("backend", BACKENDS)
def test_0007_rewrites_logged_not_found_as_not_in_register(backend: str, tmp_path: Path) -> None:
    """Checks logged before the two "no such document" codes became one read as the one."""
    engine, name = fresh_engine(backend, tmp_path)
    logged = {
        1: "DOCUMENT_NOT_FOUND",
        2: "DOCUMENT_NOT_FOUND DOCUMENT_NOT_IN_REGISTER",  # both: one code, once
        3: "DOCUMENT_NOT_FOUND SEAL_SIGNATURE_INVALID",
        4: "DOCUMENT_NOT_FOUNDX SIGNER_UNKNOWN",  # a longer code is not this one
        5: "",
    }
    try:
        upgrade(engine, "0006")
        with engine.begin() as conn:
            for row_id, reasons in logged.items():
                conn.execute(
                    text(
                        "INSERT INTO public_checks (id, checked_at, method, verdict, reasons,"
                        " client_hash) VALUES (:id, :at, 'number', 'invalid', :reasons, 'h')"
                    ),
                    {"id": row_id, "at": datetime(2026, 12, 1, tzinfo=UTC), "reasons": reasons},
                )
        upgrade(engine)
        with engine.connect() as conn:
            after: dict[int, str] = dict(
                conn.execute(text("SELECT id, reasons FROM public_checks")).all()
            )
        assert after == {
            1: "DOCUMENT_NOT_IN_REGISTER",
            2: "DOCUMENT_NOT_IN_REGISTER",
            3: "DOCUMENT_NOT_IN_REGISTER SEAL_SIGNATURE_INVALID",
            4: "DOCUMENT_NOT_FOUNDX SIGNER_UNKNOWN",
            5: "",
        }
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(postgres_server_url(), name)


@pytest.mark.parametrize("backend", BACKENDS)
def test_0010_reads_the_location_out_of_documents_issued_before(
    backend: str,
    tmp_path: Path,
    dev_pki: Any,
) -> None:
    """A register of real signed documents, as it stood before 0010 kept the signing
    location: 0010 reads each one's ``/Location`` out of its PDF (what the check by number
    showed by parsing the PDF on every request), and a document issued now has it at once."""
    engine, name = fresh_engine(backend, tmp_path)
    try:
        upgrade(engine)
        issuer = bind_issuer(Config(keys_dir=Path(dev_pki.dir)))
        with make_session_factory(engine)() as session:
            seed_demo(session, dev_pki.at + timedelta(hours=1), issuer)
            session.commit()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT number, location, pdf FROM documents")).all()
        issued = {r.number: r.location for r in rows}
        signed = {r.number: signing_location(bytes(r.pdf)) for r in rows}
        assert len(rows) >= 4 and issued == signed
        assert {"COLOMBO", "Colombo"} & set(signed.values()), signed
        with engine.begin() as conn:
            conn.execute(text("UPDATE documents SET location = NULL"))
        command.downgrade(alembic_config(engine), "0009")
        upgrade(engine)
        with engine.connect() as conn:
            backfilled: dict[str, str | None] = dict(
                conn.execute(text("SELECT number, location FROM documents")).all()
            )
        assert backfilled == signed
    finally:
        engine.dispose()
        if name is not None:
            drop_postgres_database(postgres_server_url(), name)
