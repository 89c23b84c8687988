"""The register's answer to a photo of the paper, as checks of the image verifier's report.

The image verifier (:mod:`verifier.image`) knows only the paper and its seal; the register knows
which document the officer looked up and what became of it. :func:`with_register` adds two
checks of the same :class:`~verifier.report.Report` model and lets the one verdict rule decide:

* ``register.number`` — the seal in the photo names the document looked up; else
  ``DOCUMENT_MISMATCH``: the paper photographed is another document (the seal's signature is
  not compared byte for byte: ECDSA signatures are malleable, the number is what is signed);
* ``register.status`` — the register's status: ``DOCUMENT_USED`` (when, and where if known),
  ``DOCUMENT_REVOKED``, ``DOCUMENT_EXPIRED``.

:func:`record_check` writes the audit entry of a check: who, which document, the verdict and the
codes, never the picture (nothing of the photo is stored anywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from legalize.cases.common import unit_of_work
from legalize.cases.rules import Actor
from legalize.cases.views import DocumentView
from legalize.kinds import DocumentType
from legalize.registry import audit
from verifier.codes import Code
from verifier.report import Category, Check, Report, fail, ok, skipped

AUDIT_ACTION: Final = "document.paper_checked"

_CLOSED: Final[Mapping[str, tuple[Code, str]]] = {
    "used": (Code.DOCUMENT_USED, "This document has already been used"),
    "revoked": (Code.DOCUMENT_REVOKED, "The issuing authority has revoked this document"),
    "expired": (Code.DOCUMENT_EXPIRED, "The document has expired"),
}


def sealed_number(data: Mapping[str, Any]) -> str | None:
    """The document number the seal read from the photo carries, if any."""
    number = data.get("document_number") or data.get("number")
    return number.strip().upper() if isinstance(number, str) and number.strip() else None


def number_check(doc: DocumentView, data: Mapping[str, Any]) -> Check:
    name, category = "register.number", Category.BINDING
    sealed = sealed_number(data)
    if sealed is None:
        return skipped(name, category, "The photo's seal could not be read, so it names no number.")
    facts = {"looked_up": doc.number, "in_photo": sealed}
    if sealed != doc.number.upper():
        return fail(
            name,
            category,
            Code.DOCUMENT_MISMATCH,
            f"The paper photographed ({sealed}) is not the document looked up ({doc.number}): "
            "it is another document.",
            facts,
        )
    return ok(name, category, f"The seal names {doc.number}.", facts)


def _use(session: Session, doc: DocumentView) -> dict[str, Any]:
    """When (and, if the clearance said so, where) the document was used."""
    facts: dict[str, Any] = {"used_at": doc.status_changed_at.strftime("%Y-%m-%d %H:%M UTC")}
    for entry in reversed(audit.entries_for(session, "case", doc.case_id)):
        if entry.action == "document.used":
            port = entry.details_dict.get("port")
            if isinstance(port, str) and port:
                facts["port"] = port
            break
    return facts


def status_check(session: Session, doc: DocumentView, at: datetime) -> Check:
    name, category = "register.status", Category.STATUS
    if doc.status in _CLOSED:
        code, message = _CLOSED[doc.status]
        facts: dict[str, Any] = {"status": doc.status}
        if doc.status == "used":
            facts.update(_use(session, doc))
            message += f" (cleared {facts['used_at']}" + (
                f" at {facts['port']})" if "port" in facts else ")"
            )
        elif doc.status == "revoked":
            message += f" ({doc.status_changed_at.strftime('%Y-%m-%d')})"
        return fail(name, category, code, message + ".", facts)
    if doc.status != "issued":
        return fail(
            name,
            category,
            Code.DOCUMENT_REVOKED,
            f"The register holds the document as {doc.status}, not as issued.",
            {"status": doc.status},
        )
    if doc.expires_on is not None and at.date() > doc.expires_on:
        return fail(
            name,
            category,
            Code.DOCUMENT_EXPIRED,
            f"The document expired on {doc.expires_on.isoformat()}.",
            {"status": doc.status, "expiry_date": doc.expires_on.isoformat()},
        )
    return ok(
        name,
        category,
        "The register holds the document as issued"
        + (", not used." if doc.type == DocumentType.TTD else ", not revoked."),
        {"status": doc.status},
    )


def with_register(session: Session, doc: DocumentView, report: Report, at: datetime) -> Report:
    """The image report with the register's two checks added; the verdict recomputed."""
    checks = [*report.checks, number_check(doc, report.data), status_check(session, doc, at)]
    return Report.of(checks, report.data)


def record_check(
    session: Session, actor: Actor, doc: DocumentView, report: Report, at: datetime
) -> None:
    """Audit the check (who, which document, verdict, codes); commits. No image, ever."""
    with unit_of_work(session):
        audit.append(
            session,
            actor=actor.id,
            action=AUDIT_ACTION,
            subject_type="case",
            subject_id=doc.case_id,
            at=at,
            details={
                "number": doc.number,
                "verdict": report.verdict.value,
                "codes": list(report.codes),
            },
        )
