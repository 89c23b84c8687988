"""The web layer's one door into the case workflows: which workflow module handles a case,
the issuer the app was given, and the few register reads the pages need (photo, upload).

Nothing here decides who may do what: that is ``legalize.cases.rules``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission
from legalize.cases.issuer import IssuedPdf, Issuer, IssuerUnavailable, bind_issuer
from legalize.cases.rules import Actor
from legalize.cases.views import CaseView
from legalize.kinds import CaseKind
from legalize.registry.models import Case, Photo
from legalize.tasks.queue import JobQueue
from legalize.tasks.steps import Runtime
from legalize.web.errors import WebError
from legalize.web.state import state, trust_store

if TYPE_CHECKING:
    from legalize.documents.legalization import LegalizationData
    from legalize.documents.sanitize import SanitizedDocument
    from legalize.documents.ttd import TtdData


class SerialIssuer:
    """Renders one document at a time per worker process.

    Under gunicorn's threads, concurrent renderings occasionally failed inside the PDF
    libraries (an AttributeError on shared font state, seen 1 in ~50 under 16 threads), and
    rendering is CPU-bound Python that the GIL serializes anyway, so the lock costs no
    throughput; the database steps of an issuance stay concurrent.
    """

    def __init__(self, inner: Issuer) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
        with self._lock:
            return self.inner.issue_ttd(data, photo, at)

    def issue_legalization(
        self,
        data: LegalizationData,
        underlying: SanitizedDocument,
        at: datetime,
        *,
        issuing_country: str,
    ) -> IssuedPdf:
        with self._lock:
            return self.inner.issue_legalization(
                data, underlying, at, issuing_country=issuing_country
            )


_BIND_LOCK = threading.Lock()


def issuer(app: Flask | None = None) -> Issuer:
    """The app's issuer: handed in by ``create_app(services={"issuer": …})`` or bound from
    the config (the real renderer and signer of legalize.documents) on first use; wrapped
    in :class:`SerialIssuer`."""
    services = state(app).services
    with _BIND_LOCK:
        found: Any = services.get("serial_issuer")
        if found is None:
            inner: Any = services.get("issuer")
            if inner is None:
                try:
                    inner = bind_issuer(state(app).config)
                except IssuerUnavailable as exc:
                    raise WebError(503, "ISSUER_UNAVAILABLE", str(exc)) from exc
            found = services["serial_issuer"] = SerialIssuer(inner)
    bound: Issuer = found
    return bound


def queue() -> JobQueue:
    """The app's task queue (legalize.tasks.queue), made on first use. Only in immediate
    mode does a task run in this process, on the app's own database, issuer and clock."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    services = state(app).services
    with _BIND_LOCK:
        found = services.get("queue")
        if found is None:
            st = state(app)
            # trust_store(): the app's own (a task in immediate mode runs inside the request)
            runtime = Runtime(
                st.config, st.sessions, lambda: issuer(app), st.clock, trust=trust_store
            )
            found = services["queue"] = JobQueue(st.config, lambda: runtime)
    made: JobQueue = found
    return made


def queue_unavailable(exc: Exception, recorded: str, field: str | None = None) -> WebError:
    """The 503 for work that is on record (``recorded`` says what) but could not be queued:
    a worker's recovery queues it once the queue is back."""
    return WebError(
        503,
        "QUEUE_UNAVAILABLE",
        f"{recorded} but the task queue cannot be reached ({type(exc).__name__}); "
        "it starts when the queue is back",
        field,
    )


def _kind(session: Session, case_id: int) -> str:
    kind = session.scalar(select(Case.kind).where(Case.id == case_id))
    session.rollback()  # the workflow functions open their own transaction
    if kind is None:
        raise WebError(404, "NOT_FOUND", f"no case {case_id}", "case_id")
    return str(kind)


def issue(session: Session, actor: Actor, case_id: int, at: datetime) -> CaseView:
    config = state().config
    if _kind(session, case_id) == CaseKind.READMISSION.value:
        return readmission.issue(
            session, actor, case_id, at, issuer(), issuing_country=config.issuing_country
        )
    return legalization.issue(
        session, actor, case_id, at, issuer(), issuing_country=config.issuing_country
    )


def cross_check(session: Session, actor: Actor, case_id: int, at: datetime) -> str:
    result = readmission.recheck_identity(session, actor, case_id, at)
    return str(result.outcome.value)


def attach_photo(session: Session, actor: Actor, case_id: int, image: bytes, at: datetime) -> bool:
    """Store (or replace) the holder photo of a draft; True when the portrait checks passed."""
    result = readmission.attach_photo(session, actor, case_id, image, at)
    return bool(result.ok)


def override_photo(session: Session, actor: Actor, case_id: int, reason: str, at: datetime) -> None:
    readmission.override_photo(session, actor, case_id, reason, at)


def photo(session: Session, case_id: int) -> tuple[bytes, str]:
    row = session.scalars(select(Photo).where(Photo.case_id == case_id)).one_or_none()
    if row is None:
        raise WebError(404, "NOT_FOUND", f"case {case_id} has no photo", "case_id")
    return row.image, row.media_type


def match_signer(session: Session, actor: Actor, case_id: int, at: datetime) -> str:
    result = legalization.match_signer(session, actor, case_id, at)
    return f"{result.outcome.value}: {result.message}"
