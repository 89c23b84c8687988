"""Human messages for verification reports, one catalog per language (DESIGN §6).

Reason codes are stable and never change; the words a border officer or a foreign authority
reads live here, in English (``en``), Sinhala (``si``) and Tamil (``ta``). The English catalog
is the canonical text; the others translate it entry for entry.

A catalog maps a key to a tuple of templates:

* the key is a reason code (``DOCUMENT_EXPIRED``), or a code and a check name
  (``OK/seal.signature``) when one code means different things in different checks (``OK``,
  ``NOT_APPLICABLE``, …); the more specific key wins;
* the templates are tried in order: the first whose named placeholders (``{expiry_date}``) are
  all present in the check's ``data`` is used; the last has no placeholder, so a message is
  always there even when the data is missing.

:func:`localize` rewrites a report's messages; a code no catalog knows keeps the verifier's own
(English) message, so a new code never breaks a report.
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Final

from verifier.report import Check, Report

__all__ = [
    "CATALOGS",
    "LANGUAGES",
    "Catalog",
    "catalog",
    "localize",
    "message_for",
    "placeholders",
]

Catalog = Mapping[str, tuple[str, ...]]
"""Key (``CODE`` or ``CODE/check.name``) → templates, most specific first."""

LANGUAGES: Final = ("en", "si", "ta")
"""Language codes (ISO 639-1) in the order the CLI offers them; ``en`` is the default. Each
is the module of its catalog (``verifier/messages/si.py``)."""


class _Catalogs(Mapping[str, Catalog]):
    """Each language's catalog, imported when first asked for: a report read in English
    never loads the Sinhala and Tamil ones (a command-line verifier starts faster, issue 9)."""

    def __getitem__(self, lang: str) -> Catalog:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        messages: Catalog = importlib.import_module(f"{__name__}.{lang}").MESSAGES
        return messages

    def __iter__(self) -> Iterator[str]:
        return iter(LANGUAGES)

    def __len__(self) -> int:
        return len(LANGUAGES)


CATALOGS: Final[Mapping[str, Catalog]] = _Catalogs()

SEPARATOR: Final = "/"
_SEAL_PREFIX = "seal."
_FORMATTER = string.Formatter()


def catalog(lang: str) -> Catalog:
    """The catalog of ``lang``; ``ValueError`` for a language we have none for."""
    try:
        return CATALOGS[lang]
    except (KeyError, TypeError):
        raise ValueError(
            f"no message catalog for language {lang!r} (have: {', '.join(LANGUAGES)})"
        ) from None


def placeholders(template: str) -> frozenset[str]:
    """The named placeholders of ``template`` (``{expiry_date}`` → ``expiry_date``)."""
    return frozenset(name for _, name, _, _ in _FORMATTER.parse(template) if name is not None)


def _keys(check: Check) -> tuple[str, ...]:
    """Most specific first. A PDF report carries the seal's checks prefixed ``seal.``
    (``seal.document.validity``); they share the seal report's entries."""
    keys = [f"{check.code}{SEPARATOR}{check.name}"]
    if check.name.startswith(_SEAL_PREFIX):
        keys.append(f"{check.code}{SEPARATOR}{check.name.removeprefix(_SEAL_PREFIX)}")
    keys.append(check.code)
    return tuple(keys)


def _shown(key: str, value: Any) -> str | None:
    """How a data value reads in a message: dates as dates, times in UTC to the minute."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) if value else None
    text = str(value)
    if isinstance(value, str) and "T" in value:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return text
        if key.endswith("_date"):
            return moment.date().isoformat()
        if moment.tzinfo is not None:
            return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return text


def message_for(check: Check, lang: str) -> str:
    """The message for ``check`` in ``lang``; the check's own message when no entry fits."""
    messages = catalog(lang)
    for key in _keys(check):
        templates = messages.get(key)
        if not templates:
            continue
        for template in templates:
            values = {name: _shown(name, check.data.get(name)) for name in placeholders(template)}
            if any(v is None or v == "" for v in values.values()):
                continue
            try:
                return template.format_map(values)
            except (KeyError, IndexError, ValueError, AttributeError):
                continue  # a malformed template must not cost the reader the report
    return check.message


def localize(report: Report, lang: str) -> Report:
    """``report`` with every check's message in ``lang`` (``en``, ``si`` or ``ta``).

    Verdict, names, statuses, codes and data are unchanged. ``ValueError`` for an unknown
    language; never fails for an unknown code (the check keeps its own message).
    """
    catalog(lang)
    checks = tuple(replace(c, message=message_for(c, lang)) for c in report.checks)
    return replace(report, checks=checks)
