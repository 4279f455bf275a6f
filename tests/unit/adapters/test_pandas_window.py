"""``tc.to_pandas``: a market-view window as a DataFrame, detached from the ring."""

from __future__ import annotations

from decimal import Decimal

import tradecore as tc
from tradecore.domain.strategies.market_view import MarketFeed

MINUTE = 60_000_000_000


class Account:
    def position(self, symbol: str) -> Decimal:
        return Decimal(0)

    def equity(self) -> float:
        return 0.0

    def cash(self) -> float:
        return 0.0

    def positions(self) -> dict[str, Decimal]:
        return {}


def test_a_window_becomes_a_utc_indexed_frame_that_outlives_the_ring() -> None:
    feed = MarketFeed(Account(), 2)
    for i in range(2):
        feed.stage("AAA", i * MINUTE, 1.0 + i, 2.0 + i, 0.5, 1.5 + i, 10.0)
        feed.commit("AAA", i * MINUTE, 1.5 + i, 10.0)
    frame = tc.to_pandas(feed.view.history("AAA"))
    assert list(frame.columns) == [
        "open",
        "high",
        "low",
        "close",
        "volume",
        "vwap",
        "trade_count",
    ]
    assert str(frame.index.tz) == "UTC"
    assert frame["close"].tolist() == [1.5, 2.5]
    feed.commit("AAA", 2 * MINUTE, 9.0, 1.0)  # overwrites the ring's oldest row
    assert frame["close"].tolist() == [1.5, 2.5]
