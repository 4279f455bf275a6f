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


class CompiledFilter:
    """One fit's parameters folded into per-state constants, for the per-bar step.

    Standardising ``y`` and evaluating the Gaussian is rewritten as
    ``const_k - 0.5 * sum_d (y_d - mu_kd)^2 * w_kd`` with ``mu = center + scale*mean``
    and ``w = 1 / (scale^2 * var)`` in raw units: the same density, computed once
    per fit instead of once per bar.
    """

    __slots__ = ("const", "k", "mu", "transmat", "weight")

    def __init__(self, params: RegimeParams) -> None:
        """Fold ``params``."""
        self.k = params.n_states
        self.transmat = params.transmat
        self.mu: list[list[float]] = []
        self.weight: list[list[float]] = []
        self.const: list[float] = []
        for mean, var in zip(params.means, params.variances, strict=True):
            mus, weights, const = [], [], 0.0
            for m, v, c, sc in zip(mean, var, params.center, params.scale, strict=True):
                mus.append(c + sc * m)
                weights.append(1.0 / (sc * sc * v))
                # The Jacobian of standardising is the same for every state:
                # it cancels in the normalisation, so it is left out.
                const += -0.5 * (_LOG_2PI + math.log(v))
            self.mu.append(mus)
            self.weight.append(weights)
            self.const.append(const)

    def step(
        self, prior: Sequence[float], observation: Sequence[float]
    ) -> tuple[float, ...]:
        """The filtered probabilities after ``observation``, from the previous ones."""
        k, a = self.k, self.transmat
        predicted = [sum(prior[i] * a[i][j] for i in range(k)) for j in range(k)]
        logs = []
        for const, mus, weights in zip(self.const, self.mu, self.weight, strict=True):
            total = const
            for y, m, w in zip(observation, mus, weights, strict=True):
                d = y - m
                total -= 0.5 * d * d * w
            logs.append(total)
        top = max(logs)
        weights_ = [p * math.exp(g - top) for p, g in zip(predicted, logs, strict=True)]
        norm = sum(weights_)
        if not norm > 0:  # every state impossible: fall back to the prediction
            return tuple(predicted)
        return tuple(w / norm for w in weights_)


def forward_step(
    params: RegimeParams, prior: Sequence[float], observation: Sequence[float]
) -> tuple[float, ...]:
    """The filtered probabilities after ``observation``, from the previous ones
    (compiles ``params`` each call: use :class:`CompiledFilter` in a loop)."""
    return CompiledFilter(params).step(prior, observation)


def filter_run(
    params: RegimeParams,
    observations: Sequence[Sequence[float]],
    prior: Sequence[float] | None = None,
) -> tuple[float, ...]:
    """The filtered probabilities after folding in every one of ``observations``
    (starting from ``prior``; default the stationary distribution)."""
    compiled = CompiledFilter(params)
    probs = tuple(prior) if prior is not None else params.stationary()
    for y in observations:
        probs = compiled.step(probs, y)
    return probs
