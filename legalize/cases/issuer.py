"""The seam between the workflows and document production (legalize.documents).

The workflows hand an :class:`Issuer` everything the document shows — number, check code,
holder or signer data, dates — and get back the final PDF, its SHA-256 and the seal text,
which go into the register in the same transaction as the state change.
:func:`bind_issuer` returns the real issuer (rendering, sealing and PAdES-signing) when
``legalize.documents.issue`` is installed; :class:`UnsignedTestIssuer` is a test double that
makes an unsigned placeholder PDF and must never serve a real request.
"""

from __future__ import annotations

import hashlib
import importlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from legalize.config import Config
from legalize.kinds import DocumentType


@dataclass(frozen=True)
class TtdData:
    """What a temporary travel document shows and seals."""

    number: str
    check_code: str
    surname: str
    given_names: str
    birth_date: date
    birth_place: str
    sex: str
    nationality: str
    nic_number: str | None
    """National identity card number (the MRZ's optional data), when known."""
    photo: bytes | None
    """The cropped holder photo (JPEG or PNG) as approved."""
    issued_on: date
    expires_on: date
    issuing_country: str
    issuing_post: str
    host_country: str
    host_reference: str
    web_token: str


@dataclass(frozen=True)
class LegalizationData:
    """What a legalization certificate shows and seals, and the document it certifies."""

    number: str
    check_code: str
    issued_on: date
    issuing_country: str
    issuing_post: str
    """Where the legalization is certified (Apostille item 5)."""
    certified_by: str
    """The certifying authority (Apostille item 7)."""
    signer_name: str
    signer_capacity: str
    signer_authority: str
    underlying: bytes
    underlying_media_type: str
    underlying_sha256: str
    underlying_rasterized: bool | None
    """Whether ``underlying`` is the document sanitized at filing (True/False: with rendered
    pages or not) — issuance uses it as it is; None: an upload stored before that, sanitized
    here."""
    underlying_date: date
    underlying_title: str
    """What the underlying document is, e.g. "Birth certificate"."""
    destination_country: str | None
    web_token: str


@dataclass(frozen=True)
class IssuedPdf:
    pdf: bytes
    """The final, signed file as handed out."""
    sha256: str
    """Hex SHA-256 of ``pdf`` (what the register keeps)."""
    seal_text: str
    """The QR text (web-check URL prefix + seal)."""


class Issuer(Protocol):
    def issue_ttd(self, data: TtdData, at: datetime) -> IssuedPdf: ...

    def issue_legalization(self, data: LegalizationData, at: datetime) -> IssuedPdf: ...


class IssuerUnavailable(RuntimeError):
    """The real issuer (legalize.documents.issue) is not installed or cannot be set up."""


def bind_issuer(config: Config) -> Issuer:
    """The real issuer (legalize.documents.issue: seal, render, PAdES-sign) with the signers
    of ``config.keys_dir`` (key files or the HSM). :class:`IssuerUnavailable` when the
    documents package or the keys are missing."""
    try:
        importlib.import_module("legalize.documents.issue")
        from legalize.pki.authority import Authority
    except ModuleNotFoundError as exc:
        raise IssuerUnavailable(f"legalize.documents.issue is not available: {exc}") from exc
    try:
        authority = Authority.open(config.keys_dir)
    except Exception as exc:  # missing or unreadable keys folder: the PKI's own errors
        raise IssuerUnavailable(f"no usable keys in {config.keys_dir}: {exc}") from exc
    return DocumentsIssuer(config, (authority.root_certificate,))


DOCUMENT_COUNTRY_NAME = "DEMOCRATIC SOCIALIST REPUBLIC OF SRI LANKA"
"""Apostille item 1 for documents of Sri Lanka (the only state whose documents we legalize)."""


class DocumentsIssuer:
    """:class:`Issuer` over legalize.documents.issue; the signer is picked per document type
    and time (after a rollover the successor signs)."""

    def __init__(self, config: Config, chain: tuple[Any, ...]) -> None:
        self._config = config
        self._chain = chain

    def issue_ttd(self, data: TtdData, at: datetime) -> IssuedPdf:
        from legalize.documents import issue, ttd
        from legalize.signers import load_signer

        if data.photo is None:
            raise ValueError("a TTD needs the holder photo")
        doc = ttd.TtdData(
            document_number=data.number,
            surname=data.surname,
            given_names=data.given_names,
            birth_date=data.birth_date,
            place_of_birth=data.birth_place,
            sex=data.sex,
            nationality=data.nationality,
            issue_date=data.issued_on,
            expiry_date=data.expires_on,
            issuing_post=data.issuing_post,
            check_code=data.check_code,
            issuing_state=data.issuing_country,
            personal_number=data.nic_number or "",
        )
        issued = issue.issue_ttd(
            doc,
            data.photo,
            load_signer(self._config, DocumentType.TTD.cert_code, at),
            at,
            check_url=self._config.check_url,
            chain=self._chain,
            tsa_url=self._config.tsa_url,
            seal_form=self._config.ttd_seal,
        )
        return IssuedPdf(issued.pdf, issued.sha256, issued.seal_text)

    def issue_legalization(self, data: LegalizationData, at: datetime) -> IssuedPdf:
        from legalize.documents import issue, legalization
        from legalize.documents.sanitize import sanitize_underlying, stored
        from legalize.signers import load_signer

        if data.underlying_rasterized is not None:
            underlying = stored(data.underlying, data.underlying_rasterized)  # never again
        else:  # a case filed before the sanitized document was stored
            underlying = sanitize_underlying(data.underlying, data.underlying_media_type)
        doc = legalization.LegalizationData(
            number=data.number,
            country=DOCUMENT_COUNTRY_NAME,
            signed_by=data.signer_name,
            capacity=data.signer_capacity,
            seal_of=data.signer_authority,
            place=data.issuing_post,
            date=data.issued_on,
            certified_by=data.certified_by,
            check_code=data.check_code,
            document_title=data.underlying_title,
        )
        issued = issue.issue_legalization(
            doc,
            underlying,
            load_signer(self._config, DocumentType.LEGALIZATION.cert_code, at),
            at,
            check_url=self._config.check_url,
            issuing_country=data.issuing_country,
            document_country=data.issuing_country,
            chain=self._chain,
            tsa_url=self._config.tsa_url,
        )
        return IssuedPdf(issued.pdf, issued.sha256, issued.seal_text)


class UnsignedTestIssuer:
    """TEST DOUBLE: an unsigned one-page placeholder PDF naming the data it was given.

    For workflow tests and demo data before the real issuer lands; not a document anyone
    may rely on (it says so on the page).
    """

    def __init__(self, fail_for: frozenset[str] = frozenset()) -> None:
        self.fail_for = fail_for
        """Numbers for which issuance raises (to test that a failure changes nothing)."""
        self.calls = 0

    def issue_ttd(self, data: TtdData, at: datetime) -> IssuedPdf:
        return self._make(DocumentType.TTD.profile, data.number, data.check_code)

    def issue_legalization(self, data: LegalizationData, at: datetime) -> IssuedPdf:
        return self._make(DocumentType.LEGALIZATION.profile, data.number, data.check_code)

    def _make(self, kind: str, number: str, check_code: str) -> IssuedPdf:
        self.calls += 1
        if number in self.fail_for:
            raise RuntimeError(f"test double told to fail for {number}")
        pdf = _placeholder_pdf(f"TEST DOUBLE - NOT A DOCUMENT - {kind} {number}")
        return IssuedPdf(pdf, hashlib.sha256(pdf).hexdigest(), f"TEST:{kind}:{number}:{check_code}")


def _placeholder_pdf(line: str) -> bytes:
    text = line.replace("\\", "").replace("(", "").replace(")", "")
    stream = f"BT /F1 12 Tf 50 780 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
