"""Walk-forward optimisation: sweep each train window, trade the next test window
out of sample with the best combination, stitch the out-of-sample equity.

Windows come from :func:`~tradecore.domain.research.splits.walk_forward_windows` on
an axis of **trading sessions**: the sessions of the market calendar that hold bars
of the data (``--train 60d`` is 60 such sessions, weekends and holidays do not
count). Test windows tile the axis (each starts ``embargo`` sessions after its
train window ends; the next train window moves one test window on).

Each test window is a *fresh* replay of that window's bars alone: it starts flat
with the starting cash, the strategy's indicators warm up from the window's first
bar (nothing is carried over from the train window), and a position still open at
the window's end is marked to market at its last close, not liquidated. The
stitched curve chains the windows' returns: each window's curve is scaled to start
where the previous one ended, so the stitched equity is continuous.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from tradecore.apps.replay.sweep_run import (
    SweepSettings,
    metric_value,
    run_sweep,
)
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_frame import BarFrame, from_ns
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.metrics import period_returns, sharpe_ratio
from tradecore.domain.research.splits import WalkForwardWindow, walk_forward_windows

WINDOWS_FOLDER = "windows"


def parse_sessions(option: str, text: str) -> int:
    """``60d`` (or ``60``): a number of trading sessions.

    Raises:
        ConfigurationError: anything else (other units, negatives, words).
    """
    match = re.fullmatch(r"\s*(\d+)\s*d?\s*", text)
    if match is None:
        raise ConfigurationError(
            f"{option} {text!r}: give trading sessions, e.g. 60d (d = sessions of "
            "the market calendar)"
        )
    return int(match.group(1))


@attrs.frozen(kw_only=True)
class WalkForwardPlan:
    """Window lengths in trading sessions."""

    train: int
    test: int
    embargo: int = 0
    anchored: bool = False


@attrs.frozen(kw_only=True)
class WindowResult:
    """One window: its sessions, the combination chosen in sample, both metrics."""

    number: int
    train_days: tuple[date, date]
    test_days: tuple[date, date]
    trials: int
    params: dict[str, Any] | None
    is_metric: float
    oos_metric: float
    is_sharpe: float
    oos_sharpe: float
    oos_return: float
    #: The test replay's annualisation (periods per year), for the stitched Sharpe.
    periods_per_year: float = math.nan

    @property
    def ratio(self) -> float:
        """OOS / IS metric (NaN when either is undefined or IS is zero)."""
        if not (math.isfinite(self.is_metric) and math.isfinite(self.oos_metric)):
            return math.nan
        return math.nan if self.is_metric == 0 else self.oos_metric / self.is_metric


@attrs.frozen(kw_only=True)
class WalkForwardOutcome:
    settings: SweepSettings
    plan: WalkForwardPlan
    windows: list[WindowResult]
    timestamps_ns: np.ndarray
    equity: np.ndarray

    @property
    def mean_ratio(self) -> float:
        """The degradation: mean OOS/IS ratio over windows where it is defined."""
        ratios = [w.ratio for w in self.windows if math.isfinite(w.ratio)]
        return float(np.mean(ratios)) if ratios else math.nan


def session_index(frames: Sequence[BarFrame], market: MarketCalendar) -> list[date]:
    """The trading sessions holding bars of ``frames``, in order."""
    stamps = np.unique(np.concatenate([f.timestamps for f in frames if len(f)]))
    days: list[date] = []
    for ns in stamps.tolist():
        day = market.trading_day(from_ns(int(ns)))
        if not days or days[-1] != day:
            days.append(day)
    return days


def _day_bounds(
    frames: Sequence[BarFrame], market: MarketCalendar, days: Sequence[date]
) -> dict[date, int]:
    """The first bar timestamp of each session (ns)."""
    stamps = np.unique(np.concatenate([f.timestamps for f in frames if len(f)]))
    first: dict[date, int] = {}
    for ns in stamps.tolist():
        first.setdefault(market.trading_day(from_ns(int(ns))), int(ns))
    return {d: first[d] for d in days}


def _cut(frames: Sequence[BarFrame], start_ns: int, end_ns: int) -> list[BarFrame]:
    cut = [f.between(start_ns, end_ns) for f in frames]
    return [f for f in cut if len(f)]


def run_walkforward(
    frames: Sequence[BarFrame],
    settings: SweepSettings,
    plan: WalkForwardPlan,
    market: MarketCalendar,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: Path | None = None,
    replace: bool = False,
    on_window: Callable[[int, int], None] | None = None,
) -> WalkForwardOutcome:
    """Optimise on each train window, trade each test window out of sample.

    Raises:
        ConfigurationError: the data hold too few sessions for one window, or as
            :func:`~tradecore.apps.replay.sweep_run.run_sweep`.
    """
    settings.check()
    days = session_index(frames, market)
    windows = walk_forward_windows(
        0,
        len(days),
        train=plan.train,
        test=plan.test,
        embargo=plan.embargo,
        anchored=plan.anchored,
    )
    if not windows:
        raise ConfigurationError(
            f"the data hold {len(days)} sessions: too few for one window of "
            f"{plan.train} train + {plan.embargo} embargo + {plan.test} test sessions"
        )
    starts = _day_bounds(frames, market, days)
    end_ns = int(max(f.timestamps[-1] for f in frames if len(f))) + 1

    def bound(index: int) -> int:
        return starts[days[index]] if index < len(days) else end_ns

    results: list[WindowResult] = []
    curves: list[tuple[np.ndarray, np.ndarray]] = []
    for number, window in enumerate(windows):
        if on_window is not None:
            on_window(number, len(windows))
        train = _cut(frames, bound(window.train_start), bound(window.train_end))
        test = _cut(frames, bound(window.test_start), bound(window.test_end))
        folder = None if out is None else out / WINDOWS_FOLDER / f"w{number:03d}"
        swept = run_sweep(
            train,
            settings,
            workers=workers,
            scheduler=scheduler,
            out=folder,
            replace=replace,
        )
        result, curve = _out_of_sample(number, window, days, swept, test, settings)
        results.append(result)
        if curve is not None:
            curves.append(curve)
    stamps, equity = stitch(curves, float(Decimal(settings.cash)))
    return WalkForwardOutcome(
        settings=settings,
        plan=plan,
        windows=results,
        timestamps_ns=stamps,
        equity=equity,
    )


def _out_of_sample(
    number: int,
    window: WalkForwardWindow,
    days: Sequence[date],
    swept: Any,
    test: list[BarFrame],
    settings: SweepSettings,
) -> tuple[WindowResult, tuple[np.ndarray, np.ndarray] | None]:
    best = swept.best
    base = {
        "number": number,
        "train_days": (days[window.train_start], days[window.train_end - 1]),
        "test_days": (days[window.test_start], days[window.test_end - 1]),
        "trials": swept.verdict.n_trials,
    }
    if best is None or not test:
        nan = math.nan
        return (
            WindowResult(
                **base,
                params=None,
                is_metric=nan,
                oos_metric=nan,
                is_sharpe=nan,
                oos_sharpe=nan,
                oos_return=nan,
            ),
            None,
        )
    summary, stamps, equity = _replay_window(test, best["params"], settings)
    oos = summary.get(settings.metric)
    result = WindowResult(
        **base,
        params=dict(best["params"]),
        is_metric=metric_value(best, settings.metric),
        oos_metric=math.nan if oos is None else float(oos),  # type: ignore[arg-type]
        is_sharpe=float(best["metrics"]["sharpe"]),
        oos_sharpe=float(summary["sharpe"]),  # type: ignore[arg-type]
        oos_return=float(equity[-1] / equity[0] - 1.0),
        periods_per_year=float(summary["periods_per_year"]),  # type: ignore[arg-type]
    )
    return result, (stamps, equity)


def _replay_window(
    frames: list[BarFrame], params: dict[str, Any], settings: SweepSettings
) -> tuple[dict[str, object], np.ndarray, np.ndarray]:
    """A fresh replay of one test window (flat start, its own temp folder)."""
    from tradecore.apps.replay.runner import replay

    with tempfile.TemporaryDirectory(prefix="tc-walkforward-") as folder:
        result = replay(
            frames,
            settings.strategy,
            params,
            fill_model=settings.fill_model,
            cash=Decimal(settings.cash),
            seed=settings.seed,
            out=folder,
            replace=True,
            signing=settings.signing,
            calendar=settings.calendar,
            **settings.extra,
            progress=False,
        )
    equity = np.asarray(result.equity_values, dtype=np.float64)
    return dict(result.summary), np.asarray(result.timestamps_ns), equity


def stitch(
    curves: Sequence[tuple[np.ndarray, np.ndarray]], start: float
) -> tuple[np.ndarray, np.ndarray]:
    """Chain the windows' curves: each scaled to start where the last one ended."""
    stamps: list[np.ndarray] = []
    values: list[np.ndarray] = []
    level = start
    for times, equity in curves:
        scaled = level * (equity / equity[0])  # the first point is level, exactly
        stamps.append(times)
        values.append(scaled)
        level = float(scaled[-1])
    if not values:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
    return np.concatenate(stamps), np.concatenate(values)


def stitched_sharpe(outcome: WalkForwardOutcome) -> float:
    """The annualised Sharpe ratio of the stitched out-of-sample curve (the test
    replays' annualisation; NaN without at least two returns)."""
    years = [
        w.periods_per_year for w in outcome.windows if math.isfinite(w.periods_per_year)
    ]
    if len(outcome.equity) < 3 or not years:
        return math.nan
    return sharpe_ratio(period_returns(outcome.equity), years[0])


def bars_of(
    data: object, calendar: str | MarketCalendar
) -> tuple[list[BarFrame], MarketCalendar, dict[str, Any]]:
    """The data's bars (through the data-quality gate a replay applies), the market
    calendar around them, and the replay arguments the data bring along (a folder's
    ``corporate_actions.csv``).

    Walk-forward cuts the bars into windows, so it reads them once, here.
    """
    from tradecore.adapters.data import BarFileOptions, load_bars
    from tradecore.adapters.data.bar_files import gate_frames
    from tradecore.adapters.data.corporate_actions_file import CORPORATE_ACTIONS_FILE
    from tradecore.adapters.data.dataframes import is_pandas_data, load_dataframes
    from tradecore.adapters.data.lake import LakeSelection
    from tradecore.apps.replay.runner import DEFAULT_QUALITY
    from tradecore.apps.replay.venue import replay_calendar
    from tradecore.apps.wiring.calendars import calendars_between

    def sessions(first: date, last: date) -> MarketCalendar:
        if isinstance(calendar, MarketCalendar):
            return calendar
        return calendars_between(calendar, first, last).regular

    options = BarFileOptions(sessions=sessions, quality=DEFAULT_QUALITY)
    extra: dict[str, Any] = {}
    if isinstance(data, LakeSelection):
        frames = gate_frames(data.load(), DEFAULT_QUALITY, source="lake").frames
    elif isinstance(data, str | Path):
        frames = load_bars(data, options).frames
        beside = Path(data) / CORPORATE_ACTIONS_FILE
        if beside.is_file():
            extra["corporate_actions"] = str(beside)
    elif is_pandas_data(data):
        frames = load_dataframes(data, options).frames
    else:
        frames = list(data)  # type: ignore[call-overload]
    frames = [f for f in frames if len(f)]
    if not frames:
        raise ConfigurationError("no bars to walk forward over")
    market = (
        calendar
        if isinstance(calendar, MarketCalendar)
        else replay_calendar(calendar, frames)
    )
    return frames, market, extra
