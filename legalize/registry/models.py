"""The register: cases, persons, documents, photos, authorized signatories, batches, counters.

One row per case (readmission or legalization) carries its state and who moved it when; a
document row exists from issuance on and holds what the web check answers with. Large
binary columns (PDF, photo, underlying document, specimen) are deferred: lists and status
lookups never load them. Rules about
who may change what live in :mod:`legalize.cases`, not here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from legalize.registry.base import Base
from legalize.registry.timestamps import UtcDateTime


class Person(Base):
    """The identity a case claims (as filed; the cross-check result sits on the case)."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    given_names: Mapped[str] = mapped_column(String(100))
    # Indexed with nic_number and passport_number: the duplicate search's OR of the three.
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_place: Mapped[str] = mapped_column(String(100), default="")
    nationality: Mapped[str] = mapped_column(String(3), default="LKA")
    nic_number: Mapped[str | None] = mapped_column(String(12), nullable=True, index=True)
    passport_number: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)


class Batch(Base):
    """Many readmission requests filed at once by a host country (e.g. a charter flight)."""

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    host_country: Mapped[str] = mapped_column(String(3))
    reference: Mapped[str] = mapped_column(String(64))
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    rows_failed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """Rows that could not be filed: [{"line": n, "field": f, "code": c, "message": m}]."""

    __table_args__ = (UniqueConstraint("host_country", "reference"),)


class Signatory(Base):
    """An official whose signature on an underlying document the service may legalize."""

    __tablename__ = "signatories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[str] = mapped_column(String(200))
    """e.g. "Registrar of Births, Deaths and Marriages"."""
    authority: Mapped[str] = mapped_column(String(200))
    """The office whose seal the document bears."""
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    specimen: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    """Specimen signature image (PNG or JPEG)."""
    specimen_media_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    seal_image: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    """Specimen impression of the authority's seal or stamp (PNG or JPEG)."""
    seal_image_media_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    certificates: Mapped[list[SignatoryCertificate]] = relationship(
        back_populates="signatory", order_by="SignatoryCertificate.id"
    )


class SignatoryCertificate(Base):
    """A certificate with which a signatory's authority signs its documents digitally: a
    signature on an underlying PDF by exactly this certificate is origin evidence
    (legalize.cases.origin). Pinned by the SHA-256 of its DER encoding."""

    __tablename__ = "signatory_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    signatory_id: Mapped[int] = mapped_column(ForeignKey("signatories.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    """Lower-case hex SHA-256 of ``der``."""
    der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(500))
    not_before: Mapped[datetime] = mapped_column(UtcDateTime)
    not_after: Mapped[datetime] = mapped_column(UtcDateTime)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)

    signatory: Mapped[Signatory] = relationship(back_populates="certificates")

    __table_args__ = (UniqueConstraint("signatory_id", "sha256"),)


class Case(Base):
    """A readmission request or a legalization application, and where it stands."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(20), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    prepared_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    prepared_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    issued_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """Who rejected, cleared, revoked or expired the case (the state says which)."""
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Reason of a rejection or revocation."""
    # Readmission: the host country's request.
    host_country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    host_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    port_of_entry: Mapped[str | None] = mapped_column(String(100), nullable=True)
    travel_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    crosscheck: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """Last identity cross-check result (see legalize.cases.identity.CrossCheck.as_dict)."""
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True)
    batch_line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Legalization: the underlying document and its signer as the applicant states them.
    destination_country: Mapped[str | None] = mapped_column(String(3), nullable=True)
    underlying: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    underlying_media_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    underlying_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    underlying_title: Mapped[str | None] = mapped_column(String(200), nullable=True)
    underlying_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    underlying_rasterized: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    """Whether ``underlying`` (the document as sanitized at filing) holds rendered pages;
    None for a case filed before the sanitized document was stored (``underlying`` is then
    the upload as received)."""
    signer_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signer_capacity: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signer_authority: Mapped[str | None] = mapped_column(String(200), nullable=True)
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("signatories.id"), nullable=True)
    digital_signatures: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)
    """The digital signatures the uploaded PDF carried, as verified at filing before the
    sanitizer removed them (legalize.documents.signatures.SignatureFinding.as_dict); [] for
    an upload without any, None for a case filed before they were read."""
    submitted_by_signatory_id: Mapped[int | None] = mapped_column(
        ForeignKey("signatories.id"), nullable=True
    )
    """Set only when the issuing authority itself filed the case through its own API client
    (legalize.cases.origin): never for an applicant's upload."""

    person: Mapped[Person] = relationship(lazy="joined")
    signatory: Mapped[Signatory | None] = relationship(foreign_keys=[signatory_id])
    submitted_by_signatory: Mapped[Signatory | None] = relationship(
        foreign_keys=[submitted_by_signatory_id]
    )

    # NULLs are distinct on both backends, so legalizations (no host reference) don't collide.
    __table_args__ = (UniqueConstraint("host_country", "host_reference"),)


class Photo(Base):
    """The holder photo of a readmission case, with the ICAO portrait checks' result."""

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    media_type: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """{"passed": bool, "checks": [{"name", "passed", "message"}]} from the photo checker."""
    passed: Mapped[bool] = mapped_column(Boolean, default=False)
    override_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    overridden_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Document(Base):
    """An issued TTD or legalization: what the register and the web check answer with."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    seal_text: Mapped[str] = mapped_column(Text)
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    check_code: Mapped[str] = mapped_column(String(32), unique=True)
    web_token: Mapped[str] = mapped_column(String(64), unique=True)
    """Random, ≥ 128 bits, URL-safe: the web check's link to this document."""
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    location: Mapped[str | None] = mapped_column(String(100), nullable=True)
    """The PDF signature's ``/Location`` — the issuing post of a TTD, the place of a
    legalization — as signed, so the public answer need not parse the PDF (migration 0010
    read it out of the documents issued before)."""

    case: Mapped[Case] = relationship()


class Counter(Base):
    """Named counters (document numbers per type and year); rows are locked to advance them."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class IdentityDecision(Base):
    """An officer's decision settling an identity cross-check that was not a clean match
    (legalize.cases.gate). The newest row of a case counts, and only while the case's
    cross-check is still the one it settled; earlier rows and the audit log keep the history."""

    __tablename__ = "identity_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    crosscheck: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The cross-check result this decision settles (a different later result voids it)."""
    evidence: Mapped[str] = mapped_column(String(40))
    """One of legalize.cases.gate.EVIDENCE."""
    evidence_reference: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(100))
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DuplicateLink(Base):
    """Two readmission cases that may be the same person (same NIC, passport, or name and
    birth date); ``case_id`` < ``other_case_id``. It blocks approval of both while both are
    open, until an officer records why both stand (``resolution``)."""

    __tablename__ = "duplicate_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    other_case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    basis: Mapped[str] = mapped_column(String(100))
    """What matched, comma-separated: nic_number, passport_number, name_birth_date."""
    found_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why both cases stand (when resolved)."""

    __table_args__ = (UniqueConstraint("case_id", "other_case_id"),)
