"""``legalize dev run``: what ``make run`` does — dev keys, database, demo data, then serve.

Development only: it refuses production mode. The demo users' passwords and the demo API
token are fixed and printed at start so a developer can sign in at once; they exist only in
the development database.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import multiprocessing
import signal
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legalize.cases.demo_credentials import DEMO_CLIENT, DEMO_TOKEN, DEMO_USERS
from legalize.commands import CommandError
from legalize.config import Config, ConfigError
from legalize.registry import accounts
from legalize.registry.db import DatabaseError, make_engine, make_session_factory, upgrade


def register(dev: argparse.ArgumentParser) -> None:
    dev_sub = dev.add_subparsers(dest="dev_command", required=True, metavar="SUBCOMMAND")
    p = dev_sub.add_parser("run", help="make the dev keys and demo data if missing, then serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument(
        "--check", action="store_true", help="do everything but serve, then exit (0 when ready)"
    )
    p.add_argument(
        "--allow-any-database",
        action="store_true",
        help="seed the demo users, token and cases into DATABASE_URL even when it is not the "
        "embedded SQLite (they have published passwords: never on a database production uses)",
    )
    p.set_defaults(handler=run)


def _config(allow_any_database: bool = False) -> Config:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    if config.production:
        raise CommandError("`legalize dev run` is for development; production runs gunicorn")
    if not config.database_url.startswith("sqlite") and not allow_any_database:
        # The demo users and token have published credentials: on a server database they can
        # end up in front of production (issue 12, item 3).
        raise CommandError(
            "`legalize dev run` seeds demo users with published passwords, so it uses the "
            "embedded SQLite database only; DATABASE_URL names another one. Unset it, or pass "
            "--allow-any-database if this database is for development only"
        )
    if config.key_passphrase is None:
        from legalize.pki.devkeys import DEV_PASSPHRASE

        config = replace(config, key_passphrase=DEV_PASSPHRASE)
    return config


def ensure_keys(config: Config, at: datetime) -> str:
    from legalize.pki.devkeys import has_keys, init_dev

    if has_keys(config.keys_dir):
        return f"dev keys: {config.keys_dir} (present)"
    init_dev(config.keys_dir, at)
    return f"dev keys: {config.keys_dir} (made now; DEV ONLY)"


def seed_users(session: Session, at: datetime) -> list[str]:
    """Add the demo users and API client when missing; lines to print."""
    lines = []
    for name, (roles, password) in DEMO_USERS.items():
        if accounts.get_user(session, name) is None:
            accounts.create_user(session, name, password, roles, at)
        lines.append(f"  {name:<6} {password:<22} {', '.join(roles)}")
    name, country = DEMO_CLIENT
    existing = {c.name: c for c in accounts.list_api_clients(session)}
    if name not in existing:
        client, _ = accounts.create_api_client(
            session, name, country, [s.value for s in accounts.Scope], at
        )
        client.token_hash = accounts.token_hash(DEMO_TOKEN)  # fixed, so it can be printed
    session.commit()
    lines.append(f"  API client {name} ({country}): Authorization: Bearer {DEMO_TOKEN}")
    return lines


def seed_cases(session: Session, config: Config, at: datetime) -> str:
    from legalize.registry.models import Case

    try:
        demo: Any = importlib.import_module("legalize.cases.demo")
    except ModuleNotFoundError:
        return "demo cases: legalize.cases.demo is not available yet"
    if (session.scalar(select(func.count()).select_from(Case)) or 0) > 0:
        return "demo cases: present"
    from legalize.cases.issuer import IssuerUnavailable, bind_issuer

    try:
        issuer = bind_issuer(config)
    except IssuerUnavailable as exc:  # the service still starts; the developer sees why
        return f"demo cases: NOT seeded: {exc}"
    from legalize.cases.errors import CaseError

    try:
        return f"demo cases: {demo.seed_demo(session, at, issuer)}"
    except CaseError as exc:  # the service still starts; the developer sees why
        session.rollback()
        return f"demo cases: NOT seeded: {exc.code}: {exc.message}"


DEV_KEYS_BACKDATE = timedelta(days=7)
"""A fresh dev PKI starts a week ago, so the demo history can lie in the past."""
DEMO_BACKDATE = timedelta(days=2)
"""The demo cases are made two days ago: their clearance (+2 h) and expiry run (+1 day) are
then past events, and the audit log never holds a time later than now."""


def demo_time(config: Config, now: datetime) -> datetime:
    """When the demo history starts: two days ago if the TTD signer was valid then (a dev PKI
    made by `legalize dev run`), else now (keys made another way just now)."""
    from legalize.pki.errors import PkiError
    from legalize.signers import load_signer

    earlier = now - DEMO_BACKDATE
    try:
        load_signer(config, "TTD", earlier)
    except PkiError:
        return now
    return earlier


def run(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    config = _config(args.allow_any_database)
    print(ensure_keys(config, now - DEV_KEYS_BACKDATE))
    at = demo_time(config, now)
    try:
        engine = make_engine(config.database_url)
        upgrade(engine)
    except DatabaseError as exc:
        raise CommandError(str(exc)) from exc
    print(f"database: {config.database_url} (migrated)")
    sessions = make_session_factory(engine)
    with sessions() as session:
        print("demo users (DEV ONLY):")
        for line in seed_users(session, at):
            print(line)
        print(seed_cases(session, config, at))
    engine.dispose()

    from legalize.web import create_app

    app = create_app(config)
    if args.check:
        print("check: ready to serve (not serving: --check)")
        return 0
    from legalize.web.accesslog import AccessLogRedaction

    logging.getLogger("werkzeug").addFilter(AccessLogRedaction(config.check_url))
    worker = start_worker(config)
    # SIGTERM (a supervisor, `timeout`) ends the server through the finally below, which
    # stops the worker too instead of leaving it behind.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: sys.exit(0))
    print(f"serving on http://{args.host}:{args.port}/  (staff: /staff/, API: /api/openapi.json)")
    try:
        app.run(host=args.host, port=args.port, debug=False, use_reloader=False, threaded=True)
    finally:
        if worker is not None:
            worker.terminate()
            worker.join(timeout=10)
    return 0


def start_worker(config: Config) -> BaseProcess | None:
    """The embedded task-queue worker: one process beside the web server, so batch steps run
    outside the request with no extra server (the SQLite queue, or Redis when configured).
    None when the queue runs tasks in the caller (LEGALIZE_QUEUE=immediate)."""
    if config.queue == "immediate":
        return None
    from legalize.tasks.worker import serve

    # spawn: a fresh interpreter, not a fork of this one with its engine and signers.
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(config, 1), name="legalize-worker"
    )
    process.start()
    print(f"task queue: {config.queue}, one worker process (pid {process.pid})")
    return process
