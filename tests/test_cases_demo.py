"""The demo data of `make run`: cases in every state, made through the real workflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from legalize.cases import views
from legalize.cases.demo import SIGNATORIES, seed_demo
from legalize.cases.legalization import list_signatories
from legalize.registry import audit
from tests.helpers.cases_support import T0, real_issuer, workflow_issuer


def test_seed_demo_covers_every_state(db_session: Session, dev_pki: Any, backend: str) -> None:
    # As `legalize dev run` does it: a fresh dev PKI, the real issuer, `at` just after.
    if backend == "sqlite":
        issuer, at = real_issuer(dev_pki.dir), dev_pki.at + timedelta(minutes=1)
    else:  # the rules are the same; the test double keeps the suite fast
        issuer, at = workflow_issuer(), T0
    summary = seed_demo(db_session, at, issuer)
    states = {v.state for v in views.list_cases(db_session, limit=200).items}
    assert states == {"draft", "approved", "rejected", "issued", "used", "expired", "revoked"}
    assert "cases (" in summary
    kinds = {v.kind for v in views.list_cases(db_session, state="issued").items}
    assert kinds == {"readmission", "legalization"}
    assert len(list_signatories(db_session)) == len(SIGNATORIES)
    assert audit.verify_chain(db_session).ok


def test_seed_demo_is_idempotent(db_session: Session) -> None:
    seed_demo(db_session, T0, workflow_issuer())
    total = views.list_cases(db_session).total
    assert "nothing seeded" in seed_demo(db_session, T0, workflow_issuer())
    assert views.list_cases(db_session).total == total
