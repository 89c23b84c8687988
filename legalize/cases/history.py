"""A case's audit entries as sentences for the case page ("bob approved", "photo check
overridden by alice: reason …"), not event codes. The audit log itself keeps the codes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from legalize.cases.gate import EVIDENCE
from legalize.registry.audit import AuditEntry

CROSSCHECK = {
    "match": "a clean match with the NIC register",
    "mismatch": "the NIC register differs from the claimed identity",
    "not_found": "no NIC register record found",
    "on_watchlist": "the travel document is on the stolen/lost list",
}
PAPER = {"VALID": "genuine", "INVALID": "not genuine", "INDETERMINATE": "not decided"}


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str
    text: str


def who(actor: str) -> str:
    """``user:alice`` → alice; ``api:de-bamf`` → the API client de-bamf; ``system``."""
    kind, _, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "api" and name:
        return f"the API client {name}"
    return actor


def _reason(d: Mapping[str, Any]) -> str:
    reason = d.get("reason")
    return f": “{reason}”" if isinstance(reason, str) and reason else ""


def _crosscheck(a: str, d: Mapping[str, Any]) -> str:
    outcome = CROSSCHECK.get(str(d.get("outcome")), str(d.get("outcome")))
    mismatched = d.get("mismatched") or []
    tail = f" ({', '.join(str(m).replace('_', ' ') for m in mismatched)})" if mismatched else ""
    return f"identity cross-check run by {a}: {outcome}{tail}"


def _photo(a: str, d: Mapping[str, Any]) -> str:
    if d.get("passed"):
        return f"photo added by {a}; the portrait checks passed"
    issues = ", ".join(str(i).replace("_", " ").lower() for i in d.get("issues") or [])
    return f"photo added by {a}; the portrait checks failed" + (f" ({issues})" if issues else "")


def _used(a: str, d: Mapping[str, Any]) -> str:
    port = d.get("port")
    return (
        f"holder cleared at the border by {a}"
        + (f" at {port}" if port else "")
        + ("; the document is now used")
    )


SENTENCES: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    "case.filed": lambda a, d: f"filed by {a}",
    "case.crosschecked": _crosscheck,
    "case.prepared": lambda a, d: f"prepared by {a}",
    "case.approved": lambda a, d: f"{a} approved",
    "case.rejected": lambda a, d: f"rejected by {a}{_reason(d)}",
    "case.signatory_matched": lambda a, d: (
        f"signer matched against the signatories by {a}: "
        + str(d.get("outcome", "")).replace("_", " ")
    ),
    "case.duplicate_flagged": lambda a, d: (
        "flagged as a possible duplicate of another case "
        "(same " + ", ".join(str(b).replace("_", " ") for b in d.get("basis") or []) + ")"
    ),
    "case.duplicate_resolved": lambda a, d: f"{a} recorded why both cases stand{_reason(d)}",
    "photo.added": _photo,
    "photo.override": lambda a, d: f"photo check overridden by {a}{_reason(d)}",
    "identity.decided": lambda a, d: (
        f"identity decided by {a}: "
        + EVIDENCE.get(str(d.get("evidence")), str(d.get("evidence", "")).replace("_", " "))
        + (f" ({d['evidence_reference']})" if d.get("evidence_reference") else "")
        + _reason(d)
    ),
    "document.issued": lambda a, d: f"document {d.get('number', '')} issued by {a}",
    "document.issue_failed": lambda a, d: f"issuing by {a} failed; nothing was issued",
    "document.used": _used,
    "document.revoked": lambda a, d: f"document revoked by {a}{_reason(d)}",
    "document.expired": lambda a, d: "the document expired",
    "document.paper_checked": lambda a, d: (
        f"{a} checked a photo of the paper: "
        + PAPER.get(str(d.get("verdict")), str(d.get("verdict")))
    ),
}


def sentence(action: str, actor: str, details: Mapping[str, Any]) -> str:
    """One entry in words; an action without a sentence yet reads as its words."""
    a = who(actor)
    make = SENTENCES.get(action)
    if make is None:
        text = f"{action.replace('.', ' ').replace('_', ' ')} by {a}"
    else:
        text = make(a, details)
    return text[:1].upper() + text[1:]


def lines(entries: list[AuditEntry]) -> list[Line]:
    return [Line(e.at, who(e.actor), sentence(e.action, e.actor, e.details_dict)) for e in entries]
