"""Sentences library code writes for people to read, kept translatable without a translator.

Library code (legalize.cases, legalize.imaging) writes its sentences in English and imports no
Flask-Babel. A sentence a page shows is made with :func:`P_`: a :class:`Phrase`, which *is* the
English text (a ``str``: the CLI, the API, the audit log, ``" ".join`` and ``==`` see nothing
new) and also remembers its format string and values. The web layer says it again in the
reader's language (``legalize.web.language.say``): the format string is the catalog's msgid,
each value is said in turn (a value may be a phrase itself: a closed-list word, "the API client
…"). ``P_`` and ``N_`` are the markers ``scripts/translations.sh`` extracts from the library
modules, so each sentence has one home: where the library writes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

Value = str | int | float
"""What a phrase's placeholder takes: text (perhaps a phrase), or a number."""

STORED_KEYS: Final = ("template", "params")
"""The keys a phrase kept in JSON has (:meth:`Phrase.stored`, :meth:`Phrase.from_stored`)."""


class Phrase(str):
    """English text that remembers how it was made: ``template % params``.

    Immutable like the ``str`` it is. ``capital`` upper-cases the first letter of the finished
    sentence (the English and any translation), as a line that starts with a name needs."""

    # A str subclass cannot have slots of its own: the parts live in the instance's __dict__,
    # written once in __new__ (past __setattr__, which refuses every later write).

    template: str
    params: tuple[tuple[str, Value], ...]
    capital: bool

    def __new__(
        cls, template: str, params: Mapping[str, Value] | None = None, *, capital: bool = False
    ) -> Phrase:
        values = dict(params or {})
        # As gettext: a template without values is not %-formatted (a "%" stays itself).
        text = template % values if values else template
        if capital:
            text = text[:1].upper() + text[1:]
        self = super().__new__(cls, text)
        self.__dict__.update(template=template, params=tuple(values.items()), capital=capital)
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Phrase is immutable ({name})")

    def __reduce__(self) -> tuple[Any, ...]:  # pickling (a task's result), copy
        return (_rebuild, (self.template, dict(self.params), self.capital))

    def __repr__(self) -> str:
        return f"Phrase({self.template!r}, {dict(self.params)!r})"

    def capitalized(self) -> Phrase:
        return Phrase(self.template, dict(self.params), capital=True)

    def stored(self) -> dict[str, Any]:
        """The phrase as JSON for a row that keeps it (a photo's findings): values as text,
        a nested phrase by its English (what a later reader can still be shown)."""
        return {
            "template": self.template,
            "params": {k: v if isinstance(v, int | float) else str(v) for k, v in self.params},
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Phrase | None:
        """The phrase back from :meth:`stored`; None when ``stored`` is not one (a row written
        before phrases were kept, or damaged): the caller shows its English message."""
        template, params = stored.get("template"), stored.get("params")
        if not isinstance(template, str) or not isinstance(params, dict):
            return None
        if not all(isinstance(v, str | int | float) for v in params.values()):
            return None
        try:
            return cls(template, params)
        except (KeyError, ValueError, TypeError):
            return None


def _rebuild(template: str, params: dict[str, Value], capital: bool) -> Phrase:
    return Phrase(template, params, capital=capital)


def P_(template: str, /, **params: Value) -> Phrase:
    """A sentence for people: marked for the catalogs (``scripts/translations.sh`` extracts
    ``P_``) and made into a :class:`Phrase`. Placeholders are named (``%(who)s``) so a
    translation can move them."""
    return Phrase(template, params)


def N_(text: str) -> str:
    """Marks a word or sentence for the catalogs without changing it (pybabel extracts ``N_``
    by default): a closed-list word the page translates with the ``word`` filter, or a
    template kept in a table and made into a phrase later."""
    return text


def listing(items: Iterable[Value]) -> Phrase:
    """Items joined by commas, each said on its own (a list of closed-list words): the
    template is made here, not a catalog entry, so only the items are translated."""
    values = {str(i): item for i, item in enumerate(items)}
    return Phrase(", ".join(f"%({k})s" for k in values), values)


def word(text: str) -> Phrase:
    """A closed-list word (marked with :func:`N_` where its list lives) as a phrase without
    values: said in the reader's language like any phrase."""
    return Phrase(text)
