"""indexes for the duplicate search: a person's birth date and passport number, a case's person

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 17:50:00

The duplicate search (legalize.cases.duplicates.candidates) looks for the same NIC number,
passport number or birth date, joined to the person's cases. Only the NIC number had an
index, so the OR of the three read every person; on tables not yet analysed PostgreSQL
planned it as a nested loop that read every person once per case (a flight of 200: about
7 ms of the server's CPU per document, growing with the register). With all three indexed
the persons are found by a bitmap OR and their cases by ``ix_cases_person_id``.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("persons") as batch_op:
        batch_op.create_index("ix_persons_birth_date", ["birth_date"], unique=False)
        batch_op.create_index("ix_persons_passport_number", ["passport_number"], unique=False)
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_person_id", ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_index("ix_cases_person_id")
    with op.batch_alter_table("persons") as batch_op:
        batch_op.drop_index("ix_persons_passport_number")
        batch_op.drop_index("ix_persons_birth_date")
