"""Reconciliation stores its per-symbol comparison of broker and ledger every pass.

Revision ID: 0003_position_checks
Revises: 0002_manifest_rate_limits
Create Date: 2026-11-28 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecore.adapters.sqlstore.types

revision = "0003_position_checks"
down_revision = "0002_manifest_rate_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision (additive: a new table)."""
    op.create_table(
        "position_checks",
        sa.Column(
            "checked_at",
            tradecore.adapters.sqlstore.types.UtcDateTime(),
            nullable=False,
        ),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.Column(
            "broker_qty",
            tradecore.adapters.sqlstore.types.DecimalText(),
            nullable=False,
        ),
        sa.Column(
            "ledger_qty",
            tradecore.adapters.sqlstore.types.DecimalText(),
            nullable=False,
        ),
        sa.Column(
            "healed_qty",
            tradecore.adapters.sqlstore.types.DecimalText(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint(
            "checked_at", "symbol", name=op.f("pk_position_checks")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("position_checks")
