"""``legalize registry …``: schema migrations and the embedded identity registers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from legalize.cases import batch
from legalize.cases.batch import BatchReport
from legalize.cases.common import expire_due
from legalize.cases.errors import CaseError
from legalize.cases.issuer import IssuerUnavailable, bind_issuer
from legalize.cases.rules import SYSTEM, Actor
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
    p = reg_sub.add_parser(
        "expire", help="mark issued documents past their expiry date as expired (run daily)"
    )
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_expire)


def register_late(sub: Any) -> None:
    """Add `issue batch` to the `issue` group (legalize.commands.issue), or make the group."""
    issue = sub.choices.get("issue")
    if issue is None:
        issue = sub.add_parser("issue", help="issue documents")
        issue.add_subparsers(dest="issue_command", required=True, metavar="SUBCOMMAND")
    for action in issue._actions:  # argparse keeps the sub-command action private
        if isinstance(action, argparse._SubParsersAction) and "batch" not in action.choices:
            add_issue_batch(action)


def add_issue_batch(issue_sub: Any) -> None:
    """``legalize issue batch …`` — the ``issue`` group (legalize.commands.issue) calls this."""
    p: argparse.ArgumentParser = issue_sub.add_parser(
        "batch", help="file, prepare, approve or issue a batch of readmission requests"
    )
    steps = p.add_subparsers(dest="batch_step", required=True, metavar="STEP")
    f = steps.add_parser("file", help="file a CSV or JSON batch for a host country")
    f.add_argument("file", type=Path)
    f.add_argument("--country", required=True, help="ICAO code of the host country")
    f.add_argument("--reference", required=True, help="the host country's batch reference")
    for name in ("prepare", "approve", "issue"):
        s = steps.add_parser(name, help=f"{name} every case of the batch that is ready for it")
        s.add_argument("batch_id", type=int)
    for sp in [f, *(steps.choices[n] for n in ("prepare", "approve", "issue"))]:
        sp.add_argument("--as", dest="username", required=True, help="the staff user acting")
        sp.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_batch)


def _actor(session: Session, username: str) -> Actor:
    from legalize.registry.accounts import get_user

    user = get_user(session, username)
    if user is None or not user.active:
        raise CommandError(f"no active user {username!r}")
    roles = user.roles
    return Actor(f"user:{user.username}", roles)


def _print_progress(done: int, total: int) -> None:
    end = "\n" if done == total else ""
    print(f"\r{done}/{total} rows", end=end, file=sys.stderr, flush=True)


def run_batch(args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    config = Config.from_env()
    with open_session(args.database_url, migrate=True) as session:
        actor = _actor(session, args.username)
        try:
            report = _batch_step(session, actor, args, at, config)
        except CaseError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.code}{where}: {exc.message}") from exc
    print(
        f"batch {report.batch_id}: {len(report.succeeded)} done, {len(report.failed)} failed,"
        f" {report.skipped} skipped, {report.total} rows"
    )
    for failure in (*report.failed, *report.flagged):
        where = f" {failure.field}:" if failure.field else ""
        print(f"line {failure.line}:{where} {failure.code}: {failure.message}")
    if report.flagged:
        print(f"{len(report.flagged)} filed but flagged as the same person as another case")
    return 1 if report.failed else 0


def _batch_step(
    session: Session, actor: Actor, args: argparse.Namespace, at: datetime, config: Config
) -> BatchReport:
    if args.batch_step == "file":
        try:
            data = import_file(args.file)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        rows = batch.read_batch_file(data, args.file.name)
        return batch.file_batch(
            session, actor, args.country, args.reference, rows, at, progress=_print_progress
        )
    if args.batch_step == "prepare":
        return batch.prepare_batch(session, actor, args.batch_id, at, progress=_print_progress)
    if args.batch_step == "approve":
        return batch.approve_batch(session, actor, args.batch_id, at, progress=_print_progress)
    try:
        issuer = bind_issuer(config)
    except IssuerUnavailable as exc:
        raise CommandError(f"{exc} (dev: legalize keys init-dev)") from exc
    return batch.issue_batch(
        session,
        actor,
        args.batch_id,
        at,
        issuer,
        progress=_print_progress,
        issuing_country=config.issuing_country,
    )


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


def run_expire(args: argparse.Namespace) -> int:
    at = datetime.now(UTC)
    with open_session(args.database_url, migrate=False) as session:
        numbers = expire_due(session, at)
    for number in numbers:
        print(f"expired {number}")
    print(f"{len(numbers)} documents expired")
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
