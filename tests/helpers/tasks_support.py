"""A batch of approved readmission cases, ready for the queue's issue step (import as
``tasks_support``)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from legalize.cases import batch, readmission
from tests.helpers.cases_support import ALICE, BOB, HOST, distinct_people, plain_photo, request_body


def approved_batch(
    session: Session, count: int, at: datetime, reference: str = "FLIGHT-1", first: int = 0
) -> tuple[int, list[int]]:
    """File ``count`` distinct people (numbered from ``first``: another batch of the same
    database starts past this one's) as one batch at ``at``, prepare (alice) and approve
    (bob) them all; (batch id, case ids in row order)."""
    photo = base64.b64encode(plain_photo()).decode()
    travel = (at + timedelta(days=10)).date().isoformat()
    rows = [
        {**request_body(f"{reference}-{i}", travel_date=travel, **person), "photo": photo}
        for i, person in enumerate(distinct_people(session, count, first))
    ]
    filed = batch.file_batch(session, HOST, "DEU", reference, rows, at)
    assert not filed.failed, filed.failed
    case_ids = [case_id for _line, case_id in filed.succeeded]
    for case_id in case_ids:  # the plain photo has no face: the officer accepts it by eye
        readmission.override_photo(session, ALICE, case_id, "compared by eye", at)
    assert len(batch.prepare_batch(session, ALICE, filed.batch_id, at).succeeded) == count
    assert len(batch.approve_batch(session, BOB, filed.batch_id, at).succeeded) == count
    return filed.batch_id, case_ids
