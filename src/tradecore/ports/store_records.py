"""Plain value types that cross the Store port and have no home in the domain yet.

They are records of what happened (a broker order seen, a ledger snapshot taken, a
cost model or model registered), so they carry no behaviour beyond validation.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.orders.account import Position


@attrs.frozen(kw_only=True, slots=True)
class BrokerOrderRecord:
    """One broker order as last seen; an intent may map to several over its life.

    ``raw_status`` is the broker's own spelling, kept verbatim for forensics; the
    intent's status (the domain's view) lives on the intent.
    """

    broker_order_id: str = attrs.field(validator=v.non_empty_str)
    client_order_id: str = attrs.field(validator=v.non_empty_str)
    raw_status: str = attrs.field(validator=v.non_empty_str)
    submitted_at: datetime = attrs.field(validator=v.utc_datetime)
    updated_at: datetime = attrs.field(validator=v.utc_datetime)


@attrs.frozen(kw_only=True, slots=True)
class PositionSnapshot:
    """The books at one moment: cash and every non-flat position, from one source.

    ``source`` says whose view it is (``ledger`` for ours, ``broker`` for theirs), so
    the reconciler can compare the two snapshots taken at the same time.
    """

    taken_at: datetime = attrs.field(validator=v.utc_datetime)
    source: str = attrs.field(validator=v.non_empty_str)
    cash: Decimal = attrs.field(validator=v.decimal)
    positions: tuple[Position, ...] = ()


@attrs.frozen(kw_only=True, slots=True)
class PositionCheck:
    """One symbol of one reconciliation pass: the broker's position against ours.

    ``ledger_qty`` is the ledger before the pass healed anything, ``healed_qty`` after
    (equal to ``ledger_qty`` when nothing was healed). Stored for every symbol either
    side holds, each pass, so drift can be followed over time.
    """

    checked_at: datetime = attrs.field(validator=v.utc_datetime)
    symbol: str = attrs.field(validator=v.symbol)
    broker_qty: Decimal = attrs.field(validator=v.decimal)
    ledger_qty: Decimal = attrs.field(validator=v.decimal)
    healed_qty: Decimal = attrs.field(validator=v.decimal)

    @property
    def drift(self) -> Decimal:
        """Broker minus ledger, before healing (0: they agreed)."""
        return self.broker_qty - self.ledger_qty


@attrs.frozen(kw_only=True, slots=True)
class CostModelVersion:
    """One fitted set of cost-model parameters, identified by the hash of its content."""

    version_hash: str = attrs.field(validator=v.non_empty_str)
    created_at: datetime = attrs.field(validator=v.utc_datetime)
    #: Parameter name -> value (floats: cost-model fitting is float64 analytics).
    params: Mapping[str, object] = attrs.field(factory=dict)
    note: str = ""
    #: Execution ids of the fills this version was calibrated from (empty: a prior).
    fills_used: tuple[str, ...] = ()


@attrs.frozen(kw_only=True, slots=True)
class ModelRecord:
    """A registered model, identified by the hash of its artifact."""

    model_hash: str = attrs.field(validator=v.non_empty_str)
    name: str = attrs.field(validator=v.non_empty_str)
    created_at: datetime = attrs.field(validator=v.utc_datetime)
    metadata: Mapping[str, object] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True, slots=True)
class ManifestRecord:
    """A manifest binding model, data, cost model and config, with its signature.

    ``signature`` and ``key_id`` are ``None`` until the manifest is signed; the
    signature is the hex of the signer's bytes over the manifest's canonical body.
    """

    manifest_hash: str = attrs.field(validator=v.non_empty_str)
    model_hash: str = attrs.field(validator=v.non_empty_str)
    data_hash: str = attrs.field(validator=v.non_empty_str)
    cost_model_hash: str = attrs.field(validator=v.non_empty_str)
    config_hash: str = attrs.field(validator=v.non_empty_str)
    created_at: datetime = attrs.field(validator=v.utc_datetime)
    signature: str | None = None
    key_id: str | None = None


class ModelStage(enum.StrEnum):
    """Where a registered model stands for one strategy id.

    ``staging``: registered, not trading; ``production``: what ``tradecore-live run``
    of that strategy id trades (at most one model per strategy id); ``archived``:
    was production, or was retired — promotable again.
    """

    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"


@attrs.frozen(kw_only=True, slots=True)
class StageChange:
    """One append-only stage event: a model moved to ``stage`` for ``strategy_id``.

    ``seq`` orders events (assigned by the store; 0 before storing). Who and why are
    required: a stage change with no actor or reason cannot be audited.
    """

    model_hash: str = attrs.field(validator=v.non_empty_str)
    strategy_id: str = attrs.field(validator=v.non_empty_str)
    stage: ModelStage = attrs.field(validator=v.instance_of(ModelStage))
    actor: str = attrs.field(validator=v.non_empty_str)
    reason: str = attrs.field(validator=v.non_empty_str)
    changed_at: datetime = attrs.field(validator=v.utc_datetime)
    seq: int = 0
