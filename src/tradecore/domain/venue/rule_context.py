"""The simulated venue's view of an order for Alpaca's order rules.

Built per request from the venue's own state: the asset and account flags the config
gives (unlisted symbols get an asset with every flag on), the last bar's close as the
reference price, the ledger's position and the symbol's working orders.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal

from tradecore.domain.broker_rules.context import (
    AccountFlags,
    AssetFlags,
    RestingOrder,
    RestingSummary,
    RuleContext,
)
from tradecore.domain.frozen import trusted_builder
from tradecore.domain.market.calendar import Session
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.venue.sim_order import SimOrder

#: Orders that hold no shares and meet no order: a bracket's held stop-loss (its
#: take-profit holds the shares for the group), and an order already being canceled.
NOT_RESTING = frozenset({BrokerOrderStatus.HELD, BrokerOrderStatus.PENDING_CANCEL})


def resting_orders(orders: Iterable[SimOrder]) -> tuple[RestingOrder, ...]:
    """The rule view of working orders, oldest first (held legs left out).

    The definition the venue's incremental :class:`~.resting_tally.RestingTally`
    must always summarize to (the property tests compare the two).
    """
    return tuple(
        RestingOrder(
            broker_order_id=o.broker_order_id,
            side=o.spec.side,
            order_type=o.spec.order_type,
            open_qty=o.qty - o.filled_qty,
            limit_price=o.spec.limit_price,
            stop_price=o.spec.stop_price,
        )
        for o in orders
        if o.status not in NOT_RESTING
    )


@functools.lru_cache(maxsize=4096)
def default_asset(symbol: str) -> AssetFlags:
    """The asset of a symbol the config does not list: every flag on."""
    return AssetFlags(symbol=symbol)


def venue_asset(assets: Mapping[str, AssetFlags], symbol: str) -> AssetFlags:
    """The asset ``assets`` lists for ``symbol``, else :func:`default_asset`'s."""
    asset = assets.get(symbol)
    return default_asset(symbol) if asset is None else asset


#: :class:`RuleContext` has no validator: its trusted builder makes the same value
#: without a frozen attribute store per field (one context per order checked).
_rule_context = trusted_builder(RuleContext)


def venue_rule_context(
    *,
    now: datetime,
    asset: AssetFlags,
    account: AccountFlags,
    reference_price: Decimal | None,
    position: Decimal,
    resting: RestingSummary,
    opened_today: Decimal = Decimal(0),
    session: Session | None = None,
) -> RuleContext:
    """Return the context the venue checks an order in ``asset`` against (the
    symbol's :func:`venue_asset`)."""
    return _rule_context(
        asset=asset,
        account=account,
        now=now,
        reference_price=reference_price,
        position=position,
        summary=resting,
        opened_today=opened_today,
        session_open=None if session is None else session.open,
        session_close=None if session is None else session.close,
    )
