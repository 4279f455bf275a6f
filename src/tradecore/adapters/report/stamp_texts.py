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
    clock = [
        f"{sep}{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"
        for s in second_values.tolist()
    ]
    return [
        day_text[d] + clock[c]
        for d, c in zip(day_at.tolist(), second_at.tolist(), strict=True)
    ]
