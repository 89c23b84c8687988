"""The register's answer to a photo of the paper, as checks of the image verifier's report.

The image verifier (:mod:`verifier.image`) knows only the paper and its seal; the register knows
which document the officer looked up and what became of it. :func:`with_register` adds two
checks of the same :class:`~verifier.report.Report` model and lets the one verdict rule decide:

* ``register.number`` — the seal in the photo names the document looked up; else
  ``DOCUMENT_MISMATCH``: the paper photographed is another document (the seal's signature is
  not compared byte for byte: ECDSA signatures are malleable, the number is what is signed);
* ``register.status`` — the register's status (:func:`legalize.cases.check.status_check`):
  ``DOCUMENT_USED`` (when, and where if known), ``DOCUMENT_REVOKED``, ``DOCUMENT_EXPIRED``.

:func:`record_check` writes the audit entry of a check: who, which document, the verdict and the
codes, never the picture (nothing of the photo is stored anywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from legalize.cases.check import sealed_number, status_check
from legalize.cases.views import DocumentView
from legalize.registry import audit
from verifier.codes import Code
from verifier.report import Category, Check, Report, Status, fail, ok, skipped

AUDIT_ACTION: Final = "document.paper_checked"


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


def with_register(session: Session, doc: DocumentView, report: Report, at: datetime) -> Report:
    """The image report with the register's two checks added; the verdict recomputed."""
    checks = [*report.checks, number_check(doc, report.data), status_check(session, doc, at)]
    return Report.of(checks, report.data)


def record_check(
    session: Session, actor_id: str, doc: DocumentView, report: Report, at: datetime
) -> None:
    """Audit the check (who, which document, verdict, codes) in the caller's transaction (the
    one that stores the answer: :mod:`legalize.cases.photo_checks`). No image, ever."""
    audit.append(
        session,
        actor=actor_id,
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


def with_register_by_seal(session: Session, report: Report, at: datetime) -> Report:
    """A photo checked with no document looked up (the public photo check): the register's
    answer for the document the seal in the picture names, when its signature verified."""
    from legalize.cases.check import RECORD
    from legalize.cases.views import find_document

    signature = report.check("seal.signature")
    if signature is None or signature.status is not Status.VALID:
        why = "The seal's signature did not verify: the register is not consulted."
        return Report.of([*report.checks, skipped(RECORD, Category.BINDING, why)], report.data)
    number = sealed_number(report.data)
    doc = find_document(session, number) if number is not None else None
    if doc is None:
        missing = fail(
            RECORD,
            Category.BINDING,
            Code.DOCUMENT_NOT_IN_REGISTER,
            f"The register holds no document {number}.",
            {"number": number},
        )
        return Report.of([*report.checks, missing], report.data)
    return with_register(session, doc, report, at)
