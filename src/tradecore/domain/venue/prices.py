"""Market floats as prices, each distinct value converted once.

The venue turns a float into a price for every mark it reads and every fill it
prices (:func:`~tradecore.domain.orders.money.to_price`: ``repr``, ``Decimal``,
quantize). Bar prices sit on the cent grid, so the same few thousand values come
back all run long; a bounded memo of that pure function answers them for the cost
of a dictionary lookup. Deterministic: the same float always gives the same price.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from tradecore.domain.orders.money import to_price

#: Distinct prices kept, least recently used ones going first: prices walk, so
#: the recent ones are the ones asked again; about 1 MB at most.
KEEP = 1 << 12


@functools.lru_cache(maxsize=KEEP)
def market_price(value: float) -> Decimal:
    """:func:`~tradecore.domain.orders.money.to_price` of ``value``, memoized."""
    return to_price(value)
