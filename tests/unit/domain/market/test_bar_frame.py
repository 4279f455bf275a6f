"""BarFrame: bulk validation, immutability, slicing, timeline, fingerprint."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from tradecore.domain.errors import InvalidBarData, InvalidInput
from tradecore.domain.market.bar_frame import (
    BarFrame,
    data_fingerprint,
    from_ns,
    merge_timeline,
    to_ns,
)
from tradecore.domain.market.bars import Bar, Provenance

MINUTE_NS = 60_000_000_000
T0 = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)


def columns(n: int = 5) -> dict[str, np.ndarray]:
    close = 100.0 + np.arange(n, dtype=np.float64)
    open_ = close - 0.5
    return {
        "timestamps": to_ns(T0) + np.arange(n, dtype=np.int64) * MINUTE_NS,
        "open": open_,
        "high": close + 1.0,
        "low": open_ - 1.0,
        "close": close,
        "volume": np.full(n, 1_000.0),
    }


def frame(symbol: str = "AAPL", **overrides: object) -> BarFrame:
    return BarFrame(symbol=symbol, **{**columns(), **overrides})  # type: ignore[arg-type]


def test_valid_columns_make_a_frame_of_that_length() -> None:
    assert len(frame()) == 5


def test_columns_are_read_only_copies_of_writable_input() -> None:
    data = columns()
    built = BarFrame(symbol="AAPL", **data)
    data["close"][0] = 1e9
    assert built.close[0] == 100.0
    with pytest.raises(ValueError, match="read-only"):
        built.close[0] = 5.0


@pytest.mark.parametrize(
    ("field", "row", "value"),
    [
        ("open", 2, -1.0),
        ("close", 3, 0.0),
        ("low", 1, float("nan")),
        ("high", 4, float("inf")),
        ("volume", 2, -5.0),
    ],
)
def test_rejects_non_positive_or_non_finite_values_naming_row_and_field(
    field: str, row: int, value: float
) -> None:
    data = columns()
    data[field][row] = value
    with pytest.raises(InvalidBarData) as caught:
        BarFrame(symbol="AAPL", **data)
    assert (caught.value.field, caught.value.row) == (field, row)
    assert f"row {row}" in str(caught.value)


def test_rejects_high_below_the_body() -> None:
    data = columns()
    data["high"][3] = data["close"][3] - 0.01
    with pytest.raises(InvalidBarData, match=r"row 3, field 'high'.*below max") as e:
        BarFrame(symbol="AAPL", **data)
    assert e.value.value == pytest.approx(data["close"][3] - 0.01)


def test_rejects_low_above_the_body() -> None:
    data = columns()
    data["low"][1] = data["open"][1] + 0.01
    with pytest.raises(InvalidBarData, match=r"row 1, field 'low'.*above min"):
        BarFrame(symbol="AAPL", **data)


@pytest.mark.parametrize("delta", [0, -MINUTE_NS])
def test_rejects_timestamps_that_do_not_increase(delta: int) -> None:
    data = columns()
    data["timestamps"][3] = data["timestamps"][2] + delta
    with pytest.raises(InvalidBarData, match="row 3, field 'timestamp'"):
        BarFrame(symbol="AAPL", **data)


def test_reports_the_earliest_failing_row_across_rules() -> None:
    data = columns()
    data["volume"][4] = -1.0
    data["high"][2] = 1.0
    with pytest.raises(InvalidBarData) as caught:
        BarFrame(symbol="AAPL", **data)
    assert (caught.value.field, caught.value.row) == ("high", 2)


def test_rejects_columns_of_different_lengths() -> None:
    with pytest.raises(InvalidInput, match="volume"):
        frame(volume=np.ones(4))


def test_rejects_an_invalid_symbol() -> None:
    with pytest.raises(InvalidInput, match="symbol"):
        frame(symbol="not a ticker")


def test_bar_returns_the_row_as_a_value_object() -> None:
    bar = frame().bar(2)
    assert bar == Bar(
        symbol="AAPL",
        timestamp=T0 + timedelta(minutes=2),
        open=101.5,
        high=103.0,
        low=100.5,
        close=102.0,
        volume=1_000.0,
    )


def test_from_bars_round_trips_through_bar() -> None:
    original = frame()
    rebuilt = BarFrame.from_bars("AAPL", list(original))
    assert [rebuilt.bar(i) for i in range(5)] == [original.bar(i) for i in range(5)]
    assert data_fingerprint([rebuilt]) == data_fingerprint([original])


def test_between_is_half_open_and_accepts_datetimes_or_nanoseconds() -> None:
    bars = frame()
    part = bars.between(T0 + timedelta(minutes=1), T0 + timedelta(minutes=3))
    assert [from_ns(int(t)) for t in part.timestamps] == [
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=2),
    ]
    same = bars.between(to_ns(T0) + MINUTE_NS, to_ns(T0) + 3 * MINUTE_NS)
    assert list(same.close) == list(part.close) == [101.0, 102.0]


def test_between_rejects_naive_bounds_and_reversed_windows() -> None:
    with pytest.raises(InvalidInput, match="naive"):
        frame().between(datetime(2024, 3, 1), T0)
    with pytest.raises(InvalidInput, match="after end"):
        frame().between(T0 + timedelta(minutes=2), T0)


def test_to_ns_respects_the_offset_of_an_aware_datetime() -> None:
    eastern = datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert to_ns(eastern) == to_ns(T0)
    assert from_ns(to_ns(T0)) == T0


def test_merge_timeline_orders_by_time_then_symbol() -> None:
    base = columns(3)["timestamps"]
    late = frame(
        "MSFT",
        **{k: v[:3] for k, v in columns(3).items()}
        | {"timestamps": base + MINUTE_NS // 2},
    )
    same_as_a = frame("ZZZ", **columns(3))
    first = frame("AAPL", **columns(3))
    frames = [same_as_a, late, first]
    timeline = merge_timeline(frames)
    order = [
        (frames[f].symbol, int(r))
        for f, r in zip(timeline.frame_index, timeline.row_index, strict=True)
    ]
    assert order == [
        ("AAPL", 0),
        ("ZZZ", 0),
        ("MSFT", 0),
        ("AAPL", 1),
        ("ZZZ", 1),
        ("MSFT", 1),
        ("AAPL", 2),
        ("ZZZ", 2),
        ("MSFT", 2),
    ]
    assert np.all(np.diff(timeline.timestamps) >= 0)
    assert timeline.symbols == ("AAPL", "MSFT", "ZZZ")


def test_merge_timeline_rejects_duplicate_symbols() -> None:
    with pytest.raises(InvalidInput, match="once"):
        merge_timeline([frame(), frame()])


def test_merge_timeline_of_nothing_is_empty() -> None:
    assert len(merge_timeline([])) == 0


def test_fingerprint_ignores_frame_order_but_sees_every_value() -> None:
    a, b = frame("AAPL"), frame("MSFT")
    assert data_fingerprint([a, b]) == data_fingerprint([b, a])
    data = columns()
    data["volume"][4] = 1_000.5
    assert data_fingerprint([BarFrame(symbol="AAPL", **data), b]) != data_fingerprint(
        [a, b]
    )
    assert data_fingerprint([frame("AAPL", provenance=Provenance.SIP)]) != (
        data_fingerprint([a])
    )


def test_fingerprint_is_identical_in_another_process_with_another_hash_seed() -> None:
    script = (
        "from tests.unit.domain.market.test_bar_frame import frame;"
        "from tradecore.domain.market.bar_frame import data_fingerprint;"
        "print(data_fingerprint([frame('AAPL'), frame('MSFT')]))"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(root)}
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == data_fingerprint([frame("AAPL"), frame("MSFT")])
