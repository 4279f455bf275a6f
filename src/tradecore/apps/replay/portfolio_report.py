"""A portfolio replay's extras: attribution, allocations and correlation alerts.

Called once by the replay runner after the run (:func:`portfolio_extras`); a no-op
for any strategy but a
:class:`~tradecore.domain.strategies.portfolio_strategy.PortfolioStrategy`. It

- attributes the account's P&L to the sub-strategies from the run's fills and the
  portfolio's allocation log (:mod:`tradecore.domain.portfolio.attribution`) and
  returns the summary's ``portfolio`` block;
- raises one ``portfolio.correlation`` alert per correlation breach the portfolio
  recorded, into the run store's audit log and the ``tradecore.alerts`` logger
  (the replay's alert sink), stamped with the breach's bar time (deterministic);
- with an output folder, writes ``attribution.csv`` (per bar and strategy:
  market P&L, costs, net) and ``allocations.csv`` (per allocation, symbol and
  strategy: the target shares of that strategy; ``allocation_id`` is the
  ``portfolio:<id>`` signal hashed into the decisions made toward it).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.sqlstore import Durability, open_store
from tradecore.domain.market.bar_frame import from_ns, to_ns
from tradecore.domain.portfolio.attribution import Attribution, Rereadable, TradeFill
from tradecore.domain.portfolio.correlation import CorrelationBreach
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.strategies.portfolio_strategy import PortfolioStrategy
from tradecore.ports.alerts import Alert, AlertCode, Severity

ATTRIBUTION_FILE = "attribution.csv"
ALLOCATIONS_FILE = "allocations.csv"


def portfolio_extras(
    strategy: AnyStrategy,
    fills: Iterable[Mapping[str, object]],
    db: Path,
    out: Path | None,
) -> dict[str, object]:
    """The summary's ``portfolio`` block (empty for other strategies); alerts and
    files as the module docstring says."""
    if not isinstance(strategy, PortfolioStrategy):
        return {}
    # Streamed from the store each time attribution reads them, never all held
    # (a one-shot iterator is read into a list: attribution may read twice).
    rows = list(fills) if isinstance(fills, Iterator) else fills
    attribution = strategy.attribution(Rereadable(lambda: trade_fills(rows)))
    breaches = strategy.breaches
    if breaches:
        _raise_alerts(strategy.strategy_id, breaches, db)
    if out is not None:
        write_attribution(out / ATTRIBUTION_FILE, attribution)
        write_allocations(out / ALLOCATIONS_FILE, strategy)
    return {"portfolio": portfolio_block(strategy, attribution)}


def trade_fills(rows: Iterable[Mapping[str, object]]) -> Iterator[TradeFill]:
    """Stored fill rows (the replay's ``fills`` table) as attribution fills."""
    for row in rows:
        qty = Decimal(str(row["qty"]))
        signed = qty if str(row["side"]) == "buy" else -qty
        at = row["filled_at"]
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        yield TradeFill(
            to_ns(moment),
            str(row["symbol"]),
            float(signed),
            float(Decimal(str(row["price"]))),
            float(Decimal(str(row["fee"]))),
        )


def portfolio_block(
    strategy: PortfolioStrategy, attribution: Attribution
) -> dict[str, object]:
    """What the summary shows of a portfolio run."""
    last = strategy.allocations[-1] if strategy.allocations else None
    costs = dict(attribution.costs)
    return {
        "strategies": [s.name for s in strategy.sleeves],
        "halted": [s.name for s in strategy.sleeves if s.halted],
        "method": strategy.settings.method.value,
        "allocations": len(strategy.allocations),
        "last_allocation": None if last is None else last.allocation_id,
        "budgets": {} if last is None else dict(last.budgets),
        "attribution": {
            name: {
                "market": market,
                "costs": costs.get(name, 0.0),
                "net": market - costs.get(name, 0.0),
            }
            for name, market in attribution.market
        },
        "attributed_total": attribution.total,
        "correlation_breaches": [
            {
                "at": from_ns(b.timestamp_ns).isoformat(),
                "strategies": [b.first, b.second],
                "correlation": b.correlation,
                "cap": b.cap,
            }
            for b in strategy.breaches
        ],
    }


def write_attribution(path: Path, attribution: Attribution) -> None:
    """``attribution.csv``: one row per bar (or fill time) and strategy."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["timestamp", "strategy", "market", "costs", "net"])
        for row in attribution.rows:
            writer.writerow(
                [
                    from_ns(row.timestamp_ns).isoformat(),
                    row.strategy,
                    repr(row.market),
                    repr(row.costs),
                    repr(row.net),
                ]
            )


def write_allocations(path: Path, strategy: PortfolioStrategy) -> None:
    """``allocations.csv``: per allocation, symbol and strategy, its target shares."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["timestamp", "allocation_id", "symbol", "target", "strategy", "shares"]
        )
        for record in strategy.allocations:
            at = from_ns(record.timestamp_ns).isoformat()
            targets = dict(record.targets)
            for symbol, split in record.splits:
                for name, shares in split or (("", 0.0),):
                    writer.writerow(
                        [
                            at,
                            record.allocation_id,
                            symbol,
                            str(targets[symbol]),
                            name,
                            repr(round(shares, 6)),
                        ]
                    )


def breach_alert(portfolio_id: str, breach: CorrelationBreach) -> Alert:
    """The ``portfolio.correlation`` alert of one breach."""
    pair = f"{breach.first}+{breach.second}"
    return Alert(
        severity=Severity.WARNING,
        code=AlertCode.PORTFOLIO_CORRELATION.value,
        message=(
            f"{portfolio_id}: strategies {breach.first} and "
            f"{breach.second} correlate {breach.correlation:.3f} > {breach.cap:g} "
            f"over {breach.window} bars"
        ),
        raised_at=from_ns(breach.timestamp_ns),
        context={
            "dedup_key": pair,
            "portfolio": portfolio_id,
            "correlation": round(breach.correlation, 6),
            "cap": breach.cap,
        },
    )


def _raise_alerts(
    portfolio_id: str, breaches: Iterable[CorrelationBreach], db: Path
) -> None:
    store = open_store(f"sqlite:///{db}", durability=Durability.NORMAL, upgrade=False)
    try:
        sink = StoreLogAlertSink.on_store(store)
        for breach in breaches:
            sink.send(breach_alert(portfolio_id, breach))
    finally:
        store.close()
