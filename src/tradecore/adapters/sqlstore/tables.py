"""The schema: SQLAlchemy Core tables (the migrations must produce exactly these).

Columns and constraints are listed in the order the migrations create them (a column
added by a later migration comes last), so that a fresh store created from these
tables (:func:`~tradecore.adapters.sqlstore.migrate.create_at_head`) has the very
schema a migrated one has.

Design notes:

* Amounts are :class:`DecimalText` (exact), times :class:`UtcDateTime` (aware UTC).
* An intent's order spec and decision key are canonical JSON text (decimals as
  strings, so exact); the columns queries need (strategy, symbol, side, status) are
  plain columns next to them.
* Statuses are plain strings with no CHECK constraint on purpose: the codec refuses
  an unknown value on read with a clear :class:`InvalidInput`, and a migration adding
  a status then needs no constraint rewrite.
* ``audit_log.seq`` is assigned by the appender (last + 1), not by the database, so a
  racing second appender fails on the primary key instead of forking the chain.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from tradecore.adapters.sqlstore.types import DecimalText, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

_ID = String(64)
_HASH = String(128)
_COID = "intents.client_order_id"

intents = Table(
    "intents",
    metadata,
    Column("client_order_id", _ID, primary_key=True),
    Column("strategy_id", String(128), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("side", String(8), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("decision_key", Text, nullable=False),
    Column("spec", Text, nullable=False),
    Column("decided_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("arrival_price", DecimalText),
    Column("expected_edge_bps", Float),
    Column("execution_policy", String(64), nullable=False),
    Column("config_hash", _HASH, nullable=False),
    Column("model_hash", _HASH, nullable=False),
    Column("cost_model_hash", _HASH, nullable=False),
    Column("status", String(32), nullable=False),
    Column("broker_order_id", _ID),
    Column("filled_qty", DecimalText, nullable=False),
    Column("filled_notional", DecimalText, nullable=False),
    Column("fees", DecimalText, nullable=False),
    Column("execution_ids", Text, nullable=False),
    Column("reason", Text),
    Column("parent_client_order_id", _ID),
    Column("version", Integer, nullable=False),
    Index(None, "status", "decided_at"),
)

broker_orders = Table(
    "broker_orders",
    metadata,
    Column("broker_order_id", _ID, primary_key=True),
    Column("client_order_id", _ID, ForeignKey(_COID), nullable=False, index=True),
    Column("raw_status", String(32), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

fills = Table(
    "fills",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("execution_id", _ID, nullable=False),
    Column("client_order_id", _ID, nullable=False, index=True),
    Column("symbol", String(16), nullable=False),
    Column("side", String(8), nullable=False),
    Column("qty", DecimalText, nullable=False),
    Column("price", DecimalText, nullable=False),
    Column("fee", DecimalText, nullable=False),
    Column("filled_at", UtcDateTime, nullable=False),
    # Both declared here, the foreign key first, as the migrations create them: a
    # fresh store made from these tables then has the migrated DDL
    # (tests/integration/test_fresh_schema.py).
    ForeignKeyConstraint(["client_order_id"], [_COID]),
    UniqueConstraint("execution_id"),
)

position_snapshots = Table(
    "position_snapshots",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("taken_at", UtcDateTime, nullable=False),
    Column("source", String(32), nullable=False),
    Column("cash", DecimalText, nullable=False),
    Index(None, "source", "taken_at"),
)

position_lines = Table(
    "position_lines",
    metadata,
    Column(
        "snapshot_id",
        Integer,
        ForeignKey("position_snapshots.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("symbol", String(16), primary_key=True),
    Column("qty", DecimalText, nullable=False),
    Column("avg_entry_price", DecimalText, nullable=False),
)

#: Reconciliation's per-symbol comparison of broker and ledger, each pass (0003).
position_checks = Table(
    "position_checks",
    metadata,
    Column("checked_at", UtcDateTime, primary_key=True),
    Column("symbol", String(16), primary_key=True),
    Column("broker_qty", DecimalText, nullable=False),
    Column("ledger_qty", DecimalText, nullable=False),
    Column("healed_qty", DecimalText, nullable=False),
)

decisions = Table(
    "decisions",
    metadata,
    Column("decision_id", _ID, primary_key=True),
    Column("strategy_id", String(128), nullable=False),
    Column("symbol", String(16), nullable=False),
    Column("decided_at", UtcDateTime, nullable=False, index=True),
    Column("inputs_hash", _HASH, nullable=False),
    Column("model_hash", _HASH, nullable=False),
    Column("cost_model_hash", _HASH, nullable=False),
    Column("config_hash", _HASH, nullable=False),
    Column("details", Text, nullable=False),
    #: The signed manifest in force when the decision was made (0002; older rows: NULL).
    #: Last, where 0002's ADD COLUMN put it.
    Column("manifest_hash", _HASH),
)

outcomes = Table(
    "outcomes",
    metadata,
    # The primary key *is* the decision: exactly one outcome per decision.
    Column("decision_id", _ID, ForeignKey("decisions.decision_id"), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("client_order_id", _ID),
    Column("reason", Text),
    Column("details", Text, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("row_hash", String(64), nullable=False, unique=True),
)

# The chain's head, written with every append: deleting the newest rows (which no
# later row links to) is caught by comparing the walk's end with this.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("row_hash", String(64), nullable=False),
)

trading_state_changes = Table(
    "trading_state_changes",
    metadata,
    Column("id", Integer, Identity(), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

breakers = Table(
    "breakers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("tripped", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
)

cost_model_versions = Table(
    "cost_model_versions",
    metadata,
    Column("version_hash", _HASH, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("params", Text, nullable=False),
    Column("note", Text, nullable=False),
    #: JSON list of the execution ids the calibration used (0002; older rows: NULL).
    Column("fills_used", Text),
)

#: Token buckets shared by every process using one store (0002): one row per budget,
#: e.g. ``alpaca-trading:<account>``; times are wall-clock epoch seconds because the
#: processes sharing a bucket share no monotonic clock.
rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("refilled_at", Float, nullable=False),
    Column("paused_until", Float, nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("model_hash", _HASH, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("metadata", Text, nullable=False),
)

manifests = Table(
    "manifests",
    metadata,
    Column("manifest_hash", _HASH, primary_key=True),
    Column("model_hash", _HASH, ForeignKey("models.model_hash"), nullable=False),
    Column("data_hash", _HASH, nullable=False),
    Column("cost_model_hash", _HASH, nullable=False),
    Column("config_hash", _HASH, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("signature", Text),
    Column("key_id", String(128)),
    Index(None, "model_hash", "created_at"),
)

#: The registry's append-only stage events, per strategy id (0004): the history
#: ``tradecore-live model list`` and ``rollback`` read.
model_stage_events = Table(
    "model_stage_events",
    metadata,
    Column("seq", Integer, Identity(), primary_key=True),
    Column("model_hash", _HASH, ForeignKey("models.model_hash"), nullable=False),
    Column("strategy_id", String(128), nullable=False),
    Column("stage", String(16), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("reason", Text, nullable=False),
    Column("changed_at", UtcDateTime, nullable=False),
    Index(None, "strategy_id", "seq"),
)

#: The production model of each strategy id (0004; ``model_hash`` NULL: none now).
#: The primary key makes two impossible, and ``version`` (never reset: the row is
#: never deleted) is compared-and-set by every change, so two racing promotions
#: cannot both archive the same predecessor: the loser's update matches no row (or
#: its insert hits the key) and its unit rolls back with ConcurrencyConflict.
model_production = Table(
    "model_production",
    metadata,
    Column("strategy_id", String(128), primary_key=True),
    Column("model_hash", _HASH, ForeignKey("models.model_hash")),
    Column("version", Integer, nullable=False),
)
