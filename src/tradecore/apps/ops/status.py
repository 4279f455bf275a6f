"""``tradecore-live status``: the trading state, breakers, orders, positions, P&L."""

from __future__ import annotations

from collections.abc import Iterator

import typer

from tradecore.apps.ops.controls import breaker_line, configured_broker, opened
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.strategies.portfolio_halts import (
    STRATEGY_HALT_PREFIX,
    is_strategy_halt,
)
from tradecore.services.controls.operator import StatusReport


def status(ctx: typer.Context) -> None:
    """Show the trading state, breakers, open orders, positions and today's P&L.

    The store-side picture is always shown; what cannot be reached (the broker) is
    said so.
    """
    with cli_errors(), opened(ctx) as (_, controls):
        report = controls.status(configured_broker(ctx))
    for line in _status_lines(report):
        typer.echo(line)


def _status_lines(r: StatusReport) -> Iterator[str]:
    since = f" since {r.state.changed_at.isoformat()}" if r.state.changed_at else ""
    yield f"trading state: {r.state.state.value.upper()} ({r.state.reason}){since}"
    breakers = [b for b in r.breakers if not is_strategy_halt(b.name)]
    halts = [b for b in r.breakers if is_strategy_halt(b.name) and b.tripped]
    yield f"breakers: {len(breakers) or 'none recorded'}"
    yield from (f"  {breaker_line(b)}" for b in breakers)
    if halts:  # tradecore-live strategy halt: one strategy of a portfolio
        names = ", ".join(b.name.removeprefix(STRATEGY_HALT_PREFIX) for b in halts)
        yield f"strategies halted: {names}"
    yield f"open orders (store): {len(r.open_intents)}"
    for i in r.open_intents:
        qty = i.spec.qty if i.spec.qty is not None else f"${i.spec.notional}"
        yield f"  {i.client_order_id}  {i.spec.symbol} {i.spec.side} {qty}  {i.status}"
    yield f"positions (store, from fills): {len(r.positions) or 'flat'}"
    yield from (f"  {p.symbol}  {p.qty} @ {p.avg_entry_price:.4f}" for p in r.positions)
    yield (
        f"today {r.day.isoformat()} (stored fills): {r.fills_today} fill(s), "
        f"realized P&L {r.realized_pnl_today}, fees {r.fees_today}; "
        "unrealized P&L unknown (the store keeps no marks)"
    )
    if r.broker.error is not None:
        yield f"broker: not reachable: {r.broker.error}"
        return
    yield f"broker: {len(r.broker.open_orders)} open order(s)"
    yield from (
        f"  {o.client_order_id}  {o.spec.symbol} {o.spec.side} {o.status}"
        for o in r.broker.open_orders
    )
    yield from (f"  position {p.symbol} {p.qty}" for p in r.broker.positions)
    if r.broker.account is not None:
        a = r.broker.account
        yield f"  account: cash {a.cash}, equity {a.equity}"
