"""The web side of a public check: its rate limit and its entry in the check log.

Every public check view calls :func:`limit_public_check` first and :func:`record_check` with
its answer: the one place that knows who is asking (a signed-in border officer is counted
per user, everyone else per address) and how the checker is reduced to a salted hash
(:mod:`legalize.cases.checks_log`).
"""

from __future__ import annotations

import logging
import re
from datetime import date
from typing import Any

from flask import request, session
from sqlalchemy.exc import SQLAlchemyError

from legalize import logs
from legalize.cases import checks_log
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.cases.views import DocumentView
from legalize.kinds import CaseState, DocumentType, Role
from legalize.web.auth import load_user
from legalize.web.security import rate_limit
from legalize.web.state import commit_public, db, now, public_connection, rollback_public, state
from verifier.codes import Code
from verifier.report import Report

log = logging.getLogger(__name__)

_OU = re.compile(r"(?:^|,)\s*OU=((?:\\.|[^,])+)")
_STATUS_CODES = {
    CaseState.REVOKED.value: Code.DOCUMENT_REVOKED,
    CaseState.USED.value: Code.DOCUMENT_USED,
    CaseState.EXPIRED.value: Code.DOCUMENT_EXPIRED,
}
"""A register status that makes a check fail, and its reason code."""


def limit_public_check() -> None:
    """Count this check against its client's limit: a signed-in border officer's own
    (a post's officers share one address behind its NAT), else the address's."""
    user = load_user() if "user_id" in session else None
    if user is not None and user.has_role(Role.BORDER_OFFICER):
        rate_limit("border", key=f"user:{user.id}")
    else:
        rate_limit("public")


def record_check(outcome: CheckOutcome) -> None:
    """Log the check: one INSERT on :func:`~legalize.web.state.public_connection`, made
    before the answer is sent (not batched in memory, where a worker's crash or restart would
    lose rows unseen). The log must not cost the checker the answer: a failed write is logged
    and rolled back, and the page is shown all the same."""
    at = now()
    try:
        source = client_source()  # first: the day's first salt commits the session
        checks_log.record(public_connection(), outcome, source, at)
        commit_public()
    except SQLAlchemyError as exc:
        logs.failure(log, "a public check was not recorded", exc)
        rollback_public()


def client_source() -> str:
    """This client as the check log knows it: its address's hash under the day's salt. A
    check answered later (a photo, on the task queue) carries it to where it is recorded."""
    salt = _salt(now().date())
    return checks_log.client_hash(salt, request.remote_addr or "unknown")


def _salt(day: date) -> bytes:
    """The day's salt, read from the register once per process and day."""
    services = state().services
    cached: tuple[date, bytes] | None = services.get("check_salt")
    if cached is not None and cached[0] == day:
        return cached[1]
    # Once per process and day, in a transaction of its own (the public session may be
    # autocommit, where day_salt's savepoint cannot run).
    salt = checks_log.day_salt(db(), day)
    db().commit()
    services["check_salt"] = (day, salt)
    return salt


def outcome_of_document(method: Method, number: str, doc: DocumentView | None) -> CheckOutcome:
    """A check by number (and check code) answered from the register."""
    if doc is None:
        return CheckOutcome(method, "invalid", (Code.DOCUMENT_NOT_IN_REGISTER.value,), number)
    code = _STATUS_CODES.get(doc.status)
    return CheckOutcome(
        method,
        "invalid" if code else "valid",
        (code.value,) if code else (),
        doc.number,
        doc.type,
    )


def outcome_of_seal(
    method: Method, report: Report, doc: DocumentView | None, mismatch: bool
) -> CheckOutcome:
    """A verified seal plus the register's answer for the number it names."""
    reasons = list(report.codes)
    verdict = report.verdict.value.lower()
    if mismatch:
        reasons.append(Code.DOCUMENT_MISMATCH.value)
    elif doc is not None and doc.status in _STATUS_CODES:
        reasons.append(_STATUS_CODES[doc.status].value)
    if reasons and verdict == "valid":
        verdict = "invalid"
    data: dict[str, Any] = dict(report.data)
    number = data.get("document_number") or data.get("number")
    profile = data.get("profile")
    kind = DocumentType.of_profile(profile) if isinstance(profile, str) else None
    return CheckOutcome(
        method,
        verdict,
        tuple(reasons),
        number if isinstance(number, str) else None,
        kind.value if kind else None,
        issuing_post(data),
    )


def issuing_post(data: dict[str, Any]) -> str | None:
    """The issuing post a verified seal's signer certificate names (its subject's OU)."""
    signer = data.get("signer")
    subject = signer.get("subject") if isinstance(signer, dict) else None
    if not isinstance(subject, str):
        return None
    found = _OU.search(subject)
    return found.group(1).replace("\\", "").strip() if found else None
