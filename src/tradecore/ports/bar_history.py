"""The BarHistory port: a market-data vendor's bar history and corporate actions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from tradecore.domain.market.bar_frame import BarFrame
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.market.lake import TimeRange


class BarHistory(Protocol):
    """Historical bars of one feed and adjustment, and corporate actions."""

    feed: str
    adjustment: str

    def bars(
        self, symbols: Sequence[str], timeframe: str, span: TimeRange
    ) -> dict[str, BarFrame]:
        """Return each symbol's bars with a start in ``span``, every page of them.

        A symbol without bars in ``span`` is absent from the answer.

        Raises:
            RateLimited: the vendor kept refusing after the limiter's waits.
            TradecoreError: any other failure, translated (the vendor's error is the
                ``__cause__``).
        """
        ...

    def corporate_actions(
        self, symbols: Sequence[str], start: date, end: date
    ) -> list[CorporateAction]:
        """Return the splits, cash dividends and renames of ``symbols`` dated from
        ``start`` to ``end`` (inclusive), in date order.

        Raises:
            TradecoreError: as :meth:`bars`.
        """
        ...
