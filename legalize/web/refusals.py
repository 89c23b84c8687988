"""A refused action in plain words, for the page where it happened: no reason codes, no
internal ids ("case 54", "#4"), no field-name prefixes. The API keeps the codes
(legalize.web.errors)."""

from __future__ import annotations

import re

from legalize.cases.errors import CaseError

PLAIN = {
    "FOUR_EYES": "Another officer must do this: four eyes — nobody approves what they filed or "
    "prepared, and a decision on a stolen or revoked document needs a third officer.",
    "DOCUMENT_USED": "This travel document has been used already: its holder was cleared at "
    "the border. It cannot be used again.",
    "DOCUMENT_EXPIRED": "This document has expired.",
    "DOCUMENT_REVOKED": "This document has been revoked.",
    "ROLE_REQUIRED": "Your role does not allow this.",
    "NOT_FOUND": "Not found: it may have been removed or mistyped.",
    "ISSUANCE_FAILED": "The document could not be issued just now; nothing was changed. "
    "Try again in a moment.",
}
"""Codes whose own message is technical: the sentence an officer reads instead."""

STALE = {"INVALID_STATE"}
"""A state that moved on: most often another officer acted in another tab or window."""

_MOVED_ON = re.compile(r"^case \d+ is (\w+); cannot (\w+)$")
DONE = {
    "prepare": "prepared",
    "approve": "approved",
    "reject": "rejected",
    "issue": "issued",
    "revoke": "revoked",
    "clear": "cleared",
}

_IDS = re.compile(r"\b(?:case|batch|document of case)\s+#?\d+\b|#\d+\b", re.IGNORECASE)


def without_ids(message: str) -> str:
    """``case 54 is approved; cannot prepare`` → ``this case is approved; cannot prepare``."""
    text = _IDS.sub("this case", message).replace("user:", "")
    return text[:1].upper() + text[1:]


def plain(exc: CaseError) -> str:
    return plain_text(exc.code, exc.message)


def plain_text(code: str, message: str) -> str:
    """:func:`plain` of a refusal kept as code and message (a batch step's failures)."""
    if code in PLAIN:
        return PLAIN[code]
    moved = _MOVED_ON.match(message)
    if moved and moved.group(2) in DONE:
        state, action = moved.groups()
        text = f"This case is {state} now, so it can no longer be {DONE[action]}"
    else:
        text = without_ids(message)
    if code in STALE:
        return (
            f"{text}. The case changed since this page was loaded (perhaps in another tab): "
            "it is shown as it is now."
        )
    return text


def field_message(message: str, field: str, label: str) -> str:
    """A rule's message about ``field`` in the words of the form it is shown beside:
    ``identity.birth_date is in the future`` → ``Date of birth is in the future``."""
    for name in (field, field.rsplit(".", 1)[-1]):
        if name and message.startswith(name):
            return label + message[len(name) :]
    return without_ids(message)
