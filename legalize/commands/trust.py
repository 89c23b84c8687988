"""``legalize trust export DIR``: write the trust store (root, signer certificates, CRL) and,
with ``--sign``, the trust list signed by the root (issue time and next update for verifiers)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from legalize.commands import CommandError
from legalize.commands.keys import parse_when, root_passphrase
from legalize.config import Config, ConfigError
from legalize.pki.errors import PkiError
from legalize.pki.trust import export_trust_store


def register(trust: argparse.ArgumentParser) -> None:
    trust_sub = trust.add_subparsers(dest="trust_command", required=True, metavar="SUBCOMMAND")
    p = trust_sub.add_parser("export", help="write certificates and CRLs into DIR")
    p.add_argument("out_dir", type=Path, metavar="DIR")
    p.add_argument("--keys-dir", type=Path, default=None, help="default: LEGALIZE_KEYS_DIR")
    p.add_argument(
        "--sign", action="store_true", help="also write trust-list.json, signed by the root"
    )
    p.add_argument(
        "--at", type=parse_when, default=None, metavar="WHEN", help="issue time (default: now)"
    )
    p.add_argument(
        "--root-passphrase-file",
        type=Path,
        default=None,
        metavar="FILE",
        help="passphrase of the root key (default: the signer key passphrase)",
    )
    p.set_defaults(handler=export_command)


def export_command(args: argparse.Namespace) -> int:
    try:
        config = Config.from_env()
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    keys_dir = args.keys_dir if args.keys_dir is not None else config.keys_dir
    at = args.at if args.at is not None else datetime.now(UTC)
    passphrase = root_passphrase(args, config) if args.sign else None
    try:
        written = export_trust_store(keys_dir, args.out_dir, passphrase=passphrase, at=at)
    except PkiError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"cannot write {args.out_dir}: {exc.strerror}") from None
    for path in written:
        print(path)
    return 0
