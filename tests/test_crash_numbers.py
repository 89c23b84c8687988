"""A process killed (SIGKILL) in the middle of an issuance: nothing is lost, the audit chain
verifies, and the number it took is on record and listed by `legalize audit numbers` until an
administrator records its fate (issue 12, item 8). On SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from legalize.cases import readmission, views
from legalize.cli import main
from legalize.registry import audit
from legalize.registry.db import make_engine, make_session_factory, upgrade
from legalize.registry.numbers import account_numbers
from tests.helpers.cases_support import (
    ALICE,
    BOB,
    HOST,
    T0,
    match_registers,
    plain_photo,
    request_body,
)
from tests.helpers.db import create_postgres_database, drop_postgres_database, postgres_server_url
from tests.helpers.issuer import UnsignedTestIssuer

CHILD = textwrap.dedent(
    """
    import sys, time
    from datetime import datetime, timezone
    from legalize.cases import readmission
    from legalize.cases.rules import Actor
    from legalize.kinds import Role
    from tests.helpers.issuer import UnsignedTestIssuer
    from legalize.registry.db import make_engine, make_session_factory

    class Stalls(UnsignedTestIssuer):
        def issue_ttd(self, data, photo, at):
            print("RENDERING", data.document_number, flush=True)
            time.sleep(120)  # killed here
            return super().issue_ttd(data, photo, at)

    url, case_id = sys.argv[1], int(sys.argv[2])
    alice = Actor("user:alice", frozenset({Role.ISSUING_OFFICER}))
    with make_session_factory(make_engine(url))() as session:
        at = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
        readmission.issue(session, alice, case_id, at, Stalls())
    """
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crash.sqlite3'}"
        return
    server = postgres_server_url()
    url, name = create_postgres_database(server)
    try:
        yield url
    finally:
        drop_postgres_database(server, name)


def test_sigkill_mid_issuance_leaves_an_accounted_number(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(database)
    upgrade(engine)
    sessions = make_session_factory(engine)
    with sessions() as s:
        match_registers(s)  # the identity gate (issue 8) lets a clean match through
        request = readmission.parse_request({**request_body("CRASH-1"), "photo": plain_photo()}, T0)
        case_id = readmission.file_request(s, HOST, request, T0).id
        readmission.override_photo(s, ALICE, case_id, "compared by eye", T0)
        readmission.prepare(s, ALICE, case_id, T0)
        readmission.approve(s, BOB, case_id, T0)

    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, database, str(case_id)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)},
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("RENDERING"), line
    number = line.split()[1]
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()

    with sessions() as s:
        assert audit.verify_chain(s).ok
        assert views.get_case(s, case_id).state == "approved"  # nothing half-done
        report = account_numbers(s)
        assert [(n.number, n.reserved, n.case_id) for n in report.open] == [
            (number, True, str(case_id))
        ]
        # The case is issued again, with the next number; the killed one stays listed.
        again = readmission.issue(s, ALICE, case_id, T0, UnsignedTestIssuer()).document
        assert again is not None and again.number != number
    assert main(["audit", "verify", "--database-url", database]) == 0
    assert main(["audit", "numbers", "--database-url", database]) == 1
    assert number in capsys.readouterr().out
    reason = ["--reason", "worker killed mid-rendering; case issued again"]
    args = ["audit", "numbers", "--database-url", database, "--abandon", number, *reason]
    assert main(args) == 0
    assert main(["audit", "numbers", "--database-url", database]) == 0
    assert main(["audit", "verify", "--database-url", database]) == 0
    engine.dispose()
