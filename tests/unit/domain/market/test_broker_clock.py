"""The broker's clock against our calendar: agreement, a disagreement explained by
an open or close within the tolerance, and one that is not (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.calendars import ALWAYS_OPEN, xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.broker_clock import (
    BOUNDARY_TOLERANCE,
    BrokerClock,
    clock_disagreement,
)

OPEN = datetime(2026, 1, 12, 14, 30, tzinfo=UTC)  # Monday 09:30 New York
CLOSE = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)
SATURDAY = datetime(2026, 1, 10, 15, 0, tzinfo=UTC)


def _broker(at: datetime, is_open: bool) -> BrokerClock:
    return BrokerClock(timestamp=at, is_open=is_open, next_open=OPEN, next_close=CLOSE)


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (OPEN + timedelta(hours=2), True),  # both open
        (SATURDAY, False),  # both closed
        (OPEN - timedelta(seconds=30), True),  # the broker opened a little early
        (OPEN + timedelta(seconds=59), False),  # ... or late
        (CLOSE - timedelta(seconds=10), False),  # closed a little early
        (CLOSE + BOUNDARY_TOLERANCE - timedelta(seconds=1), True),  # ... or late
    ],
)
def test_agreement_or_a_boundary_within_the_tolerance_passes(
    at: datetime, is_open: bool
) -> None:
    assert clock_disagreement(xnys(), _broker(at, is_open)) is None


@pytest.mark.parametrize(
    ("at", "is_open"),
    [
        (SATURDAY, True),  # an always-open broker on a weekend
        (OPEN + timedelta(hours=2), False),  # a holiday the broker has, we do not
        (OPEN - timedelta(minutes=2), True),
        (CLOSE + timedelta(minutes=2), True),
    ],
)
def test_a_disagreement_away_from_any_boundary_is_reported(
    at: datetime, is_open: bool
) -> None:
    why = clock_disagreement(xnys(), _broker(at, is_open))
    assert why is not None
    said = "open" if is_open else "closed"
    assert f"the broker's clock says the market is {said}" in why
    assert "calendar XNYS says" in why
    assert "[market] calendar" in why


def test_an_always_open_calendar_disagrees_with_a_closed_broker() -> None:
    assert clock_disagreement(ALWAYS_OPEN, _broker(SATURDAY, False)) is not None
    assert clock_disagreement(ALWAYS_OPEN, _broker(SATURDAY, True)) is None


def test_broker_clock_times_must_be_utc() -> None:
    naive = datetime(2026, 1, 12, 14, 30)
    with pytest.raises(InvalidInput):
        BrokerClock(timestamp=naive, is_open=True, next_open=OPEN, next_close=CLOSE)
