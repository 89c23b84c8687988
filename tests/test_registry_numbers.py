"""Document numbers: unique, never reused, correct under concurrency on both backends."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from legalize.cases import readmission
from legalize.kinds import DocumentType
from legalize.registry import audit
from legalize.registry.counters import next_document_number
from legalize.registry.models import Document
from tests.helpers.cases_support import (
    ALICE,
    BOB,
    HOST,
    T0,
    distinct_people,
    match_registers,
    plain_photo,
    request_body,
)
from tests.helpers.issuer import UnsignedTestIssuer


def _run_threads(count: int, work: Callable[[int], None]) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(k: int) -> None:
        try:
            barrier.wait()
            work(k)
        except BaseException as exc:  # collected: a dying thread must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_numbers_per_type_and_year(db_session: Session) -> None:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    assert next_document_number(db_session, DocumentType.TTD, at) == "T27000001"
    assert next_document_number(db_session, DocumentType.TTD, at) == "T27000002"
    assert next_document_number(db_session, DocumentType.LEGALIZATION, at) == "L27000001"
    assert next_document_number(db_session, DocumentType.TTD, T0) == "T26000001"
    db_session.rollback()
    # Rolled back: nobody holds those numbers, so they are handed out again.
    assert next_document_number(db_session, DocumentType.TTD, at) == "T27000001"


def test_concurrent_allocation_never_duplicates(
    session_factory: sessionmaker[Session], backend: str
) -> None:
    threads, each = (16, 20) if backend == "postgresql" else (4, 10)
    got: list[str] = []
    lock = threading.Lock()

    def work(_: int) -> None:
        for _i in range(each):
            with session_factory() as session:
                number = next_document_number(session, DocumentType.TTD, T0)
                session.commit()
            with lock:
                got.append(number)

    _run_threads(threads, work)
    assert len(got) == threads * each
    assert sorted(got) == [f"T26{n:06d}" for n in range(1, threads * each + 1)]


def test_concurrent_issuance_never_duplicates_or_loses(
    session_factory: sessionmaker[Session], backend: str
) -> None:
    """Approved cases issued from many threads at once: every case gets one document, every
    number once, and the audit chain stays one chain. (The web helper repeats this through
    gunicorn workers.)"""
    n_cases = 24 if backend == "postgresql" else 8
    with session_factory() as session:
        case_ids = []
        people = distinct_people(session, n_cases)
        for i in range(n_cases):
            body = {**request_body(f"C-{i}", **people[i]), "photo": plain_photo()}
            req = readmission.parse_request(body, T0)
            case = readmission.file_request(session, HOST, req, T0)
            readmission.override_photo(session, ALICE, case.id, "checked by eye", T0)
            readmission.prepare(session, ALICE, case.id, T0)
            readmission.approve(session, BOB, case.id, T0)
            case_ids.append(case.id)
    issuer = UnsignedTestIssuer()
    threads = 8 if backend == "postgresql" else 4
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(k: int) -> None:
        # Every thread tries every case: exactly one issuance per case must win.
        for case_id in case_ids[k::2] + case_ids[(k + 1) % 2 :: 2]:
            with session_factory() as session:
                try:
                    readmission.issue(session, ALICE, case_id, T0, issuer)
                    result = "issued"
                except Exception as exc:
                    result = getattr(exc, "code", repr(exc))
            with lock:
                outcomes.append(result)

    _run_threads(threads, work)
    assert outcomes.count("issued") == n_cases
    assert set(outcomes) <= {"issued", "INVALID_STATE"}
    with session_factory() as session:
        numbers = list(session.scalars(select(Document.number)))
        assert len(numbers) == len(set(numbers)) == n_cases
        cases = session.scalar(select(func.count(func.distinct(Document.case_id))))
        assert cases == n_cases
        assert audit.verify_chain(session).ok


@pytest.mark.parametrize("doc_type", list(DocumentType))
def test_number_format(db_session: Session, doc_type: DocumentType) -> None:
    number = next_document_number(db_session, doc_type, T0)
    assert len(number) == 9 and number[1:].isdigit()


def test_concurrent_clearances_one_wins(
    session_factory: sessionmaker[Session], backend: str
) -> None:
    """The same TTD scanned at several desks at once: one clearance, the rest DOCUMENT_USED."""
    from tests.helpers.cases_support import CAROL

    with session_factory() as session:
        match_registers(session)
        req = readmission.parse_request({**request_body("CL-1"), "photo": plain_photo()}, T0)
        case = readmission.file_request(session, HOST, req, T0)
        readmission.override_photo(session, ALICE, case.id, "checked by eye", T0)
        readmission.prepare(session, ALICE, case.id, T0)
        readmission.approve(session, BOB, case.id, T0)
        issued = readmission.issue(session, ALICE, case.id, T0, UnsignedTestIssuer())
        assert issued.document is not None
        number = issued.document.number
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(_: int) -> None:
        with session_factory() as session:
            try:
                readmission.clear(session, CAROL, number, T0)
                result = "cleared"
            except Exception as exc:
                result = getattr(exc, "code", repr(exc))
        with lock:
            outcomes.append(result)

    _run_threads(8 if backend == "postgresql" else 4, work)
    assert outcomes.count("cleared") == 1
    assert set(outcomes) == {"cleared", "DOCUMENT_USED"}
    with session_factory() as session:
        assert audit.verify_chain(session).ok
        used = [
            e for e in audit.entries_for(session, "case", case.id) if e.action == "document.used"
        ]
        assert len(used) == 1


def _allocate_in_process(url: str, count: int) -> list[str]:
    from legalize.registry.db import make_engine, make_session_factory

    engine = make_engine(url)
    factory = make_session_factory(engine)
    got = []
    for _ in range(count):
        with factory() as session:
            got.append(next_document_number(session, DocumentType.LEGALIZATION, T0))
            session.commit()
    engine.dispose()
    return got


@pytest.mark.slow
def test_numbers_across_processes(session_factory: sessionmaker[Session]) -> None:
    """Separate processes (gunicorn workers) on one database never share a number."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    engine = session_factory.kw["bind"]
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(3, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = list(pool.map(_allocate_in_process, [url] * 3, [15] * 3))
    numbers = [n for part in results for n in part]
    assert sorted(numbers) == [f"L26{n:06d}" for n in range(1, 46)]
