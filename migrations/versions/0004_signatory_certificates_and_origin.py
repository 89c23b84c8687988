"""signatory certificates, specimen seals, digital signatures and issuing-authority clients

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 13:45:00

- ``signatory_certificates``: the certificates an authority signs its documents with;
- ``signatories.seal_image`` (+ media type): the specimen seal shown beside a scanned page;
- ``cases.digital_signatures``: the upload's signatures as verified at filing (NULL for
  cases filed before);
- ``cases.submitted_by_signatory_id``: the case was filed by the issuing authority itself;
- ``api_clients.kind`` and ``api_clients.signatory_id``: an issuing authority's own client
  (existing clients are host countries).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signatory_certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("signatory_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("der", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("not_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["signatory_id"],
            ["signatories.id"],
            name=op.f("fk_signatory_certificates_signatory_id_signatories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatory_certificates")),
        sa.UniqueConstraint(
            "signatory_id", "sha256", name=op.f("uq_signatory_certificates_signatory_id")
        ),
    )
    with op.batch_alter_table("signatory_certificates") as batch:
        batch.create_index(
            batch.f("ix_signatory_certificates_signatory_id"), ["signatory_id"], unique=False
        )
        batch.create_index(batch.f("ix_signatory_certificates_sha256"), ["sha256"], unique=False)
    with op.batch_alter_table("signatories") as batch:
        batch.add_column(sa.Column("seal_image", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("seal_image_media_type", sa.String(length=50), nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("digital_signatures", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("submitted_by_signatory_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_cases_submitted_by_signatory_id_signatories"),
            "signatories",
            ["submitted_by_signatory_id"],
            ["id"],
        )
    with op.batch_alter_table("api_clients") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(length=30), nullable=False, server_default="host_country")
        )
        batch.add_column(sa.Column("signatory_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_api_clients_signatory_id_signatories"),
            "signatories",
            ["signatory_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("api_clients") as batch:
        batch.drop_constraint(
            batch.f("fk_api_clients_signatory_id_signatories"), type_="foreignkey"
        )
        batch.drop_column("signatory_id")
        batch.drop_column("kind")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint(
            batch.f("fk_cases_submitted_by_signatory_id_signatories"), type_="foreignkey"
        )
        batch.drop_column("submitted_by_signatory_id")
        batch.drop_column("digital_signatures")
    with op.batch_alter_table("signatories") as batch:
        batch.drop_column("seal_image_media_type")
        batch.drop_column("seal_image")
    with op.batch_alter_table("signatory_certificates") as batch:
        batch.drop_index(batch.f("ix_signatory_certificates_sha256"))
        batch.drop_index(batch.f("ix_signatory_certificates_signatory_id"))
    op.drop_table("signatory_certificates")
