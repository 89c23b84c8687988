"""What an officer types in the case search, as one SQL condition.

One box for what a counter clerk has in hand: a NIC number, a passport number, part of a
reference (the host country's file reference or our document number), or a name (each word
found in the surname or the given names, in any order: "kamal perera" finds PERERA, Kamal
Nuwan). Upper case on both sides; the term is a bound parameter and its ``%`` and ``_`` are
escaped, so it is never read as SQL nor as a pattern.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, or_, select

from legalize.registry.models import Case, Document, Person

MAX_TERM = 100
"""The longest search text (the staff page refuses more)."""
MAX_WORDS = 6
"""Name words beyond this are ignored: a name has no more, and each word is a LIKE."""


def matches(term: str) -> ColumnElement[bool]:
    """The condition on ``Case`` joined with ``Person`` for a search text (not empty)."""
    text = " ".join(term.split())[:MAX_TERM].upper()
    compact = text.replace(" ", "")
    documents = select(Document.case_id).where(
        func.upper(Document.number).contains(compact, autoescape=True)
    )
    full_name = func.upper(Person.surname) + " " + func.upper(Person.given_names)
    words = text.split(" ")[:MAX_WORDS]
    return or_(
        func.upper(Person.nic_number) == compact,
        func.upper(Person.passport_number) == compact,
        func.upper(Case.host_reference).contains(text, autoescape=True),
        Case.id.in_(documents),
        and_(*(full_name.contains(w, autoescape=True) for w in words)),
    )
