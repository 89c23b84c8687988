"""Pieces shared by the web tests (tests/test_web_*.py): an app on a migrated database with
demo users and an API client, sign-in through the real login form, CSRF tokens from pages."""

from __future__ import annotations

import base64
import io
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image, ImageDraw
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from legalize.cases import views
from legalize.cases.demo import seed_demo
from legalize.cases.issuer import Issuer, bind_issuer
from legalize.cases.views import DocumentView
from legalize.config import Config, RateLimits
from legalize.registry import accounts
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.registry.identity import import_nic
from legalize.web import create_app
from legalize.web.state import state
from tests.helpers.issuer import UnsignedTestIssuer, placeholder_pdf

PASSWORD = "correct horse battery"
USERS = {
    "alice": ("issuing_officer",),
    "bob": ("approving_officer",),
    "carol": ("border_officer",),
    "root": ("administrator",),
    "dave": ("issuing_officer", "approving_officer"),
    "rita": ("risk_analyst",),
}
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


@dataclass
class WebEnv:
    app: Flask
    config: Config
    token: str
    """Bearer token of the DEU host-country client (readmission + status scopes)."""
    legal_token: str
    """Bearer token of a client with the legalization scopes."""
    other_token: str
    """Bearer token of a FRA client (must not see DEU's cases)."""
    issuer: Issuer


def engine_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def make_issuer(config: Config) -> Issuer:
    """The real issuer (seal, render, PAdES) when the config names a keys folder that exists —
    its failure to bind is an error, never a silent fallback — else the unsigned test double
    (tests of pages and rules, where the PDF does not matter)."""
    if config.keys_dir.is_dir():
        return bind_issuer(config)
    return UnsignedTestIssuer()


SEED_NIC = b"""nic_number,surname,given_names,birth_date,sex,birth_place
199012345678,PERERA,KAMAL,1990-05-14,M,KANDY
853400937V,SILVA,NIMALI,1985-12-01,F,GALLE
"""


@dataclass(frozen=True)
class Tokens:
    token: str
    legal_token: str
    other_token: str


def seed(database_url: str) -> Tokens:
    """Migrate the database and add the test users and API clients."""
    engine = make_engine(database_url)
    upgrade(engine)
    sessions = make_session_factory(engine)
    at = datetime.now(UTC)
    with sessions() as s:
        for name, roles in USERS.items():
            accounts.create_user(s, name, PASSWORD, roles, at)
        _, token = accounts.create_api_client(
            s, "de-bamf", "DEU", ["readmission:write", "readmission:read", "status:read"], at
        )
        _, legal_token = accounts.create_api_client(
            s, "e-services", "LKA", ["legalization:write", "legalization:read"], at
        )
        _, other = accounts.create_api_client(
            s, "fr-ofii", "FRA", ["readmission:write", "readmission:read", "status:read"], at
        )
        # The people the web tests file, so their cross-check is a clean match and the
        # identity gate (legalize.cases.gate) lets them through unless a test says otherwise.
        assert import_nic(s, SEED_NIC, "seed-nic.csv", at).errors == ()
        s.commit()
    engine.dispose()
    return Tokens(token, legal_token, other)


def seeded_sqlite(tmp_path: Path, template: tuple[Path, Tokens]) -> tuple[str, Tokens]:
    """A copy of a seeded SQLite template (seeding costs ~1 s of password hashing)."""
    target = tmp_path / "web.sqlite3"
    shutil.copyfile(template[0], target)
    return f"sqlite:///{target}", template[1]


def make_env(
    database_url: str,
    tokens: Tokens,
    *,
    keys_dir: Path | None = None,
    rates: dict[str, str] | None = None,
    clock: Any = None,
) -> WebEnv:
    config = replace(
        Config(),
        database_url=database_url,
        keys_dir=keys_dir or Path("/nonexistent-keys"),
        rates=RateLimits(**(rates or {})),
    )
    issuer = make_issuer(config)
    app = create_app(config, services={"issuer": issuer}, clock=clock)
    return WebEnv(app, config, tokens.token, tokens.legal_token, tokens.other_token, issuer)


def csrf_token(client: FlaskClient, url: str = "/staff/login") -> str:
    page = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    token = csrf_token(client)
    return client.post(
        "/staff/login",
        data={"username": username, "password": password, "csrf_token": token},
    )


def staff_client(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A test client signed in as ``username`` and a CSRF token of its session."""
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, csrf_token(client, "/staff/cases")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


PORTRAIT = Path(__file__).parent.parent / "data" / "portraits" / "ok.jpg"


def portrait_jpeg() -> bytes:
    """A portrait that passes the ICAO checks (tests/data/portraits, public-domain face)."""
    return PORTRAIT.read_bytes()


def photo_jpeg() -> bytes:
    """A light 600×800 portrait-shaped JPEG without a face: the portrait checks fail it."""
    img = Image.new("RGB", (600, 800), (235, 235, 235))
    ImageDraw.Draw(img).ellipse((180, 180, 420, 520), fill=(150, 120, 100))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def underlying_pdf() -> bytes:
    return placeholder_pdf("Birth certificate No 1234 - Registrar of Births, Colombo")


def issued_ttd(env: WebEnv, host_reference: str) -> str:
    """File a TTD request through the API, prepare it (alice), approve and issue it (bob):
    the number of the TTD issued, as a browser test's officers would have it."""
    filed = env.app.test_client().post(
        "/api/readmissions",
        json={
            "host_reference": host_reference,
            "port_of_entry": "CMB",
            "travel_date": datetime.now(UTC).date().isoformat(),
            "photo": base64.b64encode(portrait_jpeg()).decode(),
            "identity": {
                "surname": "Perera",
                "given_names": "Kamal",
                "birth_date": "1990-05-14",
                "sex": "M",
                "birth_place": "Kandy",
                "nic_number": "199012345678",
            },
        },
        headers=bearer(env.token),
    )
    assert filed.status_code == 201, filed.get_json()
    case_id = filed.get_json()["id"]
    alice, a_token = staff_client(env.app, "alice")
    bob, b_token = staff_client(env.app, "bob")
    for client, token, step in (
        (alice, a_token, "prepare"),
        (bob, b_token, "approve"),
        (bob, b_token, "issue"),
    ):
        done = client.post(f"/staff/cases/{case_id}/{step}", data={"csrf_token": token})
        assert done.status_code == 302, done.get_data(as_text=True)
    case = env.app.test_client().get(f"/api/cases/{case_id}", headers=bearer(env.token))
    return str(case.get_json()["document"]["number"])


def demo_site(
    dev_pki: Any,
    database: str,
    *,
    clock: Callable[[], datetime] | None = None,
    prepare: Callable[[Session], None] | None = None,
) -> tuple[Flask, dict[str, DocumentView]]:
    """An app over a register seeded with the demo cases (real sealed, signed documents),
    its public limit raised for tests; the issued documents by ``kind:status`` (the first of
    each). ``prepare`` adds what a test module needs (users, clients) before the app starts.
    The caller closes the app (``state(app).close()``)."""
    config = replace(
        Config(),
        database_url=database,
        keys_dir=Path(dev_pki.dir),
        key_passphrase=dev_pki.passphrase,
        rates=RateLimits(public="1000/minute"),
    )
    engine = make_engine(database)
    upgrade(engine)
    issuer = bind_issuer(config)
    docs: dict[str, DocumentView] = {}
    try:
        with make_session_factory(engine)() as session:
            seed_demo(session, dev_pki.at + timedelta(hours=1), issuer)
            for case in views.list_cases(session, limit=100).items:
                if case.document is not None and case.document.seal_text:
                    docs.setdefault(f"{case.kind}:{case.document.status}", case.document)
            if prepare is not None:
                prepare(session)
                session.commit()
    finally:
        engine.dispose()
    app = create_app(config, services={"issuer": issuer}, clock=clock)
    return app, docs


def qr_path(text: str) -> str:
    """What a phone opens for a QR text: the URL's path."""
    return "/" + text.split("://", 1)[1].split("/", 1)[1]


def demo_env(dev_pki: Any, folder: Path) -> WebEnv:
    """The test users and the demo register (real issued, used, revoked and expired documents
    with their seals) on SQLite in ``folder``, with limits no page walk reaches. The caller
    closes the app (``state(env.app).close()``)."""
    url = f"sqlite:///{folder / 'register.sqlite3'}"
    env = make_env(
        url,
        seed(url),
        keys_dir=Path(dev_pki.dir),
        rates={"public": "10000/minute", "signin": "1000/minute", "signin_user": "1000/hour"},
    )
    with state(env.app).sessions() as session:
        seed_demo(session, dev_pki.at + timedelta(hours=1), env.issuer)
    return env


def demo_cases(env: WebEnv) -> list[views.CaseView]:
    """The register's cases (the demo register's: fewer than a hundred), newest first."""
    with state(env.app).sessions() as session:
        return list(views.list_cases(session, limit=100).items)
