"""Filling a lake: only what it lacks, chunk by chunk, consistent after a crash.

A fake vendor (hand-written, counting its calls) serves generated bars; the lake is
the real Parquet lake in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import attrs
import pytest

from tests.calendars import xnys
from tradecore.adapters.data import _lake_manifest
from tradecore.adapters.data.lake import ParquetLake, day_span
from tradecore.adapters.data.lake_verify import verify_lake
from tradecore.domain.errors import StoreUnavailable, TransientBrokerError
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.market.bars import Provenance
from tradecore.domain.market.corporate_actions import CorporateAction
from tradecore.domain.market.datagen import generate_bars
from tradecore.domain.market.lake import SeriesKey, Timeframe, TimeRange
from tradecore.services.data.lake_fetch import FetchRequest, fetch_into_lake

OPEN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
#: Six weeks of minute bars: the fetch asks for them in two 31-day chunks.
SESSIONS = 30


class FakeHistory:
    """Serves fixed frames; can fail on the ``fail_on``-th bars request."""

    feed, adjustment = "iex", "raw"

    def __init__(self, frames: Sequence[BarFrame], fail_on: int | None = None) -> None:
        self.frames = {f.symbol: f for f in frames}
        self.asked: list[tuple[tuple[str, ...], TimeRange]] = []
        self.action_calls = 0
        self.fail_on = fail_on

    def bars(
        self, symbols: Sequence[str], timeframe: str, span: TimeRange
    ) -> dict[str, BarFrame]:
        self.asked.append((tuple(symbols), span))
        if self.fail_on == len(self.asked):
            raise TransientBrokerError("connection failed")
        found = {s: self.frames[s].between(span.start_ns, span.end_ns) for s in symbols}
        return {s: f for s, f in found.items() if len(f)}

    def corporate_actions(
        self, symbols: Sequence[str], start: date, end: date
    ) -> list[CorporateAction]:
        self.action_calls += 1
        split = CorporateAction.split("AAA", date(2026, 1, 20), 2, 1)
        return [split] if "AAA" in symbols and start <= split.ex_date <= end else []


@pytest.fixture
def frames() -> list[BarFrame]:
    return generate_bars(
        ["AAA", "BBB"], 390 * SESSIONS, start=OPEN, seed=2, calendar=xnys()
    )


def request(
    first: date, last: date, symbols: tuple[str, ...] = ("AAA", "BBB")
) -> FetchRequest:
    return FetchRequest(
        symbols=symbols,
        timeframe=Timeframe.parse("1Min"),
        span=day_span(first, last),
        first_day=first,
        last_day=last,
    )


FIRST, LAST = date(2026, 1, 5), date(2026, 2, 17)


def test_a_fetch_stores_every_bar_and_the_actions(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    history = FakeHistory(frames)
    with ParquetLake(tmp_path).writing() as lake:
        report = fetch_into_lake(history, lake, request(FIRST, LAST))
    assert len(history.asked) == 2  # two chunks, both symbols in each
    assert report.rows == {"AAA": 390 * SESSIONS, "BBB": 390 * SESSIONS}
    assert report.actions == 1
    held = ParquetLake.existing(tmp_path)
    read = held.select(["AAA", "BBB"], FIRST, LAST).load()
    assert [len(f) for f in read] == [390 * SESSIONS] * 2
    assert held.corporate_actions(["AAA"], FIRST, LAST)[0].ratio == Decimal(2)
    assert verify_lake(held, xnys()).problems == ()


def test_an_interrupted_fetch_leaves_what_it_stored_and_a_rerun_asks_for_the_rest(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    broken = FakeHistory(frames, fail_on=2)
    with pytest.raises(TransientBrokerError), ParquetLake(tmp_path).writing() as lake:
        fetch_into_lake(broken, lake, request(FIRST, LAST))
    held = ParquetLake.existing(tmp_path)
    (first_chunk,) = held.covered(SeriesKey("iex", "raw", "1Min", "AAA"))
    assert first_chunk == broken.asked[0][1]
    assert verify_lake(held, xnys()).problems == ()  # consistent: what it says it has
    again = FakeHistory(frames)
    with ParquetLake(tmp_path).writing() as lake:
        fetch_into_lake(again, lake, request(FIRST, LAST))
    assert [span for _, span in again.asked] == [broken.asked[1][1]]
    read = ParquetLake.existing(tmp_path).select(["AAA", "BBB"], FIRST, LAST).load()
    expected = [
        attrs.evolve(f.between(*_ns(FIRST, LAST)), provenance=Provenance.IEX)
        for f in frames
    ]
    assert data_fingerprint(read) == data_fingerprint(expected)


def _ns(first: date, last: date) -> tuple[int, int]:
    span = day_span(first, last)
    return span.start_ns, span.end_ns


def test_a_crash_between_the_data_and_the_manifest_changes_nothing_readers_see(
    frames: list[BarFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with ParquetLake(tmp_path).writing() as lake:
        fetch_into_lake(FakeHistory(frames), lake, request(FIRST, date(2026, 1, 9)))
    before = (tmp_path / "manifest.json").read_bytes()

    def crash(root: Path, manifest: object) -> None:
        raise OSError("power cut")

    monkeypatch.setattr(_lake_manifest, "save", crash)
    with (
        pytest.raises(StoreUnavailable, match="power cut"),
        ParquetLake(tmp_path).writing() as lake,
    ):
        fetch_into_lake(FakeHistory(frames), lake, request(FIRST, date(2026, 1, 16)))
    monkeypatch.undo()
    assert (tmp_path / "manifest.json").read_bytes() == before
    held = ParquetLake.existing(tmp_path)
    strays = held.stray_files()
    assert len(strays) == 1  # AAA's new year file, named by nobody (BBB never came)
    read = held.select(["AAA"], FIRST, date(2026, 1, 31)).load()
    assert len(read[0]) == 390 * 5  # only what the manifest names
    assert any("not in the manifest" in p for p in verify_lake(held, xnys()).problems)
    with ParquetLake(tmp_path).writing() as lake:  # the next fetch sweeps them away
        assert lake.stray_files() == []


def test_symbols_already_held_are_not_asked_for(
    frames: list[BarFrame], tmp_path: Path
) -> None:
    with ParquetLake(tmp_path).writing() as lake:
        fetch_into_lake(FakeHistory(frames), lake, request(FIRST, LAST, ("AAA",)))
    history = FakeHistory(frames)
    with ParquetLake(tmp_path).writing() as lake:
        report = fetch_into_lake(history, lake, request(FIRST, LAST))
    assert {symbols for symbols, _ in history.asked} == {("BBB",)}
    assert report.up_to_date == ("AAA",)
    assert history.action_calls == 1  # BBB's actions only (AAA's are held)
    assert report.action_symbols == ("BBB",)


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    from tradecore.domain.errors import ConfigurationError

    with (
        ParquetLake(tmp_path).writing(),
        pytest.raises(ConfigurationError, match="another fetch is writing"),
        ParquetLake(tmp_path).writing(),
    ):
        pass


@pytest.mark.parametrize(
    ("timeframe", "symbols", "days"),
    [("1Min", 2, 31), ("1Min", 10, 10), ("1Min", 500, 1), ("1Hour", 10, 366)],
)
def test_a_chunk_holds_at_most_a_hundred_thousand_bars(
    timeframe: str, symbols: int, days: int
) -> None:
    from tradecore.services.data.lake_fetch import chunk_days

    assert chunk_days(Timeframe.parse(timeframe), symbols) == days
