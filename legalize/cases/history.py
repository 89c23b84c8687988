"""A case's audit entries as sentences for the case page ("bob approved", "photo check
overridden by alice: reason …"), not event codes. The audit log itself keeps the codes.

Each sentence is a :class:`~legalize.phrases.Phrase` (marked ``P_``/``N_`` here, its one
home): English wherever it is read as text, and said in the reader's language by the page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from legalize.cases.duplicates import BASIS_TEXT
from legalize.cases.gate import EVIDENCE
from legalize.imaging.portrait import ISSUE_NAMES
from legalize.phrases import N_, P_, Phrase, listing, word
from legalize.registry.audit import AuditEntry

CROSSCHECK = {
    "match": N_("a clean match with the NIC register"),
    "mismatch": N_("the NIC register differs from the claimed identity"),
    "not_found": N_("no NIC register record found"),
    "on_watchlist": N_("the travel document is on the stolen/lost list"),
}
PAPER = {"VALID": N_("genuine"), "INVALID": N_("not genuine"), "INDETERMINATE": N_("not decided")}
SIGNATORY_MATCH = {
    "matched": N_("matched"),
    "not_valid_on_date": N_("not valid on date"),
    "capacity_mismatch": N_("capacity mismatch"),
    "authority_mismatch": N_("authority mismatch"),
    "unknown_signer": N_("unknown signer"),
}
"""The outcomes of ``legalization.MatchOutcome`` as the history names them."""
ORIGIN_REFUSED = {
    "prepare": N_("preparation refused by the origin check"),
    "approve": N_("approval refused by the origin check"),
    "issue": N_("issuance refused by the origin check"),
}
"""The step an origin alert refused (its reason is the origin check the page shows)."""


@dataclass(frozen=True)
class Line:
    at: datetime
    who: str
    text: str
    """A :class:`~legalize.phrases.Phrase`: the page says it in the reader's language."""


def who(actor: str) -> str:
    """``user:alice`` → alice; ``api:de-bamf`` → the API client de-bamf; ``system``."""
    kind, _, name = actor.partition(":")
    if kind == "user" and name:
        return name
    if kind == "api" and name:
        return P_("the API client %(name)s", name=name)
    return actor


def _looked_up(table: Mapping[str, str], value: object) -> str:
    """A closed-list word from ``table`` as a phrase; a value the table lacks as its text."""
    text = str(value)
    return word(table[text]) if text in table else text.replace("_", " ")


def _with_reason(sentence: Phrase, d: Mapping[str, Any]) -> Phrase:
    reason = d.get("reason")
    if isinstance(reason, str) and reason:
        return P_("%(sentence)s: “%(reason)s”", sentence=sentence, reason=reason)
    return sentence


def _crosscheck(a: str, d: Mapping[str, Any]) -> Phrase:
    outcome = _looked_up(CROSSCHECK, d.get("outcome"))
    mismatched = d.get("mismatched") or []
    if mismatched:
        fields = listing(word(str(m).replace("_", " ")) for m in mismatched)
        return P_(
            "identity cross-check run by %(who)s: %(outcome)s (%(fields)s)",
            who=a,
            outcome=outcome,
            fields=fields,
        )
    return P_("identity cross-check run by %(who)s: %(outcome)s", who=a, outcome=outcome)


def _photo(a: str, d: Mapping[str, Any]) -> Phrase:
    if d.get("passed"):
        return P_("photo added by %(who)s; the portrait checks passed", who=a)
    codes = [str(i) for i in d.get("issues") or []]
    if not codes:
        return P_("photo added by %(who)s; the portrait checks failed", who=a)
    issues = listing(
        word(ISSUE_NAMES[c]) if c in ISSUE_NAMES else c.replace("_", " ").lower() for c in codes
    )
    return P_(
        "photo added by %(who)s; the portrait checks failed (%(issues)s)", who=a, issues=issues
    )


def _used(a: str, d: Mapping[str, Any]) -> Phrase:
    port = d.get("port")
    if port:
        return P_(
            "holder cleared at the border by %(who)s at %(port)s; the document is now used",
            who=a,
            port=str(port),
        )
    return P_("holder cleared at the border by %(who)s; the document is now used", who=a)


def _identity(a: str, d: Mapping[str, Any]) -> Phrase:
    evidence = _looked_up(EVIDENCE, d.get("evidence", ""))
    reference = d.get("evidence_reference")
    if reference:
        said = P_(
            "identity decided by %(who)s: %(evidence)s (%(reference)s)",
            who=a,
            evidence=evidence,
            reference=str(reference),
        )
    else:
        said = P_("identity decided by %(who)s: %(evidence)s", who=a, evidence=evidence)
    return _with_reason(said, d)


def _duplicate(a: str, d: Mapping[str, Any]) -> Phrase:
    basis = listing(_looked_up(BASIS_TEXT, b) for b in d.get("basis") or [])
    return P_("flagged as a possible duplicate of another case (%(basis)s)", basis=basis)


SENTENCES: dict[str, Callable[[str, Mapping[str, Any]], Phrase]] = {
    "case.filed": lambda a, d: P_("filed by %(who)s", who=a),
    "case.crosschecked": _crosscheck,
    "case.prepared": lambda a, d: P_("prepared by %(who)s", who=a),
    "case.approved": lambda a, d: P_("%(who)s approved", who=a),
    "case.rejected": lambda a, d: _with_reason(P_("rejected by %(who)s", who=a), d),
    "case.signatory_matched": lambda a, d: P_(
        "signer matched against the signatories by %(who)s: %(outcome)s",
        who=a,
        outcome=_looked_up(SIGNATORY_MATCH, d.get("outcome", "")),
    ),
    "case.duplicate_flagged": _duplicate,
    "case.duplicate_resolved": lambda a, d: _with_reason(
        P_("%(who)s recorded why both cases stand", who=a), d
    ),
    "photo.added": _photo,
    "photo.override": lambda a, d: _with_reason(P_("photo check overridden by %(who)s", who=a), d),
    "identity.decided": _identity,
    "case.origin_checked": lambda a, d: P_(
        "origin of the underlying document checked by %(who)s", who=a
    ),
    "case.origin_refused": lambda a, d: (
        word(ORIGIN_REFUSED[str(d.get("step"))])
        if str(d.get("step")) in ORIGIN_REFUSED
        else P_("a step refused by the origin check")
    ),
    "document.number_taken": lambda a, d: P_(
        "document number %(number)s reserved by %(who)s", number=str(d.get("number", "")), who=a
    ),
    "document.number_abandoned": lambda a, d: _with_reason(
        P_(
            "document number %(number)s abandoned by %(who)s",
            number=str(d.get("number", "")),
            who=a,
        ),
        d,
    ),
    "document.issued": lambda a, d: P_(
        "document %(number)s issued by %(who)s", number=str(d.get("number", "")), who=a
    ),
    "document.issue_failed": lambda a, d: P_(
        "issuing by %(who)s failed; nothing was issued", who=a
    ),
    "document.used": _used,
    "document.revoked": lambda a, d: _with_reason(P_("document revoked by %(who)s", who=a), d),
    "document.expired": lambda a, d: P_("the document expired"),
    "document.paper_checked": lambda a, d: P_(
        "%(who)s checked a photo of the paper: %(verdict)s",
        who=a,
        verdict=_looked_up(PAPER, d.get("verdict")),
    ),
}


def phrase(action: str, actor: str, details: Mapping[str, Any]) -> Phrase:
    """One entry in words, as a phrase; an action without a sentence yet reads as its words
    (English: a new event code has no translation until it has a sentence here)."""
    a = who(actor)
    make = SENTENCES.get(action)
    if make is None:
        said = P_("%(action)s by %(who)s", action=action.replace(".", " ").replace("_", " "), who=a)
    else:
        said = make(a, details)
    return said.capitalized()


def sentence(action: str, actor: str, details: Mapping[str, Any]) -> str:
    """:func:`phrase` as plain English text."""
    return str(phrase(action, actor, details))


def lines(entries: list[AuditEntry]) -> list[Line]:
    return [Line(e.at, who(e.actor), phrase(e.action, e.actor, e.details_dict)) for e in entries]
