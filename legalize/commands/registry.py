"""``legalize registry …``: schema migrations and the embedded identity registers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from legalize.commands import CommandError
from legalize.config import Config, ConfigError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from legalize.cases.batch import BatchReport
    from legalize.cases.rules import Actor

# The case workflows, the database and the registers load inside the handlers: `legalize
# issue` lists `issue batch` from here and must not pay for them (issue 9).


def register(reg: argparse.ArgumentParser) -> None:
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
        "expire",
        help="mark issued documents past their expiry date as expired, and delete public "
        "checks past LEGALIZE_CHECKS_RETENTION_DAYS, past days' address salts and photo "
        "checks past their hour (run daily)",
    )
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_expire)


def add_issue_batch(issue_sub: Any) -> None:
    """``legalize issue batch …`` — the ``issue`` group (legalize.commands.issue) calls this."""
    p: argparse.ArgumentParser = issue_sub.add_parser(
        "batch", help="file, prepare, approve or issue a batch of readmission requests"
    )
    steps = p.add_subparsers(dest="batch_step", required=True, metavar="STEP")
    f = steps.add_parser(
        "file", help="file a CSV or JSON batch (or a ZIP holding it and the photos)"
    )
    f.add_argument("file", type=Path)
    f.add_argument("--country", required=True, help="ICAO code of the host country")
    f.add_argument("--reference", required=True, help="the host country's batch reference")
    f.add_argument("--photos", type=Path, help="ZIP of the photos the CSV's photo_file names")
    t = steps.add_parser("template", help="print the batch CSV template (the header line)")
    t.set_defaults(handler=run_batch_template)
    fl = steps.add_parser(
        "flight", help="write an issued batch's TTDs and passenger manifest as one ZIP"
    )
    fl.add_argument("batch_id", type=int)
    fl.add_argument("--out", type=Path, required=True, help="the ZIP file to write")
    for name in ("prepare", "approve", "issue"):
        s = steps.add_parser(name, help=f"{name} every case of the batch that is ready for it")
        s.add_argument("batch_id", type=int)
        s.add_argument(
            "--queue",
            action="store_true",
            help="hand the step to the task queue's workers (`legalize worker`, on any "
            "machine) and follow its progress; stopping this command does not stop the job",
        )
    for sp in [f, fl, *(steps.choices[n] for n in ("prepare", "approve", "issue"))]:
        sp.add_argument("--as", dest="username", required=True, help="the staff user acting")
        sp.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_batch)
    fl.set_defaults(handler=run_batch_flight)


def run_batch_template(args: argparse.Namespace) -> int:
    from legalize.cases import batch_files

    sys.stdout.write(batch_files.template_csv().decode("utf-8-sig"))
    return 0


def run_batch_flight(args: argparse.Namespace) -> int:
    from legalize.cases import flight
    from legalize.cases.errors import CaseError

    config = Config.from_env()
    with open_session(args.database_url, migrate=True) as session:
        actor = staff_actor(session, args.username)
        try:
            package = flight.flight_package(
                session,
                actor,
                args.batch_id,
                datetime.now(UTC),
                issuing_country=config.issuing_country,
            )
        except CaseError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
    try:
        args.out.write_bytes(package.data)
    except OSError as exc:
        raise CommandError(f"cannot write {args.out}: {exc.strerror}") from exc
    print(
        f"{args.out}: {package.listed} TTDs and the manifest (CSV, PDF);"
        f" {package.not_listed} cases of the batch without a valid TTD not listed"
    )
    return 0


def staff_actor(session: Session, username: str) -> Actor:
    """The active staff user ``username`` as the cases rules see them (``--as``)."""
    from legalize.cases.rules import Actor
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
    from legalize.cases.errors import CaseError

    at = datetime.now(UTC)
    config = Config.from_env()
    with open_session(args.database_url, migrate=True) as session:
        actor = staff_actor(session, args.username)
        try:
            if getattr(args, "queue", False):
                report = _queued_step(session, actor, args, at, config)
            else:
                report = _batch_step(session, actor, args, at, config)
        except CaseError as exc:
            where = f" ({exc.field})" if exc.field else ""
            raise CommandError(f"{exc.code}{where}: {exc.message}") from exc
    counts = report.summary()
    print(
        f"batch {report.batch_id}: {counts['succeeded']} done, {counts['refused']} refused,"
        f" {counts['failed']} failed, {counts['skipped']} skipped, {report.total} rows"
    )
    for failure in (*report.failed, *report.flagged):
        where = f" {failure.field}:" if failure.field else ""
        who = f" ({failure.name})" if failure.name else ""
        print(f"line {failure.line}{who}:{where} {failure.code}: {failure.message}")
    if report.flagged:
        print(f"{len(report.flagged)} filed but flagged as the same person as another case")
    return 1 if report.failed else 0


QUEUE_POLL_SECONDS = 0.5


def _queued_step(
    session: Session, actor: Actor, args: argparse.Namespace, at: datetime, config: Config
) -> BatchReport:
    """Record the step as a job, queue it, and follow its progress until it ends; its report,
    as the in-process step's."""
    import time

    from legalize.tasks import jobs
    from legalize.tasks.queue import JobQueue

    if config.queue == "immediate":
        raise CommandError("--queue needs a queue workers read: LEGALIZE_QUEUE=redis or sqlite")
    if args.database_url and args.database_url != config.database_url:
        raise CommandError(
            "with --queue, the workers' DATABASE_URL is the one: omit --database-url"
        )
    job_id = jobs.request(session, actor, args.batch_id, args.batch_step, at)

    def no_task_here() -> Any:
        raise RuntimeError("the queue runs tasks in workers, not in this command")

    JobQueue(config, no_task_here).start(job_id)
    print(f"batch {args.batch_id}: {args.batch_step} queued as job {job_id}", file=sys.stderr)
    while True:
        view = jobs.progress(session, args.batch_id)
        session.rollback()
        assert view is not None
        if view.total:
            _print_progress(view.done, view.total)
        if not view.running:
            break
        time.sleep(QUEUE_POLL_SECONDS)
    if view.error:
        raise CommandError(f"job {job_id} could not start: {view.error}")
    return view.report


def _batch_step(
    session: Session, actor: Actor, args: argparse.Namespace, at: datetime, config: Config
) -> BatchReport:
    from legalize.cases import batch, batch_files
    from legalize.cases.issuer import IssuerUnavailable, bind_issuer
    from legalize.registry.identity import ImportFileError, import_file

    if args.batch_step == "file":
        files = [args.file, *([args.photos] if args.photos else [])]
        try:
            uploads = [batch_files.Upload(path.name, import_file(path)) for path in files]
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        upload = batch_files.read_upload(uploads)
        rows = batch.read_batch_file(upload.data, upload.filename)
        return batch.file_batch(
            session,
            actor,
            args.country,
            args.reference,
            rows,
            at,
            progress=_print_progress,
            photos=upload.photos,
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
    from sqlalchemy.exc import SQLAlchemyError

    from legalize.registry.db import DatabaseError, make_engine, make_session_factory, upgrade

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
    from legalize.cases import photo_checks
    from legalize.cases.checks_log import purge
    from legalize.cases.common import expire_due

    at = datetime.now(UTC)
    try:
        retention = Config.from_env().watch.retention_days
    except ConfigError as exc:
        raise CommandError(str(exc), exit_status=2) from None
    with open_session(args.database_url, migrate=False) as session:
        numbers = expire_due(session, at)
        purged = purge(session, at, retention)
        # Workers and uploads delete them too; this catches a site where neither ran since.
        photos = photo_checks.purge(session, at)
        session.commit()
    for number in numbers:
        print(f"expired {number}")
    print(f"{len(numbers)} documents expired")
    print(
        f"{purged.checks} public checks older than {retention} days deleted, "
        f"{purged.salts} past days' address salts deleted"
    )
    print(f"{photos} photo checks past their hour deleted")
    return 0


def run_import(args: argparse.Namespace) -> int:
    from legalize.cases.rules import SYSTEM
    from legalize.registry import audit
    from legalize.registry.identity import (
        ImportFileError,
        ImportReport,
        import_file,
        import_nic,
        import_sltd,
    )

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
