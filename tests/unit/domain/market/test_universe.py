"""Universe membership and the snapshot in force on a date."""

from __future__ import annotations

from datetime import date

import attrs
import pytest

from tradecore.domain.market.universe import AssetRecord, UniverseFilter, snapshot_on

ASSET = AssetRecord(
    symbol="AAPL",
    exchange="NASDAQ",
    status="active",
    tradable=True,
    fractionable=True,
    shortable=True,
    easy_to_borrow=True,
    marginable=True,
)


@pytest.mark.parametrize(
    ("change", "rule", "member"),
    [
        ({}, UniverseFilter(), True),
        ({"status": "inactive"}, UniverseFilter(), False),  # delisted: never a member
        ({"tradable": False}, UniverseFilter(), True),
        ({"tradable": False}, UniverseFilter(tradable=True), False),
        ({}, UniverseFilter(exchanges=("NYSE",)), False),
        ({}, UniverseFilter(exchanges=("NYSE", "NASDAQ")), True),
        ({"fractionable": False}, UniverseFilter(fractionable=True), False),
        ({"shortable": False}, UniverseFilter(shortable=True), False),
        ({"shortable": False}, UniverseFilter(fractionable=True), True),
    ],
)
def test_a_member_is_active_and_passes_every_filter_asked_for(
    change: dict[str, object], rule: UniverseFilter, member: bool
) -> None:
    assert rule.admits(attrs.evolve(ASSET, **change)) is member


def test_a_filter_describes_itself_as_its_options() -> None:
    rule = UniverseFilter(tradable=True, exchanges=("NASDAQ", "NYSE"), shortable=True)
    assert rule.describe() == "--tradable --shortable --exchange NASDAQ,NYSE"
    assert UniverseFilter().describe() == "(active)"


def test_the_snapshot_in_force_is_the_newest_on_or_before_the_date() -> None:
    held = [date(2026, 1, 5), date(2026, 1, 7)]
    assert snapshot_on(held, date(2026, 1, 4)) is None
    assert snapshot_on(held, date(2026, 1, 5)) == date(2026, 1, 5)
    assert snapshot_on(held, date(2026, 1, 6)) == date(2026, 1, 5)
    assert snapshot_on(held, date(2026, 1, 9)) == date(2026, 1, 7)
