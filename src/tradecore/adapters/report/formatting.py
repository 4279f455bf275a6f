"""How the report spells numbers: one place for percentages, money, ratios, durations.

Why one module: a report that writes ``-5.0%`` in one table, ``-0.05`` in another and
``−5.00 %`` on a card makes a reader stop and check they are the same number. Every
figure on the page goes through these functions: two decimals, a real minus sign
(U+2212), grouped thousands, ``—`` for a value that is undefined (NaN, missing).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

MISSING = "\u2014"
_MINUS = "\u2212"


def as_number(value: object) -> float | None:
    """The value as a finite float, or None (missing, NaN, infinite, not a number)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _minus(text: str) -> str:
    return text.replace("-", _MINUS)


def percent(value: object, *, signed: bool = False, digits: int = 2) -> str:
    """A fraction as a percentage: ``0.0512`` -> ``5.12%`` (``+5.12%`` if signed)."""
    number = as_number(value)
    if number is None:
        return MISSING
    sign = "+" if signed else ""
    return _minus(f"{number * 100:{sign}.{digits}f}%")


def money(value: object, *, signed: bool = False) -> str:
    """An amount of money: grouped, two decimals (``1,234,567.89``)."""
    number = as_number(value)
    if number is None:
        return MISSING
    sign = "+" if signed else ""
    return _minus(f"{number:{sign},.2f}")


def compact_money(value: object) -> str:
    """Money for a card: ``1.23M``, ``45.60k``, ``987.65``."""
    number = as_number(value)
    if number is None:
        return MISSING
    for threshold, size, suffix in ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(number) >= threshold:
            return _minus(f"{number / size:,.2f}{suffix}")
    return _minus(f"{number:,.2f}")


def ratio(value: object, *, digits: int = 2) -> str:
    """A plain ratio (Sharpe, profit factor): ``1.23``; ``∞`` for an infinite one."""
    if isinstance(value, float) and math.isinf(value):
        return "\u221e" if value > 0 else f"{_MINUS}\u221e"
    number = as_number(value)
    return MISSING if number is None else _minus(f"{number:.{digits}f}")


def times(value: object) -> str:
    """A multiple (turnover): ``3.20×``."""
    number = as_number(value)
    return MISSING if number is None else _minus(f"{number:.2f}\u00d7")


def count(value: object) -> str:
    """A whole number, grouped: ``12,345``."""
    number = as_number(value)
    return MISSING if number is None else _minus(f"{int(number):,}")


def price(value: object) -> str:
    """A price: grouped, at least two decimals, up to four (``187.2512``)."""
    number = as_number(value)
    if number is None:
        return MISSING
    text = f"{number:,.4f}".rstrip("0")
    whole, _, fraction = text.partition(".")
    return _minus(f"{whole}.{fraction.ljust(2, '0')}")


def duration(value: timedelta | float | int | None) -> str:
    """A length of time: ``3d 4h``, ``2h 15m``, ``45m``, ``30s`` (seconds if a number)."""
    if value is None:
        return MISSING
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if not math.isfinite(seconds):
        return MISSING
    whole = round(abs(seconds))
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h" if hours else f"{days}d"
    elif hours:
        text = f"{hours}h {minutes}m" if minutes else f"{hours}h"
    elif minutes:
        text = f"{minutes}m"
    else:
        text = f"{secs}s"
    return f"{_MINUS}{text}" if seconds < 0 else text


#: The formatter for each kind a statistic can be (see ``statistics_rows``).
FORMATS: dict[str, Callable[[Any], str]] = {
    "percent": percent,
    "signed_percent": lambda v: percent(v, signed=True),
    "money": money,
    "ratio": ratio,
    "times": times,
    "count": count,
    "duration": duration,
    "text": lambda v: MISSING if v in (None, "") else str(v),
}
