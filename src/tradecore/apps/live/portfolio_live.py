"""The portfolio side of ``tradecore-live run --strategy portfolio``.

:func:`portfolio_hooks` returns ``None`` for any other strategy; for a
:class:`~tradecore.domain.strategies.portfolio_strategy.PortfolioStrategy` it returns
the hooks the run calls:

* :meth:`PortfolioHooks.before_trading` and :meth:`PortfolioHooks.after_cycle` read
  the store's strategy-halt rows (``tradecore-live strategy halt NAME``,
  :mod:`tradecore.domain.strategies.portfolio_halts`) and halt or resume the sleeve
  of that name, audited (``portfolio_strategy_halted`` / ``..._resumed``): the next
  cycle reallocates. ``after_cycle`` also turns each new correlation breach into one
  ``portfolio.correlation`` alert through the live alert router (deduplicated by the
  pair), as the replay does.
* :meth:`PortfolioHooks.finish` writes what a portfolio replay writes into its
  ``--out`` folder -- ``attribution.csv``, ``allocations.csv`` and the summary's
  ``portfolio`` block as ``portfolio.json`` -- into the report folder beside the
  store (``<database>.portfolio/`` for a SQLite store; a server store has no folder
  and writes none, saying so). The attribution covers this process's allocations
  and the fills since it started.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import typer

from tradecore.apps.replay.portfolio_report import (
    ALLOCATIONS_FILE,
    ATTRIBUTION_FILE,
    breach_alert,
    portfolio_block,
    write_allocations,
    write_attribution,
)
from tradecore.apps.wiring.portfolio_config import PORTFOLIO_FILE, report_dir_of
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.orders.executions import Fill
from tradecore.domain.portfolio.attribution import TradeFill
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.strategies.portfolio_halts import requested_halts
from tradecore.domain.strategies.portfolio_strategy import PortfolioStrategy
from tradecore.ports.alerts import Alerter
from tradecore.ports.clock import Clock
from tradecore.ports.store import Store


class PortfolioHooks:
    """Halts, alerts and report files of one live portfolio (module docstring)."""

    def __init__(
        self,
        portfolio: PortfolioStrategy,
        store: Store,
        alerter: Alerter,
        clock: Clock,
        report_dir: Path | None,
    ) -> None:
        """Hook ``portfolio``; files go to ``report_dir`` (``None``: none)."""
        self.portfolio = portfolio
        self._store = store
        self._alerter = alerter
        self._clock = clock
        self.report_dir = report_dir
        self._started = clock.now()
        self._alerted = 0

    def before_trading(self) -> None:
        """Apply the halts already in the store before the first decision."""
        self._apply_halts()

    def after_cycle(self) -> None:
        """Apply new halt requests; alert each new correlation breach once."""
        self._apply_halts()
        breaches = self.portfolio.breaches
        for breach in breaches[self._alerted :]:
            self._alerter.send(breach_alert(self.portfolio.strategy_id, breach))
        self._alerted = len(breaches)

    def finish(self) -> Path | None:
        """Write the report files (module docstring); the folder, or ``None``."""
        if self.report_dir is None:
            return None
        with self._store.unit_of_work() as uow:
            fills = [f for f in uow.fills.all() if f.filled_at >= self._started]
        attribution = self.portfolio.attribution(trade_fills(fills))
        self.report_dir.mkdir(parents=True, exist_ok=True)
        write_attribution(self.report_dir / ATTRIBUTION_FILE, attribution)
        write_allocations(self.report_dir / ALLOCATIONS_FILE, self.portfolio)
        block = portfolio_block(self.portfolio, attribution)
        (self.report_dir / PORTFOLIO_FILE).write_text(
            json.dumps(block, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        return self.report_dir

    def _apply_halts(self) -> None:
        with self._store.unit_of_work() as uow:
            rows = [(b.name, b.tripped) for b in uow.controls.breakers()]
        current = {s.name: s.halted for s in self.portfolio.sleeves}
        changes = {
            name: halted
            for name, halted in requested_halts(rows).items()
            if name in current and current[name] != halted
        }
        for name, halted in sorted(changes.items()):
            if halted:
                self.portfolio.halt(name)
            else:
                self.portfolio.resume(name)
            self._audit(name, halted)
            word = "halted" if halted else "resumed"
            typer.echo(
                f"portfolio {self.portfolio.strategy_id}: strategy {name} {word}"
            )

    def _audit(self, name: str, halted: bool) -> None:
        kind = "portfolio_strategy_halted" if halted else "portfolio_strategy_resumed"
        at: datetime = self._clock.now()
        with self._store.unit_of_work() as uow:
            uow.audit.append(
                kind,
                {"portfolio": self.portfolio.strategy_id, "strategy": name, "at": at},
            )
            uow.commit()


def portfolio_hooks(
    strategy: AnyStrategy,
    store: Store,
    alerter: Alerter,
    clock: Clock,
    store_url: str,
) -> PortfolioHooks | None:
    """The hooks of a portfolio run; ``None`` for any other strategy."""
    if not isinstance(strategy, PortfolioStrategy):
        return None
    return PortfolioHooks(strategy, store, alerter, clock, report_dir_of(store_url))


def trade_fills(fills: Sequence[Fill]) -> list[TradeFill]:
    """Stored fills as attribution fills (signed quantity, floats)."""
    return [
        TradeFill(
            to_ns(f.filled_at),
            f.symbol,
            float(f.signed_qty),
            float(f.price),
            float(f.fee),
        )
        for f in fills
    ]
