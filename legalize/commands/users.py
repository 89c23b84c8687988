"""``legalize users``: staff accounts and API clients from the command line.

Passwords are read from the terminal (or one line of standard input with
``--password-stdin``), never from the command line, where ``ps`` and shell history see them.
An API client's token is printed once and only its hash is stored.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from legalize.commands import CommandError
from legalize.config import Config, ConfigError
from legalize.kinds import STAFF_ROLES
from legalize.registry import accounts
from legalize.registry.db import DatabaseError, make_engine, make_session_factory, upgrade
from legalize.registry.totp_cipher import TotpCipher


def register(sub: Any) -> None:
    users: argparse.ArgumentParser = sub.add_parser("users", help="staff users and API clients")
    users_sub = users.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")

    p = users_sub.add_parser("add", help="add a staff user")
    p.add_argument("username")
    p.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in STAFF_ROLES],
        help="repeat for several roles",
    )
    p.add_argument("--totp", action="store_true", help="require a TOTP code; prints the secret")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.set_defaults(handler=add_user)

    p = users_sub.add_parser("list", help="list staff users")
    p.set_defaults(handler=list_users)

    p = users_sub.add_parser("disable", help="disable a staff user")
    p.add_argument("username")
    p.set_defaults(handler=disable_user)

    p = users_sub.add_parser(
        "seal-totp",
        help="encrypt the TOTP secrets stored in plain by earlier versions (sign-in also does "
        "it, user by user)",
    )
    p.set_defaults(handler=seal_totp)

    p = users_sub.add_parser(
        "revoke-demo",
        help="disable the demo users and API client of `legalize dev run` and replace their "
        "published password and token (production refuses to start while they work)",
    )
    p.set_defaults(handler=revoke_demo)

    p = users_sub.add_parser("add-client", help="add an API client; prints its token once")
    p.add_argument("name")
    p.add_argument("--country", required=True, help="ICAO 3-letter code it speaks for")
    p.add_argument(
        "--scope",
        action="append",
        required=True,
        choices=[s.value for s in accounts.Scope],
        help="repeat for several scopes",
    )
    p.add_argument(
        "--signatory",
        type=int,
        metavar="ID",
        help="the client is this signatory's issuing authority (legalization and status scopes "
        "only): its own submissions count as the strongest origin evidence",
    )
    p.set_defaults(handler=add_client)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on the configured database; the engine's connections are closed after."""
    try:
        config = Config.from_env()
        engine = make_engine(config.database_url)
        upgrade(engine)
    except (ConfigError, DatabaseError) as exc:
        raise CommandError(str(exc)) from exc
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    try:
        first = getpass.getpass("password: ")
        again = getpass.getpass("again: ")
    except EOFError:
        # stdin ended at the prompt (a script, a pipe): say how to pass it, no traceback
        raise CommandError("no password typed (input ended); use --password-stdin") from None
    if again != first:
        raise CommandError("the passwords differ")
    return first


def add_user(args: argparse.Namespace) -> int:
    password = _read_password(args.password_stdin)
    secret = accounts.new_totp_secret() if args.totp else None
    try:
        cipher = TotpCipher.from_config(Config.from_env())
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    with _session() as session:
        try:
            user = accounts.create_user(
                session,
                args.username,
                password,
                args.role,
                datetime.now(UTC),
                totp_secret=secret,
                cipher=cipher,
            )
            session.commit()
        except accounts.AccountError as exc:
            raise CommandError(f"{exc.field}: {exc}" if exc.field else str(exc)) from exc
        print(f"user {user.username} added with roles {', '.join(sorted(user.roles))}")
        if secret:
            print(f"TOTP: {accounts.totp_uri(user, cipher)}")
    return 0


def list_users(args: argparse.Namespace) -> int:
    with _session() as session:
        for user in accounts.list_users(session):
            flags = ("" if user.active else " (disabled)") + (" totp" if user.totp_secret else "")
            print(f"{user.username}\t{' '.join(sorted(user.roles))}{flags}")
    return 0


def disable_user(args: argparse.Namespace) -> int:
    with _session() as session:
        user = accounts.get_user(session, args.username)
        if user is None:
            raise CommandError(f"no user {args.username!r}")
        accounts.set_active(user, False)
        session.commit()
        print(f"user {user.username} disabled")
    return 0


def seal_totp(args: argparse.Namespace) -> int:
    from legalize.registry.totp_cipher import is_plain

    try:
        cipher = TotpCipher.from_config(Config.from_env())
    except ConfigError as exc:
        raise CommandError(str(exc)) from exc
    sealed = left = 0
    with _session() as session:
        for user in accounts.list_users(session):
            if user.totp_secret is None or not is_plain(user.totp_secret):
                continue
            try:
                user.totp_secret = cipher.seal(user.totp_secret)
                sealed += 1
            except ValueError:  # longer than the column holds encrypted: re-enrol
                left += 1
                print(f"user {user.username}: secret too long to encrypt; turn TOTP off and on")
        session.commit()
    print(f"{sealed} TOTP secrets encrypted; {left} left in plain")
    return 0 if left == 0 else 1


def revoke_demo(args: argparse.Namespace) -> int:
    from legalize.cases.demo_credentials import DEMO_TOKEN, DEMO_USERS, demo_credentials

    with _session() as session:
        for name, (_, password) in DEMO_USERS.items():
            user = accounts.get_user(session, name)
            if user is not None and accounts.password_matches(user, password):
                accounts.set_active(user, False)
                # Random and never shown: a later re-enabling needs a new password first.
                user.password_hash = accounts.hash_password(secrets.token_urlsafe(32))
                print(f"user {name}: disabled, demo password replaced")
        for client in accounts.list_api_clients(session):
            if client.token_hash == accounts.token_hash(DEMO_TOKEN):
                client.active = False
                client.token_hash = accounts.token_hash(secrets.token_urlsafe(32))
                print(f"API client {client.name}: disabled, demo token replaced")
        session.commit()
        left = demo_credentials(session)
    if left:
        raise CommandError(f"demo credentials left: {'; '.join(left)}")
    print("no demo credentials left")
    return 0


def add_client(args: argparse.Namespace) -> int:
    with _session() as session:
        try:
            client, token = accounts.create_api_client(
                session,
                args.name,
                args.country,
                args.scope,
                datetime.now(UTC),
                signatory_id=args.signatory,
            )
            session.commit()
        except accounts.AccountError as exc:
            raise CommandError(f"{exc.field}: {exc}" if exc.field else str(exc)) from exc
        kind = (
            f", issuing authority of signatory {client.signatory_id}"
            if client.signatory_id is not None
            else ""
        )
        print(f"client {client.name} ({client.country}{kind}) added; its token, shown only now:")
        print(token)
    return 0
