"""Issuing several approved cases together: the same rules and the same records as
:func:`legalize.cases.common.register_issue`, with the register's round trips shared.

Two transactions for the whole group instead of two per document:

1. under the lock of every case of the group (taken by one statement, in id order), with
   their duplicate links read by one statement, each case's rules (its state, the identity
   gate, the duplicates) and what its document shows;
   then the numbers of the cases that passed (one counter step) and their reservations
   (one chain-head step);
2. after rendering and signing each document with no transaction open: the cases that are
   still approved marked issued (one conditional UPDATE), their register rows with the PDFs,
   their ``document.issued`` entries and the caller's own record (``on_issued``, e.g. the
   job items' outcomes), committed together.

What holds for one document holds for each of the group: a crash at any moment leaves each
case either issued (register row, stored PDF, audit entry) or untouched; every number taken
has a reservation committed before rendering and then a final entry (issued, failed or
abandoned, with why). A case that fails its rules, its rendering or the re-check is refused
on its own and the others go on. A case whose duplicate search finds a case not yet linked
is issued on its own afterwards (:func:`common.register_issue` links it first); so is a case
of another kind than a readmission (the origin check records its refusals itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from legalize.cases import duplicates
from legalize.cases.common import (
    Render,
    abandon,
    check_time,
    document_row,
    entry,
    issued_details,
    lock_case,
    produce,
    register_issue,
    require_clear,
    unit_of_work,
)
from legalize.cases.errors import CaseError, InvalidTransition, NotFound
from legalize.cases.issuer import IssuedPdf
from legalize.cases.rules import Action, Actor, require_role, require_state
from legalize.kinds import CaseKind, CaseState, DocumentType
from legalize.registry import audit, numbers
from legalize.registry.counters import next_document_numbers
from legalize.registry.db import commit_without_flush
from legalize.registry.models import Case

OnIssuedMany = Callable[[Session, list[int]], None]
"""Run inside the transaction that registers the group's documents, with the ids of the
cases it issues (a caller's own record of them: it commits with the documents or not at all)."""


@dataclass
class _Pending:
    """A case of the group on its way through."""

    case_id: int
    render: Render
    expires_on: date | None
    number: str = ""
    issued: IssuedPdf | None = None
    codes: tuple[str, str] = ("", "")
    """Check code and web token."""
    failed: list[Exception] = field(default_factory=list)


def register_issues(
    session: Session,
    actor: Actor,
    case_ids: Sequence[int],
    at: datetime,
    doc_type: DocumentType,
    build: Callable[[Session, Case], tuple[Render, date | None]],
    on_issued: OnIssuedMany,
) -> dict[int, Exception | None]:
    """Issue the approved cases ``case_ids`` together; for each case, None when its document
    is registered, else why not (a CaseError for a refusal; any other error for a failure of
    the issuer or the database, its number accounted for)."""
    check_time(at)
    require_role(actor, Action.ISSUE)
    result: dict[int, Exception | None] = {}
    try:
        group, alone = _take_numbers(
            session, actor, sorted(set(case_ids)), at, doc_type, build, result
        )
    except Exception as exc:  # the database failed: nothing of the group was written
        return {c: exc for c in case_ids}
    for p in group:
        try:
            p.issued, check_code, token = produce(session, actor, p.case_id, at, p.number, p.render)
            p.codes = (check_code, token)
        except Exception as exc:
            result[p.case_id] = exc
    rendered = [p for p in group if p.issued is not None]
    if rendered:
        result.update(_register(session, actor, rendered, at, doc_type, on_issued))
    for case_id in alone:
        try:
            register_issue(
                session, actor, case_id, at, doc_type, build, _for_one(on_issued, case_id)
            )
            result[case_id] = None
        except Exception as exc:
            result[case_id] = exc
    return result


def _for_one(on_issued: OnIssuedMany, case_id: int) -> Callable[[Session], None]:
    return lambda session: on_issued(session, [case_id])


def _take_numbers(
    session: Session,
    actor: Actor,
    case_ids: list[int],
    at: datetime,
    doc_type: DocumentType,
    build: Callable[[Session, Case], tuple[Render, date | None]],
    result: dict[int, Exception | None],
) -> tuple[list[_Pending], list[int]]:
    """1. Check each case under its lock and take the numbers of those that pass, with their
    reservations, in one transaction (committed without waiting for the disk, as for one
    document: common._take_number); (the group, the cases to issue on their own). A refusal
    goes into ``result``."""
    group: list[_Pending] = []
    alone: list[int] = []
    with unit_of_work(session):
        commit_without_flush(session)
        cases: list[Case] = []
        # Every case of the group locked by one statement, in id order (two groups, or a
        # group and an officer's issuance, then wait for each other in the same order).
        locked = {
            case.id: case
            for case in session.scalars(
                select(Case)
                .where(Case.id.in_(case_ids))
                .order_by(Case.id)
                .with_for_update(of=Case)
                .execution_options(populate_existing=True)
            )
        }
        all_links = duplicates.links_of_many(session, list(locked.values()))
        for case_id in case_ids:
            try:
                case = locked.get(case_id)
                if case is None:
                    raise NotFound(f"no case {case_id}", field="case_id")
                if case.kind != CaseKind.READMISSION.value:
                    alone.append(case_id)
                    continue
                links = all_links[case_id]
                if duplicates.unlinked(session, case, at, links):
                    alone.append(case_id)
                    continue
                require_state(case, Action.ISSUE)
                require_clear(session, case, case.approved_by, at, links)
                render, expires_on = build(session, case)
            except CaseError as exc:  # refused: nothing was written for it
                result[case_id] = exc
                continue
            cases.append(case)
            group.append(_Pending(case_id, render, expires_on))
        if group:
            taken = next_document_numbers(session, doc_type, at, len(group))
            for p, number in zip(group, taken, strict=True):
                p.number = number
            audit.append_many(
                session,
                [
                    entry(actor, numbers.TAKEN, case, at, number=p.number, type=doc_type.value)
                    for case, p in zip(cases, group, strict=True)
                ],
            )
    return group, alone


def _register(
    session: Session,
    actor: Actor,
    group: list[_Pending],
    at: datetime,
    doc_type: DocumentType,
    on_issued: OnIssuedMany,
) -> dict[int, Exception | None]:
    """3. The documents of the cases still approved, their states, audit entries and the
    caller's record, in one transaction; the numbers of the others abandoned with why."""
    result: dict[int, Exception | None] = {}
    try:
        with unit_of_work(session):
            marked = session.scalars(
                update(Case)
                .where(Case.id.in_([p.case_id for p in group]))
                .where(Case.state == CaseState.APPROVED.value)
                .values(state=CaseState.ISSUED.value, issued_by=actor.id, updated_at=at)
                .returning(Case)
                .execution_options(populate_existing=True)
            ).all()
            by_id = {case.id: case for case in marked}
            won = [p for p in group if p.case_id in by_id]
            docs = []
            for p in won:
                assert p.issued is not None
                case = by_id[p.case_id]
                docs.append(
                    document_row(case, doc_type, p.number, p.issued, *p.codes, at, p.expires_on)
                )
            session.add_all(docs)
            session.flush()
            audit.append_many(
                session,
                [
                    entry(
                        actor,
                        numbers.ISSUED,
                        by_id[p.case_id],
                        at,
                        **issued_details(CaseState.APPROVED.value, doc),
                    )
                    for p, doc in zip(won, docs, strict=True)
                ],
            )
            on_issued(session, [p.case_id for p in won])
    except Exception as exc:
        # The register refused the group: no document was written; each number says why.
        for p in group:
            abandon(session, actor, p.case_id, at, p.number, exc)
            result[p.case_id] = exc
        return result
    for p in group:
        if p.case_id in by_id:
            result[p.case_id] = None
            continue
        # Issued or closed by someone else while its document was rendered: the case rule
        # says how, and the number will never carry a document.
        why = _why_not(session, p.case_id)
        abandon(session, actor, p.case_id, at, p.number, why)
        result[p.case_id] = why
    return result


def _why_not(session: Session, case_id: int) -> Exception:
    """The refusal the case's state gives now (a read under its lock)."""
    try:
        with unit_of_work(session):
            require_state(lock_case(session, case_id), Action.ISSUE)
    except CaseError as exc:
        return exc
    return InvalidTransition(f"case {case_id} changed while its document was made")
