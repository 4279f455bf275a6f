"""The feature leakage check: does a feature set's matrix use data after its rows?

Compute the matrix on all the bars, and again on the bars truncated at each cut
(every bar after the cut removed); every row up to the cut must be the same in both
(NaN equals NaN). The first row that differs (in time, then symbol, then column
order) is the :class:`~tradecore.domain.research.leakage.Leak`; its ``what`` is the
feature's name. A feature that reads the next bar differs at the last bar before
every cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tradecore.domain.features.feature_set import FeatureMatrix, FeatureSet
from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.leakage import Leak, LeakageReport

#: Relative (and absolute) difference above which two values differ.
TOLERANCE = 1e-12
DEFAULT_CUTS = 5


def default_cuts(frames: Sequence[BarFrame], count: int = DEFAULT_CUTS) -> list[int]:
    """``count`` bar times spread evenly inside the data (not its ends)."""
    stamps = np.unique(np.concatenate([f.timestamps for f in frames if len(f)]))
    if len(stamps) < 3:
        return []
    picks = np.linspace(0, len(stamps) - 1, count + 2)[1:-1].round().astype(int)
    return sorted({int(stamps[i]) for i in picks})


def feature_leakage(
    feature_set: FeatureSet,
    frames: Sequence[BarFrame],
    calendar: MarketCalendar | None = None,
    cuts: Sequence[int] | None = None,
    *,
    full: FeatureMatrix | None = None,
) -> LeakageReport:
    """Check ``feature_set`` on ``frames`` at ``cuts`` (ns; default
    :func:`default_cuts`); ``full`` reuses a matrix already computed on all of them."""
    chosen = sorted(default_cuts(frames) if cuts is None else cuts)
    whole = full if full is not None else feature_set.matrix(frames, calendar)
    subject = f"features:{feature_set.schema_hash()}"
    for cut in chosen:
        kept = [
            f.rows(0, int(np.searchsorted(f.timestamps, cut, "right"))) for f in frames
        ]
        kept = [f for f in kept if len(f)]
        if not kept:
            continue
        part = feature_set.matrix(kept, calendar)
        leak = _first_difference(whole, part, cut)
        if leak is not None:
            return LeakageReport(cuts_ns=tuple(chosen), subject=subject, leak=leak)
    return LeakageReport(cuts_ns=tuple(chosen), subject=subject)


def _first_difference(
    whole: FeatureMatrix, part: FeatureMatrix, cut: int
) -> Leak | None:
    upto = whole.timestamps <= cut
    a, b = whole.values[upto], part.values
    if a.shape != b.shape:  # same bars in the same order, by construction
        return None
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= TOLERANCE * np.maximum(1.0, np.abs(a))
    differ = ~(both_nan | close)
    if not differ.any():
        return None
    row, col = (int(x) for x in np.argwhere(differ)[0])
    return Leak(
        cut_ns=int(cut),
        timestamp_ns=int(whole.timestamps[upto][row]),
        symbol=str(whole.symbols[upto][row]),
        what=whole.names[col],
        full=repr(float(a[row, col])),
        truncated=repr(float(b[row, col])),
    )
