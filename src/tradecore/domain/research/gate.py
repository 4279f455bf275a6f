"""The multi-seed promotion gate: may this configuration trade?

One backtest is one draw of the simulator's randomness (latency, queue position,
rejects). The gate re-runs a configuration under several seeds (and harsher
venues: :mod:`~tradecore.domain.research.stress`) and promotes it only if every
criterion holds, reporting each one — its value, its threshold, passed or not —
so a failed gate says everything that is wrong, not only the first thing:

* ``mean_sharpe``: the mean annualized Sharpe across seeds, at least the minimum;
* ``sharpe_std``: their standard deviation, at most the maximum (a result that
  depends on the seed is luck);
* ``max_drawdown``: the worst drawdown of any seed, at most the maximum;
* ``net_return``: the worst net-of-cost total return of any seed, above 0;
* ``stress_net_return``: the worst net return of any stress run, above the
  minimum (only with stress scenarios);
* ``turnover_min``/``turnover_max``: the mean turnover within bounds;
* ``dsr``: the deflated Sharpe ratio (Bailey & López de Prado 2014, "The Deflated
  Sharpe Ratio", J. Portfolio Management 40(5)) of the mean per-period Sharpe,
  given the number of trials the configuration was chosen from, at least the
  minimum;
* ``leakage``: the strategy leakage check found nothing (a boolean criterion).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import canonical_bytes
from tradecore.domain.research.leakage import LeakageReport


def _number(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, float | int):
        raise InvalidInput(attribute.name, value, "expected a number")
    if not math.isfinite(value):
        raise InvalidInput(attribute.name, value, "must be finite")


@attrs.frozen(kw_only=True, slots=True)
class PromotionCriteria:
    """The thresholds; the defaults are the ``[promotion]`` section's documented ones."""

    min_mean_sharpe: float = attrs.field(default=0.5, validator=_number)
    max_sharpe_std: float = attrs.field(default=1.0, validator=_number)
    max_drawdown: float = attrs.field(default=0.25, validator=_number)
    #: Every seed's net total return must be above this (0: must make money).
    min_net_return: float = attrs.field(default=0.0, validator=_number)
    #: Every stress run's net return must be above this.
    min_stress_net_return: float = attrs.field(default=-0.05, validator=_number)
    min_turnover: float = attrs.field(default=0.0, validator=_number)
    max_turnover: float = attrs.field(default=1000.0, validator=_number)
    min_dsr: float = attrs.field(default=0.95, validator=_number)
    require_no_leakage: bool = True


@attrs.frozen(kw_only=True, slots=True)
class RunMetrics:
    """What the gate reads from one run's summary."""

    seed: int
    #: Annualized Sharpe ratio, and the per-period one the DSR needs.
    sharpe: float
    sharpe_per_period: float
    net_return: float
    max_drawdown: float
    turnover: float
    fills: int
    costs: float
    n_obs: int
    skew: float
    kurtosis: float


@attrs.frozen(kw_only=True, slots=True)
class Criterion:
    """One criterion's verdict."""

    name: str
    value: float | bool
    #: ``">="``, ``"<="``, ``">"`` or ``"=="``.
    comparison: str
    threshold: float | bool
    passed: bool


@attrs.frozen(kw_only=True, slots=True)
class GateResult:
    """Every criterion's verdict; the gate passes only if all pass."""

    criteria: tuple[Criterion, ...]

    @property
    def passed(self) -> bool:
        """Every criterion held."""
        return all(c.passed for c in self.criteria)

    @property
    def failures(self) -> tuple[Criterion, ...]:
        """The criteria that did not hold."""
        return tuple(c for c in self.criteria if not c.passed)

    def to_dict(self) -> dict[str, object]:
        """JSON primitives (``promotion.json``)."""
        return {
            "passed": self.passed,
            "criteria": [attrs.asdict(c) for c in self.criteria],
        }

    def digest_bytes(self) -> bytes:
        """Canonical bytes of :meth:`to_dict`."""
        return canonical_bytes(self.to_dict())


def _check(name: str, value: float, comparison: str, threshold: float) -> Criterion:
    passed = {
        ">=": value >= threshold,
        "<=": value <= threshold,
        ">": value > threshold,
    }[comparison]
    return Criterion(
        name=name,
        value=value,
        comparison=comparison,
        threshold=threshold,
        passed=bool(passed) and math.isfinite(value),
    )


def evaluate_gate(
    criteria: PromotionCriteria,
    seeds: Sequence[RunMetrics],
    *,
    dsr: float,
    stress: Mapping[str, Sequence[RunMetrics]] | None = None,
    leakage: LeakageReport | None = None,
) -> GateResult:
    """Judge the seeds' runs (and stress runs, and the leakage check) by ``criteria``.

    Raises:
        InvalidInput: no seed runs.
    """
    if not seeds:
        raise InvalidInput("seeds", 0, "the gate needs at least one run")
    sharpes = [s.sharpe for s in seeds]
    mean = math.fsum(sharpes) / len(sharpes)
    std = (
        math.sqrt(math.fsum((x - mean) ** 2 for x in sharpes) / (len(sharpes) - 1))
        if len(sharpes) > 1
        else 0.0
    )
    turnover = math.fsum(s.turnover for s in seeds) / len(seeds)
    c = criteria
    results = [
        _check("mean_sharpe", mean, ">=", c.min_mean_sharpe),
        _check("sharpe_std", std, "<=", c.max_sharpe_std),
        _check(
            "max_drawdown", max(s.max_drawdown for s in seeds), "<=", c.max_drawdown
        ),
        _check("net_return", min(s.net_return for s in seeds), ">", c.min_net_return),
        _check("turnover_min", turnover, ">=", c.min_turnover),
        _check("turnover_max", turnover, "<=", c.max_turnover),
        _check("dsr", dsr, ">=", c.min_dsr),
    ]
    stressed = [run for runs in (stress or {}).values() for run in runs]
    if stressed:
        worst = min(s.net_return for s in stressed)
        results.append(_check("stress_net_return", worst, ">", c.min_stress_net_return))
    if c.require_no_leakage:
        clean = leakage is not None and leakage.passed
        results.append(
            Criterion(
                name="leakage",
                value=clean,
                comparison="==",
                threshold=True,
                passed=clean,
            )
        )
    return GateResult(criteria=tuple(results))


def null_trials_sr_variance(n_obs: int) -> float:
    """The variance of trials' per-period Sharpe ratios when none has skill.

    Under the null every trial's true Sharpe is 0 and their estimates scatter by
    estimation noise alone, whose variance is about ``1 / (T - 1)`` for ``T``
    returns (Lo 2002, "The Statistics of Sharpe Ratios"; Bailey & López de Prado
    2014, eq. for ``V[SR]`` at ``SR = 0``). The gate uses it when no sweep says
    how much its trials' Sharpe ratios varied.

    Raises:
        InvalidInput: fewer than 2 returns.
    """
    if n_obs < 2:
        raise InvalidInput("n_obs", n_obs, "need at least 2 returns")
    return 1.0 / (n_obs - 1)
