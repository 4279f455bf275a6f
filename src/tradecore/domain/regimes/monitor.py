"""The regimes of the symbols a process trades, bar by bar, for its decisions.

One :class:`~tradecore.domain.regimes.tracker.RegimeTracker` per symbol, fed the
closed bars the engine sees (so replay and live compute the same regimes), read by
the sizing (a multiplier per state), the execution policy (P(high volatility)),
the regime breaker and the decision record (``details["regime"]``). A symbol
without a fit yet has no reading: every consumer then acts as without regimes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from tradecore.domain.errors import InvalidInput
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import RegimeFitter
from tradecore.domain.regimes.tracker import RegimeFit, RegimeReading, RegimeTracker

_DAY_NS = 86_400 * 1_000_000_000
#: The decision-details key of a decision's regime.
REGIME = "regime"


def utc_day(timestamp_ns: int) -> int:
    """The UTC day of a bar (the session when no calendar is given)."""
    return timestamp_ns // _DAY_NS


class RegimeMonitor:
    """Per-symbol regime trackers and what decisions read from them."""

    def __init__(
        self,
        config: RegimeModelConfig,
        fitter: RegimeFitter,
        *,
        multipliers: Sequence[float] = (),
        session_of: Callable[[int], int] = utc_day,
    ) -> None:
        """Track with ``config`` through ``fitter``; ``multipliers`` (one per state,
        >= 0; empty: all 1) scale sizing; ``session_of`` maps a bar time to its
        session (refits on ``"session"``).

        Raises:
            InvalidInput: a multiplier count other than the states, or one < 0.
        """
        if multipliers and len(multipliers) != config.states:
            raise InvalidInput(
                "regime multipliers", list(multipliers), f"need {config.states} values"
            )
        if any(not m >= 0 for m in multipliers):
            raise InvalidInput("regime multipliers", list(multipliers), "must be >= 0")
        self.config = config
        self.fitter = fitter
        self.multipliers = tuple(float(m) for m in multipliers)
        self._session_of = session_of
        self._trackers: dict[str, RegimeTracker] = {}
        self._readings: dict[str, RegimeReading] = {}

    def observe(self, symbol: str, timestamp_ns: int, close: float) -> None:
        """Fold in a closed bar of ``symbol``."""
        tracker = self._trackers.get(symbol)
        if tracker is None:
            tracker = self._trackers[symbol] = RegimeTracker(self.config, self.fitter)
        reading = tracker.update(timestamp_ns, self._session_of(timestamp_ns), close)
        if reading is not None:
            self._readings[symbol] = reading

    def reading(self, symbol: str) -> RegimeReading | None:
        """The latest reading of ``symbol`` (``None``: not fitted yet)."""
        return self._readings.get(symbol)

    def high_vol(self, symbol: str) -> float | None:
        """P(the most volatile state) of ``symbol`` now."""
        reading = self._readings.get(symbol)
        return None if reading is None else reading.high_vol

    def multiplier(self, symbol: str) -> float:
        """The sizing multiplier: each state's multiplier weighted by its filtered
        probability (1 without multipliers or a reading)."""
        reading = self._readings.get(symbol)
        if reading is None or not self.multipliers:
            return 1.0
        return sum(
            p * m for p, m in zip(reading.probabilities, self.multipliers, strict=True)
        )

    def details(self, symbol: str) -> dict[str, object] | None:
        """The regime a decision on ``symbol`` was made in (decision records)."""
        reading = self._readings.get(symbol)
        if reading is None:
            return None
        return {
            "state": reading.state,
            "probabilities": [round(p, 6) for p in reading.probabilities],
            "fit": reading.fit_index,
            "multiplier": round(self.multiplier(symbol), 6),
        }

    def with_details(
        self, symbol: str, extra: Mapping[str, object] | None
    ) -> Mapping[str, object] | None:
        """``extra`` with the symbol's regime added (unchanged without a reading)."""
        regime = self.details(symbol)
        if regime is None:
            return extra
        return {**(extra or {}), REGIME: regime}

    def fits(self) -> dict[str, tuple[RegimeFit, ...]]:
        """Every symbol's refits so far (the run's params file)."""
        return {s: tuple(t.fits) for s, t in sorted(self._trackers.items())}
