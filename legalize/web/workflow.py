"""The web layer's one door into the case workflows: which workflow module handles a case,
the issuer the app was given, and the few register reads the pages need (photo, upload).

Nothing here decides who may do what: that is ``legalize.cases.rules``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from legalize.cases import legalization, readmission
from legalize.cases.errors import CaseError, Duplicate
from legalize.cases.issuer import Issuer, IssuerUnavailable, bind_issuer
from legalize.cases.rules import Action, Actor, require_role
from legalize.cases.views import CaseView
from legalize.registry.models import Batch, Case, CaseKind, Photo
from legalize.web.errors import WebError
from legalize.web.state import state


def issuer() -> Issuer:
    """The app's issuer: handed in by ``create_app(services={"issuer": …})`` or bound from
    the config (the real renderer and signer of legalize.documents) on first use."""
    services = state().services
    found: Any = services.get("issuer")
    if found is None:
        try:
            found = bind_issuer(state().config)
        except IssuerUnavailable as exc:
            raise WebError(503, "ISSUER_UNAVAILABLE", str(exc)) from exc
        services["issuer"] = found
    bound: Issuer = found
    return bound


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


def override_photo(session: Session, actor: Actor, case_id: int, reason: str, at: datetime) -> None:
    readmission.override_photo(session, actor, case_id, reason, at)


def photo(session: Session, case_id: int) -> tuple[bytes, str]:
    row = session.scalars(select(Photo).where(Photo.case_id == case_id)).one_or_none()
    if row is None:
        raise WebError(404, "NOT_FOUND", f"case {case_id} has no photo", "case_id")
    return row.image, row.media_type


def underlying(session: Session, case_id: int) -> tuple[bytes, str]:
    return legalization.underlying_document(session, case_id)


def match_signer(session: Session, actor: Actor, case_id: int, at: datetime) -> str:
    result = legalization.match_signer(session, actor, case_id, at)
    return f"{result.outcome.value}: {result.message}"


@dataclass(frozen=True)
class BatchResult:
    batch_id: int
    """The batch row all filed cases point to."""
    filed: tuple[int, ...]
    """Case ids, in row order."""
    errors: tuple[dict[str, Any], ...]
    """One entry per refused row: line (1-based data row), field, code, message."""


def file_batch(
    session: Session,
    actor: Actor,
    host_country: str,
    reference: str,
    rows: Sequence[Mapping[str, Any]],
    at: datetime,
) -> BatchResult:
    """File each row as a readmission request of one batch; a bad row is recorded and the rest
    go on (each row is its own unit of work in the cases layer)."""
    if not rows:
        raise WebError(422, "INVALID_INPUT", "the batch has no rows", "requests")
    require_role(actor, Action.FILE_READMISSION)
    exists = session.scalar(
        select(Batch.id).where(Batch.host_country == host_country, Batch.reference == reference)
    )
    if exists is not None:
        raise Duplicate(f"batch {host_country} {reference} exists as #{exists}", field="reference")
    batch = Batch(
        host_country=host_country,
        reference=reference,
        filed_by=actor.id,
        filed_at=at,
        rows_total=len(rows),
        rows_failed=0,
        errors=[],
    )
    session.add(batch)
    session.commit()
    filed: list[int] = []
    errors: list[dict[str, Any]] = []
    for line, row in enumerate(rows, start=1):
        try:
            request = readmission.parse_request(row, at)
            view = readmission.file_request(
                session, actor, request, at, batch_id=batch.id, batch_line=line
            )
            filed.append(view.id)
        except CaseError as exc:
            session.rollback()
            errors.append(
                {"line": line, "field": exc.field, "code": exc.code, "message": exc.message}
            )
    batch.rows_failed = len(errors)
    batch.errors = errors
    session.commit()
    return BatchResult(batch.id, tuple(filed), tuple(errors))


def batch_case_ids(session: Session, batch_id: int, case_state: str | None = None) -> list[int]:
    stmt = select(Case.id).where(Case.batch_id == batch_id).order_by(Case.batch_line)
    if case_state is not None:
        stmt = stmt.where(Case.state == case_state)
    return list(session.scalars(stmt))


def batch_progress(session: Session, batch_id: int) -> dict[str, Any]:
    """Counts by state of a batch's cases (what the progress page and the poll show)."""
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise WebError(404, "NOT_FOUND", f"no batch {batch_id}", "batch_id")
    counts = dict(
        session.execute(
            select(Case.state, func.count()).where(Case.batch_id == batch_id).group_by(Case.state)
        ).tuples()
    )
    threads = state().services.get("batch_threads", {})
    thread = threads.get(batch_id)
    session.rollback()
    filed = sum(counts.values())
    issued = sum(counts.get(s, 0) for s in ("issued", "used", "expired", "revoked"))
    return {
        "batch_id": batch.id,
        "host_country": batch.host_country,
        "reference": batch.reference,
        "rows_total": batch.rows_total,
        "rows_failed": batch.rows_failed,
        "errors": list(batch.errors or []),
        "filed": filed,
        "counts": counts,
        "issued": issued,
        "running": bool(thread is not None and thread.is_alive()),
        "issue_failures": state().services.get("batch_failures", {}).get(batch_id, []),
    }
