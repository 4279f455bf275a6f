"""Pre-trade risk: the cost of checking one order, next to floors from the same run.

Measured:

* ``PreTradeChecker.check`` with every rule configured (state, price, restricted
  list, market hours, collar, order size, short, position shares and notional,
  gross and net exposure, daily loss, drawdown, order rates) on a 50-symbol book;
* ``RiskGate.check``: what the engine pays per order inside a cycle (valuing the
  engine's book, the check, counting the order; rate limits off, see
  ``_gate_costs``), with every limit, and without the book-wide ones (then only the
  order's own symbol is valued);
* ``RiskGate.begin_cycle``: the once-per-bar-timestamp read of the trading state
  and breakers from a SQLite store.

Floors: the engine's former three-rule ``check_order`` and a bare Decimal
``qty * price <= limit`` comparison. Best of three repeats each.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import attrs
import numpy as np

from tradecore.adapters.sqlstore import open_store
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import OrderSpec, Side
from tradecore.domain.risk.checks import check_order
from tradecore.domain.risk.inputs import ExposureSnapshot
from tradecore.domain.risk.limits import MarketHours, RiskLimits
from tradecore.domain.risk.pre_trade import PreTradeChecker
from tradecore.domain.risk.rates import OrderRateTracker
from tradecore.ports.alerts import Alert, Alerter
from tradecore.services.controls.risk_gate import RiskGate
from tradecore.services.durability.commits import CommitEachStep

SYMBOLS = [f"S{i:02d}" for i in range(50)]
AT = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
LIMITS = RiskLimits(
    max_order_notional=Decimal(1_000_000),
    max_order_shares=Decimal(10_000),
    max_position_shares=Decimal(50_000),
    max_position_notional=Decimal(5_000_000),
    max_gross_exposure=Decimal(100_000_000),
    max_net_exposure=Decimal(50_000_000),
    price_collar_bps=Decimal(500),
    restricted_symbols=["GME", "AMC"],
    max_orders_per_second=1_000_000,
    max_orders_per_minute=1_000_000,
    max_daily_loss=Decimal(1_000_000),
    max_drawdown=Decimal(1_000_000),
    allow_short=True,
    market_hours=MarketHours.REGULAR,
)


class _Silent(Alerter):
    def send(self, alert: Alert) -> None:
        """Nothing trips in this benchmark."""


class _Book:
    def __init__(self, positions: dict[str, Decimal], prices: dict[str, float]):
        self.ledger = Ledger.opening(Decimal(10_000_000))
        self._positions = positions
        self._prices = prices

    def position(self, symbol: str) -> Decimal:
        return self._positions.get(symbol, Decimal(0))

    def last_prices(self) -> Mapping[str, float]:
        return self._prices


def _orders(n: int) -> list[OrderSpec]:
    rng = np.random.default_rng(0)
    picks = rng.integers(0, len(SYMBOLS), n)
    sides = rng.integers(0, 2, n)
    sizes = rng.integers(1, 500, n)
    return [
        OrderSpec(
            symbol=SYMBOLS[p], side=Side.BUY if s else Side.SELL, qty=Decimal(int(q))
        )
        for p, s, q in zip(picks, sides, sizes, strict=True)
    ]


def _best_us(run: Callable[[], None], n: int) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best / n * 1e6


def run(quick: bool) -> list[str]:
    """Measure and return the report lines."""
    n = 5_000 if quick else 50_000
    orders = _orders(n)
    rng = np.random.default_rng(1)
    prices = {s: float(np.round(rng.uniform(10, 500), 2)) for s in SYMBOLS}
    marks = {s: Decimal(repr(p)) for s, p in prices.items()}
    positions = {s: Decimal(int(rng.integers(-1000, 1000))) for s in SYMBOLS}
    book = ExposureSnapshot.build(
        positions, marks, references=marks, day_pnl=Decimal(0), drawdown=Decimal(0)
    )
    checker = PreTradeChecker(LIMITS)

    def full() -> None:
        rates = OrderRateTracker()
        for spec in orders:
            checker.check(spec, strategy_id="b", at=AT, book=book, rates=rates)

    def former() -> None:
        for spec in orders:
            check_order(
                LIMITS,
                side=spec.side,
                qty=spec.qty or Decimal(0),
                price=marks[spec.symbol],
                position=positions[spec.symbol],
            )

    limit = Decimal(1_000_000)

    def bare() -> None:
        for spec in orders:
            _ = (spec.qty or Decimal(0)) * marks[spec.symbol] <= limit

    checker_us = _best_us(full, n)
    former_us = _best_us(former, n)
    bare_us = _best_us(bare, n)
    gate_us, local_us, cycle_us = _gate_costs(orders, _Book(positions, prices), quick)
    return [
        f"orders checked: {n} on a {len(SYMBOLS)}-symbol book, every rule configured",
        f"PreTradeChecker.check: {checker_us:.1f} us/order",
        f"RiskGate.check (values the whole {len(SYMBOLS)}-symbol engine book + check):"
        f" {gate_us:.1f} us/order",
        "RiskGate.check without book-wide limits (gross/net, daily loss, drawdown;"
        f" only the order's symbol is valued): {local_us:.1f} us/order",
        f"floor, former 3-rule check_order: {former_us:.2f} us/order "
        f"(full check = {checker_us / former_us:.1f}x)",
        f"floor, bare qty*price<=limit: {bare_us:.2f} us/order "
        f"(full check = {checker_us / bare_us:.0f}x)",
        f"RiskGate cycle start (state + breakers read from SQLite): {cycle_us:.0f} "
        "us/cycle, once per bar timestamp",
    ]


def _gate_costs(
    orders: list[OrderSpec], book: _Book, quick: bool
) -> tuple[float, float, float]:
    """Per-order gate cost with and without book-wide limits; per-cycle store read."""
    # Every order here shares one instant: with rate limits on, the windows would
    # hold thousands of orders per symbol, which no configured limit allows (refused
    # orders are not counted), so they are off in this part.
    whole = attrs.evolve(LIMITS, max_orders_per_second=None, max_orders_per_minute=None)
    local = attrs.evolve(
        whole,
        max_gross_exposure=None,
        max_net_exposure=None,
        max_daily_loss=None,
        max_drawdown=None,
    )
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}", upgrade=True)
        try:
            costs = []
            for limits in (whole, local):
                gate = RiskGate(
                    PreTradeChecker(limits), CommitEachStep(store), _Silent()
                )
                gate.begin_cycle(AT)

                def checks(gate: RiskGate = gate) -> None:
                    for spec in orders:
                        gate.check(book, "b", spec, AT)

                costs.append(_best_us(checks, len(orders)))
            cycles = 200 if quick else 2_000
            stamps = iter([AT + timedelta(minutes=i + 1) for i in range(cycles * 3)])

            def starts() -> None:
                for _ in range(cycles):
                    gate.begin_cycle(next(stamps))

            cycle_us = _best_us(starts, cycles)
        finally:
            store.close()
    return costs[0], costs[1], cycle_us
