"""Holding periods: short-term or long-term (IRS Pub. 550, ch. 4; Pub. 544, ch. 4).

"To figure if you held property longer than 1 year, start counting on the date after
the day you acquired the property. The day you disposed of the property is part of
your holding period" (Pub. 544, "Holding Period"; Pub. 550 repeats it). Property held
*more than* one year is long-term. So a lot bought 2024-02-05 and sold 2025-02-05 is
short-term (exactly one year), sold 2025-02-06 long-term.

A lot acquired on February 29 has no anniversary; it is taken as February 28 of the
next year, so the lot is long-term from March 1 (the conservative reading: never
long-term a day early).
"""

from __future__ import annotations

import enum
from datetime import date


class Term(enum.StrEnum):
    """Form 8949's Part I (short-term) or Part II (long-term)."""

    SHORT = "short"
    LONG = "long"


def anniversary(acquired: date) -> date:
    """The same day one year after ``acquired`` (Feb 29 -> Feb 28)."""
    try:
        return acquired.replace(year=acquired.year + 1)
    except ValueError:  # February 29 in a non-leap year
        return acquired.replace(year=acquired.year + 1, day=28)


def term_of(acquired: date, sold: date) -> Term:
    """Long-term when ``sold`` is after the first anniversary of ``acquired``."""
    return Term.LONG if sold > anniversary(acquired) else Term.SHORT
