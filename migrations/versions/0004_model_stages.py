"""The model registry's stages: append-only stage events and one production model.

Revision ID: 0004_model_stages
Revises: 0003_position_checks
Create Date: 2026-12-06 11:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import tradecore.adapters.sqlstore.types

revision = "0004_model_stages"
down_revision = "0003_position_checks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision (additive: two new tables)."""
    op.create_table(
        "model_stage_events",
        sa.Column("seq", sa.Integer(), sa.Identity(always=False), nullable=False),
        sa.Column("model_hash", sa.String(length=128), nullable=False),
        sa.Column("strategy_id", sa.String(length=128), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("actor", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "changed_at",
            tradecore.adapters.sqlstore.types.UtcDateTime(),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["model_hash"],
            ["models.model_hash"],
            name=op.f("fk_model_stage_events_model_hash_models"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_model_stage_events")),
    )
    op.create_index(
        op.f("ix_model_stage_events_strategy_id_seq"),
        "model_stage_events",
        ["strategy_id", "seq"],
        unique=False,
    )
    op.create_table(
        "model_production",
        sa.Column("strategy_id", sa.String(length=128), nullable=False),
        sa.Column("model_hash", sa.String(length=128), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_hash"],
            ["models.model_hash"],
            name=op.f("fk_model_production_model_hash_models"),
        ),
        sa.PrimaryKeyConstraint("strategy_id", name=op.f("pk_model_production")),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("model_production")
    op.drop_index(
        op.f("ix_model_stage_events_strategy_id_seq"), table_name="model_stage_events"
    )
    op.drop_table("model_stage_events")
