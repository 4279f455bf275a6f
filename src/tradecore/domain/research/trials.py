"""Choosing the best of many trials, and the deflated Sharpe ratio of that choice.

A sweep tries ``N`` parameter combinations and keeps the best: the best Sharpe of
``N`` trials of a strategy with no edge is high by selection alone. The deflated
Sharpe ratio (Bailey & López de Prado 2014, "The Deflated Sharpe Ratio",
*Journal of Portfolio Management* 40(5); :func:`~tradecore.domain.research.
statistics.deflated_sharpe_ratio`) is the probability that the chosen trial's true
Sharpe ratio beats the expected maximum of ``N`` null trials; at 0.95 or above we
call the choice significant at 95%.

The inputs follow the paper: ``trials_sr_variance`` is the variance of the
per-period Sharpe ratios across the trials that ran (sample variance, ``ddof=1``),
``n_obs``, skewness and raw kurtosis are those of the chosen trial's returns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs
import numpy as np

from tradecore.domain.research.statistics import (
    deflated_sharpe_ratio,
    expected_max_sharpe,
)

SIGNIFICANT = "significant at 95%"
NOT_SIGNIFICANT = "not significant"
UNDETERMINED = "undetermined"
#: The DSR at or above which the best trial is called significant.
CONFIDENCE = 0.95


@attrs.frozen(kw_only=True, slots=True)
class TrialSharpe:
    """What the DSR needs of one trial: its per-period Sharpe and return moments."""

    sharpe: float
    n_obs: int
    skew: float
    kurtosis: float


@attrs.frozen(kw_only=True, slots=True)
class SelectionVerdict:
    """The deflated Sharpe ratio of the best of ``n_trials`` trials, and the verdict."""

    n_trials: int
    trials_sr_variance: float
    expected_max_sharpe: float
    deflated_sharpe: float
    verdict: str

    def as_dict(self) -> dict[str, object]:
        return attrs.asdict(self)


def best_index(values: Sequence[float], *, higher_is_better: bool = True) -> int | None:
    """The index of the best finite value (the first one on ties); None if none is."""
    best: int | None = None
    for i, value in enumerate(values):
        if not math.isfinite(value):
            continue
        if best is None or _better(value, values[best], higher_is_better):
            best = i
    return best


def _better(value: float, than: float, higher_is_better: bool) -> bool:
    return value > than if higher_is_better else value < than


def selection_verdict(
    best: TrialSharpe, trial_sharpes: Sequence[float]
) -> SelectionVerdict:
    """The DSR of ``best`` chosen among trials with per-period Sharpes ``trial_sharpes``.

    Trials whose Sharpe is not finite (no trade, flat equity) are not counted.
    ``undetermined`` (DSR NaN) when fewer than two trials count, the best's own
    Sharpe or moments are undefined, or its moments make the PSR undefined.
    """
    finite = np.array([s for s in trial_sharpes if math.isfinite(s)], dtype=np.float64)
    n = len(finite)
    variance = float(np.var(finite, ddof=1)) if n >= 2 else math.nan
    usable = (
        n >= 2
        and best.n_obs >= 2
        and all(math.isfinite(x) for x in (best.sharpe, best.skew, best.kurtosis))
    )
    if not usable:
        return SelectionVerdict(
            n_trials=n,
            trials_sr_variance=variance,
            expected_max_sharpe=math.nan,
            deflated_sharpe=math.nan,
            verdict=UNDETERMINED,
        )
    sr0 = expected_max_sharpe(n, variance)
    try:
        dsr = deflated_sharpe_ratio(
            best.sharpe, best.n_obs, best.skew, best.kurtosis, n, variance
        )
    except ValueError:  # moments outside the PSR's domain
        dsr = math.nan
    verdict = (
        UNDETERMINED
        if math.isnan(dsr)
        else SIGNIFICANT
        if dsr >= CONFIDENCE
        else NOT_SIGNIFICANT
    )
    return SelectionVerdict(
        n_trials=n,
        trials_sr_variance=variance,
        expected_max_sharpe=sr0,
        deflated_sharpe=dsr,
        verdict=verdict,
    )
