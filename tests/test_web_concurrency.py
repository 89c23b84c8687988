"""Issuance from 2 gunicorn workers × 8 threads against PostgreSQL never duplicates a number
and never loses a document: every approved case is issued twice at once (one must win, the
other be refused), and the register is checked afterwards."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from legalize.cases import readmission
from legalize.cases.rules import Actor
from legalize.kinds import Role
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.registry.models import Case, Document
from tests.helpers import support
from tests.helpers.db import create_postgres_database, drop_postgres_database, postgres_server_url
from tests.helpers.web_app import PASSWORD, photo_jpeg, seed

CASES = 24
ALICE = Actor("user:alice", frozenset({Role.ISSUING_OFFICER}))
BOB = Actor("user:bob", frozenset({Role.APPROVING_OFFICER}))
HOST = Actor("api:de-bamf", frozenset({Role.FOREIGN_AUTHORITY}), country="DEU")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _approved_cases(url: str) -> list[int]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    at = datetime.now(UTC)
    photo = photo_jpeg()
    ids = []
    with sessions() as s:
        for i in range(CASES):
            req = readmission.parse_request(
                {
                    "host_country": "DEU",
                    "host_reference": f"CONC-{i:03d}",
                    "travel_date": (at.date() + timedelta(days=3)).isoformat(),
                    "photo": photo,
                    "identity": {
                        "surname": "PERSON" + chr(65 + i // 26) + chr(65 + i % 26),
                        "birth_date": "1990-01-01",
                        "sex": "F",
                        "given_names": "ANNA",
                        "birth_place": "GALLE",
                    },
                },
                at,
            )
            view = readmission.file_request(s, HOST, req, at)
            if not (view.photo and view.photo.passed):
                readmission.override_photo(s, ALICE, view.id, "checked by hand", at)
            # No NIC register here: every identity is not_found, settled by the officer.
            evidence = {
                "evidence": "civil_record",
                "evidence_reference": f"birth certificate {i}",
                "reason": "birth certificate extract checked",
            }
            readmission.decide_identity(s, ALICE, view.id, evidence, at)
            readmission.prepare(s, ALICE, view.id, at)
            readmission.approve(s, BOB, view.id, at)
            ids.append(view.id)
    engine.dispose()
    return ids


def _login(base: str) -> requests.Session:
    http = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=16)
    http.mount("http://", adapter)
    page = http.get(f"{base}/staff/login", timeout=30).text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token
    response = http.post(
        f"{base}/staff/login",
        data={"username": "bob", "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302
    return http


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_issuance_under_gunicorn(tmp_path: Path, dev_pki) -> None:  # type: ignore[no-untyped-def]
    server = postgres_server_url()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        support.unavailable("gunicorn is not installed in the venv")
    url, name = create_postgres_database(server)
    proc = None
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("wb")
    try:
        seed(url)
        case_ids = _approved_cases(url)
        port = _free_port()
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LEGALIZE_ENV": "development",
            "LEGALIZE_KEYS_DIR": str(dev_pki.dir),  # the real issuer signs, when it is there
        }
        proc = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                "2",
                "--threads",
                "8",
                "--bind",
                f"127.0.0.1:{port}",
                "--pythonpath",
                str(Path(__file__).parent.parent),
                "--log-level",
                "warning",
                "tests.helpers.web_wsgi:app",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.get(f"{base}/staff/login", timeout=5).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert proc.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        http = _login(base)
        page = http.get(f"{base}/staff/cases", timeout=30).text
        token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
        assert token
        csrf = token.group(1)

        def issue(case_id: int) -> tuple[int, int, str]:
            response = http.post(
                f"{base}/staff/cases/{case_id}/issue",
                data={"csrf_token": csrf},
                allow_redirects=False,
                timeout=120,
            )
            return case_id, response.status_code, response.text

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            results = list(pool.map(issue, case_ids + case_ids))  # each case twice at once
        elapsed = time.monotonic() - started
        ok = Counter(cid for cid, status, _ in results if status == 302)
        refused = [(cid, status, text) for cid, status, text in results if status != 302]
        assert all(ok[cid] == 1 for cid in case_ids), (
            ok,
            results[0][1],
            results[0][2][results[0][2].find("<h1>") :][:600],
        )
        assert len(refused) == CASES
        for _, status, text in refused:
            assert status == 409 and "INVALID_STATE" in text, (
                status,
                text[text.find("<h1>") :][:600],
            )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        log.close()
    try:
        engine = make_engine(url)
        with make_session_factory(engine)() as s:
            docs = list(s.scalars(select(Document)))
            states = Counter(s.scalars(select(Case.state)))
            numbers = [d.number for d in docs]
            assert len(docs) == CASES, "a document was lost or duplicated"
            assert len(set(numbers)) == CASES, "a number was issued twice"
            assert sorted(d.case_id for d in docs) == sorted(case_ids)
            assert states == {"issued": CASES}
            signed = 0
            for d in docs:
                assert hashlib.sha256(d.pdf).hexdigest() == d.pdf_sha256
                if not d.seal_text.startswith("TEST:"):  # the real issuer, not the test double
                    assert b"/ByteRange" in d.pdf
                    signed += 1
        engine.dispose()
        print(
            f"\n{CASES} issuances ({signed} PAdES-signed) (+{CASES} concurrent duplicates) "
            f"in {elapsed:.2f} s "
            f"on 2 workers x 8 threads"
        )
    finally:
        drop_postgres_database(server, name)


@pytest.mark.postgres
def test_gunicorn_runs_the_production_factory(tmp_path: Path) -> None:
    """`gunicorn -c python:legalize.web.gunicorn_conf 'legalize.web:create_app()'` in
    production mode: serves with PostgreSQL and a real secret, from a warmed worker; refuses
    to boot on SQLite."""
    server = postgres_server_url()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        support.unavailable("gunicorn is not installed in the venv")
    url, name = create_postgres_database(server)
    keys = tmp_path / "keys"
    keys.mkdir()
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("LEGALIZE_")},
        "LEGALIZE_ENV": "production",
        "LEGALIZE_SECRET_KEY": support.PRODUCTION_SECRET,
        "REDIS_URL": os.environ.get("REDIS_URL") or support.PRODUCTION_REDIS,
        "LEGALIZE_KEYS_DIR": str(keys),
    }
    try:
        refused = subprocess.run(
            [str(gunicorn), "--bind", f"127.0.0.1:{_free_port()}", "legalize.web:create_app()"],
            env={**base_env, "DATABASE_URL": "sqlite:///x.sqlite3"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert refused.returncode != 0
        assert "refuses SQLite" in refused.stderr
        port = _free_port()
        log = (tmp_path / "g.log").open("wb")
        proc = subprocess.Popen(
            [
                str(gunicorn),
                "--workers",
                "1",
                "--bind",
                f"127.0.0.1:{port}",
                "--access-logfile",
                str(tmp_path / "access.log"),
                "-c",  # the redacting access log and the warm-up come from here
                "python:legalize.web.gunicorn_conf",
                "legalize.web:create_app()",
            ],
            env={**base_env, "DATABASE_URL": url},
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    response = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
                    break
                except (requests.ConnectionError, requests.Timeout):
                    assert proc.poll() is None, (tmp_path / "g.log").read_text()
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
            assert response.status_code == 200
            assert "Check a document" in response.text
            # The worker was warmed and settled before it served (legalize.web.warm).
            assert re.search(
                r"worker \d+ warm in [\d.]+ s: \d+ templates compiled, \d+ objects frozen",
                (tmp_path / "g.log").read_text(),
            )
            cookie = response.headers.get("Set-Cookie", "")
            assert "Secure" in cookie and "HttpOnly" in cookie
            # The access log names no seal and no search (legalize.web.accesslog).
            seal = "3QBAAAPERERAKAMALNUWAN7K3M9QXR2HVD"
            requests.get(f"http://127.0.0.1:{port}/V/{seal}?q=PERERA", timeout=30)
            deadline = time.monotonic() + 30
            access = tmp_path / "access.log"
            while "GET /V/" not in (access.read_text() if access.exists() else ""):
                assert time.monotonic() < deadline
                time.sleep(0.2)
            logged = access.read_text()
            assert "GET /V/…?… HTTP/1.1" in logged
            assert seal[:12] not in logged and "PERERA" not in logged
        finally:
            proc.terminate()
            proc.wait(timeout=30)
            log.close()
        # `legalize dev run --allow-any-database` once seeded this database: no start.
        from legalize.commands.dev import seed_users

        engine = make_engine(url)
        upgrade(engine)
        with make_session_factory(engine)() as s:
            seed_users(s, datetime.now(UTC))
        engine.dispose()
        demo = subprocess.run(
            [str(gunicorn), "--bind", f"127.0.0.1:{_free_port()}", "legalize.web:create_app()"],
            env={**base_env, "DATABASE_URL": url},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert demo.returncode != 0
        assert "published demo credentials" in demo.stderr
    finally:
        drop_postgres_database(server, name)
