"""The strategy API end to end through ``tc.replay``: callback shapes, target kinds,
strategy forms, protocol errors, point-in-time views, and the bundled strategies."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import tradecore as tc
from tradecore.domain.errors import ConfigurationError, StrategyError
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.bars import Bar
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.strategies.market_view import MarketView

START = datetime(2024, 1, 2, tzinfo=UTC)


@pytest.fixture(scope="module")
def frames() -> list[BarFrame]:
    return generate_bars(["AAA", "BBB", "CCC"], 120, start=START, seed=3)


def run(
    frames: list[BarFrame], strategy: Any, **kw: Any
) -> tc.apps.replay.runner.ReplayResult:  # type: ignore[name-defined]
    return tc.replay(frames, strategy=strategy, calendar="24/7", **kw)


def fills(result: Any) -> list[tuple[str, str, int]]:
    """Shares filled per symbol and side (the realistic model may split a fill)."""
    total: dict[tuple[str, str], Decimal] = {}
    for f in result.fill_rows:
        key = (str(f["symbol"]), str(f["side"]))
        total[key] = total.get(key, Decimal(0)) + Decimal(str(f["qty"]))
    return [(s, side, int(q)) for (s, side), q in sorted(total.items())]


# --- point in time ---------------------------------------------------------------------


class Spy(tc.BarStrategy):
    """Records what each callback saw."""

    strategy_id = "spy"
    history = 500

    def __init__(self) -> None:
        self.per_bar: list[tuple[str, int, int, list[float]]] = []
        self.batches: list[tuple[int, list[str], list[int]]] = []

    def on_bar(self, bar: Bar, view: MarketView) -> None:
        window = view.history(bar.symbol)
        self.per_bar.append(
            (bar.symbol, to_ns(bar.timestamp), view.now_ns, window.close.tolist())
        )
        assert int(window.timestamps.max()) <= view.now_ns

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> None:
        self.batches.append(
            (timestamp_ns, sorted(bars), [to_ns(b.timestamp) for b in bars.values()])
        )
        for symbol in view.symbols:
            assert int(view.history(symbol).timestamps[-1]) <= timestamp_ns


def test_the_view_never_shows_a_bar_after_now(frames: list[BarFrame]) -> None:
    spy = Spy()
    run(frames, spy)
    by_symbol = {f.symbol: f for f in frames}
    assert len(spy.per_bar) == sum(len(f) for f in frames)
    for symbol, bar_ns, now_ns, closes in spy.per_bar:
        frame = by_symbol[symbol]
        upto = int(np.searchsorted(frame.timestamps, now_ns, side="right"))
        assert bar_ns == now_ns  # the bar handed over is the newest one
        assert closes == frame.close[:upto].tolist()  # exactly the past, all of it


def test_on_bars_is_called_once_per_timestamp_with_every_symbol(
    frames: list[BarFrame],
) -> None:
    spy = Spy()
    run(frames, spy)
    stamps = frames[0].timestamps.tolist()
    assert [t for t, _, _ in spy.batches] == stamps
    for t, symbols, bar_stamps in spy.batches:
        assert symbols == ["AAA", "BBB", "CCC"]
        assert set(bar_stamps) == {t}


# --- callback shapes and return shapes ----------------------------------------------


class BuyOnce(tc.BarStrategy):
    """Buys AAA at the 10th bar, in whatever shape ``shape`` says."""

    strategy_id = "buy_once"

    def __init__(self, shape: str = "target", kind: str = "shares") -> None:
        self.shape, self.kind, self.n = shape, kind, 0

    def target(self) -> Any:
        if self.kind == "weight":
            return tc.WeightTarget("AAA", 0.1, "w")
        if self.kind == "notional":
            return tc.NotionalTarget("AAA", 25_000.0, "n")
        return tc.Target("AAA", Decimal(100), "s")

    def on_bar(self, bar: Bar, view: MarketView) -> Any:
        if bar.symbol != "AAA":
            return None
        self.n += 1
        if self.n != 10:
            return None if self.shape != "empty" else []
        return {
            "target": self.target(),
            "list": [self.target()],
            "tuple": (self.target(),),
        }[self.shape]


class BatchBuyOnce(tc.BarStrategy):
    strategy_id = "batch_buy_once"

    def __init__(self) -> None:
        self.n = 0

    def on_bars(
        self, timestamp_ns: int, bars: Mapping[str, Bar], view: MarketView
    ) -> Any:
        self.n += 1
        return tc.Target("AAA", Decimal(100), "b") if self.n == 10 else None


@pytest.mark.parametrize("shape", ["target", "list", "tuple"])
def test_one_target_a_list_or_a_tuple_all_work(
    frames: list[BarFrame], shape: str
) -> None:
    assert fills(run(frames, BuyOnce, params={"shape": shape})) == [("AAA", "buy", 100)]


def test_the_batch_callback_trades_like_the_per_bar_one(
    frames: list[BarFrame],
) -> None:
    assert fills(run(frames, BatchBuyOnce)) == fills(run(frames, BuyOnce))


def test_weight_and_notional_targets_become_whole_shares(
    frames: list[BarFrame],
) -> None:
    aaa = frames[0]
    close = float(aaa.close[9])
    weight = run(frames, BuyOnce, params={"kind": "weight"})
    assert fills(weight) == [("AAA", "buy", int(0.1 * 1_000_000 / close))]
    notional = run(frames, BuyOnce, params={"kind": "notional"})
    assert fills(notional) == [("AAA", "buy", int(25_000 / close))]


class SimpleFormShapes:
    """The simple form returning a bare Target, None, or a list."""

    strategy_id = "simple_shapes"

    def __init__(self) -> None:
        self.n = 0

    def on_bar(
        self,
        symbol: str,
        timestamp_ns: int,
        close: float,
        volume: float,
        portfolio: Any,
    ) -> Any:
        if symbol != "AAA":
            return []
        self.n += 1
        return tc.Target("AAA", Decimal(100), "s") if self.n == 10 else None


def test_the_simple_form_may_return_one_target_or_none(
    frames: list[BarFrame],
) -> None:
    assert fills(run(frames, SimpleFormShapes)) == [("AAA", "buy", 100)]


# --- forms --------------------------------------------------------------------------------


def test_a_class_an_instance_and_an_import_string_run_alike(
    frames: list[BarFrame],
) -> None:
    by_class = run(frames, tc.domain.strategies.RsiReversion, params={"period": 5})
    by_instance = run(frames, tc.domain.strategies.RsiReversion(period=5))
    by_name = run(
        frames,
        "tradecore.domain.strategies.rsi_reversion:RsiReversion",
        params={"period": "5"},
    )
    assert fills(by_class) == fills(by_instance) == fills(by_name) != []


# --- protocol errors ------------------------------------------------------------------


class ReturnsAString(tc.BarStrategy):
    strategy_id = "stringy"

    def on_bar(self, bar: Bar, view: MarketView) -> Any:
        return "buy AAA"


class TargetsNowhere(tc.BarStrategy):
    strategy_id = "nowhere"

    def on_bar(self, bar: Bar, view: MarketView) -> Any:
        return tc.Target("ZZZ", Decimal(1))


class NoCallbacks(tc.BarStrategy):
    strategy_id = "idle"


class WrongArity(tc.BarStrategy):
    strategy_id = "arity"

    def on_bar(self, bar: Bar) -> Any:  # type: ignore[override]
        return None


class NoOnBar:
    strategy_id = "none"


def test_a_wrong_return_type_names_the_strategy_and_the_value(
    frames: list[BarFrame],
) -> None:
    with pytest.raises(StrategyError, match=r"'stringy' returned str 'buy AAA'"):
        run(frames, ReturnsAString)


def test_an_unknown_symbol_in_a_target_is_a_clear_error(
    frames: list[BarFrame],
) -> None:
    with pytest.raises(StrategyError, match=r"'nowhere' targeted 'ZZZ'"):
        run(frames, TargetsNowhere)


@pytest.mark.parametrize(
    ("strategy", "params", "message"),
    [
        (NoCallbacks, {}, "defines neither on_bar"),
        (WrongArity, {}, r"on_bar takes \(bar\), a BarStrategy's on_bar is passed"),
        (NoOnBar, {}, "has no on_bar method"),
        (NoOnBar(), {}, "has no on_bar method"),
        (BatchBuyOnce(), {"n": 1}, "is an instance, already built"),
        (len, {}, "is not a strategy"),
        (BuyOnce, {"size": 1}, "has no parameter size"),
    ],
)
def test_protocol_errors_are_clear_and_up_front(
    frames: list[BarFrame], strategy: Any, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        run(frames, strategy, params=params)


# --- bundled strategies -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("rsi_reversion", {"period": 5}),
        ("donchian_breakout", {"entry": 10, "exit": 5, "atr": 5}),
        ("xs_momentum", {"lookback": 10, "top_k": 1, "rebalance": 10}),
    ],
)
def test_bundled_strategies_trade_on_generated_data(
    name: str, params: dict[str, int]
) -> None:
    data = generate_bars(["AAA", "BBB", "CCC", "DDD"], 400, start=START, seed=11)
    result = run(data, name, params=params)
    assert result.fill_rows, f"{name} never traded"
    assert result.summary["strategy_id"].startswith(name)  # type: ignore[union-attr]


def test_the_breakout_sends_its_atr_stop_as_protection() -> None:
    data = generate_bars(["AAA", "BBB"], 400, start=START, seed=11)
    result = run(data, "donchian_breakout", params={"entry": 10, "exit": 5, "atr": 5})
    details = [json.loads(str(d["details"])) for d in result.decision_rows]
    assert any(d.get("protection") == "bracket" for d in details)


def test_ragged_symbols_see_only_their_past_and_their_own_timestamps() -> None:
    data = generate_bars(["AAA", "BBB"], 60, start=START, seed=5)
    bbb = data[1]
    keep = np.arange(0, len(bbb), 3)  # BBB trades every third minute only
    thin = BarFrame(
        symbol="BBB",
        timestamps=bbb.timestamps[keep],
        open=bbb.open[keep],
        high=bbb.high[keep],
        low=bbb.low[keep],
        close=bbb.close[keep],
        volume=bbb.volume[keep],
    )
    spy = Spy()
    run([data[0], thin], spy)
    for t, symbols, _ in spy.batches:
        assert ("BBB" in symbols) == (t in set(thin.timestamps.tolist()))
    for symbol, _, now_ns, closes in spy.per_bar:
        frame = data[0] if symbol == "AAA" else thin
        upto = int(np.searchsorted(frame.timestamps, now_ns, side="right"))
        assert closes == frame.close[:upto].tolist()


class ReturnsMixedList(tc.BarStrategy):
    strategy_id = "mixed"

    def on_bar(self, bar: Bar, view: MarketView) -> Any:
        return [tc.Target(bar.symbol, Decimal(1)), 42]


def test_a_list_holding_a_non_target_is_a_clear_error(
    frames: list[BarFrame],
) -> None:
    with pytest.raises(StrategyError, match=r"'mixed' returned a list holding int 42"):
        run(frames, ReturnsMixedList)
