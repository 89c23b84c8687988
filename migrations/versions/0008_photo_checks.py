"""photo checks waiting for a worker, and their answers for an hour

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 16:45:00

- ``photo_checks``: one row per uploaded photo of the paper, keyed by a random token; the
  upload until a worker has checked it, then the report and the annotated picture until
  ``expires_at`` (legalize.cases.photo_checks deletes expired rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo_checks",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("actor_id", sa.String(length=100), nullable=True),
        sa.Column("client_hash", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("upload", sa.LargeBinary(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("picture", sa.LargeBinary(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_photo_checks")),
    )
    with op.batch_alter_table("photo_checks") as batch:
        batch.create_index("ix_photo_checks_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_table("photo_checks")
