"""A refused action in plain words, for the page where it happened: no reason codes, no
internal ids ("case 54", "#4"), no field-name prefixes. The API keeps the codes
(legalize.web.errors)."""

from __future__ import annotations

import re

from flask_babel import gettext, lazy_gettext

from legalize.cases.errors import CaseError
from legalize.phrases import N_, Phrase
from legalize.web.language import say

PLAIN = {
    "FOUR_EYES": lazy_gettext(
        "Another officer must do this: four eyes — nobody approves what they filed or "
        "prepared, and a decision on a stolen or revoked document needs a third officer."
    ),
    "DOCUMENT_USED": lazy_gettext(
        "This travel document has been used already: its holder was cleared at "
        "the border. It cannot be used again."
    ),
    "DOCUMENT_EXPIRED": lazy_gettext("This document has expired."),
    "DOCUMENT_REVOKED": lazy_gettext("This document has been revoked."),
    "ROLE_REQUIRED": lazy_gettext("Your role does not allow this."),
    "NOT_FOUND": lazy_gettext("Not found: it may have been removed or mistyped."),
    "ISSUANCE_FAILED": lazy_gettext(
        "The document could not be issued just now; nothing was changed. Try again in a moment."
    ),
}
"""Codes whose own message is technical: the sentence an officer reads instead."""

STALE = {"INVALID_STATE"}
"""A state that moved on: most often another officer acted in another tab or window."""

_MOVED_ON = re.compile(r"^case \d+ is (\w+); cannot (\w+)$")
DONE = {
    "prepare": N_("prepared"),
    "approve": N_("approved"),
    "reject": N_("rejected"),
    "issue": N_("issued"),
    "revoke": N_("revoked"),
    "clear": N_("cleared"),
}

_IDS = re.compile(r"\b(?:case|batch|document of case)\s+#?\d+\b|#\d+\b", re.IGNORECASE)


def without_ids(message: str) -> str:
    """``case 54 is approved; cannot prepare`` → ``this case is approved; cannot prepare``.
    A library phrase (which names no ids) in the reader's language."""
    if isinstance(message, Phrase):
        return say(message.capitalized())
    # A batch's id names the batch, not a case: "no batch 5" → "no this batch" would mislead.
    text = _IDS.sub(
        lambda m: "this batch" if m.group(0).lower().startswith("batch") else "this case", message
    ).replace("user:", "")
    return text[:1].upper() + text[1:]


def plain(exc: CaseError) -> str:
    return plain_text(exc.code, exc.message)


def plain_text(code: str, message: str) -> str:
    """:func:`plain` of a refusal kept as code and message (a batch step's failures)."""
    if code in PLAIN:
        return str(PLAIN[code])
    moved = _MOVED_ON.match(message)
    if moved and moved.group(2) in DONE:
        state, action = moved.groups()
        text: str = gettext(
            "This case is %(state)s now, so it can no longer be %(done)s",
            state=gettext(state),
            done=gettext(DONE[action]),
        )
    else:
        text = without_ids(message)
    if code in STALE:
        return str(
            gettext(
                "%(refusal)s. The case changed since this page was loaded (perhaps in another tab):"
                " it is shown as it is now.",
                refusal=text,
            )
        )
    return text


def field_message(message: str, field: str, label: str) -> str:
    """A rule's message about ``field`` in the words of the form it is shown beside:
    ``identity.birth_date is in the future`` → ``Date of birth is in the future``. A phrase of
    the rules says it in the reader's language, the label in place of its ``field``."""
    if isinstance(message, Phrase) and "field" in dict(message.params):
        values = {**dict(message.params), "field": label}
        return say(Phrase(message.template, values, capital=True))
    for name in (field, field.rsplit(".", 1)[-1]):
        if name and message.startswith(name):
            return label + message[len(name) :]
    return without_ids(message)
