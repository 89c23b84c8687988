"""What happened after signing: the last signature or timestamp covers the whole file, and
later revisions add nothing but timestamps and validation data. Any other change is refused
and named (a signature field drawn over the page, an annotation, anything else), which is how
the incremental-saving, shadow, evil-annotation and sneaky-signature attacks are reported."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verifier.codes import Code
from verifier.pdf.state import PdfState
from verifier.report import Category, Check, fail, ok

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader

MAX_CLASSIFIED = 500
"""Objects of later revisions examined to name a change (field, annotation, other): the
verdict is already INVALID; this only bounds the time spent explaining it."""


def check_coverage(state: PdfState) -> Check:
    """The last signature or document timestamp covers every byte of the file."""
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    name, category = "pdf.coverage", Category.INTEGRITY
    last = state.signatures[-1].embedded
    assert last is not None
    coverage = last.evaluate_signature_coverage()
    if coverage is SignatureCoverageLevel.ENTIRE_FILE:
        return ok(name, category, "The last signature covers the whole file.")
    return fail(
        name,
        category,
        Code.PDF_COVERAGE_INCOMPLETE,
        "Part of the file is not covered by any signature or timestamp.",
        {"coverage": coverage.name, "field": state.signatures[-1].name},
    )


def check_modifications(state: PdfState) -> Check:
    """pyHanko's difference analysis: later revisions hold nothing but timestamps and
    validation data (modification level NONE or LTA_UPDATES)."""
    from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY, ModificationLevel
    from pyhanko.sign.diff_analysis.policy_api import DiffResult

    name, category = "pdf.modifications", Category.INTEGRITY
    assert state.reader is not None
    for signature in state.signatures:
        embedded = signature.embedded
        assert embedded is not None
        embedded.compute_integrity_info(diff_policy=DEFAULT_DIFF_POLICY)  # type: ignore[no-untyped-call]
        result: Any = embedded.diff_result
        if isinstance(result, DiffResult) and result.modification_level in (
            ModificationLevel.NONE,
            ModificationLevel.LTA_UPDATES,
        ):
            continue
        code, what = _classify_changes(state.reader, embedded.signed_revision)
        level = result.modification_level.name if isinstance(result, DiffResult) else "OTHER"
        return fail(
            name,
            category,
            code,
            f"The document was changed after it was signed: {what}.",
            {"field": signature.name, "modification_level": level},
        )
    return ok(name, category, "No change after signing beyond timestamps and validation data.")


def _classify_changes(reader: PdfFileReader, signed_revision: int) -> tuple[Code, str]:
    """Name what later revisions did, for the reader: a new signature field drawn over the
    page (sneaky signature), a new annotation (evil annotation), or any other change
    (incremental saving, shadow attacks)."""
    added_field = added_annotation = False
    budget = MAX_CLASSIFIED
    for revision in range(signed_revision + 1, reader.xrefs.total_revisions):
        resolver = reader.get_historical_resolver(revision)
        refs = list(reader.xrefs.explicit_refs_in_revision(revision))
        for ref in refs[:budget]:
            try:
                obj = resolver(ref)
            except Exception:  # noqa: S112 - an unreadable object is just not classified
                continue
            if not hasattr(obj, "get"):
                continue
            if obj.get("/FT") == "/Sig" and "/V" not in obj:
                added_field = True
            elif obj.get("/FT") == "/Sig":
                value = obj["/V"]
                if getattr(value, "get", lambda *_: None)("/Type") != "/DocTimeStamp":
                    added_field = True
            elif obj.get("/Type") == "/Annot" or obj.get("/Subtype") in (
                "/FreeText",
                "/Text",
                "/Square",
                "/Stamp",
                "/Ink",
                "/Link",
                "/Popup",
            ):
                added_annotation = True
        budget -= min(budget, len(refs))
        if not budget:
            break
    if added_field:
        return Code.PDF_SIGNATURE_FIELD_ADDED, "a signature field was added over the content"
    if added_annotation:
        return Code.PDF_ANNOTATION_ADDED, "an annotation was added over the content"
    return Code.PDF_MODIFIED_AFTER_SIGNING, "content or structure was changed"
