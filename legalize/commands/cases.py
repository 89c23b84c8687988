"""``legalize cases …``: the identity gate and the duplicate flags from the command line.

The same steps as the staff pages' forms, through the same functions of
:mod:`legalize.cases.readmission`, so the rules of :mod:`legalize.cases.gate` (who may decide
which outcome) and :mod:`legalize.cases.duplicates` hold here too; every decision is audited.
The officer acting is named with ``--as`` (an active staff user), as for ``issue batch``.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from legalize.cases.gate import EVIDENCE
from legalize.commands import CommandError
from legalize.commands.registry import open_session, staff_actor

if TYPE_CHECKING:
    from legalize.cases.errors import CaseError


def register(group: argparse.ArgumentParser) -> None:
    group_sub = group.add_subparsers(dest="cases_command", required=True, metavar="SUBCOMMAND")

    p = group_sub.add_parser(
        "decide-identity",
        help="record which evidence settled a cross-check that was not a clean match",
    )
    p.add_argument("case_id", type=int, help="the case number shown in its page's address")
    p.add_argument(
        "--evidence",
        required=True,
        choices=sorted(EVIDENCE),
        help="what settled it: " + "; ".join(f"{k} = {v}" for k, v in EVIDENCE.items()),
    )
    p.add_argument(
        "--evidence-reference",
        required=True,
        help="the document, file or interview record (at most 200 characters)",
    )
    p.add_argument("--reason", required=True, help="why the evidence settles it")
    p.set_defaults(handler=run_decide_identity)

    p = group_sub.add_parser(
        "resolve-duplicate", help="record why two cases flagged as the same person both stand"
    )
    p.add_argument("case_id", type=int)
    p.add_argument("other_case_id", type=int, help="the case it was flagged against")
    p.add_argument("--reason", required=True, help="why both cases stand")
    p.set_defaults(handler=run_resolve_duplicate)

    for sp in group_sub.choices.values():
        sp.add_argument("--as", dest="username", required=True, help="the staff user acting")
        sp.add_argument("--database-url", help="default: DATABASE_URL or the embedded SQLite")


def _refused(exc: CaseError) -> CommandError:
    where = f" ({exc.field})" if exc.field else ""
    return CommandError(f"{exc.code}{where}: {exc.message}")


def run_decide_identity(args: argparse.Namespace) -> int:
    # The workflow (and the portrait checks it imports) loads only when a command runs.
    from legalize.cases import readmission
    from legalize.cases.errors import CaseError

    at = datetime.now(UTC)
    data = {
        "evidence": args.evidence,
        "evidence_reference": args.evidence_reference,
        "reason": args.reason,
    }
    with open_session(args.database_url, migrate=True) as session:
        actor = staff_actor(session, args.username)
        try:
            readmission.decide_identity(session, actor, args.case_id, data, at)
        except CaseError as exc:
            raise _refused(exc) from exc
    print(f"case {args.case_id}: identity decision recorded ({EVIDENCE[args.evidence]})")
    return 0


def run_resolve_duplicate(args: argparse.Namespace) -> int:
    from legalize.cases import readmission
    from legalize.cases.errors import CaseError

    at = datetime.now(UTC)
    with open_session(args.database_url, migrate=True) as session:
        actor = staff_actor(session, args.username)
        try:
            readmission.resolve_duplicate(
                session, actor, args.case_id, args.other_case_id, args.reason, at
            )
        except CaseError as exc:
            raise _refused(exc) from exc
    print(f"cases {args.case_id} and {args.other_case_id}: recorded why both stand")
    return 0
