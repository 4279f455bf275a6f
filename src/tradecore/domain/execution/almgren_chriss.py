"""Almgren–Chriss (2000) optimal execution: the closed-form trading trajectory.

Why: trading a block fast pays temporary impact, trading it slowly carries price risk.
Almgren & Chriss ("Optimal execution of portfolio transactions", J. Risk 3, 2000)
minimise ``E[cost] + λ·Var[cost]`` under linear impact and give the schedule in closed
form; the execution-policy selector uses it to pick a horizon.

With ``N`` intervals of length ``τ = T/N`` and ``t_j = j·τ``, the holdings are::

    x_j = X · sinh(κ(T − t_j)) / sinh(κT),
    cosh(κτ) = 1 + κ̃²τ²/2,   κ̃² = λσ²/η̃,   η̃ = η − γτ/2,

with expected cost ``½γX² + εX + (η̃/τ)·Σ n_j²`` (``n_j = x_{j−1} − x_j``, the shares
traded in interval j) and variance ``σ²·τ·Σ x_j²``. As ``λ → 0``, ``κ → 0`` and the
schedule becomes the straight line ``x_j = X(1 − j/N)``: TWAP.

Units are any consistent set; tradecore uses shares, minutes and dollars, so
``sigma`` is $/share per √minute, ``eta`` is $·minute/share², ``gamma`` is $/share²,
``epsilon`` is $/share and ``risk_aversion`` is 1/$. A buy program is the mirror
image: ``x_j`` is then what is still to be bought.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import require_non_negative, require_positive

# Above this κT, sinh(κT) would overflow; the asymptotic forms are exact to 1e-26.
_LARGE_KAPPA_T = 60.0


@attrs.frozen(kw_only=True, slots=True)
class AcTrajectory:
    """An optimal schedule with its expected cost and variance (AC 2000)."""

    times: tuple[float, ...]
    holdings: tuple[float, ...]
    trades: tuple[float, ...]
    kappa: float
    expected_cost: float
    variance: float


def almgren_chriss_kappa(
    tau: float, sigma: float, eta_tilde: float, risk_aversion: float
) -> float:
    """Return κ solving ``cosh(κτ) = 1 + κ̃²τ²/2`` with ``κ̃² = λσ²/η̃``.

    ``acosh(1 + z)`` is computed as ``log1p(z + √(z(z + 2)))`` so a tiny risk
    aversion does not lose its digits to cancellation.

    Raises:
        InvalidInput: ``tau`` or ``eta_tilde`` is not > 0, or ``sigma`` or
            ``risk_aversion`` is negative.
    """
    require_positive("tau", tau)
    require_positive("eta_tilde", eta_tilde)
    require_non_negative("sigma", sigma)
    require_non_negative("risk_aversion", risk_aversion)
    z = risk_aversion * sigma * sigma / eta_tilde * tau * tau / 2.0
    return math.log1p(z + math.sqrt(z * (z + 2.0))) / tau


def holdings_fraction(kappa: float, horizon: float, t: float) -> float:
    """Return ``sinh(κ(T − t)) / sinh(κT)``: the share of the block still held at t.

    Written as ``e^(−κt) · expm1(−2κ(T − t)) / expm1(−2κT)``, which neither overflows
    for a large κT nor cancels for a small one; κ = 0 is the straight line.
    """
    if kappa == 0.0:
        return (horizon - t) / horizon
    return (
        math.exp(-kappa * t)
        * math.expm1(-2.0 * kappa * (horizon - t))
        / math.expm1(-2.0 * kappa * horizon)
    )


def completion_time(kappa: float, horizon: float, fraction_left: float) -> float:
    """Return the time at which the AC schedule still holds ``fraction_left`` of X.

    Solves ``sinh(κ(T − t))/sinh(κT) = q`` for t: ``t = T − asinh(q·sinh(κT))/κ``;
    the selector uses it to turn a schedule over the whole urgency window into the
    horizon by which most of the order is done.

    Raises:
        InvalidInput: ``horizon`` is not > 0, ``kappa`` is negative or
            ``fraction_left`` is not within (0, 1).
    """
    require_positive("horizon", horizon)
    require_non_negative("kappa", kappa)
    q = require_positive("fraction_left", fraction_left)
    if q >= 1.0:
        raise InvalidInput("fraction_left", fraction_left, "must be within (0, 1)")
    if kappa == 0.0:
        return (1.0 - q) * horizon
    kt = kappa * horizon
    if kt > _LARGE_KAPPA_T:
        # q·sinh(κT) ≈ q·e^(κT)/2, and asinh(y) ≈ ln(2y) once y is large.
        log_y = math.log(q) + kt - math.log(2.0)
        remaining = (math.log(2.0) + log_y) / kappa if log_y > 20.0 else None
        if remaining is None:
            remaining = math.asinh(math.exp(log_y)) / kappa
    else:
        remaining = math.asinh(q * math.sinh(kt)) / kappa
    return min(horizon, max(0.0, horizon - remaining))


def almgren_chriss_trajectory(
    shares: float,
    horizon: float,
    n_intervals: int,
    sigma: float,
    eta: float,
    gamma: float,
    risk_aversion: float,
    epsilon: float = 0.0,
) -> AcTrajectory:
    """Return the AC-optimal schedule for ``shares`` over ``horizon`` in N intervals.

    Args:
        shares: X, the block to trade (> 0).
        horizon: T, the time allowed (> 0).
        n_intervals: N, the number of trading intervals (>= 1).
        sigma: price volatility per √time, in $/share.
        eta: temporary impact coefficient (cost per share per unit trading rate).
        gamma: permanent impact coefficient (price move per share traded).
        risk_aversion: λ; 0 gives the straight-line (TWAP) schedule.
        epsilon: fixed cost per share (half-spread plus fees).

    Raises:
        InvalidInput: an argument is out of range, or ``eta − gamma·τ/2 <= 0``
            (the impact model then has no optimum).
    """
    x = require_positive("shares", shares)
    big_t = require_positive("horizon", horizon)
    if isinstance(n_intervals, bool) or not isinstance(n_intervals, int):
        raise InvalidInput("n_intervals", n_intervals, "expected an int")
    if n_intervals < 1:
        raise InvalidInput("n_intervals", n_intervals, "must be >= 1")
    require_positive("eta", eta)
    require_non_negative("gamma", gamma)
    require_non_negative("epsilon", epsilon)
    tau = big_t / n_intervals
    eta_tilde = eta - gamma * tau / 2.0
    if eta_tilde <= 0:
        raise InvalidInput("eta", eta, f"eta - gamma*tau/2 = {eta_tilde} must be > 0")
    kappa = almgren_chriss_kappa(tau, sigma, eta_tilde, risk_aversion)
    times = np.arange(n_intervals + 1, dtype=np.float64) * tau
    holdings = x * _holdings_fractions(kappa, big_t, times)
    holdings[0], holdings[-1] = x, 0.0
    trades = holdings[:-1] - holdings[1:]
    expected = (
        0.5 * gamma * x * x + epsilon * x + eta_tilde / tau * float(trades @ trades)
    )
    variance = sigma * sigma * tau * float(holdings[1:] @ holdings[1:])
    return AcTrajectory(
        times=tuple(times.tolist()),
        holdings=tuple(holdings.tolist()),
        trades=tuple(trades.tolist()),
        kappa=kappa,
        expected_cost=expected,
        variance=variance,
    )


def _holdings_fractions(kappa: float, horizon: float, times: np.ndarray) -> np.ndarray:
    if kappa == 0.0:
        return np.asarray((horizon - times) / horizon, dtype=np.float64)
    ratio = np.exp(-kappa * times) * np.expm1(-2.0 * kappa * (horizon - times))
    return np.asarray(ratio / math.expm1(-2.0 * kappa * horizon), dtype=np.float64)
