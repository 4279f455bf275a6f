"""The records a decision leaves: its decision record, its intent, a skip outcome.

Why a module of its own: the engine's market-order path and its net-of-cost steps
build the same records the same way; each is a pure function of a
:class:`DecisionStamp` (who decided, when, under which hashes) and the decision's
inputs, so the ids derived from them are the same in every process.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _quoted

import attrs

from tradecore.domain import validation as v
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.hashing import iso_instant
from tradecore.domain.orders.client_order_id import DecisionKey, client_order_id
from tradecore.domain.orders.intent import OrderIntent
from tradecore.domain.orders.records import DecisionRecord, OutcomeKind, OutcomeRecord
from tradecore.domain.orders.spec import Bracket, OrderSpec, Side
from tradecore.domain.strategies.protocol import Target
from tradecore.ports.store import UnitOfWork
from tradecore.services.execution.net_of_cost import ExecutionPlan


@attrs.frozen(kw_only=True)
class DecisionStamp:
    """Who decides, when, and the hashes in force: copied into every record."""

    #: Validated here, once per instant, for every record the stamp goes into.
    strategy_id: str = attrs.field(validator=v.non_empty_str)
    at: datetime = attrs.field(validator=v.utc_datetime)
    #: The trading session the decision belongs to (its client order ids carry it):
    #: the calendar's trading day, so a decision at Friday's close is Monday's.
    session_date: date = attrs.field(validator=v.instance_of(date))
    config_hash: str
    model_hash: str
    cost_model_hash: str
    manifest_hash: str | None
    #: ``at`` as the decision id spells it (:func:`iso_instant`), once per instant.
    instant: str = attrs.field(init=False)
    #: ``strategy_id`` as a JSON string (the decision id's first item), once.
    quoted_strategy_id: str = attrs.field(init=False)

    @instant.default
    def _spell_instant(self) -> str:
        return iso_instant(self.at)

    @quoted_strategy_id.default
    def _quote_strategy_id(self) -> str:
        return _quoted(self.strategy_id)


_trusted_stamp = trusted_builder(DecisionStamp)

#: ISO spellings of dates and times of day already made: a replay's instants
#: share a few of each (its sessions' dates, its bars' times). Bounded: emptied
#: when full.
_DAY_TEXTS: dict[date, str] = {}
_TIME_TEXTS: dict[time, str] = {}
_TEXTS_KEPT = 4096


def _utc_instant(at: datetime) -> str:
    """``at.isoformat()`` for an exact ``datetime`` at ``UTC``, from the
    spellings of its date and its time of day, each made once.

    Why: an aware datetime's ``isoformat`` costs about four times as much as two
    dictionary lookups and a join (the date's ``%04d`` formatting and the offset's
    are most of it), and a stamp is made at almost every instant an order is
    decided. The text is the same: ``isoformat`` is the date's, ``T``, the time
    of day's (microseconds when not zero), and ``+00:00`` at UTC; a property test
    holds the two equal.
    """
    day, clock = at.date(), at.time()
    day_text = _DAY_TEXTS.get(day)
    if day_text is None:
        if len(_DAY_TEXTS) >= _TEXTS_KEPT:
            _DAY_TEXTS.clear()
        day_text = _DAY_TEXTS[day] = day.isoformat()
    clock_text = _TIME_TEXTS.get(clock)
    if clock_text is None:
        if len(_TIME_TEXTS) >= _TEXTS_KEPT:
            _TIME_TEXTS.clear()
        clock_text = _TIME_TEXTS[clock] = clock.isoformat()
    return f"{day_text}T{clock_text}+00:00"


def decision_stamp(
    *,
    strategy_id: str,
    at: datetime,
    session_date: date,
    config_hash: str,
    model_hash: str,
    cost_model_hash: str,
    manifest_hash: str | None,
) -> DecisionStamp:
    """The :class:`DecisionStamp` of these fields, its checks run only when the
    plain ones are not sure.

    A stamp is made at every instant an order is decided: a ``datetime`` at
    ``UTC`` (what the replay's and the live clock give), an exact ``date`` and a
    ``str`` with text pass the validators for certain, so the value is built
    without them (the same value; a unit test holds the two equal). Anything
    else goes through the validating constructor, which raises as it always did.
    """
    if (
        at.__class__ is datetime
        and at.tzinfo is UTC
        and session_date.__class__ is date
        and strategy_id.__class__ is str
        and strategy_id.strip()
    ):
        return _trusted_stamp(
            strategy_id=strategy_id,
            at=at,
            session_date=session_date,
            config_hash=config_hash,
            model_hash=model_hash,
            cost_model_hash=cost_model_hash,
            manifest_hash=manifest_hash,
            instant=_utc_instant(at),  # what iso_instant gives for an aware datetime
            quoted_strategy_id=_quoted(strategy_id),
        )
    return DecisionStamp(
        strategy_id=strategy_id,
        at=at,
        session_date=session_date,
        config_hash=config_hash,
        model_hash=model_hash,
        cost_model_hash=cost_model_hash,
        manifest_hash=manifest_hash,
    )


# Trusted builds: a decision's key, intent and record are built without their
# validators (which OrderIntent.create and DecisionRecord.keyed would run, a few
# dozen calls per order) because every part was validated already: the stamp's
# strategy id, instant (UTC) and session date by DecisionStamp, once per instant;
# the target's symbol by Target; a side is a Side by construction; ids and hashes
# are derived here (non-empty); a spec is an OrderSpec, validated when it was
# built, and OrderIntent.check_spec holds it to the key; a fresh intent's status
# and fill counters are the defaults. What no one checked before, order_intent
# checks: the caller's quantity and price, the target's horizon.
_decision_key = trusted_builder(DecisionKey)
_created_intent = trusted_builder(OrderIntent)
_decision_record = trusted_builder(DecisionRecord)
# The fields named by the checks below (an attrs fields lookup is a Python call).
_KEY_QTY = attrs.fields(DecisionKey).qty
_KEY_HORIZON = attrs.fields(DecisionKey).horizon
_ARRIVAL_PRICE = attrs.fields(OrderIntent).arrival_price
_ZERO = Decimal(0)


#: Signal hashes already computed, by signal: a strategy's few signals recur on
#: every order. Bounded: emptied when full.
_SIGNAL_HASHES: dict[str, str] = {}
_SIGNAL_HASHES_KEPT = 4096


def _signal_hash(signal: str) -> str:
    """The decision key's ``signal_hash``: the signal's sha256, first 16 digits.

    ``sha256_hex(signal)``: a string's canonical bytes are its JSON quoting.
    """
    known = _SIGNAL_HASHES.get(signal)
    if known is None:
        if len(_SIGNAL_HASHES) >= _SIGNAL_HASHES_KEPT:
            _SIGNAL_HASHES.clear()
        spelled = _quoted(signal).encode("ascii")
        known = _SIGNAL_HASHES[signal] = hashlib.sha256(spelled).hexdigest()[:16]
    return known


def _inputs_hash(signal: str, wanted: str, held: str) -> str:
    """``sha256_hex([signal, wanted, held])`` for two spelled decimals, spelled here.

    A decimal's ``str`` is ASCII without a quote, backslash or control character,
    so its JSON string is itself in quotes; the signal is quoted as the encoder
    quotes it (a property test holds the two equal).
    """
    spelled = f'[{_quoted(signal)},"{wanted}","{held}"]'
    return hashlib.sha256(spelled.encode("ascii")).hexdigest()


def _decision_id(stamp: DecisionStamp, symbol: str, inputs_hash: str) -> str:
    """``DecisionRecord.spelled_id`` of a decision at ``stamp``, spelled here.

    The stamp's instant (ISO text: digits, ``-``, ``:``, ``T``, ``+``, ``.``) and a
    hex digest need no escaping; the strategy id comes quoted from the stamp, the
    symbol is quoted as the encoder quotes it (a property test holds the two equal).
    """
    spelled = (
        f"[{stamp.quoted_strategy_id},{_quoted(symbol)},"
        f'"{stamp.instant}","{inputs_hash}"]'
    )
    return hashlib.sha256(spelled.encode("ascii")).hexdigest()[:32]


def decision_record(
    stamp: DecisionStamp,
    target: Target,
    current: Decimal,
    price: Decimal,
    intent: OrderIntent | None,
    extra: Mapping[str, object] | None = None,
) -> DecisionRecord:
    """The decision record of ``target`` at ``price`` with ``current`` held."""
    wanted, held = str(target.qty), str(current)  # spelled once, used twice
    details: dict[str, object] = {
        "target": wanted,
        "position": held,
        "price": str(price),
    }
    if intent is not None:
        details["client_order_id"] = intent.client_order_id
    if extra:
        details.update(extra)
    inputs_hash = _inputs_hash(target.signal, wanted, held)
    # DecisionRecord.keyed from validated parts (see "Trusted builds" above).
    return _decision_record(
        decision_id=_decision_id(stamp, target.symbol, inputs_hash),
        strategy_id=stamp.strategy_id,
        symbol=target.symbol,
        decided_at=stamp.at,
        inputs_hash=inputs_hash,
        config_hash=stamp.config_hash,
        model_hash=stamp.model_hash,
        cost_model_hash=stamp.cost_model_hash,
        manifest_hash=stamp.manifest_hash,
        details=details,
    )


def order_intent(
    stamp: DecisionStamp,
    target: Target,
    side: Side,
    qty: Decimal,
    price: Decimal,
    plan: ExecutionPlan | None = None,
    bracket: Bracket | None = None,
    spec: OrderSpec | None = None,
) -> OrderIntent:
    """The intent for ``qty`` shares: a market order, or the plan's order and policy.

    ``spec``: the plain market order the caller already built for the same symbol,
    side and quantity (the risk gate's), reused when there is no bracket.
    """
    # What no one validated before (see "Trusted builds" above): the caller's
    # quantity and price, the target's horizon (a Target does not check it).
    horizon = target.horizon
    if not (
        qty.__class__ is Decimal
        and qty.is_finite()
        and qty > _ZERO
        and horizon.__class__ is str
        and horizon.strip()
        and (
            price is None
            or (price.__class__ is Decimal and price.is_finite() and price > _ZERO)
        )
    ):  # The validators' passing case is tested inline above (exact types, finite,
        # positive, text) to skip their calls; anything else runs them: they raise.
        v.positive_decimal(None, _KEY_QTY, qty)
        v.non_empty_str(None, _KEY_HORIZON, horizon)
        v.optional_positive_decimal(None, _ARRIVAL_PRICE, price)
    key = _decision_key(
        strategy_id=stamp.strategy_id,
        symbol=target.symbol,
        side=side,
        session_date=stamp.session_date,
        horizon=target.horizon,
        signal_hash=_signal_hash(target.signal),
        qty=qty,
    )
    if spec is None or bracket is not None:
        spec = OrderSpec(symbol=target.symbol, side=side, qty=qty, bracket=bracket)
    policy = "market"
    if plan is not None and plan.spec is not None and plan.choice is not None:
        spec, policy = plan.spec, plan.choice.policy.value
    # The caller's spec of these very symbol, side and quantity objects agrees
    # with the key by construction (the quantity is finite: checked above).
    if spec.symbol is not target.symbol or spec.side is not side or spec.qty is not qty:
        OrderIntent.check_spec(key, spec)
    return _created_intent(
        client_order_id=client_order_id(key),
        decision_key=key,
        attempt=1,
        spec=spec,
        decided_at=stamp.at,
        updated_at=stamp.at,
        arrival_price=price,
        expected_edge_bps=target.expected_edge_bps,
        execution_policy=policy,
        config_hash=stamp.config_hash,
        model_hash=stamp.model_hash,
        cost_model_hash=stamp.cost_model_hash,
    )


def record_skip(
    uow: UnitOfWork, decision: DecisionRecord, reason: str, values: Mapping[str, str]
) -> None:
    """Store the decision and its one outcome, skipped for ``reason``."""
    if uow.decisions.record_decision(decision):
        uow.decisions.record_outcome(
            OutcomeRecord(
                decision_id=decision.decision_id,
                kind=OutcomeKind.SKIPPED,
                recorded_at=decision.decided_at,
                reason=reason,
                details=dict(values),
            )
        )
