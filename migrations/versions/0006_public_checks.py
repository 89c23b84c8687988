"""the log of public checks and the daily salts of its client hashes

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 14:40:00

- ``public_checks``: one row per public check (time, method, verdict, reason codes,
  document number/type/issuing post when known, the client's salted address hash);
- ``check_salts``: the random salt of each UTC day, deleted once the day is over.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "public_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.String(length=500), nullable=False),
        sa.Column("document_number", sa.String(length=20), nullable=True),
        sa.Column("document_type", sa.String(length=20), nullable=True),
        sa.Column("issuing_post", sa.String(length=100), nullable=True),
        sa.Column("client_hash", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_checks")),
    )
    with op.batch_alter_table("public_checks") as batch:
        batch.create_index(batch.f("ix_public_checks_checked_at"), ["checked_at"], unique=False)
        batch.create_index(
            batch.f("ix_public_checks_document_number"), ["document_number"], unique=False
        )
        batch.create_index(batch.f("ix_public_checks_client_hash"), ["client_hash"], unique=False)
    op.create_table(
        "check_salts",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_check_salts")),
    )


def downgrade() -> None:
    op.drop_table("check_salts")
    op.drop_table("public_checks")
