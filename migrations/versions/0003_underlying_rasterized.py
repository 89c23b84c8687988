"""store the underlying document as sanitized at filing

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 11:55:00

Cases filed from now on keep in ``underlying`` the document as sanitized at filing and in
``underlying_rasterized`` whether its pages were rendered; issuance reuses it. NULL marks a
case filed before (its ``underlying`` is the upload as received).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("underlying_rasterized", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("underlying_rasterized")
