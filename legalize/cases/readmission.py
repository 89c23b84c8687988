"""Readmission: a host country asks for a temporary travel document (TTD) for a national.

filed (draft) → identity cross-check → photo → prepared by an issuing officer → approved by
another officer → issued → cleared at the border (used) — or rejected, revoked, expired.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from legalize.cases import common, duplicates, gate, group_issue
from legalize.cases.errors import Duplicate, DuplicatePerson, Forbidden, InvalidInput, NotFound
from legalize.cases.identity import ClaimedIdentity, CrossCheck, cross_check
from legalize.cases.issuer import IssuedPdf, Issuer
from legalize.cases.rules import Action, Actor, require_role
from legalize.cases.validation import (
    MAX_NAME,
    MAX_PHOTO_BYTES,
    NIC_RE,
    REFERENCE_RE,
    SEXES,
    TRAVEL_DOC_RE,
    Fields,
    check_birth_date,
    image_media_type,
    require_reason,
)
from legalize.cases.views import CaseView, DocumentView, case_view, person_view
from legalize.documents.ttd import TtdData
from legalize.imaging.face import FaceDetector
from legalize.imaging.portrait import PortraitError, PortraitResult, check_portrait
from legalize.kinds import CaseKind, DocumentType, Role
from legalize.phrases import P_
from legalize.registry.identity import (
    EmbeddedNationalIdRegistry,
    EmbeddedTravelDocumentWatchlist,
    NationalIdRegistry,
    TravelDocumentWatchlist,
)
from legalize.registry.models import Case, Photo

TTD_VALIDITY_DAYS = 30
"""A TTD is good for one journey within this many days of issue."""
DEFAULT_POST = "DEPARTMENT OF IMMIGRATION AND EMIGRATION, COLOMBO"


@dataclass(frozen=True)
class ReadmissionRequest:
    host_country: str
    """ICAO code of the requesting country."""
    host_reference: str
    """The host country's file reference (unique per country)."""
    identity: ClaimedIdentity
    port_of_entry: str = ""
    travel_date: date | None = None
    photo: bytes | None = None


def parse_identity(data: Mapping[str, Any], at: datetime, fields: Fields) -> ClaimedIdentity | None:
    f = Fields(data, fields.prefix)
    surname = f.printed_text("surname", limit=MAX_NAME, name=True)
    given = f.printed_text("given_names", required=False, limit=MAX_NAME, name=True)
    birth = f.date("birth_date")
    check_birth_date(f, "birth_date", birth, at)
    sex = f.choice("sex", SEXES)
    place = f.printed_text("birth_place", required=False, limit=MAX_NAME)
    nationality = f.country("nationality", required=False) or "LKA"
    nic = f.upper("nic_number", NIC_RE, required=False, limit=12) or None
    passport = f.upper("passport_number", TRAVEL_DOC_RE, required=False) or None
    fields.errors.extend(f.errors)
    if f.errors or birth is None:
        return None
    return ClaimedIdentity(surname, given, birth, sex, place, nationality, nic, passport)


def parse_request(data: Mapping[str, Any], at: datetime) -> ReadmissionRequest:
    """Validate a request given as a mapping (JSON body, CSV row); dates as YYYY-MM-DD, the
    photo as bytes or Base64. Raises InvalidInput naming every bad field."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the request must be an object", field="body")
    f = Fields(data)
    country = f.country("host_country")
    reference = f.text("host_reference", limit=64, pattern=REFERENCE_RE)
    port = f.text("port_of_entry", required=False, limit=100)
    travel = f.date("travel_date", required=False)
    if travel is not None and travel < at.date():
        f.fail("travel_date", P_("%(field)s is in the past", field=f.name("travel_date")))
    photo = f.binary("photo", required=False, limit=MAX_PHOTO_BYTES)
    ident_data = data.get("identity")
    if isinstance(ident_data, Mapping):
        sub = Fields({}, "identity.")
        identity = parse_identity(ident_data, at, sub)
        f.errors.extend(sub.errors)
    else:
        f.fail("identity", P_("%(field)s must be an object", field=f.name("identity")), "REQUIRED")
        identity = None
    f.raise_if_any()
    assert identity is not None
    return ReadmissionRequest(country, reference, identity, port, travel, photo)


def _registers(
    session: Session,
    registry: NationalIdRegistry | None,
    watchlist: TravelDocumentWatchlist | None,
) -> tuple[NationalIdRegistry, TravelDocumentWatchlist]:
    return (
        registry or EmbeddedNationalIdRegistry(session),
        watchlist or EmbeddedTravelDocumentWatchlist(session),
    )


def file_request(
    session: Session,
    actor: Actor,
    request: ReadmissionRequest,
    at: datetime,
    *,
    registry: NationalIdRegistry | None = None,
    watchlist: TravelDocumentWatchlist | None = None,
    face_detector: FaceDetector | None = None,
    batch_id: int | None = None,
    batch_line: int | None = None,
    refuse_own_duplicate: bool = False,
) -> CaseView:
    """File a readmission request (a draft case), cross-check the identity, keep the photo,
    and flag any other live case of the same person (legalize.cases.duplicates).

    ``refuse_own_duplicate`` (the API's single filing): when the other case was filed by
    ``actor`` itself, nothing is filed and :class:`DuplicatePerson` names that case's
    reference. A duplicate of anybody else's case is filed and flagged for the officers,
    and the filer learns nothing about it."""
    common.check_time(at)
    require_role(actor, Action.FILE_READMISSION)
    foreign = actor.has(Role.FOREIGN_AUTHORITY) and not actor.has(Role.ISSUING_OFFICER)
    if foreign and actor.country != request.host_country:
        raise Forbidden(
            P_(
                "this client files for %(own)s, not %(other)s",
                own=actor.country or "",
                other=request.host_country,
            ),
            field="host_country",
        )
    reg, wl = _registers(session, registry, watchlist)
    checked = None if request.photo is None else _check_photo(request.photo, at, face_detector)
    try:
        with common.unit_of_work(session):
            exists = session.scalar(
                select(Case.id)
                .where(Case.host_country == request.host_country)
                .where(Case.host_reference == request.host_reference)
            )
            if exists is not None:
                raise Duplicate(
                    P_(
                        "a request of %(country)s with reference %(reference)s is on file already",
                        country=request.host_country,
                        reference=request.host_reference,
                    ),
                    field="host_reference",
                )
            result = cross_check(request.identity, reg, wl)
            case = common.file_draft(
                session,
                actor,
                CaseKind.READMISSION,
                request.identity,
                at,
                host_country=request.host_country,
                host_reference=request.host_reference,
                port_of_entry=request.port_of_entry or None,
                travel_date=request.travel_date,
                crosscheck=result.as_dict(),
                batch_id=batch_id,
                batch_line=batch_line,
            )
            common.record(
                session,
                actor,
                "case.filed",
                case,
                at,
                host_country=request.host_country,
                batch_id=batch_id,
            )
            _record_crosscheck(session, actor, case, result, at)
            flagged = duplicates.flag(session, actor.id, case, at)
            own = [other for other, _ in flagged if other.filed_by == actor.id]
            if refuse_own_duplicate and own:
                raise DuplicatePerson(
                    P_(
                        "this person has an open request of yours already: %(references)s",
                        references=", ".join(str(o.host_reference) for o in own),
                    ),
                    field="identity",
                    details={"other_references": [o.host_reference for o in own]},
                )
            if checked is not None:
                _store_photo(session, actor, case, checked, at)
    except IntegrityError as exc:  # a concurrent filing of the same reference won
        raise Duplicate(
            P_(
                "%(country)s reference %(reference)s exists",
                country=request.host_country,
                reference=request.host_reference,
            ),
            field="host_reference",
        ) from exc
    return case_view(session, case)


def _record_crosscheck(
    session: Session, actor: Actor, case: Case, result: CrossCheck, at: datetime
) -> None:
    common.record(
        session,
        actor,
        "case.crosschecked",
        case,
        at,
        outcome=result.outcome.value,
        mismatched=list(result.mismatched),
    )


@dataclass(frozen=True)
class _CheckedPhoto:
    result: PortraitResult
    image: bytes
    """What is kept and printed: the crop to the 35:45 frame when there is one."""
    media_type: str
    checks: dict[str, Any]


def _check_photo(image: bytes, at: datetime, face_detector: FaceDetector | None) -> _CheckedPhoto:
    """The portrait checks — run before any transaction opens (they take a while)."""
    media = image_media_type(image)
    if media is None:
        raise InvalidInput(P_("the photo must be a JPEG or PNG image"), field="photo")
    if len(image) > MAX_PHOTO_BYTES:
        raise InvalidInput(
            P_("the photo is larger than %(limit)s MiB", limit=MAX_PHOTO_BYTES // (1024 * 1024)),
            field="photo",
        )
    try:
        result = check_portrait(image, at=at, detector=face_detector)
    except PortraitError as exc:
        raise InvalidInput(exc.message, field="photo", code=f"PHOTO_{exc.code}") from exc
    checks = {
        "passed": result.ok,
        # The phrase beside its English: the case page says the finding in its reader's language.
        "issues": [
            {"code": i.code, "message": i.message, "phrase": i.message.stored()}
            for i in result.issues
        ],
        "cropped": result.cropped_jpeg is not None,
        "measurements": {k: round(v, 4) for k, v in result.measurements.items()},
    }
    if result.cropped_jpeg is not None:
        # What the document prints is the portrait cropped to the ICAO 35:45 frame.
        image, media = result.cropped_jpeg, "image/jpeg"
    return _CheckedPhoto(result, image, media, checks)


def _store_photo(
    session: Session, actor: Actor, case: Case, checked: _CheckedPhoto, at: datetime
) -> PortraitResult:
    result, image = checked.result, checked.image
    existing = session.scalars(select(Photo).where(Photo.case_id == case.id)).one_or_none()
    if existing is not None:
        session.delete(existing)
        session.flush()
    sha = hashlib.sha256(image).hexdigest()
    session.add(
        Photo(
            case_id=case.id,
            image=image,
            media_type=checked.media_type,
            sha256=sha,
            checks=checked.checks,
            passed=result.ok,
            added_at=at,
        )
    )
    case.updated_at = at
    session.flush()
    common.record(
        session,
        actor,
        "photo.added",
        case,
        at,
        photo_sha256=sha,
        passed=result.ok,
        issues=[i.code for i in result.issues],
    )
    return result


def attach_photo(
    session: Session,
    actor: Actor,
    case_id: int,
    image: bytes,
    at: datetime,
    *,
    face_detector: FaceDetector | None = None,
) -> PortraitResult:
    """Add or replace the holder photo of a draft; returns the portrait checks' result."""
    common.check_time(at)
    require_role(actor, Action.PREPARE)
    checked = _check_photo(image, at, face_detector)
    with common.unit_of_work(session):
        case = common.lock_draft(session, actor, case_id, CaseKind.READMISSION)
        return _store_photo(session, actor, case, checked, at)


def override_photo(
    session: Session, actor: Actor, case_id: int, reason: str, at: datetime
) -> CaseView:
    """Accept a photo that failed a check, with the officer's reason (audited)."""
    common.check_time(at)
    with common.unit_of_work(session):
        reason = require_reason(reason)
        case = common.lock_draft(session, actor, case_id, CaseKind.READMISSION)
        photo = session.scalars(select(Photo).where(Photo.case_id == case.id)).one_or_none()
        if photo is None:
            raise InvalidInput(P_("there is no photo to override"), field="photo")
        photo.override_reason = reason
        photo.overridden_by = actor.id
        case.updated_at = at
        common.record(session, actor, "photo.override", case, at, reason=reason)
    return case_view(session, case)


def recheck_identity(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    *,
    registry: NationalIdRegistry | None = None,
    watchlist: TravelDocumentWatchlist | None = None,
) -> CrossCheck:
    """Run the cross-check again (e.g. after a register import) and keep the result."""
    common.check_time(at)
    reg, wl = _registers(session, registry, watchlist)
    with common.unit_of_work(session):
        case = common.lock_draft(session, actor, case_id, CaseKind.READMISSION)
        # A PersonView carries exactly the fields of the identity claimed on filing.
        claimed = ClaimedIdentity(**asdict(person_view(case.person)))
        result = cross_check(claimed, reg, wl)
        case.crosscheck = result.as_dict()
        case.updated_at = at
        _record_crosscheck(session, actor, case, result, at)
    return result


def decide_identity(
    session: Session, actor: Actor, case_id: int, data: Mapping[str, Any], at: datetime
) -> CaseView:
    """Record which evidence settled a cross-check that was not a clean match, and why
    (``data``: evidence, one of gate.EVIDENCE; evidence_reference; reason). Audited; who may
    decide which outcome: legalize.cases.gate."""
    common.check_time(at)
    if not isinstance(data, Mapping):
        raise InvalidInput("the decision must be an object", field="body")
    with common.unit_of_work(session):
        case = common.lock_case(session, case_id)
        row = gate.record_decision(session, actor, case, dict(data), at)
        case.updated_at = at
        common.record(
            session,
            actor,
            "identity.decided",
            case,
            at,
            outcome=gate.outcome(case),
            mismatched=list((case.crosscheck or {}).get("mismatched") or []),
            watchlist=[
                h.get("document_number") for h in (case.crosscheck or {}).get("watchlist") or []
            ],
            evidence=row.evidence,
            evidence_reference=row.evidence_reference,
            reason=row.reason,
        )
    return case_view(session, case)


def resolve_duplicate(
    session: Session, actor: Actor, case_id: int, other_case_id: int, reason: str, at: datetime
) -> CaseView:
    """Record why two cases flagged as the same person both stand (audited on both)."""
    common.check_time(at)
    if not (actor.has(Role.ISSUING_OFFICER) or actor.has(Role.APPROVING_OFFICER)):
        raise Forbidden("an issuing or an approving officer records why both cases stand")
    with common.unit_of_work(session):
        reason = require_reason(reason)
        case = common.lock_case(session, case_id)
        common.require_kind(case, CaseKind.READMISSION)
        common.lock_case(session, other_case_id)
        duplicates.resolve(session, actor.id, case, other_case_id, reason, at)
        case.updated_at = at
    return case_view(session, case)


@dataclass(frozen=True)
class Checks:
    """What stands between a readmission case and its approval, for the case page."""

    identity: gate.IdentityStatus
    duplicates: tuple[duplicates.DuplicateView, ...]
    may_decide: bool
    """The viewing officer may record the identity decision now."""

    def blocks(self, actor_id: str) -> bool:
        """Approval or issuance by ``actor_id`` would be refused by the gate."""
        decision = self.identity.decision
        return (
            not self.identity.settled
            or any(d.blocking for d in self.duplicates)
            or (
                self.identity.three_people
                and decision is not None
                and decision.decided_by == actor_id
            )
        )


def checks(session: Session, actor: Actor, case_id: int, at: datetime) -> Checks:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id")
    identity = gate.status(session, case)
    return Checks(
        identity,
        duplicates.views(session, case, at),
        gate.may_decide(actor, case) and not identity.settled,
    )


@dataclass(frozen=True)
class FilerSummary:
    """What the filer of a readmission request (a host country's API client) learns of the
    gate: no register data, no decision text, and of a duplicate only its own requests."""

    outcome: str | None
    """The cross-check outcome: match, mismatch, not_found, on_watchlist; None if never run."""
    settled: bool
    """No decision is needed, or an officer recorded the one that settles it."""
    duplicate_references: tuple[str, ...]
    """Host references of the filer's own live requests this one is flagged against, while
    the flag blocks. A duplicate of anybody else's case is not mentioned: not even that it
    exists (docs/casework.md)."""


def filer_summary(session: Session, case_id: int, filer: str, at: datetime) -> FilerSummary:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id")
    identity = gate.status(session, case)
    own = tuple(
        str(d.other_host_reference)
        for d in duplicates.views(session, case, at)
        if d.blocking and d.other_filed_by == filer and d.other_host_reference
    )
    return FilerSummary(identity.outcome, identity.settled, own)


def issue(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    issuer: Issuer,
    *,
    issuing_country: str = "LKA",
    issuing_post: str = DEFAULT_POST,
    validity_days: int = TTD_VALIDITY_DAYS,
) -> CaseView:
    """Issue the TTD of an approved case: number, check code, signed PDF, register."""
    build = ttd_builder(at, issuer, issuing_country, issuing_post, validity_days)
    return common.issue_case(session, actor, case_id, at, DocumentType.TTD, build)


def issue_quietly(
    session: Session,
    actor: Actor,
    case_id: int,
    at: datetime,
    issuer: Issuer,
    on_issued: common.OnIssued | None = None,
    *,
    issuing_country: str = "LKA",
    issuing_post: str = DEFAULT_POST,
) -> None:
    """:func:`issue` for a worker: no view read back; ``on_issued`` commits with the
    document (legalize.cases.common.register_issue)."""
    build = ttd_builder(at, issuer, issuing_country, issuing_post, TTD_VALIDITY_DAYS)
    common.register_issue(session, actor, case_id, at, DocumentType.TTD, build, on_issued)


def issue_many_quietly(
    session: Session,
    actor: Actor,
    case_ids: list[int],
    at: datetime,
    issuer: Issuer,
    on_issued: group_issue.OnIssuedMany,
    *,
    issuing_country: str = "LKA",
    issuing_post: str = DEFAULT_POST,
) -> dict[int, Exception | None]:
    """:func:`issue_quietly` for several cases together (legalize.cases.group_issue): for
    each, None when issued, else why not."""
    build = ttd_builder(at, issuer, issuing_country, issuing_post, TTD_VALIDITY_DAYS)
    return group_issue.register_issues(
        session, actor, case_ids, at, DocumentType.TTD, build, on_issued
    )


def ttd_builder(
    at: datetime, issuer: Issuer, issuing_country: str, issuing_post: str, validity_days: int
) -> Callable[[Session, Case], tuple[common.Render, date | None]]:
    """What a TTD issued at ``at`` shows, read from its case under the case lock."""

    def build(session: Session, case: Case) -> tuple[common.Render, date | None]:
        common.require_kind(case, CaseKind.READMISSION)
        # The image with the row: it is always shown, and a deferred load is a second query.
        photo = session.scalars(
            select(Photo).where(Photo.case_id == case.id).options(undefer(Photo.image))
        ).one_or_none()
        p = case.person
        expires = at.date() + timedelta(days=validity_days)
        if photo is None:  # prepare requires one; refused before a number is taken
            raise InvalidInput(
                P_("the holder photo is missing"), field="photo", code="PHOTO_MISSING"
            )
        image = photo.image
        template = TtdData(
            document_number="",
            surname=p.surname,
            given_names=p.given_names,
            birth_date=p.birth_date,
            place_of_birth=p.birth_place,
            sex=p.sex,
            nationality=p.nationality,
            issue_date=at.date(),
            expiry_date=expires,
            issuing_post=issuing_post,
            check_code="",
            issuing_state=issuing_country,
            personal_number=p.nic_number or "",
        )

        def render(number: str, check_code: str) -> IssuedPdf:
            data = replace(template, document_number=number, check_code=check_code)
            return issuer.issue_ttd(data, image, at)

        return render, expires

    return build


def clear(
    session: Session, actor: Actor, number: str, at: datetime, port: str | None = None
) -> DocumentView:
    """A border officer clears the holder: the TTD becomes used (DOCUMENT_USED the 2nd time)."""
    return common.clear_document(session, actor, number, at, port)


# The transitions both workflows share, re-exported so callers need one module per workflow.
prepare = common.prepare
approve = common.approve
reject = common.reject
revoke = common.revoke
expire_due = common.expire_due
