"""The ``legalize`` console script: translates command lines into library calls.

Each command group lives in :mod:`legalize.commands` as a module with ``register(subparsers)``;
handlers return the exit status. Domain errors become messages here, in one place.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from legalize.commands import CommandError

# The command groups, in the order `legalize --help` lists them.
COMMAND_MODULES = (
    "legalize.commands.keys",
    "legalize.commands.trust",
    "legalize.commands.issue",
    "legalize.commands.registry",
    "legalize.commands.audit",
    "legalize.commands.users",
    "legalize.commands.signatories",
    "legalize.commands.dev",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="legalize", description="Issue and manage sealed travel documents and legalizations."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    # Modules that add sub-commands to another module's group (e.g. `issue batch`) do it
    # once every group exists, whatever the order above.
    for name in COMMAND_MODULES:
        extend = getattr(importlib.import_module(name), "register_late", None)
        if extend is not None:
            extend(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
