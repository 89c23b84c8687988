"""Legalization: certify the origin of a document (its signer, capacity and authority).

The applicant's underlying document is filed with the signer it names; the officer matches
that signer against the authorized signatories (name, capacity, authority, and validity on
the document's date); a second officer approves; the certificate is issued. What is certified
is the signature's origin, never the document's content (RESEARCH §5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import common, origin
from legalize.cases.errors import InvalidInput, InvalidTransition, NotFound
from legalize.cases.identity import ClaimedIdentity
from legalize.cases.issuer import IssuedPdf, Issuer
from legalize.cases.readmission import parse_identity
from legalize.cases.rules import Action, Actor, require_role
from legalize.cases.validation import (
    MAX_UNDERLYING_BYTES,
    Fields,
    document_media_type,
    image_media_type,
)
from legalize.cases.views import CaseView, case_view
from legalize.documents.errors import UnderlyingDocumentError
from legalize.documents.legalization import LegalizationData
from legalize.documents.sanitize import (
    UNSUPPORTED_TYPE,
    SanitizedDocument,
    sanitize_underlying,
    stored,
)
from legalize.documents.signatures import SignatureFinding, read_signatures
from legalize.kinds import CaseKind, DocumentType, Role
from legalize.registry import audit
from legalize.registry.models import Case, Signatory
from legalize.seal.profiles import LEGALIZATION_LIMITS as SEAL_LIMITS

MAX_SPECIMEN_BYTES = 2 * 1024 * 1024
CERTIFYING_AUTHORITY = "MINISTRY OF FOREIGN AFFAIRS, CONSULAR AFFAIRS DIVISION"
LEGALIZATION_PLACE = "COLOMBO"
"""Apostille item 5; the seal carries at most 20 bytes of it."""
DOCUMENT_COUNTRY_NAME = "DEMOCRATIC SOCIALIST REPUBLIC OF SRI LANKA"
"""Apostille item 1 for documents of Sri Lanka (the only state whose documents we legalize)."""


@dataclass(frozen=True)
class LegalizationRequest:
    applicant: ClaimedIdentity
    underlying: bytes
    """The document to legalize as uploaded: PDF, JPEG or PNG."""
    underlying_title: str
    """What it is, e.g. "Birth certificate"."""
    underlying_date: date
    """The date the underlying document was signed."""
    signer_name: str
    signer_capacity: str
    signer_authority: str
    destination_country: str | None = None
    sanitized: SanitizedDocument | None = None
    """``underlying`` as sanitized at intake (:func:`parse_request` does it, once): what the
    case stores and issuance uses. None only for a request built by hand (then filing
    sanitizes)."""
    signatures: tuple[SignatureFinding, ...] | None = None
    """The upload's digital signatures, verified before the sanitizer drops them (None: read
    at filing)."""


@dataclass(frozen=True)
class CertificateView:
    id: int
    sha256: str
    subject: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class SignatoryView:
    id: int
    name: str
    capacity: str
    authority: str
    valid_from: date
    valid_until: date | None
    has_specimen: bool
    has_seal: bool = False
    certificates: tuple[CertificateView, ...] = ()


class MatchOutcome(StrEnum):
    MATCHED = "matched"
    NOT_VALID_ON_DATE = "not_valid_on_date"
    CAPACITY_MISMATCH = "capacity_mismatch"
    AUTHORITY_MISMATCH = "authority_mismatch"
    UNKNOWN_SIGNER = "unknown_signer"


@dataclass(frozen=True)
class SignatoryMatch:
    outcome: MatchOutcome
    signatory: SignatoryView | None
    """The matched signatory, or the closest one by name."""
    message: str


_norm = origin.norm


def signatory_view(s: Signatory) -> SignatoryView:
    return SignatoryView(
        s.id,
        s.name,
        s.capacity,
        s.authority,
        s.valid_from,
        s.valid_until,
        s.specimen_media_type is not None,
        s.seal_image_media_type is not None,
        tuple(
            CertificateView(c.id, c.sha256, c.subject, c.not_before, c.not_after)
            for c in s.certificates
        ),
    )


def _specimen_image(f: Fields, name: str, what: str, data: bytes | None) -> str | None:
    """The media type of a specimen image, or a field error."""
    if data is None:
        return None
    media = image_media_type(data)
    if media is None:
        f.fail(name, f"the {what} must be a PNG or JPEG image")
    elif len(data) > MAX_SPECIMEN_BYTES:
        f.fail(name, f"the {what} is larger than 2 MiB")
    return media


def add_signatory(
    session: Session,
    actor: Actor,
    *,
    name: str,
    capacity: str,
    authority: str,
    valid_from: date | None,
    valid_until: date | None,
    at: datetime,
    specimen: bytes | None = None,
    seal_image: bytes | None = None,
) -> SignatoryView:
    """Register an authorized signatory (administrator), with the specimen images of the
    signature and of the authority's seal a reviewer compares a scanned document with."""
    common.check_time(at)
    f = Fields({"name": name, "capacity": capacity, "authority": authority})
    name = f.sealed_text("name", SEAL_LIMITS["signed_by"])
    capacity = f.sealed_text("capacity", SEAL_LIMITS["capacity"])
    authority = f.sealed_text("authority", SEAL_LIMITS["seal_of"])
    if valid_from is None:
        f.fail("valid_from", "valid_from must be a date", "REQUIRED")
    elif valid_until is not None and valid_until < valid_from:
        f.fail("valid_until", "valid_until is before valid_from")
    media = _specimen_image(f, "specimen", "specimen signature", specimen)
    seal_media = _specimen_image(f, "seal_image", "specimen seal", seal_image)
    f.raise_if_any()
    assert valid_from is not None
    with common.unit_of_work(session):
        require_role(actor, Action.MANAGE_SIGNATORIES)
        sig = Signatory(
            name=name,
            capacity=capacity,
            authority=authority,
            valid_from=valid_from,
            valid_until=valid_until,
            specimen=specimen,
            specimen_media_type=media,
            seal_image=seal_image,
            seal_image_media_type=seal_media,
            created_at=at,
        )
        session.add(sig)
        session.flush()
        audit.append(
            session,
            actor=actor.id,
            action="signatory.added",
            subject_type="signatory",
            subject_id=sig.id,
            at=at,
            details={"valid_from": valid_from.isoformat()},
        )
    return signatory_view(sig)


def list_signatories(session: Session, on: date | None = None) -> list[SignatoryView]:
    """All signatories, or those valid on ``on``."""
    rows = session.scalars(select(Signatory).order_by(Signatory.name, Signatory.id))
    return [
        signatory_view(s)
        for s in rows
        if on is None or (s.valid_from <= on and (s.valid_until is None or on <= s.valid_until))
    ]


def match_signatory(
    session: Session, name: str, capacity: str, authority: str, on: date
) -> SignatoryMatch:
    """Find the authorized signatory named on a document signed on ``on``."""
    same_name = [s for s in session.scalars(select(Signatory)) if _norm(s.name) == _norm(name)]
    if not same_name:
        return SignatoryMatch(
            MatchOutcome.UNKNOWN_SIGNER, None, f"no authorized signatory {name!r}"
        )
    same_capacity = [s for s in same_name if _norm(s.capacity) == _norm(capacity)]
    if not same_capacity:
        return SignatoryMatch(
            MatchOutcome.CAPACITY_MISMATCH,
            signatory_view(same_name[0]),
            f"{name} is not registered as {capacity!r}",
        )
    same_authority = [s for s in same_capacity if _norm(s.authority) == _norm(authority)]
    if not same_authority:
        return SignatoryMatch(
            MatchOutcome.AUTHORITY_MISMATCH,
            signatory_view(same_capacity[0]),
            f"{name} is not registered for {authority!r}",
        )
    for s in same_authority:
        if s.valid_from <= on and (s.valid_until is None or on <= s.valid_until):
            return SignatoryMatch(
                MatchOutcome.MATCHED, signatory_view(s), "authorized on that date"
            )
    return SignatoryMatch(
        MatchOutcome.NOT_VALID_ON_DATE,
        signatory_view(same_authority[0]),
        f"{name} was not authorized on {on.isoformat()}",
    )


def parse_request(
    data: Mapping[str, Any], underlying: bytes | None, at: datetime
) -> LegalizationRequest:
    """Validate an application given as a mapping plus the uploaded file (or Base64 in
    ``data["underlying"]``). Raises InvalidInput naming every bad field."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the application must be an object", field="body")
    f = Fields(
        {**data, "underlying": underlying if underlying is not None else data.get("underlying")}
    )
    content = f.binary("underlying", required=True, limit=MAX_UNDERLYING_BYTES)
    sanitized = None
    signatures: tuple[SignatureFinding, ...] = ()
    if content is not None and document_media_type(content) is None:
        f.fail(
            "underlying",
            "the underlying document must be a PDF, JPEG or PNG file (judged by its content, "
            "not its name)",
            UNSUPPORTED_TYPE,
        )
    elif content is not None:
        # Sanitized here, once: the case stores the result and issuance uses it. Callers
        # hold no database transaction while this runs (it may render pages for seconds).
        try:
            sanitized = sanitize_underlying(content, document_media_type(content) or "")
        except UnderlyingDocumentError as exc:
            f.fail("underlying", exc.message, exc.code)
        else:
            # read from the upload as received: the sanitized copy no longer has them
            signatures = _signatures_of(content, at)
    title = f.text("underlying_title")
    signed_on = f.date("underlying_date")
    if signed_on is not None and signed_on > at.date():
        f.fail("underlying_date", "underlying_date is in the future")
    signer = f.sealed_text("signer_name", SEAL_LIMITS["signed_by"])
    capacity = f.sealed_text("signer_capacity", SEAL_LIMITS["capacity"])
    authority = f.sealed_text("signer_authority", SEAL_LIMITS["seal_of"])
    destination = f.country("destination_country", required=False) or None
    applicant_data = data.get("applicant")
    applicant = None
    if isinstance(applicant_data, Mapping):
        sub = Fields({}, "applicant.")
        applicant = parse_identity(applicant_data, at, sub)
        f.errors.extend(sub.errors)
    else:
        f.fail("applicant", "applicant must be an object", "REQUIRED")
    refused = [e for e in f.errors if e.field == "underlying" and e.code.startswith("UNDERLYING_")]
    if refused:
        # The document itself is refused: its own code leads (API: 422 UNDERLYING_MALFORMED,
        # ...), every other field's error still listed beside it.
        others = tuple(e for e in f.errors if e is not refused[0])
        raise InvalidInput(refused[0].message, code=refused[0].code, errors=(refused[0], *others))
    f.raise_if_any()
    assert applicant is not None and content is not None and signed_on is not None
    return LegalizationRequest(
        applicant,
        content,
        title,
        signed_on,
        signer,
        capacity,
        authority,
        destination,
        sanitized,
        signatures,
    )


def _signatures_of(upload: bytes, at: datetime) -> tuple[SignatureFinding, ...]:
    if document_media_type(upload) != "application/pdf":
        return ()
    return tuple(read_signatures(upload, at))


def _apply_match(session: Session, actor: Actor, case: Case, at: datetime) -> SignatoryMatch:
    assert case.underlying_date is not None
    result = match_signatory(
        session,
        case.signer_name or "",
        case.signer_capacity or "",
        case.signer_authority or "",
        case.underlying_date,
    )
    case.signatory_id = (
        result.signatory.id if result.outcome is MatchOutcome.MATCHED and result.signatory else None
    )
    case.updated_at = at
    common.record(
        session,
        actor,
        "case.signatory_matched",
        case,
        at,
        outcome=result.outcome.value,
        signatory_id=case.signatory_id,
    )
    return result


def file_application(
    session: Session, actor: Actor, request: LegalizationRequest, at: datetime
) -> CaseView:
    """File a legalization application (a draft) and match its signer at once."""
    common.check_time(at)
    require_role(actor, Action.FILE_LEGALIZATION)
    sanitized = request.sanitized
    if sanitized is None:  # before any transaction is opened
        sanitized = sanitize_underlying(
            request.underlying, document_media_type(request.underlying) or ""
        )
    signatures = request.signatures
    if signatures is None:
        signatures = _signatures_of(request.underlying, at)
    # Only the authority's own client makes this origin evidence; an applicant (or an officer
    # filing for one) never does, whatever the upload says.
    submitted_by = actor.signatory_id if actor.has(Role.ISSUING_AUTHORITY) else None
    with common.unit_of_work(session):
        require_role(actor, Action.FILE_LEGALIZATION)
        case = common.file_draft(
            session,
            actor,
            CaseKind.LEGALIZATION,
            request.applicant,
            at,
            destination_country=request.destination_country,
            # the sanitized document, never the upload: issuance reuses it, and the officer's
            # download is the cleaned file, not the applicant's (possibly hostile) one
            underlying=sanitized.pdf,
            underlying_media_type="application/pdf",
            underlying_sha256=sanitized.sha256,
            underlying_rasterized=sanitized.rasterized,
            underlying_title=request.underlying_title,
            underlying_date=request.underlying_date,
            signer_name=request.signer_name,
            signer_capacity=request.signer_capacity,
            signer_authority=request.signer_authority,
        )
        case.digital_signatures = [f.as_dict() for f in signatures]
        case.submitted_by_signatory_id = submitted_by
        common.record(
            session,
            actor,
            "case.filed",
            case,
            at,
            underlying_sha256=case.underlying_sha256,
            uploaded_sha256=hashlib.sha256(request.underlying).hexdigest(),
            underlying_rasterized=sanitized.rasterized,
            underlying_removed=list(sanitized.removed),
        )
        _apply_match(session, actor, case, at)
        session.flush()
        session.refresh(case, ["submitted_by_signatory"])
        common.record(
            session,
            actor,
            "case.origin_checked",
            case,
            at,
            **origin.audit_details(origin.assess(session, case)),
        )
    return case_view(session, case)


def match_signer(session: Session, actor: Actor, case_id: int, at: datetime) -> SignatoryMatch:
    """Re-run the signatory match of a draft (e.g. after a signatory was registered)."""
    common.check_time(at)
    with common.unit_of_work(session):
        case = common.lock_draft(session, actor, case_id, CaseKind.LEGALIZATION)
        return _apply_match(session, actor, case, at)


def underlying_document(session: Session, case_id: int) -> tuple[bytes, str]:
    """The underlying document as stored (sanitized at filing) and its media type (for the
    officer's preview)."""
    case = session.get(Case, case_id)
    if case is None or case.underlying is None:
        raise NotFound(f"no legalization case {case_id}", field="case_id")
    return case.underlying, case.underlying_media_type or "application/octet-stream"


def issue(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    issuer: Issuer,
    *,
    issuing_country: str = "LKA",
    issuing_post: str = LEGALIZATION_PLACE,
    certified_by: str = CERTIFYING_AUTHORITY,
) -> CaseView:
    """Issue the legalization certificate of an approved case."""

    def build(session: Session, case: Case) -> tuple[common.Render, date | None]:
        if case.kind != CaseKind.LEGALIZATION.value or case.underlying is None:
            raise InvalidTransition(f"case {case.id} is not a legalization")
        template = LegalizationData(
            number="",
            country=DOCUMENT_COUNTRY_NAME,
            signed_by=case.signer_name or "",
            capacity=case.signer_capacity or "",
            seal_of=case.signer_authority or "",
            place=issuing_post,
            date=at.date(),
            certified_by=certified_by,
            check_code="",
            document_title=case.underlying_title or "",
        )
        upload, media_type, rasterized = (
            case.underlying,
            case.underlying_media_type or "",
            case.underlying_rasterized,
        )

        def render(number: str, check_code: str) -> IssuedPdf:
            if rasterized is not None:  # sanitized at filing: used as stored, never again
                underlying = stored(upload, rasterized)
            else:  # a case filed before the sanitized document was stored
                underlying = sanitize_underlying(upload, media_type)
            data = replace(template, number=number, check_code=check_code)
            return issuer.issue_legalization(data, underlying, at, issuing_country=issuing_country)

        return render, None

    return common.issue_case(session, actor, case_id, at, DocumentType.LEGALIZATION, build)


prepare = common.prepare
approve = common.approve
reject = common.reject
revoke = common.revoke
