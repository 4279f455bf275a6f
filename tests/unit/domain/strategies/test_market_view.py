"""The market view: bounded ring buffers, read-only windows, the cross-section."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bars import Provenance
from tradecore.domain.strategies.market_view import MarketFeed

MINUTE = 60_000_000_000


class Account:
    def position(self, symbol: str) -> Decimal:
        return Decimal(5) if symbol == "AAA" else Decimal(0)

    def equity(self) -> float:
        return 1000.0

    def cash(self) -> float:
        return 400.0

    def positions(self) -> dict[str, Decimal]:
        return {"AAA": Decimal(5)}


def fed(capacity: int = 4, n: int = 6) -> MarketFeed:
    feed = MarketFeed(Account(), capacity)
    for i in range(n):
        close = 10.0 + i
        feed.stage("AAA", i * MINUTE, close, close + 1, close - 1, close, 100.0 + i)
        feed.commit("AAA", i * MINUTE, close, 100.0 + i)
    return feed


def test_history_is_the_last_n_bars_oldest_first() -> None:
    view = fed().view
    window = view.history("AAA", 3)
    assert window.close.tolist() == [13.0, 14.0, 15.0]
    assert window.high.tolist() == [14.0, 15.0, 16.0]
    assert window.timestamps.tolist() == [3 * MINUTE, 4 * MINUTE, 5 * MINUTE]
    assert len(view.history("AAA")) == 4  # the capacity
    assert np.isnan(window.vwap).all()
    assert np.isnan(window.trade_count).all()


def test_early_history_is_shorter_than_asked() -> None:
    assert fed(capacity=10, n=2).view.history("AAA", 5).close.tolist() == [10.0, 11.0]


def test_windows_are_read_only_views() -> None:
    window = fed().view.history("AAA", 2)
    with pytest.raises(ValueError, match="read-only"):
        window.close[0] = 1.0
    assert not window.close.flags.owndata  # a view into the ring, not a copy


def test_history_refuses_unknown_symbols_and_lookbacks_past_capacity() -> None:
    view = fed().view
    with pytest.raises(InvalidInput, match="no bar yet"):
        view.history("ZZZ", 1)
    with pytest.raises(InvalidInput, match="capacity 4"):
        view.history("AAA", 5)


def test_a_symbols_bars_must_move_forward() -> None:
    feed = fed()
    with pytest.raises(InvalidInput, match="not after"):
        feed.commit("AAA", 5 * MINUTE, 15.0, 1.0)


def test_cross_section_holds_the_current_timestamp_only() -> None:
    feed = MarketFeed(Account(), 8)
    feed.commit("AAA", 0, 10.0, 1.0)
    feed.commit("BBB", 0, 20.0, 1.0)
    assert sorted(feed.view.cross_section) == ["AAA", "BBB"]
    feed.commit("AAA", MINUTE, 11.0, 1.0)
    assert list(feed.view.cross_section) == ["AAA"]
    assert feed.view.latest("BBB") is None
    assert feed.view.now_ns == MINUTE


def test_a_staged_bar_carries_its_full_values_an_unstaged_one_its_close() -> None:
    feed = MarketFeed(Account(), 8)
    feed.stage("AAA", 0, 9.0, 12.0, 8.0, 10.0, 5.0, Provenance.SIP, 10.5, 7.0)
    bar = feed.commit("AAA", 0, 10.0, 5.0)
    assert (bar.open, bar.high, bar.low, bar.close) == (9.0, 12.0, 8.0, 10.0)
    assert (bar.vwap, bar.trade_count, bar.provenance) == (10.5, 7, Provenance.SIP)
    bare = feed.commit("BBB", 0, 3.0, 1.0)
    assert (bare.open, bare.high, bare.low, bare.vwap) == (3.0, 3.0, 3.0, None)


def test_a_staged_bar_never_committed_is_never_seen() -> None:
    feed = MarketFeed(Account(), 8)
    feed.stage("AAA", 0, 9.0, 12.0, 8.0, 10.0, 5.0)  # rejected by the gate
    feed.commit("AAA", MINUTE, 11.0, 1.0)
    assert feed.view.history("AAA").close.tolist() == [11.0]
    assert feed.view.latest("AAA").open == 11.0  # type: ignore[union-attr]


def test_the_view_shows_portfolio_and_session() -> None:
    view = fed().view
    assert view.position("AAA") == 5
    assert view.cash() == 400.0
    assert view.equity() == 1000.0
    assert view.portfolio.positions() == {"AAA": 5}
    assert view.session() == view.now.date()
    assert view.calendar is None
    assert not hasattr(view, "commit")
    assert not hasattr(view, "stage")


def test_capacity_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="history"):
        MarketFeed(Account(), 0)
    assert MarketFeed(Account(), 1).view.now_ns == -1
