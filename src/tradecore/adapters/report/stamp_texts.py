"""Int64 ns stamps spelled to the second, many at a time (the report's CSVs and charts).

Why: numpy spells every element through its calendar code (thousands of
instructions each); a report spells an equity curve's every bar, every chart's
points and every round trip's two times.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_DAY_S = 86_400


def second_texts(stamps: NDArray[np.int64], sep: str = "T") -> list[str]:
    """Each int64 ns stamp to the second, as ``np.datetime_as_string(..., unit="s")``
    spells it (``2024-03-01T14:30:00``), ``sep`` between date and time.

    Why: numpy spells every element through its calendar code (thousands of
    instructions each; the report spells an equity curve's every bar and every
    chart's points). Here each distinct day is spelled once by numpy and each
    distinct second of the day once, then joined per stamp. That is numpy's text
    for stamps from 1970 on (to 2262, where int64 ns end: four-digit years); any
    earlier one (or NaT) sends them all to numpy. A test holds the two equal.
    """
    stamps = np.asarray(stamps, dtype=np.int64)
    if not len(stamps) or stamps.min() < 0:
        text = np.datetime_as_string(stamps.view("datetime64[ns]"), unit="s")
        return [t.replace("T", sep) for t in text.tolist()]
    days, seconds = np.divmod(stamps // 1_000_000_000, _DAY_S)
    day_values, day_at = np.unique(days, return_inverse=True)
    day_text = np.datetime_as_string(day_values.astype("datetime64[D]")).tolist()
    second_values, second_at = np.unique(seconds, return_inverse=True)
    clock = _clock_texts(second_values.tolist(), sep)
    return [
        day_text[d] + clock[c]
        for d, c in zip(day_at.tolist(), second_at.tolist(), strict=True)
    ]


def _clock_texts(seconds: list[int], sep: str) -> list[str]:
    """``sep`` and ``HH:MM:SS`` of each second of the day in ``seconds``, each
    spelled once per run (:data:`_CLOCKS`).

    Why: four formatted fields cost about a microsecond a second; a report
    spells the same few hundred bar times of day in every batch of round trips,
    every chart and every chunk of the equity curve (a spelling depends on the
    second and ``sep`` alone).
    """
    known = _CLOCKS.get(sep)
    if known is None or len(known) + len(seconds) > _CLOCKS_KEPT:
        known = _CLOCKS[sep] = {}
    for second in seconds:
        if second not in known:
            known[second] = (
                f"{sep}{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            )
    return list(map(known.__getitem__, seconds))


#: Spelled clock times by separator, then by second of the day; a separator's
#: are forgotten when they would pass :data:`_CLOCKS_KEPT` (a day of 1-second
#: bars at most, about 5 MB).
_CLOCKS: dict[str, dict[int, str]] = {}
_CLOCKS_KEPT = 86_400
