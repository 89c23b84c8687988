"""The order of the steps and what a failed step skips: the policy of DESIGN §5 as one
function, :func:`verify_pdf`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from verifier.pdf import binding, changes, signatures, structure, timestamps
from verifier.pdf.state import PdfState
from verifier.report import Category, Check, Report, Status, guarded, skipped

if TYPE_CHECKING:
    from legalize.pki.trust import TrustStore


def verify_pdf(pdf: bytes, trust: TrustStore, at: datetime) -> Report:
    """Verify ``pdf`` against ``trust`` at time ``at``; every check reports (DESIGN §6).

    Never raises for bad input (it becomes a check with its reason code); ``ValueError`` only
    for a naive ``at``.
    """
    if at.tzinfo is None:
        raise ValueError("at must be timezone-aware")
    state = PdfState(pdf=bytes(pdf), trust=trust, at=at)
    checks: list[Check] = []

    def run(name: str, category: Category, step: Callable[[PdfState], Check]) -> Check:
        check = guarded(name, category, lambda: structure.structural(name, category, step, state))
        checks.append(check)
        return check

    readable = run("pdf.readable", Category.FORMAT, structure.check_readable)
    run("pdf.trailing_data", Category.INTEGRITY, structure.check_trailing_data)
    if readable.status is not Status.VALID:
        reason = "The file could not be read as a PDF."
        for name, category in _LATER_CHECKS:
            checks.append(skipped(name, category, reason))
        return Report.of(checks, state.data)

    inventory = run("pdf.signatures", Category.FORMAT, signatures.check_inventory)
    # The seal before the signer (it tells the document type the signer must be allowed
    # for); its checks are reported after the PDF's own.
    carried = binding.seal_checks(state)
    if inventory.status is Status.VALID:
        run("pdf.certification", Category.INTEGRITY, signatures.check_certification)
        signature = run("pdf.signature", Category.INTEGRITY, signatures.check_signature)
        # timestamps first: a trusted one fixes when the document existed, for the signer
        run("pdf.timestamps", Category.INTEGRITY, timestamps.check_timestamps)
        if signature.status is Status.VALID:
            run("pdf.signer", Category.TRUST, signatures.check_signer)
        else:
            checks.append(skipped("pdf.signer", Category.TRUST, "The signature is not valid."))
        run("pdf.coverage", Category.INTEGRITY, changes.check_coverage)
        run("pdf.modifications", Category.INTEGRITY, changes.check_modifications)
    else:
        reason = "No usable certification signature."
        for name, category in _SIGNATURE_CHECKS:
            checks.append(skipped(name, category, reason))
    checks.extend(binding.seal_long_term(state, carried))
    run("pdf.number", Category.BINDING, binding.check_number)
    run("pdf.underlying", Category.BINDING, binding.check_underlying)
    return Report.of(checks, state.data)


_SIGNATURE_CHECKS = (
    ("pdf.certification", Category.INTEGRITY),
    ("pdf.signature", Category.INTEGRITY),
    ("pdf.timestamps", Category.INTEGRITY),
    ("pdf.signer", Category.TRUST),
    ("pdf.coverage", Category.INTEGRITY),
    ("pdf.modifications", Category.INTEGRITY),
)
_LATER_CHECKS = (
    ("pdf.signatures", Category.FORMAT),
    *_SIGNATURE_CHECKS,
    ("seal", Category.FORMAT),
    ("pdf.number", Category.BINDING),
    ("pdf.underlying", Category.BINDING),
)
