"""The strategy leakage check's pure half: where to cut, and what differs.

A strategy run on data that stops at a cut must decide exactly what it decided, up
to that cut, when it ran on all the data: a decision cannot depend on bars that
had not happened yet. The replay (``apps/replay/leakage.py``) runs the strategy on
the whole data and on each truncation; this module picks the cuts and finds the
first decision (by bar, then symbol) that changed.

Decisions are stamped at the close of their bar (its time plus the interval): a
leak's time is that decision time. A decision is compared by what the strategy
chose and the state it chose it in: its time, symbol, target quantity, the hash
of its inputs (signal, target, position) and the position held. Identifiers
that carry run-level hashes (client order ids, config and manifest hashes) are
left out: they differ between runs on different data by construction, not
because the strategy looked ahead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs
import numpy as np
from numpy.typing import ArrayLike

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.leakage import Leak, LeakageReport

#: The cut points a check uses unless told otherwise.
DEFAULT_CUTS = 8
#: The decision details compared (when present); the rest identify the run.
COMPARED_DETAILS = ("target", "position", "signal", "qty", "side", "slice_index")
_ABSENT = "no decision"


@attrs.frozen(kw_only=True, slots=True)
class DecisionPoint:
    """One decision as the check compares it."""

    timestamp_ns: int
    symbol: str
    #: What was decided, as text (``target=100 position=0 inputs=1a2b...``).
    value: str

    @property
    def key(self) -> tuple[int, str]:
        """Where it was decided: bar, then symbol."""
        return (self.timestamp_ns, self.symbol)


def decision_point(
    timestamp_ns: int, symbol: str, inputs_hash: str, details: Mapping[str, object]
) -> DecisionPoint:
    """A decision record's comparable part."""
    parts = [f"{k}={details[k]}" for k in COMPARED_DETAILS if k in details]
    parts.append(f"inputs={inputs_hash[:16]}")
    return DecisionPoint(
        timestamp_ns=timestamp_ns, symbol=symbol, value=" ".join(parts)
    )


def cut_points(timestamps_ns: ArrayLike, n: int = DEFAULT_CUTS) -> tuple[int, ...]:
    """``n`` bar times spread evenly over the data's span (distinct, in order).

    The cuts are the bars at the ``i / (n + 1)`` quantiles of the distinct bar
    times, ``i = 1..n``: never the last bar (cutting there removes nothing) and
    deterministic for the same data. Fewer come back when there are fewer bars.

    Raises:
        InvalidInput: ``n`` is not a positive int, or there are under 2 bar times.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise InvalidInput("cuts", n, "expected an integer >= 1")
    times = np.unique(np.asarray(timestamps_ns, dtype=np.int64))
    if len(times) < 2:
        raise InvalidInput("cuts", len(times), "need at least 2 bar times to cut")
    positions = [(i * (len(times) - 1)) // (n + 1) for i in range(1, n + 1)]
    return tuple(sorted({int(times[p]) for p in positions}))


def first_difference(
    full: Iterable[DecisionPoint],
    truncated: Iterable[DecisionPoint],
    cut_ns: int,
    *,
    lag_ns: int = 0,
) -> Leak | None:
    """The first decision on a bar at or before ``cut_ns`` the truncated run changed.

    A decision is stamped when its bar ends, ``lag_ns`` (the bar interval) after
    the bar's time, so decisions up to ``cut_ns + lag_ns`` are compared. They are
    matched by time and symbol; one missing on either side counts as a difference
    (``no decision``).
    """
    until = cut_ns + lag_ns
    before = _by_key(d for d in full if d.timestamp_ns <= until)
    after = _by_key(d for d in truncated if d.timestamp_ns <= until)
    for key in sorted(before.keys() | after.keys()):
        seen_full, seen_cut = before.get(key, _ABSENT), after.get(key, _ABSENT)
        if seen_full != seen_cut:
            return Leak(
                cut_ns=cut_ns,
                timestamp_ns=key[0],
                symbol=key[1],
                what="decision",
                full=seen_full,
                truncated=seen_cut,
            )
    return None


def leakage_report(
    subject: str,
    full: Sequence[DecisionPoint],
    truncated: Mapping[int, Sequence[DecisionPoint]],
    *,
    lag_ns: int = 0,
) -> LeakageReport:
    """The report over every cut: the earliest leak found (by time, then symbol)."""
    leaks = [
        leak
        for cut in sorted(truncated)
        if (leak := first_difference(full, truncated[cut], cut, lag_ns=lag_ns))
        is not None
    ]
    first = min(leaks, key=lambda x: (x.timestamp_ns, x.symbol, x.cut_ns), default=None)
    return LeakageReport(cuts_ns=tuple(sorted(truncated)), subject=subject, leak=first)


def _by_key(points: Iterable[DecisionPoint]) -> dict[tuple[int, str], str]:
    """Decisions by (bar, symbol); several at one key (slices) are joined in order."""
    grouped: dict[tuple[int, str], list[str]] = {}
    for point in points:
        grouped.setdefault(point.key, []).append(point.value)
    return {key: " | ".join(values) for key, values in grouped.items()}
