"""The verification report: a list of checks and a verdict derived from them (DESIGN §6).

Modelled on OpenAttestation's verify fragments and ETSI EN 319 102-1 indications: every check
reports, SKIPPED with a reason when a precondition failed, so a reader always sees what was
and was not examined. Reason codes are stable strings; never renumber or reuse one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from verifier.codes import Code


class Status(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


class Verdict(StrEnum):
    VALID = "VALID"
    INVALID = "INVALID"
    INDETERMINATE = "INDETERMINATE"


class Category(StrEnum):
    FORMAT = "FORMAT"
    """The artefact could be read and is of a supported kind."""
    INTEGRITY = "INTEGRITY"
    """The signed bytes are unchanged (signature, hashes, PDF structure)."""
    TRUST = "TRUST"
    """The signer is known, valid at the time, not revoked, allowed for the document type."""
    STATUS = "STATUS"
    """The document itself is within validity, not revoked or used (register, dates)."""
    BINDING = "BINDING"
    """What is printed or carried matches the signed data (photo, fields, underlying document)."""


@dataclass(frozen=True)
class Check:
    name: str
    """Stable machine name of the check, e.g. ``seal.signature``."""
    category: Category
    status: Status
    code: str
    """Stable reason code, e.g. ``OK``, ``SEAL_SIGNATURE_INVALID``: a member of
    :class:`verifier.codes.Code` (the constructors below take nothing else)."""
    message: str
    """Human explanation in English; other languages come from the message catalog by code."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Details for the reader (never personal data beyond what the document itself carries)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "category": self.category.value,
            "status": self.status.value,
            "code": self.code,
            "message": self.message,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Check:
        """The check :meth:`to_dict` wrote (a report kept as JSON, read back for display)."""
        return cls(
            name=str(value["name"]),
            category=Category(value["category"]),
            status=Status(value["status"]),
            code=str(value["code"]),
            message=str(value["message"]),
            data=dict(value.get("data") or {}),
        )


def verdict_of(checks: Iterable[Check]) -> Verdict:
    """The one rule for the verdict: any INVALID check fails the document; otherwise any ERROR
    check, or a check that could not run, leaves it INDETERMINATE; only a report whose checks
    are all VALID (or SKIPPED because they do not apply) is VALID.

    A SKIPPED check counts as not applicable only when its code says so (``NOT_APPLICABLE``);
    any other skip means something that should have been examined was not.
    """
    checks = list(checks)
    if not checks:
        return Verdict.INDETERMINATE
    if any(c.status is Status.INVALID for c in checks):
        return Verdict.INVALID
    if any(c.status is Status.ERROR for c in checks):
        return Verdict.INDETERMINATE
    if any(c.status is Status.SKIPPED and c.code != Code.NOT_APPLICABLE for c in checks):
        return Verdict.INDETERMINATE
    return Verdict.VALID


@dataclass(frozen=True)
class Report:
    verdict: Verdict
    checks: tuple[Check, ...]
    data: Mapping[str, Any] = field(default_factory=dict)
    """Decoded fields of the document, for display next to the verdict."""

    @classmethod
    def of(cls, checks: Iterable[Check], data: Mapping[str, Any] | None = None) -> Report:
        checks = tuple(checks)
        return cls(verdict=verdict_of(checks), checks=checks, data=dict(data or {}))

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def codes(self) -> tuple[str, ...]:
        """Reason codes of the checks that did not pass, in order."""
        return tuple(c.code for c in self.checks if c.status in (Status.INVALID, Status.ERROR))

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "checks": [c.to_dict() for c in self.checks],
            "data": _jsonable(self.data),
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Report:
        """The report :meth:`to_dict` wrote; the verdict is recomputed from its checks by the
        one rule, never taken from the stored text."""
        checks = [Check.from_dict(c) for c in value.get("checks") or []]
        return cls.of(checks, value.get("data") or {})

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False)

    def to_text(self, lang: str = "en") -> str:
        """The report for a terminal. Decoded seal fields (``data["decoded"]``) are listed by
        their names in ``lang``, an MRZ line by line, an image by its format and size (its
        bytes stay in ``--json`` and ``--photo-out``)."""
        width = max((len(c.name) for c in self.checks), default=10)
        lines = [f"verdict: {self.verdict.value}"]
        for c in self.checks:
            lines.append(f"  {c.status.value:<8} {c.name:<{width}}  {c.code}: {c.message}")
        decoded = self.data.get("decoded")
        shown = _field_names(decoded) if isinstance(decoded, list) else set()
        if self.data:
            lines.append("data:")
            for key, value in self.data.items():
                if key in shown or key == "decoded" or value in (None, [], {}):
                    continue
                if isinstance(value, Mapping) and "base64" in value:
                    value = {k: v for k, v in value.items() if k != "base64"}
                lines.append(f"  {key}: {value}")
        if isinstance(decoded, list) and decoded:
            lines.append("fields:")
            lines.extend(_field_lines(decoded, lang, "  "))
        return "\n".join(lines)


def _field_names(items: list[Any]) -> set[str]:
    names: set[str] = set()
    for item in items:
        if isinstance(item, Mapping):
            names.add(str(item.get("name")))
            names |= _field_names(list(item.get("fields", [])))
    return names


def _field_lines(items: list[Any], lang: str, indent: str) -> list[str]:
    """One labelled line per field; an MRZ (a list of lines) below its label, monospaced as
    printed; a nested group (a visa or ETD message) indented under its own label."""
    out: list[str] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        labels = item.get("label", {})
        label = labels.get(lang) or labels.get("en") or item.get("name")
        value = item.get("value")
        if item.get("fields"):
            out.append(f"{indent}{label}:")
            out.extend(_field_lines(list(item["fields"]), lang, indent + "  "))
        elif isinstance(value, list):
            out.append(f"{indent}{label}:")
            out.extend(f"{indent}    {line}" for line in value)
        elif isinstance(value, Mapping):  # an image: format and size
            out.append(f"{indent}{label}: {value.get('format')} image, {value.get('bytes')} bytes")
        else:
            out.append(f"{indent}{label}: {value}")
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def guarded(name: str, category: Category, run: Callable[[], Check]) -> Check:
    """Run one check; an unexpected exception becomes an ERROR check, never a crash.

    The exception's type is reported, not its text, which may carry document content.
    """
    try:
        return run()
    except Exception as exc:
        return crashed(name, category, exc)


def crashed(name: str, category: Category, exc: BaseException) -> Check:
    """The ERROR check of a check that raised ``exc``: its type is reported, not its text,
    which may carry document content."""
    return Check(
        name,
        category,
        Status.ERROR,
        Code.CHECK_ERROR,
        f"The check could not be completed ({type(exc).__name__}).",
    )


# --- the small constructors every verifier builds its checks with ------------------------------


def ok(
    name: str, category: Category, message: str, data: Mapping[str, Any] | None = None, **more: Any
) -> Check:
    """A passed check (``OK``); ``data`` and keyword details are merged."""
    return Check(name, category, Status.VALID, Code.OK, message, {**(data or {}), **more})


def fail(
    name: str,
    category: Category,
    code: Code,
    message: str,
    data: Mapping[str, Any] | None = None,
    **more: Any,
) -> Check:
    """A failed check (INVALID) with the reason ``code``."""
    return Check(name, category, Status.INVALID, code, message, {**(data or {}), **more})


def passed_with(name: str, category: Category, code: Code, message: str, **data: Any) -> Check:
    """A passed check (VALID) with a reservation ``code`` other than ``OK``: the verdict
    holds, and the message says what was less certain (e.g. a page located without its
    corner markers)."""
    return replace(ok(name, category, message, data), code=code)


def skipped(
    name: str,
    category: Category,
    reason: str,
    code: Code = Code.PRECONDITION_FAILED,
    data: Mapping[str, Any] | None = None,
    **more: Any,
) -> Check:
    """A check that did not run: by default because an earlier one failed; else ``code``
    says why (e.g. the photo too coarse to read the print)."""
    return Check(name, category, Status.SKIPPED, code, reason, {**(data or {}), **more})


def not_applicable(
    name: str, category: Category, reason: str, data: Mapping[str, Any] | None = None, **more: Any
) -> Check:
    """A check that does not apply to this document (it does not hold the verdict back)."""
    return Check(
        name, category, Status.SKIPPED, Code.NOT_APPLICABLE, reason, {**(data or {}), **more}
    )
