"""What the RL environment and a trained policy agree on: the action's meaning and
the observation's layout. Pure numpy, so the environment (training) and
:class:`~tradecore.apps.research.rl_policy.PolicyStrategy` (replay, live) build the
very same vectors.

Action -> weights (:func:`action_weights`), in a fixed order:

1. clip to the action box: ``[-1, 1]`` per symbol, ``[0, 1]`` long-only;
2. scale by the per-name cap: ``w = a * name_cap`` (``1`` without a cap), so the
   whole box is usable and no name ever exceeds its cap;
3. gross: above ``gross_target`` every weight is scaled down by the same factor;
4. net: outside ``[net_min, net_max]`` the dominant side is scaled down
   (:func:`tradecore.domain.portfolio.constraints.limit_net`, the allocator's step);
5. turnover: beyond ``turnover_limit`` the book moves part way from the current
   weights (:func:`~tradecore.domain.portfolio.constraints.limit_turnover`).

Steps 2-4 only shrink weights, so the result meets the name, gross and net limits
(property-tested with the allocator's own ``within_caps``). Sector caps and lot
sizes are the allocator's business, not the environment's.

Observation (:func:`observation`, float32): for each symbol in the fixed (sorted)
order its feature row (NaN while warming up -> 0), then the portfolio state: cash
as a fraction of equity, each symbol's position weight (signed, of equity), gross
exposure ``sum |w|``, net exposure ``sum w`` and leverage ``max(gross - 1, 0)`` (the
exposure beyond equity, i.e. financed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs
import numpy as np

from tradecore.domain.portfolio.constraints import limit_net, limit_turnover
from tradecore.domain.portfolio.inputs import Constraints
from tradecore.domain.strategies.protocol import WeightTarget

#: Portfolio-state entries after the features: cash, gross, net, leverage (plus
#: one weight per symbol).
STATE_SCALARS = 4
#: Observations are clipped to this (a feature off the charts must not be inf).
OBS_LIMIT = 1e6


@attrs.frozen(kw_only=True)
class ActionSpace:
    """How actions become weights: the constraints and the long-only switch."""

    constraints: Constraints = attrs.field(factory=Constraints)
    long_only: bool = False

    @property
    def low(self) -> float:
        """The action box's lower bound per symbol."""
        return 0.0 if self.long_only else -1.0

    def to_dict(self) -> dict[str, object]:
        """The settings, as the policy card and manifest record them."""
        c = self.constraints
        return {
            "long_only": self.long_only,
            "gross_target": c.gross_target,
            "net_min": c.net_min,
            "net_max": c.net_max,
            "name_cap": c.name_cap,
            "turnover_limit": c.turnover_limit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ActionSpace:
        """The inverse of :meth:`to_dict`."""

        def number(key: str) -> float | None:
            value = data.get(key)
            return None if value is None else float(str(value))

        return cls(
            constraints=Constraints(
                gross_target=float(str(data.get("gross_target", 1.0))),
                net_min=number("net_min"),
                net_max=number("net_max"),
                name_cap=number("name_cap"),
                turnover_limit=number("turnover_limit"),
            ),
            long_only=bool(data.get("long_only", False)),
        )


def action_weights(
    action: np.ndarray, space: ActionSpace, current: np.ndarray | None = None
) -> np.ndarray:
    """Target weights (float64) for ``action`` (module docstring, steps 1-5)."""
    c = space.constraints
    a = np.clip(np.nan_to_num(np.asarray(action, dtype=np.float64)), space.low, 1.0)
    w = a * (1.0 if c.name_cap is None else c.name_cap)
    gross = float(np.abs(w).sum())
    if gross > c.gross_target:
        w *= c.gross_target / gross
    w, _ = limit_net(w, c)
    if current is not None and c.turnover_limit is not None:
        alpha, _ = limit_turnover(w, current, c.turnover_limit)
        w = current + alpha * (w - current)
    return w


def observation_size(symbols: int, features: int) -> int:
    """The observation's length for ``symbols`` names and ``features`` columns."""
    return symbols * features + symbols + STATE_SCALARS


def observation(
    rows: Mapping[str, np.ndarray],
    symbols: Sequence[str],
    features: int,
    weights: np.ndarray,
    cash_fraction: float,
) -> np.ndarray:
    """The observation vector (module docstring); a symbol without a row reads 0."""
    block = np.zeros((len(symbols), features), dtype=np.float64)
    for i, symbol in enumerate(symbols):
        row = rows.get(symbol)
        if row is not None:
            block[i] = row
    gross = float(np.abs(weights).sum())
    state = [cash_fraction, gross, float(weights.sum()), max(gross - 1.0, 0.0)]
    vector = np.concatenate([block.ravel(), weights, state])
    vector = np.nan_to_num(vector, nan=0.0, posinf=OBS_LIMIT, neginf=-OBS_LIMIT)
    clipped: np.ndarray = np.clip(vector, -OBS_LIMIT, OBS_LIMIT).astype(np.float32)
    return clipped


def book_weights(
    symbols: Sequence[str],
    positions: Mapping[str, float],
    prices: Mapping[str, float],
    equity: float,
) -> np.ndarray:
    """Each symbol's position value as a signed fraction of ``equity``."""
    if equity <= 0.0:
        return np.zeros(len(symbols))
    return np.array(
        [positions.get(s, 0.0) * prices.get(s, 0.0) / equity for s in symbols],
        dtype=np.float64,
    )


def ordered_targets(
    symbols: Sequence[str],
    target: np.ndarray,
    current: np.ndarray,
    *,
    deadband: float,
    signal: str,
) -> list[WeightTarget]:
    """The targets whose weight moves by at least ``deadband``, reductions first."""
    moves = [
        (abs(float(target[i])) >= abs(float(current[i])), symbols[i], float(target[i]))
        for i in range(len(symbols))
        if abs(float(target[i]) - float(current[i])) >= max(deadband, 1e-12)
    ]
    return [WeightTarget(s, w, signal) for _, s, w in sorted(moves)]
