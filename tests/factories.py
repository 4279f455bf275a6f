"""Small builders for domain objects used across tests (hand-written, no mocks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from tradecore.domain import (
    DecisionKey,
    Fill,
    OrderEvent,
    OrderEventKind,
    OrderIntent,
    OrderSpec,
    Side,
    mark_submitted,
)

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def key(**overrides: object) -> DecisionKey:
    """A decision key with sensible defaults."""
    fields: dict[str, object] = {
        "strategy_id": "sma_cross",
        "symbol": "AAPL",
        "side": Side.BUY,
        "session_date": date(2026, 1, 5),
        "horizon": "1d",
        "signal_hash": "f00d",
        "qty": Decimal(100),
        "version": 1,
    }
    fields.update(overrides)
    return DecisionKey(**fields)  # type: ignore[arg-type]


def intent(
    qty: Decimal = Decimal(100), side: Side = Side.BUY, submitted: bool = True
) -> OrderIntent:
    """A market-order intent, submitted unless asked otherwise."""
    spec = OrderSpec(symbol="AAPL", side=side, qty=qty)
    created = OrderIntent.create(key(qty=qty, side=side), spec, decided_at=T0)
    return mark_submitted(created, T0) if submitted else created


def event(
    target: OrderIntent,
    kind: OrderEventKind,
    *,
    qty: str | None = None,
    price: str = "100.00",
    exec_id: str = "x1",
    seconds: int = 1,
    reason: str | None = None,
) -> OrderEvent:
    """An event for ``target``; fill kinds need ``qty``."""
    at = T0 + timedelta(seconds=seconds)
    fill = None
    if qty is not None:
        fill = Fill(
            execution_id=exec_id,
            client_order_id=target.client_order_id,
            symbol=target.spec.symbol,
            side=target.spec.side,
            qty=Decimal(qty),
            price=Decimal(price),
            filled_at=at,
        )
    return OrderEvent(
        kind=kind,
        client_order_id=target.client_order_id,
        occurred_at=at,
        broker_order_id="b-1",
        fill=fill,
        reason=reason,
    )
