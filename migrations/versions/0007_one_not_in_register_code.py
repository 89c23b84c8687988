"""one reason code for "the register holds no such document"

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 16:40:00

A check by number and check code that found nothing was logged as ``DOCUMENT_NOT_FOUND``;
a seal for a number the register never issued as ``DOCUMENT_NOT_IN_REGISTER``. Both say the
register holds no such document, so the risk dashboard counted one finding under two names.
``DOCUMENT_NOT_FOUND`` is gone from ``verifier.codes``; the rows logged with it are rewritten
here (``public_checks.reasons`` keeps its codes space-separated, sorted and distinct).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD = "DOCUMENT_NOT_FOUND"
NEW = "DOCUMENT_NOT_IN_REGISTER"

_checks = sa.table(
    "public_checks", sa.column("id", sa.Integer()), sa.column("reasons", sa.String(500))
)


def upgrade() -> None:
    bind = op.get_bind()
    # LIKE narrows the rows; the split below matches whole codes only (no code has OLD as a
    # prefix today, but a future one might).
    rows = bind.execute(
        sa.select(_checks.c.id, _checks.c.reasons).where(_checks.c.reasons.like(f"%{OLD}%"))
    ).all()
    for row_id, reasons in rows:
        codes = reasons.split()
        if OLD not in codes:
            continue
        rewritten = " ".join(sorted({NEW if c == OLD else c for c in codes}))
        bind.execute(
            sa.update(_checks).where(_checks.c.id == row_id).values(reasons=rewritten)
        )


def downgrade() -> None:
    # Nothing to undo: the code before this revision knows DOCUMENT_NOT_IN_REGISTER too, and
    # which rows once said DOCUMENT_NOT_FOUND is not recorded.
    pass
