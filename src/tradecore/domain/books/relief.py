"""Which open lots a closing trade relieves: FIFO, LIFO, highest cost, or named lots.

IRS Pub. 550 ("Identifying the shares sold"): "If you can adequately identify the
shares you sold, the basis ... is the basis of the identified shares"; otherwise "the
basis of the shares sold is the basis of the shares acquired first" (FIFO). So FIFO
is the default, specific identification names the lots per sale (any shares a sale
does not name are relieved FIFO), and LIFO and highest-cost (HIFO) are standing
orders a broker applies as a specific identification.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

from tradecore.domain.books.lots import Lot


class ReliefMethod(enum.StrEnum):
    """``[books] lot_relief``."""

    FIFO = "fifo"
    LIFO = "lifo"
    HIFO = "hifo"
    SPECIFIC = "specific"


RELIEF_METHODS = tuple(m.value for m in ReliefMethod)


def relief_order(
    lots: Sequence[Lot],
    method: ReliefMethod,
    named: Sequence[str] = (),
) -> list[Lot]:
    """``lots`` (open, one symbol, one direction) in the order a close relieves them.

    ``named`` are the lot ids a specific identification gives for this sale; they
    come first in the given order, the rest FIFO.
    """
    fifo = sorted(lots, key=lambda lot: lot.seq)
    if method is ReliefMethod.LIFO:
        return fifo[::-1]
    if method is ReliefMethod.HIFO:
        # A long's highest cost first; a short's lowest proceeds first (the same aim:
        # the smallest gain).
        return sorted(
            fifo, key=lambda lot: lot.unit_basis if lot.short else -lot.unit_basis
        )
    if method is ReliefMethod.SPECIFIC and named:
        by_id: Mapping[str, Lot] = {lot.lot_id: lot for lot in fifo}
        first = [by_id[i] for i in named if i in by_id]
        chosen = {lot.lot_id for lot in first}
        return first + [lot for lot in fifo if lot.lot_id not in chosen]
    return fifo
