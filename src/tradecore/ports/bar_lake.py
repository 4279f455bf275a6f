"""The BarLake port: where fetched bars and corporate actions are kept."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.market.lake import SeriesKey, TimeRange


class BarLake(Protocol):
    """A store of bar series (:class:`SeriesKey`) and of what each covers.

    Writes are atomic: after any interruption the lake shows either the state before
    a :meth:`store` or the one after it, never a part.
    """

    def covered(self, key: SeriesKey) -> list[TimeRange]:
        """Return the ranges already fetched for ``key`` (merged, in time order)."""
        ...

    def store(self, key: SeriesKey, frame: BarFrame, span: TimeRange) -> None:
        """Add ``frame``'s bars (all inside ``span``) and mark ``span`` as covered.

        A bar at a time already held replaces the one held.
        """
        ...

    def actions_covered(self, symbol: str) -> list[tuple[date, date]]:
        """Return the date ranges (inclusive) whose corporate actions are held."""
        ...

    def store_actions(
        self,
        symbols: Sequence[str],
        start: date,
        end: date,
        actions: Sequence[CorporateAction],
    ) -> None:
        """Keep ``actions`` of ``symbols`` from ``start`` to ``end`` (inclusive),
        replacing what was held for those symbols and dates."""
        ...
