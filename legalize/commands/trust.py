"""``legalize trust export DIR``: write the trust store (root, signer certificates, CRL)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from legalize.commands import CommandError
from legalize.config import Config, ConfigError
from legalize.pki.errors import PkiError
from legalize.pki.trust import export_trust_store


def register(sub: Any) -> None:
    trust: argparse.ArgumentParser = sub.add_parser("trust", help="publish the trust store")
    trust_sub = trust.add_subparsers(dest="trust_command", required=True, metavar="SUBCOMMAND")
    p = trust_sub.add_parser("export", help="write certificates and CRLs into DIR")
    p.add_argument("out_dir", type=Path, metavar="DIR")
    p.add_argument("--keys-dir", type=Path, default=None, help="default: LEGALIZE_KEYS_DIR")
    p.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    try:
        keys_dir = args.keys_dir if args.keys_dir is not None else Config.from_env().keys_dir
        written = export_trust_store(keys_dir, args.out_dir)
    except (PkiError, ConfigError) as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.out_dir}: {exc.strerror}") from None
    for path in written:
        print(path)
    return 0
