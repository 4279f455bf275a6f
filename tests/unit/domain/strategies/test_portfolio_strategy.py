"""PortfolioStrategy: virtual books, sleeves, budgets, halts, sleeve limits."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Bar
from tradecore.domain.portfolio import Constraints, Method
from tradecore.domain.portfolio.attribution import TradeFill
from tradecore.domain.strategies.api import BarStrategy
from tradecore.domain.strategies.market_view import MarketFeed, MarketView
from tradecore.domain.strategies.portfolio_strategy import (
    PortfolioSettings,
    PortfolioStrategy,
    SleeveSpec,
)
from tradecore.domain.strategies.protocol import (
    PortfolioView,
    Target,
    WeightTarget,
)
from tradecore.domain.strategies.sleeve_limits import SleeveLimits
from tradecore.domain.strategies.virtual_book import VirtualBook

MINUTE = 60_000_000_000
PRICES = {"AAA": 100.0, "BBB": 50.0, "CCC": 20.0}


class Account:
    """The engine's side: equity 100k, the positions the portfolio asked for, and
    (unless a test says otherwise) cash enough for any rebalance."""

    def __init__(self) -> None:
        self.held: dict[str, Decimal] = {}
        self.free = 1e9

    def position(self, symbol: str) -> Decimal:
        return self.held.get(symbol, Decimal(0))

    def equity(self) -> float:
        return 100_000.0

    def cash(self) -> float:
        return self.free

    def positions(self) -> dict[str, Decimal]:
        return {s: q for s, q in self.held.items() if q}


class Scripted:
    """Simple form: at bar ``k`` of ``symbol`` return ``script[k]``."""

    def __init__(self, name: str, symbol: str, script: Mapping[int, Any]) -> None:
        self.strategy_id = name
        self.symbol = symbol
        self.script = script
        self.bars = 0
        self.seen: list[Decimal] = []

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: PortfolioView,
    ) -> Any:
        if symbol != self.symbol:
            return None
        self.seen.append(portfolio.position(symbol))
        k, self.bars = self.bars, self.bars + 1
        return self.script.get(k)


class HighWatcher(BarStrategy):
    """Bar form: records the highs it is shown (the full bar reaches it)."""

    strategy_id = "watcher"

    def __init__(self) -> None:
        self.highs: list[float] = []

    def on_bar(self, bar: Bar, view: MarketView) -> Any:
        self.highs.append(bar.high)
        return Target(bar.symbol, Decimal(10)) if bar.symbol == "CCC" else None


class Driver:
    """Feeds bars to a portfolio the way the engine does (feed, then on_bars)."""

    def __init__(self, portfolio: PortfolioStrategy) -> None:
        self.portfolio = portfolio
        self.account = Account()
        self.feed = MarketFeed(self.account, portfolio.history)
        self.k = 0
        self.emitted: list[list[Target]] = []

    def step(
        self, prices: Mapping[str, float] = PRICES, *, rejected: bool = False
    ) -> list[Target]:
        ts = self.k * MINUTE
        self.k += 1
        for symbol, close in sorted(prices.items()):
            self.feed.stage(symbol, ts, close, close + 1, close - 1, close, 1000.0)
            self.feed.commit(symbol, ts, close, 1000.0)
        out = self.portfolio.on_bars(ts, self.feed.view.cross_section, self.feed.view)
        targets = list(out or [])  # type: ignore[arg-type]
        for t in targets if not rejected else ():
            self.account.held[t.symbol] = t.qty
        self.emitted.append(targets)
        return targets


def portfolio(*sleeves: SleeveSpec, **settings: Any) -> PortfolioStrategy:
    base: dict[str, Any] = {"constraints": Constraints(gross_target=1.0)}
    return PortfolioStrategy(list(sleeves), PortfolioSettings(**(base | settings)))


def long(name: str, symbol: str, at: int = 0, qty: int = 10) -> Scripted:
    return Scripted(name, symbol, {at: Target(symbol, Decimal(qty))})


# --- the virtual book ----------------------------------------------------------------


def test_a_virtual_book_holds_what_it_targeted_filled_at_the_close() -> None:
    prices = {"AAA": 100.0}
    book = VirtualBook("s", 10_000.0, prices)
    assert book.apply(Target("AAA", Decimal(30)))
    assert book.position("AAA") == 30
    assert book.cash() == pytest.approx(7_000.0)
    assert not book.apply(Target("AAA", Decimal(30)))  # no change
    prices["AAA"] = 110.0
    assert book.equity() == pytest.approx(10_300.0)
    assert book.period_return() == pytest.approx(0.03)
    # a weight target resolves at the book's own equity (10,300), toward zero
    assert book.apply(WeightTarget("AAA", 0.5))
    assert book.position("AAA") == 46
    assert book.flatten()
    assert book.positions() == {}
    assert book.equity() == pytest.approx(10_300.0)


# --- sleeves and budgets -------------------------------------------------------------


def test_budgets_split_the_book_and_the_signal_names_the_allocation() -> None:
    pf = portfolio(
        SleeveSpec(name="a", strategy=long("a", "AAA"), budget=3.0),
        SleeveSpec(name="b", strategy=long("b", "BBB"), budget=1.0),
    )
    targets = {t.symbol: t for t in Driver(pf).step()}
    # 100k equity: 75% to a's AAA at 100, 25% to b's BBB at 50
    assert targets["AAA"].qty == 750
    assert targets["BBB"].qty == 500
    record = pf.allocations[-1]
    assert {t.signal for t in targets.values()} == {f"portfolio:{record.allocation_id}"}
    assert dict(record.budgets) == {"a": 0.75, "b": 0.25}
    assert dict(dict(record.splits)["AAA"]) == {"a": pytest.approx(750.0)}


def test_the_sub_strategy_sees_its_own_book_not_the_account() -> None:
    a = long("a", "AAA", qty=7)
    pf = portfolio(SleeveSpec(name="a", strategy=a))
    driver = Driver(pf)
    driver.step()
    driver.step()
    # the account holds 1000 AAA; the strategy sees the 7 it targeted
    assert driver.account.position("AAA") == 1000
    assert a.seen == [0, 7]


def test_nothing_is_emitted_until_a_book_changes_unless_rebalancing() -> None:
    pf = portfolio(SleeveSpec(name="a", strategy=long("a", "AAA")))
    driver = Driver(pf)
    driver.step()
    assert driver.step() == []
    assert len(pf.allocations) == 1
    every = portfolio(
        SleeveSpec(name="a", strategy=long("a", "AAA")), rebalance_every=2
    )
    other = Driver(every)
    for _ in range(5):
        other.step()
    assert len(every.allocations) == 3  # bars 0, 2, 4


def test_a_bar_form_sub_strategy_gets_the_full_bar() -> None:
    watcher = HighWatcher()
    pf = portfolio(SleeveSpec(name="w", strategy=watcher))
    targets = Driver(pf).step()
    assert watcher.highs == [101.0, 51.0, 21.0]  # close + 1: the staged high
    assert [t.symbol for t in targets] == ["CCC"]


def test_equal_bars_give_equal_allocations() -> None:
    def run() -> list[str]:
        pf = portfolio(
            SleeveSpec(name="a", strategy=long("a", "AAA")),
            SleeveSpec(name="b", strategy=long("b", "BBB", at=2)),
            method=Method.INVERSE_VOL,
        )
        driver = Driver(pf)
        for k in range(6):
            driver.step({s: p * (1 + 0.01 * (k % 3)) for s, p in PRICES.items()})
        return [r.allocation_id for r in pf.allocations]

    assert run() == run()
    assert len(set(run())) == 2


def test_increases_wait_for_cash_and_the_rest_follows_next_bar() -> None:
    pf = portfolio(SleeveSpec(name="a", strategy=long("a", "AAA")))
    driver = Driver(pf)
    driver.account.free = 40_000.0
    first = driver.step()
    # 95% of the $40,000 on hand buys 380 of the 1,000 AAA the allocation wants
    assert [(t.symbol, t.qty) for t in first] == [("AAA", 380)]
    assert dict(pf.allocations[-1].targets) == {"AAA": 1000}
    assert dict(pf.allocations[-1].sent) == {"AAA": 380}
    driver.account.free = 1e9  # the buy filled; cash came in from elsewhere
    assert [(t.symbol, t.qty) for t in driver.step()] == [("AAA", 1000)]


def test_the_no_trade_band_skips_small_trades_but_never_a_trade_to_flat() -> None:
    a = Scripted(
        "a", "AAA", {0: Target("AAA", Decimal(10)), 2: Target("AAA", Decimal(0))}
    )
    pf = portfolio(
        SleeveSpec(name="a", strategy=a),
        SleeveSpec(name="b", strategy=Scripted("b", "BBB", {})),
        min_trade=0.01,
        rebalance_every=1,
    )
    driver = Driver(pf)
    assert [(t.symbol, t.qty) for t in driver.step()] == [("AAA", 500)]
    # AAA at 101: the allocation wants 495, a $505 trade under the $1,000 band
    assert driver.step({**PRICES, "AAA": 101.0}) == []
    assert dict(pf.allocations[-1].targets) == {"AAA": 495}
    # a goes flat: AAA to 0 is sent whatever its size
    assert [(t.symbol, t.qty) for t in driver.step()] == [("AAA", 0)]
    with pytest.raises(InvalidInput, match="min_trade"):
        PortfolioSettings(min_trade=1.0)


def test_a_rejected_order_is_sent_again_on_the_next_bar() -> None:
    pf = portfolio(SleeveSpec(name="a", strategy=long("a", "AAA")))
    driver = Driver(pf)
    assert [(t.symbol, t.qty) for t in driver.step(rejected=True)] == [("AAA", 1000)]
    # the account does not hold (or work toward) 1000: reallocate and send again
    assert [(t.symbol, t.qty) for t in driver.step()] == [("AAA", 1000)]
    assert driver.step() == []


# --- halts -------------------------------------------------------------------------


def test_a_halted_sleeve_is_ignored_and_its_budget_stays_in_cash() -> None:
    pf = portfolio(
        SleeveSpec(name="a", strategy=long("a", "AAA")),
        SleeveSpec(name="b", strategy=long("b", "BBB"), halted=True),
    )
    targets = {t.symbol: t.qty for t in Driver(pf).step()}
    assert targets == {"AAA": 500}  # a's half; b's half stays cash
    assert pf.book("b").positions() == {}


def test_halting_at_run_time_flattens_the_sleeve_on_the_next_bar() -> None:
    pf = portfolio(
        SleeveSpec(name="a", strategy=long("a", "AAA")),
        SleeveSpec(name="b", strategy=long("b", "BBB")),
    )
    driver = Driver(pf)
    driver.step()
    pf.halt("b")
    targets = {t.symbol: t.qty for t in driver.step()}
    assert targets == {"BBB": 0}  # AAA keeps its 500
    pf.halt("b", halted=False)  # resumed: b must target again to count
    assert driver.step() == []
    with pytest.raises(InvalidInput, match="no strategy of that name"):
        pf.halt("zzz")


# --- per-strategy limits -----------------------------------------------------------


def test_a_sleeves_limits_cap_its_contribution_only() -> None:
    pf = portfolio(
        SleeveSpec(
            name="a",
            strategy=long("a", "AAA"),
            limits=SleeveLimits(max_position_shares=100),
        ),
        SleeveSpec(name="b", strategy=long("b", "BBB")),
    )
    targets = {t.symbol: t.qty for t in Driver(pf).step()}
    assert targets == {"AAA": 100, "BBB": 1000}  # a capped; b untouched
    assert dict(dict(pf.allocations[-1].splits)["AAA"]) == {"a": 100.0}


def test_sleeve_limits_notional_gross_and_shorts() -> None:
    limits = SleeveLimits(
        max_position_notional=2_000, max_gross_exposure=3_000, allow_short=False
    )
    capped = limits.cap({"AAA": 50, "BBB": 20, "CCC": -10}, PRICES)
    # AAA cut to $2,000 (20 sh), BBB $1,000; gross $3,000 fits; CCC short dropped
    assert capped == {"AAA": 20.0, "BBB": 20.0}
    tight = SleeveLimits(max_gross_exposure=1_500).cap({"AAA": 20, "BBB": 20}, PRICES)
    assert tight == {"AAA": pytest.approx(10.0), "BBB": pytest.approx(10.0)}  # x0.5
    with pytest.raises(InvalidInput, match="max_position_shares"):
        SleeveLimits(max_position_shares=-1)


def test_a_no_short_sleeve_never_contributes_a_short() -> None:
    short = Scripted("s", "AAA", {0: Target("AAA", Decimal(-10))})
    pf = portfolio(
        SleeveSpec(name="s", strategy=short, limits=SleeveLimits(allow_short=False))
    )
    assert Driver(pf).step() == []


def test_bad_portfolios_are_refused() -> None:
    with pytest.raises(InvalidInput, match="duplicate"):
        portfolio(
            SleeveSpec(name="a", strategy=long("a", "AAA")),
            SleeveSpec(name="a", strategy=long("b", "BBB")),
        )
    with pytest.raises(InvalidInput, match="budget"):
        SleeveSpec(name="a", strategy=long("a", "AAA"), budget=0)
    with pytest.raises(InvalidInput, match="correlation_window"):
        portfolio(SleeveSpec(name="a", strategy=long("a", "AAA")), correlation_window=2)


# --- attribution and correlation through the portfolio -----------------------------


def test_the_portfolios_attribution_follows_its_allocations() -> None:
    pf = portfolio(
        SleeveSpec(name="a", strategy=long("a", "AAA"), budget=3.0),
        SleeveSpec(name="b", strategy=long("b", "BBB"), budget=1.0),
    )
    driver = Driver(pf)
    driver.step()
    driver.step({"AAA": 102.0, "BBB": 49.0, "CCC": 20.0})
    fills = [
        TradeFill(MINUTE, "AAA", 750.0, 100.0, 1.0),
        TradeFill(MINUTE, "BBB", 500.0, 50.0, 1.0),
    ]
    result = pf.attribution(fills)
    totals = result.totals
    assert totals["a"] == pytest.approx(750 * 2.0 - 1.0)
    assert totals["b"] == pytest.approx(500 * -1.0 - 1.0)


def test_identical_sub_strategies_raise_a_correlation_breach() -> None:
    def twin(name: str) -> Scripted:
        return Scripted(name, "AAA", {0: Target("AAA", Decimal(10))})

    pf = portfolio(
        SleeveSpec(name="x", strategy=twin("x")),
        SleeveSpec(name="y", strategy=twin("y")),
        correlation_alert=0.9,
        correlation_window=5,
    )
    driver = Driver(pf)
    for k in range(8):
        driver.step({"AAA": 100.0 + (k * 7) % 5, "BBB": 50.0, "CCC": 20.0})
    assert [(b.first, b.second) for b in pf.breaches] == [("x", "y")]
    assert pf.breaches[0].correlation == pytest.approx(1.0)


def test_the_allocators_correlation_cap_merges_the_twins_budgets() -> None:
    def holder(name: str, symbol: str) -> Scripted:
        return Scripted(name, symbol, {0: Target(symbol, Decimal(10))})

    pf = portfolio(
        SleeveSpec(name="x", strategy=holder("x", "AAA")),
        SleeveSpec(name="y", strategy=holder("y", "AAA")),
        SleeveSpec(name="z", strategy=holder("z", "BBB")),
        constraints=Constraints(gross_target=1.0, strategy_correlation_cap=0.9),
        rebalance_every=1,
    )
    driver = Driver(pf)
    for k in range(8):
        moves = {"AAA": 100.0 + (k * 7) % 5, "BBB": 50.0 + (k * 3) % 4, "CCC": 20.0}
        driver.step(moves)
    assert dict(pf.allocations[0].budgets) == pytest.approx(
        {"x": 1 / 3, "y": 1 / 3, "z": 1 / 3}
    )
    # x and y are one bet: they share one budget, z keeps its own
    assert dict(pf.allocations[-1].budgets) == pytest.approx(
        {"x": 0.25, "y": 0.25, "z": 0.5}
    )


def test_paper_sizing_uses_the_virtual_books_equity_not_the_accounts() -> None:
    def run(sizing: str) -> Decimal:
        pf = portfolio(
            SleeveSpec(name="a", strategy=long("a", "AAA")),
            rebalance_every=1,
            sizing=sizing,
        )
        driver = Driver(pf)  # the account's equity stays 100,000
        driver.step()
        driver.step({**PRICES, "AAA": 110.0})
        return dict(pf.allocations[-1].targets)["AAA"]

    # a's book: 100,000 cash, 10 AAA bought at 100 now worth 110: 100,100
    assert run("paper") == 910  # 100,100 / 110
    assert run("account") == 909  # 100,000 / 110
    with pytest.raises(InvalidInput, match="sizing"):
        PortfolioSettings(sizing="magic")
