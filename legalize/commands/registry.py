"""``legalize registry …``: schema migrations and the embedded identity registers."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from legalize.cases.rules import SYSTEM
from legalize.commands import CommandError
from legalize.config import Config
from legalize.registry import audit
from legalize.registry.db import DatabaseError, make_engine, make_session_factory, upgrade
from legalize.registry.identity import (
    ImportFileError,
    ImportReport,
    import_file,
    import_nic,
    import_sltd,
)


def register(sub: Any) -> None:
    reg: argparse.ArgumentParser = sub.add_parser(
        "registry", help="database schema and identity registers"
    )
    reg_sub = reg.add_subparsers(dest="registry_command", required=True, metavar="SUBCOMMAND")
    p = reg_sub.add_parser("upgrade", help="create or migrate the schema (alembic upgrade head)")
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_upgrade)
    for name, what in (
        ("import-nic", "national identity card records"),
        ("import-sltd", "stolen/lost travel documents"),
    ):
        p = reg_sub.add_parser(name, help=f"add or update {what} from a CSV or JSON file")
        p.add_argument("file", type=Path)
        p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
        p.set_defaults(handler=run_import, kind=name.removeprefix("import-"))


@contextmanager
def open_session(url: str | None, *, migrate: bool) -> Iterator[Session]:
    """A session on the configured database (migrated first when ``migrate``)."""
    try:
        engine = make_engine(url or Config.from_env().database_url)
    except DatabaseError as exc:
        raise CommandError(str(exc), exit_status=2) from exc
    try:
        if migrate:
            upgrade(engine)
        with make_session_factory(engine)() as session:
            yield session
    except SQLAlchemyError as exc:
        raise CommandError(f"database: {exc}", exit_status=2) from exc
    finally:
        engine.dispose()


def run_upgrade(args: argparse.Namespace) -> int:
    with open_session(args.database_url, migrate=True):
        pass
    print("schema is at the latest revision")
    return 0


def run_import(args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    try:
        data = import_file(args.file)
    except ImportFileError as exc:
        raise CommandError(str(exc)) from exc
    importer = import_nic if args.kind == "nic" else import_sltd
    with open_session(args.database_url, migrate=True) as session:
        try:
            report: ImportReport = importer(session, data, args.file.name, at)
            audit.append(
                session,
                actor=SYSTEM.id,
                action=f"register.import_{args.kind}",
                subject_type="register",
                subject_id=args.kind,
                at=at,
                details={"imported": report.imported, "refused": len(report.errors)},
            )
            session.commit()
        except ImportFileError as exc:
            session.rollback()
            raise CommandError(str(exc)) from exc
    for err in report.errors:
        where = f" ({err.field})" if err.field else ""
        print(f"{args.file}:{err.line}: refused{where}: {err.message}")
    print(f"{report.imported} records imported, {len(report.errors)} refused")
    return 1 if report.errors else 0
