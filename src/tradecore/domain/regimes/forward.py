"""The forward (filtering) recursion of a Gaussian HMM, one observation at a time.

``filtered_t ∝ b(y_t) ⊙ (filtered_{t-1} A)``: the probability of each state given
the observations up to and including ``y_t``, never a later one (Rabiner 1989,
eq. 19-20, with per-step normalisation). Smoothing (forward-backward) or Viterbi
would read the future; nothing here does. O(K²) per step in plain floats, so the
online and vectorised feature forms run the very same arithmetic and agree
bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tradecore.domain.regimes.params import RegimeParams

_LOG_2PI = math.log(2.0 * math.pi)


def standardise(params: RegimeParams, observation: Sequence[float]) -> list[float]:
    """``observation`` in the fit's standardised units."""
    return [
        (y - c) / s
        for y, c, s in zip(observation, params.center, params.scale, strict=True)
    ]


def log_emissions(params: RegimeParams, observation: Sequence[float]) -> list[float]:
    """Each state's Gaussian (diagonal covariance) log density of ``observation``."""
    z = standardise(params, observation)
    out = []
    for mean, var in zip(params.means, params.variances, strict=True):
        total = 0.0
        for y, m, v in zip(z, mean, var, strict=True):
            total += -0.5 * (_LOG_2PI + math.log(v) + (y - m) * (y - m) / v)
        out.append(total)
    return out


def forward_step(
    params: RegimeParams, prior: Sequence[float], observation: Sequence[float]
) -> tuple[float, ...]:
    """The filtered probabilities after ``observation``, from the previous ones."""
    k = params.n_states
    a = params.transmat
    predicted = [sum(prior[i] * a[i][j] for i in range(k)) for j in range(k)]
    logs = log_emissions(params, observation)
    top = max(logs)
    weights = [p * math.exp(g - top) for p, g in zip(predicted, logs, strict=True)]
    total = sum(weights)
    if not total > 0:  # every state impossible: fall back to the prediction
        return tuple(predicted)
    return tuple(w / total for w in weights)


def filter_run(
    params: RegimeParams,
    observations: Sequence[Sequence[float]],
    prior: Sequence[float] | None = None,
) -> tuple[float, ...]:
    """The filtered probabilities after folding in every one of ``observations``
    (starting from ``prior``; default the stationary distribution)."""
    probs = tuple(prior) if prior is not None else params.stationary()
    for y in observations:
        probs = forward_step(params, probs, y)
    return probs
