"""A tradable universe from a broker's asset list, point in time.

An :class:`AssetRecord` is one asset as the broker listed it on a date (its flags);
a :class:`UniverseFilter` says which of them are members (``active``, and
tradable, on an exchange, fractionable, shortable when asked). A lake keeps one
snapshot per date with every asset listed and whether it was a member, so the
universe of a past date is the newest snapshot on or before it: a symbol delisted
later stays a member of the dates before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import attrs


@attrs.frozen(kw_only=True)
class AssetRecord:
    """One asset as ``GET /v2/assets`` lists it (alpaca-py ``Asset``)."""

    symbol: str
    exchange: str
    #: ``active`` or ``inactive``.
    status: str
    tradable: bool
    fractionable: bool
    shortable: bool
    easy_to_borrow: bool
    marginable: bool


@attrs.frozen(kw_only=True)
class UniverseFilter:
    """Which assets are members: active, and the flags asked for."""

    tradable: bool = False
    exchanges: tuple[str, ...] = ()
    fractionable: bool = False
    shortable: bool = False

    def admits(self, asset: AssetRecord) -> bool:
        """Whether ``asset`` is a member."""
        return (
            asset.status == "active"
            and (asset.tradable or not self.tradable)
            and (not self.exchanges or asset.exchange in self.exchanges)
            and (asset.fractionable or not self.fractionable)
            and (asset.shortable or not self.shortable)
        )

    def describe(self) -> str:
        """The filter as options, e.g. ``--tradable --exchange NASDAQ``."""
        parts = [f"--{n}" for n in ("tradable", "fractionable", "shortable")]
        chosen = [p for p in parts if getattr(self, p[2:])]
        if self.exchanges:
            chosen.append(f"--exchange {','.join(self.exchanges)}")
        return " ".join(chosen) or "(active)"


def snapshot_on(dates: Sequence[date], on: date) -> date | None:
    """The newest of ``dates`` on or before ``on`` (``None``: none is)."""
    before = [d for d in dates if d <= on]
    return max(before) if before else None
