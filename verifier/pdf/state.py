"""What the steps of a PDF verification share: the file, the signatures found in it, and what
each step learns for the next (in report order)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from verifier.report import Report

if TYPE_CHECKING:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    from legalize.pki.trust import TrustStore

DIGESTS = frozenset({"sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_384", "sha3_512"})
"""Digests accepted in signatures and timestamps: SHA-2 and SHA-3 (no SHA-1, no MD5)."""


@dataclass
class Signature:
    """One filled signature field as found in the file."""

    name: str
    kind: str
    """``/Sig`` or ``/DocTimeStamp``."""
    embedded: EmbeddedPdfSignature | None
    error: str | None = None
    """Why the signature could not even be parsed (missing /Contents or /ByteRange, bad CMS)."""


@dataclass
class PdfState:
    """What the checks learn from each other, in order."""

    pdf: bytes
    trust: TrustStore
    at: datetime
    reader: PdfFileReader | None = None
    signatures: list[Signature] = field(default_factory=list)
    certification: Signature | None = None
    signature_ok: bool = False
    existed_at: datetime | None = None
    """Earliest time a trusted document timestamp proves the signed document existed."""
    seal_text: str | None = None
    """The QR text the catalog carries, as read from the signed revision."""
    seal_report: Report | None = None
    doc_type: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


def signed_resolver(state: PdfState) -> Any:
    """The document as the certification signature signed it (falling back to the last
    revision when there is no usable signature: the report is INVALID then anyway)."""
    assert state.reader is not None
    if state.certification is not None and state.certification.embedded is not None:
        return state.reader.get_historical_resolver(state.certification.embedded.signed_revision)
    return state.reader
