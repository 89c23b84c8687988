"""``legalize audit verify``: check the hash chain of the audit log; ``legalize audit
numbers``: check that every document number taken has its fate on record."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from legalize.commands import CommandError
from legalize.config import Config
from legalize.registry import numbers
from legalize.registry.audit import Anchor, AuditError, verify_chain
from legalize.registry.db import DatabaseError, make_engine, make_session_factory


def register(audit: argparse.ArgumentParser) -> None:
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")
    p = audit_sub.add_parser(
        "verify", help="recompute the hash chain; exit 1 naming the first broken entry"
    )
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar="SEQ:HASH",
        help="an entry's hash recorded outside the database (repeatable); printed by verify",
    )
    p.set_defaults(handler=verify)
    p = audit_sub.add_parser(
        "numbers",
        help="list document numbers taken with no final audit entry (issued, failed or "
        "abandoned); exit 1 when there is one",
    )
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument(
        "--abandon",
        metavar="NUMBER",
        help="record that this open number will never carry a document (with --reason), "
        "e.g. after a worker was killed mid-issuance and the case was issued again",
    )
    p.add_argument("--reason", default="", help="why the number was abandoned (no personal data)")
    p.set_defaults(handler=numbers_check)


@contextmanager
def _session(args: argparse.Namespace, what: str) -> Iterator[Session]:
    """A session on ``--database-url`` (else the configured database); a database that cannot
    be opened or read is a usage error naming ``what`` was being read (exit status 2)."""
    url = args.database_url or Config.from_env().database_url
    try:
        engine = make_engine(url)
    except DatabaseError as exc:
        raise CommandError(str(exc), exit_status=2) from exc
    try:
        with make_session_factory(engine)() as session:
            yield session
    except SQLAlchemyError as exc:
        raise CommandError(f"cannot read {what}: {exc}", exit_status=2) from exc
    finally:
        engine.dispose()


def verify(args: argparse.Namespace) -> int:
    try:
        anchors = [Anchor.parse(a) for a in args.anchor]
    except AuditError as exc:
        raise CommandError(str(exc), exit_status=2) from exc
    with _session(args, "the audit log") as session:
        result = verify_chain(session, anchors=anchors)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "entries": result.entries,
                    "first_broken_seq": result.first_broken_seq,
                    "reason": result.reason,
                    "anchor": f"{result.entries}:{result.head_hash}" if result.ok else None,
                }
            )
        )
    elif result.ok:
        print(f"audit log intact: {result.entries} entries")
        print(f"anchor (keep it outside the database): {result.entries}:{result.head_hash}")
    else:
        print(f"audit log BROKEN at entry {result.first_broken_seq}: {result.reason}")
    return 0 if result.ok else 1


def numbers_check(args: argparse.Namespace) -> int:
    with _session(args, "the register") as session:
        if args.abandon:
            try:
                numbers.abandon_number(
                    session, args.abandon, args.reason, datetime.now(UTC), actor="system:cli"
                )
            except numbers.NumberError as exc:
                raise CommandError(str(exc), exit_status=2) from exc
            session.commit()
            print(f"number {args.abandon.strip().upper()}: abandoned, on record")
        result = numbers.account_numbers(session)
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "taken": result.taken,
                    "open": [
                        {
                            "number": n.number,
                            "reserved": n.reserved,
                            "case_id": n.case_id,
                            "reserved_at": n.reserved_at.isoformat() if n.reserved_at else None,
                        }
                        for n in result.open
                    ],
                }
            )
        )
        return 0 if result.ok else 1
    print(
        f"document numbers taken: {result.taken}; without a final audit entry: {len(result.open)}"
    )
    for n in result.open:
        if n.reserved:
            when = n.reserved_at.isoformat() if n.reserved_at else "?"
            print(f"  {n.number}  taken for case {n.case_id} at {when}; no end on record")
        else:
            print(f"  {n.number}  taken; the audit log never mentions it")
    return 0 if result.ok else 1
