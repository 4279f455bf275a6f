"""Regimes: the cost of a refit (hmmlearn's EM) and of filtering one bar.

A refit is timed on windows of 1,000 / 5,000 / 20,000 observations of planted
two-regime bars (``--quick``: 1,000 / 5,000), best of the repeats. The per-bar cost
is the forward step alone (O(K²) in plain floats), and the tracker's whole update
between refits (observation, session check, forward step), both against a floor
measured in the same run: the same two-state arithmetic written out by hand,
without function calls or the parameter object. Last, the ``regime`` feature over
a whole series with a refit each session (what research pays per symbol).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np

from tradecore.adapters.regimes.hmmlearn_fitter import HmmlearnFitter
from tradecore.domain.market.planted_regimes import planted_regime_bars
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.forward import CompiledFilter
from tradecore.domain.regimes.observations import observation_series
from tradecore.domain.regimes.tracker import RegimeTracker, fit_window, track_series

START = datetime(2026, 1, 5, tzinfo=UTC)


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _floor(observations: list[tuple[float, float]]) -> None:
    """Two states, diagonal Gaussians, hand-unrolled: the least a filter can do."""
    a00, a01, a10, a11 = 0.99, 0.01, 0.02, 0.98
    m0r, m0v, m1r, m1v = 0.0, -1.0, 0.0, 1.0
    v0r, v0v, v1r, v1v = 0.2, 0.1, 1.5, 0.1
    p0, p1 = 0.5, 0.5
    for r, v in observations:
        q0 = p0 * a00 + p1 * a10
        q1 = p0 * a01 + p1 * a11
        g0 = -((r - m0r) ** 2) / v0r - (v - m0v) ** 2 / v0v
        g1 = -((r - m1r) ** 2) / v1r - (v - m1v) ** 2 / v1v
        top = max(g0, g1)
        w0, w1 = q0 * math.exp(g0 - top), q1 * math.exp(g1 - top)
        p0, p1 = w0 / (w0 + w1), w1 / (w0 + w1)


def run(quick: bool) -> list[str]:
    """Time refits and per-bar filtering; print them with the floor."""
    n = 8_000 if quick else 24_000
    sizes = (1_000, 5_000) if quick else (1_000, 5_000, 20_000)
    repeats = 2 if quick else 3
    planted = planted_regime_bars(n, seed=3, start=START, mean_duration=400)
    closes = planted.frame.close
    config = RegimeModelConfig(min_history=300)
    fitter = HmmlearnFitter()
    _, observations = observation_series(closes, config.vol_window)
    lines = []
    for size in sizes:
        window = observations[:size]
        seconds = _best(lambda w=window: fit_window(fitter, w, config), repeats)  # type: ignore[misc]
        lines.append(f"refit on {size:>6,} observations: {seconds * 1e3:8.1f} ms")
    params = fit_window(fitter, observations[:5_000], config)
    rows = [tuple(r) for r in observations.tolist()]

    compiled = CompiledFilter(params)

    def filter_all() -> None:
        probs, step = params.stationary(), compiled.step
        for y in rows:
            probs = step(probs, y)

    step_us = _best(filter_all, repeats) / len(rows) * 1e6
    floor_us = _best(lambda: _floor(rows), repeats) / len(rows) * 1e6  # type: ignore[arg-type]
    stamps = planted.frame.timestamps.tolist()
    sessions = [0] * n  # one session: no refit after the first
    one_fit = RegimeModelConfig(min_history=300, refit=str(10 * n))

    def tracker_updates() -> float:
        tracker = RegimeTracker(one_fit, fitter)
        for i in range(302):
            tracker.update(stamps[i], 0, float(closes[i]))
        t0 = time.perf_counter()
        for i in range(302, n):
            tracker.update(stamps[i], sessions[i], float(closes[i]))
        return (time.perf_counter() - t0) / (n - 302) * 1e6

    update_us = min(tracker_updates() for _ in range(repeats))
    by_session = [i // 390 for i in range(n)]
    session_config = RegimeModelConfig(min_history=300, refit="session")
    series_s = _best(
        lambda: track_series(
            RegimeTracker(session_config, fitter), stamps, by_session, closes.tolist()
        ),
        1,
    )
    fits = (n - 300) // 390
    return [
        *lines,
        f"forward step (K=2): {step_us:6.2f} us per bar "
        f"| floor (hand-unrolled arithmetic) {floor_us:5.2f} us | ratio "
        f"{step_us / floor_us:4.1f}x",
        f"tracker update between refits (observation + session + step): "
        f"{update_us:6.2f} us per bar",
        f"whole series, refit each session: {n:,} bars, ~{fits} expanding refits "
        f"in {series_s:5.2f} s ({series_s / n * 1e6:6.1f} us per bar, refits included)",
        f"  (hmmlearn {fitter.name.split()[-1]}, numpy {np.__version__})",
    ]
