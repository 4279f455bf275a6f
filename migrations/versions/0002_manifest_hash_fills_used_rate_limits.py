"""Decisions carry the manifest hash; cost-model versions their fills; shared rate limits.

Revision ID: 0002_manifest_rate_limits
Revises: 0001_initial
Create Date: 2026-11-21 20:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_manifest_rate_limits"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision (additive: nullable columns and a new table)."""
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(
            sa.Column("manifest_hash", sa.String(length=128), nullable=True)
        )
    with op.batch_alter_table("cost_model_versions") as batch:
        batch.add_column(sa.Column("fills_used", sa.Text(), nullable=True))
    op.create_table(
        "rate_limit_buckets",
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("refilled_at", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_rate_limit_buckets")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("rate_limit_buckets")
    with op.batch_alter_table("cost_model_versions") as batch:
        batch.drop_column("fills_used")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("manifest_hash")
