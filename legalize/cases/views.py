"""Read-only snapshots of cases and documents, and the queries the pages and the API list.

Values are frozen dataclasses detached from the session, so the web layer can render them
after the transaction ended. No personal data leaves through the document lookups used by
the public check except what the caller asks for explicitly (:func:`get_case`).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.orm import Session

from legalize.cases.errors import InvalidInput, NotFound
from legalize.cases.search import matches as search_matches
from legalize.registry.models import Case, Document, Person, Photo
from legalize.registry.plain import PlainStatement
from legalize.seal import checkcode


@dataclass(frozen=True)
class PersonView:
    surname: str
    given_names: str
    birth_date: date
    sex: str
    birth_place: str
    nationality: str
    nic_number: str | None
    passport_number: str | None


@dataclass(frozen=True)
class PhotoView:
    media_type: str
    sha256: str
    passed: bool
    """The ICAO portrait checks passed."""
    checks: dict[str, Any]
    override_reason: str | None
    overridden_by: str | None


@dataclass(frozen=True)
class DocumentView:
    number: str
    type: str
    status: str
    case_id: int
    check_code: str
    web_token: str
    pdf_sha256: str
    seal_text: str
    issued_at: datetime
    issued_on: date
    expires_on: date | None
    status_changed_at: datetime
    location: str | None
    """Where it was signed: the issuing post of a TTD, the place of a legalization."""


@dataclass(frozen=True)
class CaseView:
    id: int
    kind: str
    state: str
    person: PersonView
    filed_by: str
    filed_at: datetime
    updated_at: datetime
    prepared_by: str | None
    prepared_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    issued_by: str | None
    closed_by: str | None
    closed_at: datetime | None
    reason: str | None
    host_country: str | None
    host_reference: str | None
    port_of_entry: str | None
    travel_date: date | None
    crosscheck: dict[str, Any] | None
    batch_id: int | None
    batch_line: int | None
    destination_country: str | None
    underlying_media_type: str | None
    underlying_sha256: str | None
    underlying_title: str | None
    underlying_date: date | None
    signer_name: str | None
    signer_capacity: str | None
    signer_authority: str | None
    signatory_id: int | None
    photo: PhotoView | None
    document: DocumentView | None

    @property
    def stage(self) -> str:
        """The state an officer sees: a draft another officer must approve is "prepared"."""
        if self.state == "draft" and self.prepared_by is not None:
            return "prepared"
        return self.state


STAGES = ("draft", "prepared", "approved", "rejected", "issued", "used", "expired", "revoked")
"""What the case list filters on: the states, with "prepared" split out of "draft"."""


@dataclass(frozen=True)
class CasePage:
    items: tuple[CaseView, ...]
    total: int
    offset: int
    limit: int


def person_view(p: Person) -> PersonView:
    return PersonView(
        p.surname,
        p.given_names,
        p.birth_date,
        p.sex,
        p.birth_place,
        p.nationality,
        p.nic_number,
        p.passport_number,
    )


def document_view(d: Document) -> DocumentView:
    return DocumentView(
        number=d.number,
        type=d.type,
        status=d.status,
        case_id=d.case_id,
        check_code=d.check_code,
        web_token=d.web_token,
        pdf_sha256=d.pdf_sha256,
        seal_text=d.seal_text,
        issued_at=d.issued_at,
        issued_on=d.issued_on,
        expires_on=d.expires_on,
        status_changed_at=d.status_changed_at,
        location=d.location,
    )


_MISSING: Any = object()


def case_view(
    session: Session, c: Case, photo: Photo | None = _MISSING, doc: Document | None = _MISSING
) -> CaseView:
    """A snapshot of ``c``; ``photo``/``doc`` when the caller loaded them already."""
    if photo is _MISSING:
        photo = session.scalars(select(Photo).where(Photo.case_id == c.id)).one_or_none()
    if doc is _MISSING:
        doc = session.scalars(select(Document).where(Document.case_id == c.id)).one_or_none()
    return CaseView(
        id=c.id,
        kind=c.kind,
        state=c.state,
        person=person_view(c.person),
        filed_by=c.filed_by,
        filed_at=c.filed_at,
        updated_at=c.updated_at,
        prepared_by=c.prepared_by,
        prepared_at=c.prepared_at,
        approved_by=c.approved_by,
        approved_at=c.approved_at,
        issued_by=c.issued_by,
        closed_by=c.closed_by,
        closed_at=c.closed_at,
        reason=c.reason,
        host_country=c.host_country,
        host_reference=c.host_reference,
        port_of_entry=c.port_of_entry,
        travel_date=c.travel_date,
        crosscheck=c.crosscheck,
        batch_id=c.batch_id,
        batch_line=c.batch_line,
        destination_country=c.destination_country,
        underlying_media_type=c.underlying_media_type,
        underlying_sha256=c.underlying_sha256,
        underlying_title=c.underlying_title,
        underlying_date=c.underlying_date,
        signer_name=c.signer_name,
        signer_capacity=c.signer_capacity,
        signer_authority=c.signer_authority,
        signatory_id=c.signatory_id,
        photo=PhotoView(
            photo.media_type,
            photo.sha256,
            photo.passed,
            photo.checks,
            photo.override_reason,
            photo.overridden_by,
        )
        if photo
        else None,
        document=document_view(doc) if doc else None,
    )


def get_case(session: Session, case_id: int) -> CaseView:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"no case {case_id}", field="case_id")
    return case_view(session, case)


MAX_PAGE = 200


def list_cases(
    session: Session,
    *,
    kind: str | None = None,
    state: str | None = None,
    host_country: str | None = None,
    filed_by: str | None = None,
    search: str | None = None,
    stage: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> CasePage:
    """Cases, newest first. ``search`` finds a NIC or passport number, part of a host
    reference or document number, or a name (:mod:`legalize.cases.search`).
    ``host_country`` / ``filed_by`` restrict to one country or one filer
    (API clients see only their own). ``stage`` is one of :data:`STAGES`: "draft" is a draft
    nobody prepared yet, "prepared" one waiting for approval."""
    if not (offset >= 0) or not (1 <= limit <= MAX_PAGE):
        raise InvalidInput(f"limit must be 1-{MAX_PAGE}, offset ≥ 0", field="limit")
    stmt = select(Case).join(Person, Case.person_id == Person.id)
    if kind:
        stmt = stmt.where(Case.kind == kind)
    if state:
        stmt = stmt.where(Case.state == state)
    if stage == "draft":
        stmt = stmt.where(Case.state == "draft").where(Case.prepared_by.is_(None))
    elif stage == "prepared":
        stmt = stmt.where(Case.state == "draft").where(Case.prepared_by.is_not(None))
    elif stage:
        stmt = stmt.where(Case.state == stage)
    if host_country:
        stmt = stmt.where(Case.host_country == host_country)
    if filed_by:
        stmt = stmt.where(Case.filed_by == filed_by)
    if search and search.strip():
        stmt = stmt.where(search_matches(search))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Case.id.desc()).offset(offset).limit(limit)))
    ids = [c.id for c in rows]
    # Two queries for the whole page instead of two per case.
    photos = {p.case_id: p for p in session.scalars(select(Photo).where(Photo.case_id.in_(ids)))}
    docs = {
        d.case_id: d for d in session.scalars(select(Document).where(Document.case_id.in_(ids)))
    }
    items = tuple(case_view(session, c, photos.get(c.id), docs.get(c.id)) for c in rows)
    return CasePage(items, int(total), offset, limit)


_DOCUMENT_VIEW_COLUMNS = tuple(Document.__table__.c[f.name] for f in fields(DocumentView))
_DOCUMENT_BY_NUMBER = PlainStatement(
    select(*_DOCUMENT_VIEW_COLUMNS).where(Document.__table__.c.number == bindparam("number"))
)
"""One indexed SELECT of the view's columns (not the PDF): the public check's lookup, run on
the driver's cursor where it can (:mod:`legalize.registry.plain`)."""


def find_document(session: Session | Connection, number: str) -> DocumentView | None:
    """The document with ``number``. On a Session through the ORM (it flushes the session's
    pending changes first); on a Connection — the public check's autocommit one, run on every
    QR link opened — one plain SELECT without the ORM's cost per row."""
    number = number.strip().upper()
    if isinstance(session, Connection):
        row = _DOCUMENT_BY_NUMBER.one_or_none(session, {"number": number})
        return DocumentView(*row) if row is not None else None
    doc = session.scalars(select(Document).where(Document.number == number)).one_or_none()
    return document_view(doc) if doc else None


@dataclass(frozen=True)
class SignerOnRecord:
    """Who signed a legalization's underlying document, as the case records it."""

    name: str | None
    capacity: str | None
    authority: str | None


_SIGNER_OF_CASE = select(
    Case.__table__.c.signer_name,
    Case.__table__.c.signer_capacity,
    Case.__table__.c.signer_authority,
).where(Case.__table__.c.id == bindparam("case_id"))
"""One SELECT by primary key: the public answer on a legalization needs these three fields
of its case, not the case view's five statements (photos, history, links)."""


def signer_of_case(session: Session | Connection, case_id: int) -> SignerOnRecord | None:
    """The signer recorded on case ``case_id``; None when there is no such case."""
    row = session.execute(_SIGNER_OF_CASE, {"case_id": case_id}).one_or_none()
    return SignerOnRecord(*row) if row is not None else None


def _normalize_code(code: str) -> str:
    try:
        return checkcode.compact(code)
    except checkcode.CheckCodeError:
        return ""


def check_document(
    session: Session | Connection, number: str, check_code: str
) -> DocumentView | None:
    """The document with this number and check code (web check by typing); None otherwise.
    The code is compared in constant time. On a Connection one plain SELECT
    (:func:`find_document`): the public check and the status API run it on every request."""
    doc = find_document(session, number)
    if doc is None:
        return None
    given = _normalize_code(check_code)
    stored = _normalize_code(doc.check_code)
    if not given or not hmac.compare_digest(given.encode(), stored.encode()):
        return None
    return doc


def document_by_token(session: Session, token: str) -> DocumentView | None:
    if not token or len(token) > 64:
        return None
    doc = session.scalars(select(Document).where(Document.web_token == token)).one_or_none()
    return document_view(doc) if doc else None


def document_pdf(session: Session, number: str) -> bytes:
    """The issued PDF as it was handed out (re-sending a lost download)."""
    doc = session.scalars(
        select(Document).where(Document.number == number.strip().upper())
    ).one_or_none()
    if doc is None:
        raise NotFound(f"no document {number}", field="number")
    return doc.pdf


def document_by_pdf_hash(session: Session, sha256: str) -> DocumentView | None:
    """The document whose final PDF has this SHA-256 (uploaded-file check)."""
    doc = session.scalars(
        select(Document).where(Document.pdf_sha256 == sha256.lower())
    ).one_or_none()
    return document_view(doc) if doc else None
