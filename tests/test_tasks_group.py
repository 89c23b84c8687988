"""Documents issued in groups (legalize.cases.group_issue through legalize.tasks.steps.run_items)
on SQLite and PostgreSQL: each case of a group is refused or fails on its own, the others go
on, and every number taken is accounted for; a group costs the register a bounded number of
statements and three transactions, whatever its size."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import duplicates, readmission
from legalize.cases.issuer import IssuedPdf
from legalize.config import Config
from legalize.documents.ttd import TtdData
from legalize.kinds import DocumentType
from legalize.registry import audit, numbers
from legalize.registry.counters import format_number
from legalize.registry.jobs import ItemOutcome, JobItem
from legalize.registry.models import Case, Document
from legalize.tasks import jobs, steps
from legalize.tasks.queue import GROUP, grouped
from tests.helpers.cases_support import ALICE, BOB, HOST, T0, plain_photo, request_body
from tests.helpers.db import backend, db_engine, session_factory  # noqa: F401
from tests.helpers.issuer import UnsignedTestIssuer
from tests.helpers.tasks_support import approved_batch
from tests.test_tasks_cost import MAX_TRANSACTIONS, counted

MAX_GROUP_STATEMENTS = {"postgresql": 11 + 2 * GROUP, "sqlite": 10 + 3 * GROUP}
"""For a group of GROUP documents, transaction control aside: the claim (1); the cases
locked (1) and their duplicate links (1), then per case the duplicate search and its photo
(2 each), the numbers (1) and their reservations (2); the cases marked issued (1), the
register rows (1 on PostgreSQL; SQLAlchemy inserts them one by one on SQLite), their entries
(2) and the items' outcomes (1): 31 for ten, against 13 per document issued alone."""


def _number(value: int) -> str:
    return format_number(DocumentType.TTD, T0.year, value)


def _items(sessions: sessionmaker[Session], count: int) -> tuple[list[int], list[int]]:
    with sessions() as s:
        batch_id, case_ids = approved_batch(s, count, T0)
        items = jobs.fan_out(s, jobs.request(s, ALICE, batch_id, "issue", T0), T0)
        return case_ids, items


def test_each_case_of_a_group_is_refused_or_fails_on_its_own(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    case_ids, items = _items(session_factory, 4)
    assert case_ids == sorted(case_ids)  # the group takes its numbers in case order
    # Issued by hand before the group was claimed: not ready, skipped (on its own path).
    with session_factory() as s:
        readmission.issue(s, BOB, case_ids[0], T0, UnsignedTestIssuer())  # number 1
    # Numbers 2, 3, 4 go to the group's cases 1, 2, 3: the issuer fails on number 2, and
    # an officer issues case 2 by hand while the group's document 3 is being rendered.
    failing = UnsignedTestIssuer(fail_for=frozenset({_number(2)}))

    class Racing:
        def issue_ttd(self, data: TtdData, photo: bytes, at: datetime) -> IssuedPdf:
            if data.document_number == _number(3):
                with session_factory() as other:
                    readmission.issue(other, BOB, case_ids[2], T0, UnsignedTestIssuer())
            return failing.issue_ttd(data, photo, at)

    rt = steps.Runtime(Config(), session_factory, lambda: Racing(), lambda: T0)  # type: ignore[arg-type,return-value]
    outcomes = steps.run_items(rt, items, "here:1")
    assert [outcomes[i] for i in items] == [
        ItemOutcome.SKIPPED,
        ItemOutcome.FAILED,
        ItemOutcome.FAILED,
        ItemOutcome.DONE,
    ]
    assert steps.run_items(rt, items, "here:1") == {}  # delivered twice: nothing to do
    with session_factory() as s:
        failures = {
            i: [f["code"] for f in s.get(JobItem, i).failures]  # type: ignore[union-attr]
            for i in items
        }
        assert failures[items[1]] == ["ISSUANCE_FAILED"]
        assert failures[items[2]] == ["INVALID_STATE"]
        states = {c: s.get(Case, c).state for c in case_ids}  # type: ignore[union-attr]
        assert states == {
            case_ids[0]: "issued",
            case_ids[1]: "approved",  # untouched: its document failed
            case_ids[2]: "issued",  # by hand, once
            case_ids[3]: "issued",
        }
        docs = dict(
            s.execute(select(Document.case_id, func.count()).group_by(Document.case_id)).all()
        )
        assert docs == {case_ids[0]: 1, case_ids[2]: 1, case_ids[3]: 1}
        fates = {
            e.details_dict.get("number"): e.action
            for e in s.scalars(select(audit.AuditEntry).order_by(audit.AuditEntry.seq))
            if e.action in numbers.FINAL
        }
        assert fates[_number(2)] == numbers.FAILED
        assert fates[_number(3)] == numbers.ABANDONED  # lost the race to the officer
        assert fates[_number(4)] == numbers.ISSUED
        assert numbers.account_numbers(s).open == ()
        assert audit.verify_chain(s).ok


def test_a_case_of_the_group_with_a_duplicate_is_refused_under_the_lock(
    session_factory: sessionmaker[Session],  # noqa: F811
) -> None:
    """The group reads every case's duplicate links by one statement; a blocking one refuses
    that case alone, before any number is taken for it."""
    case_ids, items = _items(session_factory, 3)
    with session_factory() as s:
        person = s.get(Case, case_ids[1]).person  # type: ignore[union-attr]
        same = {
            "surname": person.surname,
            "given_names": person.given_names,
            "birth_date": person.birth_date.isoformat(),
            "sex": person.sex,
            "birth_place": person.birth_place or "",
            "nic_number": person.nic_number or "",
        }
        # Filed for the same person after the approval: linked at filing, both open.
        body = {**request_body("DE-DUP-1", **same), "photo": plain_photo()}
        dup = readmission.file_request(s, HOST, readmission.parse_request(body, T0), T0)
        cases = [s.get(Case, c) for c in (case_ids[0], case_ids[1], dup.id)]
        links = duplicates.links_of_many(s, cases)  # type: ignore[arg-type]
        assert [len(links[c]) for c in (case_ids[0], case_ids[1], dup.id)] == [0, 1, 1]
        s.rollback()
    rt = steps.Runtime(Config(), session_factory, lambda: UnsignedTestIssuer(), lambda: T0)
    outcomes = steps.run_items(rt, items, "here:1")
    assert [outcomes[i] for i in items] == [
        ItemOutcome.DONE,
        ItemOutcome.FAILED,
        ItemOutcome.DONE,
    ]
    with session_factory() as s:
        codes = [f["code"] for f in s.get(JobItem, items[1]).failures]  # type: ignore[union-attr]
        assert codes == ["DUPLICATE_UNRESOLVED"]
        assert s.get(Case, case_ids[1]).state == "approved"  # type: ignore[union-attr]
        account = numbers.account_numbers(s)
        assert account.taken == 2 and account.open == ()  # no number for the refused case


def test_a_group_costs_the_register_a_bounded_number_of_statements(
    session_factory: sessionmaker[Session],  # noqa: F811
    backend: str,  # noqa: F811
) -> None:
    _cases, items = _items(session_factory, 1 + GROUP)
    issuer = UnsignedTestIssuer()
    rt = steps.Runtime(Config(), session_factory, lambda: issuer, lambda: T0)
    engine = session_factory.kw["bind"]
    # The first document makes the counter rows; the group is what a flight costs.
    assert steps.run_item(rt, items[0], "here:1") == ItemOutcome.DONE
    with counted(engine) as tally:
        outcomes = steps.run_items(rt, items[1:], "here:1")
    assert set(outcomes.values()) == {ItemOutcome.DONE} and len(outcomes) == GROUP
    assert len(tally.statements) <= MAX_GROUP_STATEMENTS[backend], "\n".join(tally.statements)
    assert tally.commits <= MAX_TRANSACTIONS, tally.statements
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1 + GROUP
        assert numbers.account_numbers(s).open == ()
        assert audit.verify_chain(s).ok


def test_a_job_is_cut_into_the_fewest_groups_of_even_size() -> None:
    assert grouped([]) == []
    assert grouped([7]) == [[7]]
    assert grouped(list(range(GROUP))) == [list(range(GROUP))]
    cut = grouped(list(range(2 * GROUP + 5)))
    assert [len(g) for g in cut] == [GROUP - 1, GROUP - 2, GROUP - 2]
    assert [i for g in cut for i in g] == list(range(2 * GROUP + 5))  # batch order, once each
