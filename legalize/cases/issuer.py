"""The seam between the workflows and document production (legalize.documents).

The workflows hand an :class:`Issuer` the documents' own data (:class:`~legalize.documents.
ttd.TtdData`, :class:`~legalize.documents.legalization.LegalizationData`) and what goes beside
it on the page (the holder photo, the underlying document), and get back the final PDF, its
SHA-256 and the seal text, which go into the register in the same transaction as the state
change. The issuer holds what the workflows should not know: the signer of each document type
and time, the check URL, the certificate chain and the timestamp authority.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from legalize.config import Config
from legalize.kinds import DocumentType

if TYPE_CHECKING:
    from legalize.documents.legalization import LegalizationData
    from legalize.documents.sanitize import SanitizedDocument
    from legalize.documents.ttd import TtdData


@dataclass(frozen=True)
class IssuedPdf:
    pdf: bytes
    """The final, signed file as handed out."""
    sha256: str
    """Hex SHA-256 of ``pdf`` (what the register keeps)."""
    seal_text: str
    """The QR text (web-check URL prefix + seal)."""
    location: str | None = None
    """The signature's ``/Location`` (issuing post or place), kept in the register so the
    public answer need not parse the signed PDF for it."""


class Issuer(Protocol):
    def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
        """``photo``: the approved holder photo (JPEG or PNG)."""
        ...

    def issue_legalization(
        self,
        data: LegalizationData,
        underlying: SanitizedDocument,
        at: datetime,
        *,
        issuing_country: str,
    ) -> IssuedPdf:
        """``underlying``: the document certified, sanitized; ``issuing_country``: the
        three-letter code of the legalizing state (the seal's header)."""
        ...


class IssuerUnavailable(RuntimeError):
    """The real issuer (legalize.documents.issue) is not installed or cannot be set up."""


def bind_issuer(config: Config) -> Issuer:
    """The real issuer (legalize.documents.issue: seal, render, PAdES-sign) with the signers
    of ``config.keys_dir`` (key files or the HSM). :class:`IssuerUnavailable` when the keys
    are missing."""
    from legalize.pki.authority import Authority

    try:
        authority = Authority.open(config.keys_dir)
    except Exception as exc:  # missing or unreadable keys folder: the PKI's own errors
        raise IssuerUnavailable(f"no usable keys in {config.keys_dir}: {exc}") from exc
    return DocumentsIssuer(config, (authority.root_certificate,))


class DocumentsIssuer:
    """:class:`Issuer` over legalize.documents.issue; the signer is picked per document type
    and time (after a rollover the successor signs)."""

    def __init__(self, config: Config, chain: tuple[Any, ...]) -> None:
        self._config = config
        self._chain = chain

    def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
        # Imported here: rendering and signing load reportlab and pyHanko, which commands
        # that never issue should not pay for.
        from legalize.documents import issue
        from legalize.signers import load_signer

        issued = issue.issue_ttd(
            data,
            photo,
            load_signer(self._config, DocumentType.TTD.cert_code, at),
            at,
            check_url=self._config.check_url,
            chain=self._chain,
            tsa_url=self._config.tsa_url,
            seal_form=self._config.ttd_seal,
        )
        return IssuedPdf(issued.pdf, issued.sha256, issued.seal_text, issued.location)

    def issue_legalization(
        self,
        data: LegalizationData,
        underlying: SanitizedDocument,
        at: datetime,
        *,
        issuing_country: str,
    ) -> IssuedPdf:
        from legalize.documents import issue
        from legalize.signers import load_signer

        issued = issue.issue_legalization(
            data,
            underlying,
            load_signer(self._config, DocumentType.LEGALIZATION.cert_code, at),
            at,
            check_url=self._config.check_url,
            issuing_country=issuing_country,
            # We legalize documents of our own state only (Apostille item 1).
            document_country=issuing_country,
            chain=self._chain,
            tsa_url=self._config.tsa_url,
        )
        return IssuedPdf(issued.pdf, issued.sha256, issued.seal_text, issued.location)
