"""Working orders: the unfilled signed quantity a strategy's position view counts.

Why: a strategy must see a position that already includes what it has asked for and
not yet received, or it orders again while a fill is pending. Two kinds of working
quantity exist: broker orders (tracked by client order id, shrinking with each fill
until the order ends) and a sliced parent's quantity not yet sent as children
(adjusted per symbol, with no broker order behind it).
"""

from __future__ import annotations

from decimal import Decimal

_ZERO = Decimal(0)


class WorkingOrders:
    """Unfilled signed quantity per symbol, and per client order id."""

    __slots__ = ("_by_cid", "_pending")

    def __init__(self) -> None:
        self._pending: dict[str, Decimal] = {}  # symbol -> signed unfilled qty
        self._by_cid: dict[str, tuple[str, Decimal]] = {}  # cid -> (symbol, rest)

    def pending(self, symbol: str) -> Decimal:
        """Signed quantity still being worked for ``symbol``."""
        return self._pending.get(symbol, _ZERO)

    def track(self, cid: str, symbol: str, signed_rest: Decimal) -> None:
        """Count a placed order's unfilled quantity (a re-placed order counts once)."""
        old = self._by_cid.get(cid)
        if old is not None:
            self._pending[old[0]] -= old[1]
        self._by_cid[cid] = (symbol, signed_rest)
        self.adjust(symbol, signed_rest)

    def adjust(self, symbol: str, signed: Decimal) -> None:
        """Add quantity with no broker order behind it (a parent's unsent slices)."""
        self._pending[symbol] = self._pending.get(symbol, _ZERO) + signed

    def filled(self, cid: str, signed: Decimal) -> None:
        """A fill of ``signed`` shares of order ``cid``: that much is no longer working."""
        working = self._by_cid.get(cid)
        if working is None:
            return
        symbol, rest = working
        self._pending[symbol] -= signed
        if rest == signed:
            del self._by_cid[cid]
        else:
            self._by_cid[cid] = (symbol, rest - signed)

    def release(self, cid: str) -> None:
        """Order ``cid`` ended (canceled, expired, rejected): its rest stops counting."""
        working = self._by_cid.pop(cid, None)
        if working is not None:
            symbol, rest = working
            self._pending[symbol] -= rest

    def clear(self) -> None:
        """Forget everything (before a restore from the store)."""
        self._pending.clear()
        self._by_cid.clear()
