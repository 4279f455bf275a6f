"""Shared helpers for the feature tests: generated bars, every kind, online replay."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from tradecore.apps.replay.demo_data import demo_calendar
from tradecore.domain.features.feature_set import FeatureSet, FeatureSpec
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.market.datagen import Shape, generate_bars

CALENDAR = demo_calendar()
#: A Friday afternoon: bars run over the weekend into the next sessions.
FRIDAY = datetime(2026, 1, 9, 20, 0, tzinfo=UTC)


def every_kind(period: int = 5, n: int = 3) -> FeatureSet:
    """One feature of every built-in kind (short periods: quick warm-up)."""
    return FeatureSet(
        [
            FeatureSpec("ret", "return", {"n": n}),
            FeatureSpec("logret", "return", {"n": n, "log": True}),
            FeatureSpec("rsi", "rsi", {"period": period}),
            FeatureSpec("atr", "atr", {"period": period}),
            FeatureSpec("pctb", "bollinger_b", {"period": period, "k": 1.5}),
            FeatureSpec(
                "macd", "macd_hist", {"fast": 2, "slow": period + 1, "signal": 2}
            ),
            FeatureSpec("ema", "ema_ratio", {"period": period}),
            FeatureSpec("z", "zscore", {"period": period}),
            FeatureSpec("vz", "volume_z", {"period": period}),
            FeatureSpec("hi", "dist_high", {"period": period}),
            FeatureSpec("lo", "dist_low", {"period": period}),
            FeatureSpec("vwap", "dist_vwap"),
            FeatureSpec("open_m", "minutes_since_open"),
            FeatureSpec("close_m", "minutes_to_close"),
            FeatureSpec("dow", "day_of_week"),
            FeatureSpec("ret_rank", "xs_rank", {"of": "ret"}),
        ]
    )


def bars(
    symbols: Sequence[str] = ("AAA", "BBB", "CCC"),
    n: int = 400,
    seed: int = 1,
    *,
    on_sessions: bool = True,
    start: datetime = FRIDAY,
) -> list[BarFrame]:
    """Generated one-minute bars (on XNYS sessions, or round the clock)."""
    return generate_bars(
        symbols,
        n,
        start=start,
        seed=seed,
        shape=Shape.ONE_FACTOR,
        calendar=CALENDAR if on_sessions else None,
    )


def online_rows(
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    calendar: MarketCalendar | None = CALENDAR,
) -> np.ndarray:
    """The online form's rows, in the matrix's (timestamp, symbol) order."""
    at: dict[int, dict[str, tuple[float, ...]]] = defaultdict(dict)
    for f in frames:
        for i in range(len(f)):
            at[int(f.timestamps[i])][f.symbol] = (
                float(f.open[i]),
                float(f.high[i]),
                float(f.low[i]),
                float(f.close[i]),
                float(f.volume[i]),
            )
    online = feature_set.online(calendar)
    rows = []
    for ts in sorted(at):
        step = online.step(ts, at[ts])  # type: ignore[arg-type]
        rows += [step[s] for s in sorted(step)]
    return np.array(rows)
