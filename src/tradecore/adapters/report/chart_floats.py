"""Chart values kept to 10 significant digits, without spelling the ones that are.

The report's chart specs hold floats rounded to 10 significant digits, so a page's
text does not depend on the last bits of a computation:
``float(f"{v:.10g}")``, NaN and infinities as ``None`` (:func:`spelled`). Spelling
and parsing every point (an equity curve, ten price charts) was a good part of the
report's instructions, yet most prices and many equity values have 10 digits or
fewer already, and for those the rounding gives the value back.

:func:`kept_as_they_are` finds those in bulk: ``v`` is ``n / 10**k`` correctly
rounded for an integer ``n`` of at most 10 digits (checked in float64, where that
division is exact-then-rounded). ``v`` is then the double nearest a decimal of at
most 10 significant digits, which is also the 10-digit rounding of ``v`` (the
double is far closer to it than half a step of the 10-digit grid), so
``float(f"{v:.10g}")`` is ``v``. The others are spelled. A test holds
:func:`ten_digit_floats` equal to :func:`spelled` for any floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

#: Powers of ten that float64 holds exactly (10**0 to 10**22).
_EXACT_POWERS = np.array([float(10**k) for k in range(23)])
_LARGEST_POWER = len(_EXACT_POWERS) - 1
#: A 10-digit integer is below this.
_TEN_DIGITS = 1e10


def spelled(value: float) -> float | None:
    """``value`` to 10 significant digits (None for NaN and infinities)."""
    return float(f"{value:.10g}") if math.isfinite(value) else None


def ten_digit_floats(
    values: NDArray[np.float64] | Sequence[float],
) -> list[float | None]:
    """:func:`spelled` of each value, spelling only those it would change."""
    array = np.asarray(values, dtype=float)
    kept = kept_as_they_are(array)
    if kept.all():
        result: list[float | None] = array.tolist()
        return result
    return [
        value if same else spelled(value)
        for value, same in zip(array.tolist(), kept.tolist(), strict=True)
    ]


def kept_as_they_are(array: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Where :func:`spelled` gives the value back: zeros, and finite values that are
    a 10-digit integer over (or times) an exact power of ten, correctly rounded."""
    with np.errstate(all="ignore"):
        size = np.abs(array)
        usable = np.isfinite(array) & (size > 0)
        lead = np.floor(np.log10(np.where(usable, size, 1.0))).astype(np.int64)
        shift = 9 - lead  # decimals that keep 10 significant digits
        usable &= np.abs(shift) <= _LARGEST_POWER
        power = _EXACT_POWERS[np.minimum(np.abs(shift), _LARGEST_POWER)]
        up = shift >= 0
        whole = np.rint(np.where(up, array * power, array / power))
        back = np.where(up, whole / power, whole * power)
        kept: NDArray[np.bool_] = (
            usable & (np.abs(whole) < _TEN_DIGITS) & (back == array)
        ) | (array == 0)
    return kept
