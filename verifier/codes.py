"""The one registry of reason codes: every code a verification report can carry (DESIGN §6).

A code is a stable string: never renumber, rename or reuse one; add new ones here. The message
catalogs (:mod:`verifier.messages`) must word every member, and the test of the catalogs checks
them against this registry, not against the source.

Two kinds of code are born below the verifier, in packages that cannot import it: a seal that
cannot be read raises a :class:`legalize.seal.errors.SealError` whose ``code`` names it, and the
trust store answers with a ``SignerStatus`` whose ``code`` is ``OK`` or a ``SIGNER_*`` code.
Their values are members here too, and the verifiers turn them into members with
``Code(value)``, which refuses a value the registry lacks (tests/test_verifier_messages.py
checks every one of them is registered).
"""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Final


@unique
class Code(StrEnum):
    """A reason code; a ``str``, so it compares, formats and serializes as its value."""

    # --- every check
    OK = "OK"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    """SKIPPED because the check does not apply to this document (a legalization's expiry)."""
    PRECONDITION_FAILED = "PRECONDITION_FAILED"
    """SKIPPED because an earlier check failed: the document is not VALID."""
    CHECK_ERROR = "CHECK_ERROR"
    """The check raised: an ERROR, never a crash."""

    # --- the seal (verifier.seal; SEAL_UNREADABLE/MALFORMED/UNSUPPORTED also legalize.seal.errors)
    SEAL_UNREADABLE = "SEAL_UNREADABLE"
    SEAL_MALFORMED = "SEAL_MALFORMED"
    SEAL_UNSUPPORTED = "SEAL_UNSUPPORTED"
    SEAL_SIGNATURE_INVALID = "SEAL_SIGNATURE_INVALID"

    # --- the signer of a seal (legalize.pki.trust's SignerStatus)
    SIGNER_UNKNOWN = "SIGNER_UNKNOWN"
    SIGNER_EXPIRED = "SIGNER_EXPIRED"
    SIGNER_NOT_YET_VALID = "SIGNER_NOT_YET_VALID"
    SIGNER_REVOKED = "SIGNER_REVOKED"
    SIGNER_NOT_ALLOWED = "SIGNER_NOT_ALLOWED"

    # --- the document's own status
    DOCUMENT_EXPIRED = "DOCUMENT_EXPIRED"
    DOCUMENT_NOT_YET_VALID = "DOCUMENT_NOT_YET_VALID"
    DOCUMENT_REVOKED = "DOCUMENT_REVOKED"
    DOCUMENT_USED = "DOCUMENT_USED"
    DOCUMENT_MISMATCH = "DOCUMENT_MISMATCH"

    # --- the register's answer to a seal (legalize.cases.check)
    DOCUMENT_NOT_IN_REGISTER = "DOCUMENT_NOT_IN_REGISTER"
    """The register holds no such document: a genuine seal of our state for a number it never
    issued, or a number and check code typed on the public check that match no document.
    (Once also logged as ``DOCUMENT_NOT_FOUND``; migration 0007 rewrote those rows.)"""
    SEAL_NOT_IN_REGISTER = "SEAL_NOT_IN_REGISTER"
    """A genuine seal for a number the register issued with a different seal."""
    DOCUMENT_OF_ANOTHER_STATE = "DOCUMENT_OF_ANOTHER_STATE"
    """SKIPPED: a genuine seal of another state, whose own register alone can answer."""

    # --- a photo or scan of the paper (verifier.image)
    IMAGE_UNREADABLE = "IMAGE_UNREADABLE"
    PAGE_NOT_FOUND = "PAGE_NOT_FOUND"
    QR_NOT_FOUND = "QR_NOT_FOUND"
    PAGE_ALIGNED_WITHOUT_MARKERS = "PAGE_ALIGNED_WITHOUT_MARKERS"
    DOCUMENT_KIND_MISMATCH = "DOCUMENT_KIND_MISMATCH"
    PHOTO_MISMATCH = "PHOTO_MISMATCH"
    GHOST_MISMATCH = "GHOST_MISMATCH"
    ROSETTE_MISMATCH = "ROSETTE_MISMATCH"
    PRINT_FEATURE_MISSING = "PRINT_FEATURE_MISSING"
    PRINT_FEATURES_UNREADABLE = "PRINT_FEATURES_UNREADABLE"
    FIELD_MISMATCH = "FIELD_MISMATCH"
    FIELD_UNREADABLE = "FIELD_UNREADABLE"
    MRZ_MISMATCH = "MRZ_MISMATCH"

    # --- the signed PDF (verifier.pdf; docs/pdf-policy.md explains each)
    PDF_UNREADABLE = "PDF_UNREADABLE"
    PDF_NOT_SIGNED = "PDF_NOT_SIGNED"
    PDF_SIGNATURE_INVALID = "PDF_SIGNATURE_INVALID"
    PDF_BYTERANGE_INVALID = "PDF_BYTERANGE_INVALID"
    PDF_EXTRA_SIGNATURE = "PDF_EXTRA_SIGNATURE"
    PDF_NOT_CERTIFIED = "PDF_NOT_CERTIFIED"
    PDF_SIGNATURE_UNSUPPORTED = "PDF_SIGNATURE_UNSUPPORTED"
    PDF_SIGNER_UNKNOWN = "PDF_SIGNER_UNKNOWN"
    PDF_SIGNER_REVOKED = "PDF_SIGNER_REVOKED"
    PDF_SIGNER_EXPIRED = "PDF_SIGNER_EXPIRED"
    PDF_SIGNER_NOT_YET_VALID = "PDF_SIGNER_NOT_YET_VALID"
    PDF_SIGNER_NOT_ALLOWED = "PDF_SIGNER_NOT_ALLOWED"
    PDF_TIMESTAMP_INVALID = "PDF_TIMESTAMP_INVALID"
    PDF_COVERAGE_INCOMPLETE = "PDF_COVERAGE_INCOMPLETE"
    PDF_MODIFIED_AFTER_SIGNING = "PDF_MODIFIED_AFTER_SIGNING"
    PDF_ANNOTATION_ADDED = "PDF_ANNOTATION_ADDED"
    PDF_SIGNATURE_FIELD_ADDED = "PDF_SIGNATURE_FIELD_ADDED"
    PDF_SEAL_MISSING = "PDF_SEAL_MISSING"
    PDF_NUMBER_MISMATCH = "PDF_NUMBER_MISMATCH"
    UNDERLYING_MISSING = "UNDERLYING_MISSING"
    UNDERLYING_HASH_MISMATCH = "UNDERLYING_HASH_MISMATCH"

    @property
    def pdf_signer(self) -> Code:
        """A seal signer's ``SIGNER_*`` code as the PDF signer's ``PDF_SIGNER_*`` code (the
        same finding about the other signer); PDF_SIGNER_UNKNOWN for any other code."""
        return _PDF_SIGNER.get(self, Code.PDF_SIGNER_UNKNOWN)


_PDF_SIGNER: Final = {
    Code.SIGNER_UNKNOWN: Code.PDF_SIGNER_UNKNOWN,
    Code.SIGNER_REVOKED: Code.PDF_SIGNER_REVOKED,
    Code.SIGNER_EXPIRED: Code.PDF_SIGNER_EXPIRED,
    Code.SIGNER_NOT_YET_VALID: Code.PDF_SIGNER_NOT_YET_VALID,
    Code.SIGNER_NOT_ALLOWED: Code.PDF_SIGNER_NOT_ALLOWED,
}

REGISTER_CODES: Final = frozenset(
    {
        Code.DOCUMENT_REVOKED,
        Code.DOCUMENT_USED,
        Code.DOCUMENT_MISMATCH,
        Code.DOCUMENT_NOT_IN_REGISTER,
        Code.SEAL_NOT_IN_REGISTER,
        Code.DOCUMENT_OF_ANOTHER_STATE,
    }
)
"""Codes the register and the staff pages answer (legalize.cases), not the offline verifiers;
their messages are in the catalogs so every screen words them alike."""

SUPERSEDED_SIGNER: Final = frozenset({Code.SIGNER_EXPIRED, Code.SIGNER_REVOKED})
"""Signer findings a trusted timestamp can outlive: a signer that was trusted when the document
demonstrably existed, and only expired or was revoked (not compromised) since."""
