"""Return statistics beyond :mod:`~tradecore.domain.research.metrics`, and the
probabilistic and deflated Sharpe ratios.

Conventions (those of :mod:`metrics` apply: simple returns, zero risk-free rate,
``periods_per_year`` for annualization, drawdown as a positive fraction):

* **CAGR** is ``(end / start) ** (periods_per_year / n_periods) - 1``: the years are
  counted in the same periods the curve was annualized with (calendar sessions and
  bars), not in wall-clock days;
* **Sortino** (Sortino & Price 1994, "Performance Measurement in a Downside Risk
  Framework", *Journal of Investing* 3(3)) is ``mean(r - T) / TDD * sqrt(periods per
  year)`` with the target ``T = 0`` and the target downside deviation
  ``TDD = sqrt(mean(min(0, r - T) ** 2))`` over *all* returns (Sortino & van der Meer
  1991; Rollinger & Hoffman 2013, "Sortino: A 'Sharper' Ratio"); ``+inf`` when
  the mean is positive and no return falls below the target;
* **Calmar** (Young 1991, "Calmar Ratio: A Smoother Tool", *Futures* 20(1)) is
  ``CAGR / max drawdown`` over the whole curve (Young used a trailing 36 months);
* **skewness and kurtosis** are the moment estimators ``m3 / m2**1.5`` and
  ``m4 / m2**2`` (population moments about the sample mean); the kurtosis is *raw*
  (3 for a normal distribution), as the Bailey & López de Prado formulas take it;
* the **probabilistic Sharpe ratio** (Bailey & López de Prado 2012, "The Sharpe
  Ratio Efficient Frontier", *Journal of Risk* 15(2); restated in López de Prado
  2018, *Advances in Financial Machine Learning*, 14.7.2) is
  ``PSR(SR*) = Phi((SR - SR*) sqrt(n - 1) / sqrt(1 - g3 SR + (g4 - 1) / 4 SR**2))``,
  every Sharpe ratio *per period* (not annualized);
* the **deflated Sharpe ratio** (Bailey & López de Prado 2014, "The Deflated Sharpe
  Ratio: Correcting for Selection Bias, Backtest Overfitting and Non-Normality",
  *Journal of Portfolio Management* 40(5), 94-107, eqs. 1-2) is ``PSR(SR0)`` with the
  expected maximum Sharpe ratio of ``N`` independent trials of zero true Sharpe
  ``SR0 = sqrt(V[SR_n]) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))``,
  ``gamma`` the Euler-Mascheroni constant and ``V[SR_n]`` the variance of the trials'
  per-period Sharpe ratios. (The working paper's worked example prints
  ``1/(100 e^-1)``; its result, 0.1132, is that of ``1/(100 e)``, as in eq. 1.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
from numpy.typing import ArrayLike

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.metrics import (
    FloatArray,
    _mean,
    annualized_volatility,
    max_drawdown,
    period_returns,
    sharpe_ratio,
)

if TYPE_CHECKING:
    from statistics import NormalDist

#: The Euler-Mascheroni constant.
EULER_MASCHERONI = 0.57721566490153286
_SQRT2 = math.sqrt(2.0)


def normal_cdf(x: float) -> float:
    """The standard normal CDF, as ``statistics.NormalDist().cdf(x)`` computes it.

    Why not that call: every replay's summary asks for it (the PSR), and importing
    ``statistics`` (and its ``fractions``) cost about 6 M instructions of a short
    replay's start-up. The formula is the standard library's, with its mean 0 and
    sigma 1 (a property holds the two equal).
    """
    return 0.5 * (1.0 + math.erf((x - 0.0) / (1.0 * _SQRT2)))


def _standard_normal() -> NormalDist:
    """The standard normal, for its inverse CDF (Wichura's AS 241, good to about
    1e-16; the standard library's keeps scipy out of ``import tradecore``). Only a
    deflated Sharpe ratio over several trials needs it: imported then."""
    from statistics import NormalDist

    return NormalDist()


def _returns(values: ArrayLike) -> FloatArray:
    returns = np.asarray(values, dtype=np.float64)
    if returns.ndim != 1:
        raise InvalidInput("returns", returns.shape, "must be 1-dimensional")
    if not np.isfinite(returns).all():
        raise InvalidInput("returns", "non-finite", "must all be finite")
    return returns


def downside_deviation(returns: ArrayLike, target: float = 0.0) -> float:
    """Return the target downside deviation ``sqrt(mean(min(0, r - target)**2))``.

    Every return counts in the mean (those above the target as zero). NaN for no
    returns.
    """
    values = _returns(returns)
    if len(values) == 0:
        return math.nan
    shortfall = np.minimum(values - target, 0.0)
    return math.sqrt(math.fsum((shortfall**2).tolist()) / len(values))


def sortino_ratio(
    returns: ArrayLike, periods_per_year: float, target: float = 0.0
) -> float:
    """Return the annualized Sortino ratio ``mean(r - T) / TDD * sqrt(periods)``.

    ``+inf`` when the mean excess is positive and nothing fell below the target;
    NaN when it is undefined (fewer than two returns, or all returns equal to the
    target).
    """
    values = _returns(returns)
    if len(values) < 2:
        return math.nan
    excess = _mean(values - target)
    deviation = downside_deviation(values, target)
    if deviation == 0.0:
        return math.inf if excess > 0 else math.nan
    return excess / deviation * math.sqrt(periods_per_year)


def cagr(equity: ArrayLike, periods_per_year: float) -> float:
    """Return the compound annual growth rate of an equity curve.

    ``(end / start) ** (periods_per_year / n_periods) - 1`` with ``n_periods`` the
    number of returns (values - 1); NaN for fewer than two values.

    Raises:
        InvalidInput: an equity value is not positive and finite.
    """
    returns = period_returns(equity)
    if len(returns) == 0:
        return math.nan
    curve = np.asarray(equity, dtype=np.float64)
    growth = float(curve[-1] / curve[0])
    return float(growth ** (periods_per_year / len(returns)) - 1.0)


def calmar_ratio(equity: ArrayLike, periods_per_year: float) -> float:
    """Return ``CAGR / max drawdown``; NaN without a drawdown (or < 2 values)."""
    deepest = max_drawdown(equity)
    if deepest == 0.0:
        return math.nan
    return cagr(equity, periods_per_year) / deepest


def skewness(returns: ArrayLike) -> float:
    """Return the sample skewness ``m3 / m2**1.5``; NaN for < 2 values or no variance."""
    values = _returns(returns)
    if len(values) < 2:
        return math.nan
    centred = values - _mean(values)
    m2 = math.fsum((centred**2).tolist()) / len(values)
    if m2 == 0.0:
        return math.nan
    return float(math.fsum((centred**3).tolist()) / len(values) / m2**1.5)


def kurtosis(returns: ArrayLike) -> float:
    """Return the raw (non-excess) sample kurtosis ``m4 / m2**2`` (3 for a normal).

    NaN for fewer than two values or no variance.
    """
    values = _returns(returns)
    if len(values) < 2:
        return math.nan
    centred = values - _mean(values)
    m2 = math.fsum((centred**2).tolist()) / len(values)
    if m2 == 0.0:
        return math.nan
    return math.fsum((centred**4).tolist()) / len(values) / m2**2


def skewness_and_kurtosis(returns: ArrayLike) -> tuple[float, float]:
    """:func:`skewness` and :func:`kurtosis` of ``returns``, computed together.

    Why: a summary needs both, and the PSR needs them again; each on its own
    takes the mean, the deviations and ``m2`` (three exactly rounded sums over
    the returns). Here those are taken once, with the same arithmetic, so the
    two are exactly what the separate functions give (a test holds them equal).
    """
    values = _returns(returns)
    if len(values) < 2:
        return math.nan, math.nan
    centred = values - _mean(values)
    m2 = math.fsum((centred**2).tolist()) / len(values)
    if m2 == 0.0:
        return math.nan, math.nan
    skew = float(math.fsum((centred**3).tolist()) / len(values) / m2**1.5)
    kurt = math.fsum((centred**4).tolist()) / len(values) / m2**2
    return skew, kurt


def _check_moments(n_obs: int, kurt: float) -> None:
    if n_obs < 2:
        raise InvalidInput("n_obs", n_obs, "need at least two observations")
    if kurt < 1.0:
        raise InvalidInput("kurtosis", kurt, "raw kurtosis is >= 1 (3 for a normal)")


def probabilistic_sharpe_ratio(
    sr: float, sr_benchmark: float, n_obs: int, skew: float, kurtosis: float
) -> float:
    """Return the probability that the true Sharpe ratio exceeds ``sr_benchmark``.

    Bailey & López de Prado (2012): ``Phi((sr - sr*) sqrt(n - 1) / sqrt(1 - g3 sr +
    (g4 - 1) / 4 sr**2))``.

    Args:
        sr: the observed Sharpe ratio, per period (not annualized).
        sr_benchmark: the benchmark ``SR*``, per period.
        n_obs: the number of returns the Sharpe ratio was estimated from.
        skew: the returns' skewness ``g3``.
        kurtosis: the returns' raw kurtosis ``g4`` (3 for normal returns).

    Returns:
        A probability in [0, 1]; NaN if ``sr`` is NaN.

    Raises:
        InvalidInput: fewer than two observations, a raw kurtosis below 1, or
            moments for which the variance term is not positive.
    """
    _check_moments(n_obs, kurtosis)
    if math.isnan(sr) or math.isnan(sr_benchmark):
        return math.nan
    spread = 1.0 - skew * sr + (kurtosis - 1.0) / 4.0 * sr * sr
    if not spread > 0.0:
        reason = f"1 - skew*sr + (kurtosis-1)/4*sr^2 = {spread} must be > 0"
        raise InvalidInput("skew", skew, reason)
    z = (sr - sr_benchmark) * math.sqrt(n_obs - 1) / math.sqrt(spread)
    return normal_cdf(z)


def expected_max_sharpe(n_trials: int, trials_sr_variance: float) -> float:
    """Return ``SR0``, the expected maximum Sharpe ratio of ``n_trials`` null trials.

    ``sqrt(V) ((1 - gamma) Phi^-1(1 - 1/N) + gamma Phi^-1(1 - 1/(N e)))`` (Bailey &
    López de Prado 2014, eq. 1, with a zero mean); 0 for a single trial.

    Raises:
        InvalidInput: fewer than one trial or a negative variance.
    """
    if n_trials < 1:
        raise InvalidInput("n_trials", n_trials, "need at least one trial")
    if not trials_sr_variance >= 0.0:
        raise InvalidInput("trials_sr_variance", trials_sr_variance, "must be >= 0")
    if n_trials == 1:
        return 0.0
    g = EULER_MASCHERONI
    normal = _standard_normal()
    quantiles = (1.0 - g) * normal.inv_cdf(1.0 - 1.0 / n_trials) + g * normal.inv_cdf(
        1.0 - 1.0 / (n_trials * math.e)
    )
    return math.sqrt(trials_sr_variance) * quantiles


def deflated_sharpe_ratio(
    sr: float,
    n_obs: int,
    skew: float,
    kurtosis: float,
    n_trials: int,
    trials_sr_variance: float,
) -> float:
    """Return the deflated Sharpe ratio: ``PSR(SR0)`` (Bailey & López de Prado 2014).

    Args:
        sr: the selected trial's Sharpe ratio, per period (not annualized).
        n_obs: the number of returns behind ``sr``.
        skew: their skewness.
        kurtosis: their raw (non-excess) kurtosis.
        n_trials: the number of independent trials the selection was made from.
        trials_sr_variance: the variance of the trials' per-period Sharpe ratios.

    Raises:
        InvalidInput: as :func:`probabilistic_sharpe_ratio` and
            :func:`expected_max_sharpe`.
    """
    benchmark = expected_max_sharpe(n_trials, trials_sr_variance)
    return probabilistic_sharpe_ratio(sr, benchmark, n_obs, skew, kurtosis)


@attrs.frozen(kw_only=True, slots=True)
class ReturnStatistics:
    """Statistics of one return series (per-period units unless annualized)."""

    cagr: float
    annualized_volatility: float
    sortino: float
    calmar: float
    #: Skewness and raw kurtosis of the returns (the PSR's moments).
    skew: float
    kurtosis: float
    #: Probability that the true Sharpe ratio of these returns is above 0.
    psr: float

    def as_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (for reports and JSON)."""
        return attrs.asdict(self)


def psr_of_returns(
    returns: ArrayLike,
    sr_benchmark: float = 0.0,
    *,
    moments: tuple[float, float] | None = None,
) -> float:
    """Return the PSR of a return series against a per-period benchmark.

    NaN when undefined (fewer than three returns or zero variance). ``moments``:
    the returns' :func:`skewness_and_kurtosis`, when already taken.
    """
    values = _returns(returns)
    sr = sharpe_ratio(values, 1.0)
    if len(values) < 3 or math.isnan(sr):
        return math.nan
    skew, kurt = moments if moments is not None else skewness_and_kurtosis(values)
    return probabilistic_sharpe_ratio(sr, sr_benchmark, len(values), skew, kurt)


def return_statistics(equity: ArrayLike, periods_per_year: float) -> ReturnStatistics:
    """Compute :class:`ReturnStatistics` of an equity curve's period returns.

    Raises:
        InvalidInput: an equity value is not positive and finite.
    """
    returns = period_returns(equity)
    skew, kurt = skewness_and_kurtosis(returns)  # for the PSR as well
    return ReturnStatistics(
        cagr=cagr(equity, periods_per_year),
        annualized_volatility=annualized_volatility(returns, periods_per_year),
        sortino=sortino_ratio(returns, periods_per_year),
        calmar=calmar_ratio(equity, periods_per_year),
        skew=skew,
        kurtosis=kurt,
        psr=psr_of_returns(returns, moments=(skew, kurt)),
    )
