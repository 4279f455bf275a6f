"""The inter-strategy correlation monitor: rolling correlations of return streams.

Why: two strategies that trade alike are one bet with two budgets. The allocator's
``strategy_correlation_cap`` already merges their budgets when it allocates; this
monitor tells a person. It is pure: it records a :class:`CorrelationBreach` when a
pair's rolling Pearson correlation over the last ``window`` returns *rises above*
the cap (once per episode: the pair must fall back to or below the cap before it
is reported again; no cap: nothing is recorded, the window is still kept for the
allocator's correlation cap), and the app turns the records into alerts
(``portfolio.correlation``). A stream with zero variance in the window (a strategy
that is flat) has no correlation and is never in breach.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from itertools import combinations

import attrs
import numpy as np
import numpy.typing as npt

from tradecore.domain.errors import InvalidInput


@attrs.frozen(slots=True)
class CorrelationBreach:
    """Strategies ``first`` and ``second`` correlated ``correlation`` > ``cap`` over
    the ``window`` returns ending at ``timestamp_ns``."""

    timestamp_ns: int
    first: str
    second: str
    correlation: float
    cap: float
    window: int


class CorrelationMonitor:
    """Rolling pairwise correlations of named return streams (module docstring)."""

    def __init__(self, names: Sequence[str], cap: float | None, window: int) -> None:
        """Watch the streams ``names`` against ``cap`` over ``window`` returns.

        Raises:
            InvalidInput: ``cap`` outside (-1, 1) or ``window`` < 3.
        """
        if cap is not None and not -1.0 < cap < 1.0:
            raise InvalidInput("correlation_alert", cap, "must be within (-1, 1)")
        if isinstance(window, bool) or not isinstance(window, int) or window < 3:
            raise InvalidInput("correlation_window", window, "must be an int >= 3")
        self.names = tuple(sorted(names))
        self.cap = cap
        self.window = window
        self._returns: deque[tuple[float, ...]] = deque(maxlen=window)
        self._breached: set[tuple[str, str]] = set()
        self.breaches: list[CorrelationBreach] = []

    def observe(self, timestamp_ns: int, returns: Mapping[str, float]) -> None:
        """One return per stream (a missing one counts as 0); record new breaches."""
        self._returns.append(tuple(returns.get(n, 0.0) for n in self.names))
        if self.cap is None or len(self._returns) < self.window:
            return
        cap = self.cap
        matrix = np.array(self._returns)
        for i, j in combinations(range(len(self.names)), 2):
            pair = (self.names[i], self.names[j])
            rho = _correlation(matrix[:, i], matrix[:, j])
            if rho is None or rho <= cap:
                self._breached.discard(pair)
                continue
            if pair not in self._breached:
                self._breached.add(pair)
                self.breaches.append(
                    CorrelationBreach(timestamp_ns, *pair, rho, cap, self.window)
                )

    def history(self) -> dict[str, npt.NDArray[np.float64]]:
        """The window's returns per stream (for the allocator's correlation cap)."""
        rows = len(self._returns)
        matrix = np.array(self._returns, dtype=np.float64).reshape(
            rows, len(self.names)
        )
        return {name: matrix[:, k].copy() for k, name in enumerate(self.names)}


def _correlation(
    a: npt.NDArray[np.float64], b: npt.NDArray[np.float64]
) -> float | None:
    if np.std(a) == 0.0 or np.std(b) == 0.0:
        return None
    return float(np.corrcoef(a, b)[0, 1])
