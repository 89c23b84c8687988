"""A photo of the paper checked on the task queue: the upload is kept (outside the register)
until a worker has verified it, the answer for an hour, then both are deleted.

The life of one check (rows: :class:`legalize.registry.photo_checks.PhotoCheck`):

1. :func:`create` — the web request stores the picture under a random token, with what the
   answer's record needs (the document looked up and the staff actor, or the public checker's
   salted address hash), and deletes every expired check (:func:`purge`);
2. :func:`run` — a worker claims it (``queued`` → ``running``: one winner), verifies the
   picture (:mod:`verifier.image`), adds the register's answer (:mod:`legalize.cases.paper`),
   draws the annotated page, and :func:`finish` stores the answer, clears the upload and
   records the check — the public check log's row or the staff audit entry — in one
   transaction, only if its claim still holds: exactly once;
3. :func:`get` — any web worker reads the answer until ``expires_at``;
4. :func:`stalled` — a worker that died mid-check leaves it ``running``: after
   :data:`STALL` it is failed ("upload it again"); a check still ``queued`` after that long
   (its message lost) is queued again.

Personal data: the picture is of an identity document. It is never logged, kept only until
its check ends (success or failure), and the answer (report and annotated page) only for
:data:`RETENTION`. The token is the capability; the web adds it to the submitter's session.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum, unique
from typing import Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from legalize import logs
from legalize.cases import checks_log, paper
from legalize.cases.checks_log import CheckOutcome, Method
from legalize.cases.common import unit_of_work
from legalize.cases.views import DocumentView, find_document
from legalize.pki.trust import TrustStore
from legalize.registry.photo_checks import PhotoCheck, PhotoCheckState
from verifier.report import Report

log = logging.getLogger(__name__)

RETENTION: Final = timedelta(hours=1)
"""How long an answer (report and annotated page) is kept after the upload; then deleted."""
STALL: Final = timedelta(minutes=2)
"""A check takes about a second: one running (or queued) this long was cut off (or lost)."""
TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{43}")
"""What :func:`new_token` makes (32 random bytes, URL-safe base64): anything else is unknown."""

NO_TRUST: Final = "The seals cannot be verified here: the trust store is not published."
NO_DOCUMENT: Final = "The document looked up is no longer in the register."
CUT_OFF: Final = (
    "The check was interrupted (the worker running it stopped). Upload the photo again."
)


@unique
class Kind(StrEnum):
    """Which page asked, and so which record the answer gets."""

    PUBLIC = "public"
    """``/check/photo``: a row in the public check log."""
    CLEARANCE = "clearance"
    """The border clearance page: an audit entry on the document's case."""
    CASE = "case"
    """A case page: an audit entry on the case."""


@dataclass(frozen=True)
class Asked:
    """Who asked where: what the answer's record needs, and nothing more."""

    kind: Kind
    number: str | None = None
    """The document looked up (staff pages)."""
    actor_id: str | None = None
    """The staff member (staff pages)."""
    client_hash: str | None = None
    """The public checker's salted address hash (:func:`checks_log.client_hash`)."""

    def __post_init__(self) -> None:
        staff = self.kind is not Kind.PUBLIC
        if staff and (self.number is None or self.actor_id is None):
            raise ValueError("a staff photo check names the document and the actor")
        if not staff and self.client_hash is None:
            raise ValueError("a public photo check carries the checker's salted hash")


@dataclass(frozen=True)
class Answer:
    """One check as a page shows it (the upload is never read back out)."""

    token: str
    asked: Asked
    state: PhotoCheckState
    created_at: datetime
    report: Report | None
    picture: bytes | None
    """The annotated page, PNG."""
    error: str | None

    @property
    def pending(self) -> bool:
        return self.state in (PhotoCheckState.QUEUED, PhotoCheckState.RUNNING)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def create(session: Session, data: bytes, asked: Asked, at: datetime) -> str:
    """Store the upload for a worker; its token. Expired checks are deleted first. Commits."""
    token = new_token()
    with unit_of_work(session):
        purge(session, at)
        session.add(
            PhotoCheck(
                token=token,
                kind=asked.kind.value,
                number=asked.number,
                actor_id=asked.actor_id,
                client_hash=asked.client_hash,
                state=PhotoCheckState.QUEUED.value,
                created_at=at,
                expires_at=at + RETENTION,
                upload=data,
            )
        )
    return token


def purge(session: Session, at: datetime) -> int:
    """Delete every check past its expiry, upload and answer alike (the caller commits)."""
    result = session.execute(delete(PhotoCheck).where(PhotoCheck.expires_at <= at))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_SHOWN = (
    PhotoCheck.token,
    PhotoCheck.kind,
    PhotoCheck.number,
    PhotoCheck.actor_id,
    PhotoCheck.client_hash,
    PhotoCheck.state,
    PhotoCheck.created_at,
    PhotoCheck.expires_at,
    PhotoCheck.report,
    PhotoCheck.picture,
    PhotoCheck.error,
)


def get(session: Session, token: str, at: datetime) -> Answer | None:
    """The check ``token`` names, or None when there is none or it expired."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    row = session.execute(select(*_SHOWN).where(PhotoCheck.token == token)).one_or_none()
    session.rollback()  # end the read transaction
    if row is None or row.expires_at <= at:
        return None
    return Answer(
        token=row.token,
        asked=Asked(Kind(row.kind), row.number, row.actor_id, row.client_hash),
        state=PhotoCheckState(row.state),
        created_at=row.created_at,
        report=Report.from_dict(row.report) if row.report is not None else None,
        picture=row.picture,
        error=row.error,
    )


@dataclass(frozen=True)
class Claimed:
    asked: Asked
    data: bytes
    at: datetime
    """When it was uploaded: the time the check is made at."""


def claim(session: Session, token: str, at: datetime) -> Claimed | None:
    """Take the check for this worker (``queued`` → ``running``); None when another worker
    has it, it is finished, expired or gone."""
    with unit_of_work(session):
        taken = session.execute(
            update(PhotoCheck)
            .where(
                PhotoCheck.token == token,
                PhotoCheck.state == PhotoCheckState.QUEUED.value,
                PhotoCheck.expires_at > at,
            )
            .values(state=PhotoCheckState.RUNNING.value, started_at=at)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.execute(
            select(
                PhotoCheck.kind,
                PhotoCheck.number,
                PhotoCheck.actor_id,
                PhotoCheck.client_hash,
                PhotoCheck.upload,
                PhotoCheck.created_at,
            ).where(PhotoCheck.token == token)
        ).one()
    if row.upload is None:  # pragma: no cover - a queued check always has its upload
        return None
    asked = Asked(Kind(row.kind), row.number, row.actor_id, row.client_hash)
    return Claimed(asked, row.upload, row.created_at)


def finish(
    session: Session,
    token: str,
    report: Report,
    picture: bytes | None,
    record: Callable[[Session], None],
    at: datetime,
) -> bool:
    """Store the answer, clear the upload and ``record`` the check, in one transaction, if
    this worker's claim still holds; whether it did (False: the check was failed meanwhile,
    e.g. taken for cut off, and is recorded nowhere)."""
    with unit_of_work(session):
        done = session.execute(
            update(PhotoCheck)
            .where(PhotoCheck.token == token, PhotoCheck.state == PhotoCheckState.RUNNING.value)
            .values(
                state=PhotoCheckState.DONE.value,
                report=report.to_dict(),
                picture=picture,
                upload=None,
                finished_at=at,
            )
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return False
        record(session)
    return True


def fail(session: Session, token: str, error: str, at: datetime) -> bool:
    """End an unfinished check with ``error`` (the page's words) and clear its upload."""
    with unit_of_work(session):
        failed = session.execute(
            update(PhotoCheck)
            .where(
                PhotoCheck.token == token,
                PhotoCheck.state.in_([PhotoCheckState.QUEUED.value, PhotoCheckState.RUNNING.value]),
            )
            .values(
                state=PhotoCheckState.FAILED.value, error=error[:200], upload=None, finished_at=at
            )
        )
        return bool(failed.rowcount == 1)  # type: ignore[attr-defined]


def stalled(session: Session, at: datetime, stall: timedelta = STALL) -> list[str]:
    """Fail the checks running for longer than ``stall`` (their worker stopped) and expire
    the old ones; the tokens of checks still queued after ``stall``, to queue again."""
    with unit_of_work(session):
        purge(session, at)
        session.execute(
            update(PhotoCheck)
            .where(
                PhotoCheck.state == PhotoCheckState.RUNNING.value,
                PhotoCheck.started_at < at - stall,
            )
            .values(state=PhotoCheckState.FAILED.value, error=CUT_OFF, upload=None, finished_at=at)
        )
        waiting = session.scalars(
            select(PhotoCheck.token).where(
                PhotoCheck.state == PhotoCheckState.QUEUED.value,
                PhotoCheck.created_at < at - stall,
            )
        ).all()
    return list(waiting)


def run(
    session: Session, token: str, trust: TrustStore | None, clock: Callable[[], datetime]
) -> PhotoCheckState | None:
    """Carry out the check ``token`` names (a task); its final state, or None when it was not
    this worker's to do."""
    claimed = claim(session, token, clock())
    if claimed is None:
        return None
    if trust is None:
        fail(session, token, NO_TRUST, clock())
        return PhotoCheckState.FAILED
    try:
        answered = _verify(session, claimed, trust)
    except Exception as exc:
        # Never the picture, never the token (the capability) in the log; nor the error's text.
        logs.failure(log, "a photo check could not be carried out", exc)
        session.rollback()
        fail(
            session,
            token,
            f"The check could not be carried out ({type(exc).__name__}). "
            "Upload the photo again; if it happens again, tell the service desk.",
            clock(),
        )
        return PhotoCheckState.FAILED
    if answered is None:
        fail(session, token, NO_DOCUMENT, clock())
        return PhotoCheckState.FAILED
    report, picture, doc = answered
    asked = claimed.asked

    def record(s: Session) -> None:
        if doc is None:
            assert asked.client_hash is not None
            checks_log.record(s, photo_outcome(report), asked.client_hash, claimed.at)
        else:
            assert asked.actor_id is not None
            paper.record_check(s, asked.actor_id, doc, report, claimed.at)

    finished = finish(session, token, report, picture, record, clock())
    return PhotoCheckState.DONE if finished else None


def _verify(
    session: Session, claimed: Claimed, trust: TrustStore
) -> tuple[Report, bytes | None, DocumentView | None] | None:
    """The report with the register's answer, the annotated page, and the document looked
    up (None for the public check); None when the document looked up is gone."""
    from verifier.image import annotated_png, verify_image  # OpenCV: loaded on first use

    asked, at = claimed.asked, claimed.at
    found = verify_image(claimed.data, trust, at)
    doc: DocumentView | None = None
    if asked.kind is Kind.PUBLIC:
        report = paper.with_register_by_seal(session, found.report, at)
    else:
        assert asked.number is not None
        doc = find_document(session, asked.number)
        if doc is None:
            session.rollback()
            return None
        report = paper.with_register(session, doc, found.report, at)
    session.rollback()  # end the read transaction before the page is drawn
    picture = None
    if found.page is not None:
        try:
            picture = annotated_png(report, found.page)
        except Exception as exc:  # no picture is still a report
            logs.failure(log, "the checked page could not be drawn", exc)
    return report, picture, doc


def photo_outcome(report: Report) -> CheckOutcome:
    """The public check log's row for a photo check."""
    number = report.data.get("document_number") or report.data.get("number")
    return CheckOutcome(
        Method.PHOTO,
        report.verdict.value.lower(),
        tuple(report.codes),
        number if isinstance(number, str) and number else None,
    )
