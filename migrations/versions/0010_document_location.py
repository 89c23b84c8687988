"""keep a document's signing location in the register

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 22:55:00

The check by number and check code shows where a document was issued: the ``/Location`` of
its PDF signature (a TTD's issuing post, a legalization's place). The register kept it
nowhere else, so every check loaded the signed PDF and parsed it with pyHanko: about 13 ms of
a worker's CPU, most of the request. ``documents.location`` now holds it, written at
issuance; the documents issued before get it read out of their PDFs here, a hundred at a
time (a PDF that cannot be read leaves NULL, which the page shows as no place).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 100


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("location", sa.String(length=100), nullable=True))
    # Imported here: only the backfill needs pyHanko.
    from legalize.documents.pades import signing_location

    documents = sa.table(
        "documents",
        sa.column("id", sa.Integer),
        sa.column("pdf", sa.LargeBinary),
        sa.column("location", sa.String),
    )
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(documents.c.id, documents.c.pdf)
            .where(documents.c.id > last)
            .order_by(documents.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        for row in rows:
            location = signing_location(bytes(row.pdf))
            if location:
                bind.execute(
                    sa.update(documents)
                    .where(documents.c.id == row.id)
                    .values(location=location[:100])
                )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("location")
