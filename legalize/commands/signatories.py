"""``legalize signatories …``: the signatory register's certificates from the command line.

An administrator registers the certificate(s) an authority signs its documents with, taken
from the authority's own channel; the commands act as the system administrator (like the
register imports) and every change is audited.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from legalize.cases import legalization, signatories
from legalize.cases.errors import CaseError
from legalize.cases.rules import SYSTEM
from legalize.commands import CommandError
from legalize.commands.registry import open_session


def register(sub: Any) -> None:
    group: argparse.ArgumentParser = sub.add_parser(
        "signatories", help="authorized signatories and their signing certificates"
    )
    group_sub = group.add_subparsers(
        dest="signatories_command", required=True, metavar="SUBCOMMAND"
    )
    p = group_sub.add_parser("list", help="list signatories with their certificates")
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_list)
    p = group_sub.add_parser(
        "add-certificate", help="register a certificate (PEM or DER) the authority signs with"
    )
    p.add_argument("signatory_id", type=int)
    p.add_argument("file", type=Path)
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_add)
    p = group_sub.add_parser(
        "remove-certificate", help="take a certificate off a signatory (by its SHA-256)"
    )
    p.add_argument("signatory_id", type=int)
    p.add_argument("sha256")
    p.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")
    p.set_defaults(handler=run_remove)


def _failed(exc: CaseError) -> CommandError:
    return CommandError(f"{exc.field}: {exc.message}" if exc.field else exc.message)


def run_list(args: argparse.Namespace) -> int:
    with open_session(args.database_url, migrate=True) as session:
        for s in legalization.list_signatories(session):
            until = s.valid_until.isoformat() if s.valid_until else "open"
            print(f"{s.id}\t{s.name}\t{s.capacity}\t{s.authority}\t{s.valid_from}..{until}")
            for c in s.certificates:
                print(f"\tcertificate {c.sha256}\t{c.subject}\tuntil {c.not_after:%Y-%m-%d}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {args.file}: {exc.strerror}") from exc
    with open_session(args.database_url, migrate=True) as session:
        try:
            view = signatories.add_certificate(
                session, SYSTEM, args.signatory_id, data, datetime.now(UTC)
            )
        except CaseError as exc:
            raise _failed(exc) from exc
    print(f"certificate {view.sha256} ({view.subject}) added to signatory {args.signatory_id}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    with open_session(args.database_url, migrate=True) as session:
        try:
            signatories.remove_certificate(
                session, SYSTEM, args.signatory_id, args.sha256, datetime.now(UTC)
            )
        except CaseError as exc:
            raise _failed(exc) from exc
    print(f"certificate {args.sha256} removed from signatory {args.signatory_id}")
    return 0
