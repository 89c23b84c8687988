"""The ``legalize`` console script: translates command lines into library calls.

Each command group lives in :mod:`legalize.commands` as a module whose ``register(parser)``
fills the group's own parser; handlers return the exit status. Domain errors become messages
here, in one place.

Only the group a command line names is imported: ``legalize --help`` lists the groups from
:data:`GROUPS` alone, and ``legalize issue ttd`` never loads the database, the web pages or
the case workflows that other groups need (issue 9: the whole process started in 1.7 s).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from legalize.commands import CommandError
from legalize.console import run_console


@dataclass(frozen=True)
class Group:
    help: str
    module: str
    """The module whose ``register(parser)`` adds the group's sub-commands."""


GROUPS = {
    "keys": Group("root CA, document signers, CRLs", "legalize.commands.keys"),
    "trust": Group("publish the trust store", "legalize.commands.trust"),
    "issue": Group("issue documents", "legalize.commands.issue"),
    "cases": Group(
        "record an identity decision or why two flagged cases both stand",
        "legalize.commands.cases",
    ),
    "registry": Group("database schema and identity registers", "legalize.commands.registry"),
    "audit": Group("the audit log", "legalize.commands.audit"),
    "users": Group("staff users and API clients", "legalize.commands.users"),
    "signatories": Group(
        "authorized signatories and their signing certificates", "legalize.commands.signatories"
    ),
    "worker": Group("run task-queue workers (batch steps)", "legalize.commands.worker"),
    "dev": Group("development helpers", "legalize.commands.dev"),
}
"""The command groups, in the order ``legalize --help`` lists them."""


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: every group is listed, only the one ``argv`` names (all of
    them when ``argv`` is None) gets its sub-commands, and only that one is imported."""
    parser = argparse.ArgumentParser(
        prog="legalize", description="Issue and manage sealed travel documents and legalizations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # The top level has no option but --help: the first other word names the group.
    named = next((word for word in argv if not word.startswith("-")), None) if argv else None
    for name, group in GROUPS.items():
        group_parser = sub.add_parser(name, help=group.help)
        if argv is None or name == named:
            importlib.import_module(group.module).register(group_parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    return run_console(lambda: _run(words))


def _run(argv: list[str]) -> int:
    args = build_parser(argv).parse_args(argv)
    try:
        status: int = args.handler(args)
    except CommandError as exc:
        print(f"legalize: {exc}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    return status


if __name__ == "__main__":
    sys.exit(main())
