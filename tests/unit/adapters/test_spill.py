"""Bars spilled to memory-mapped files: same values, and released pages leave RSS."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tradecore.adapters.data import load_bar_files, write_bar_files
from tradecore.adapters.data.spill import SpilledBars
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.market.datagen import generate_bars

START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def _frames(n: int) -> list[BarFrame]:
    return generate_bars(["AAA", "BBB"], n, start=START, seed=3)


def _mapped_rss_kib(path: Path) -> int:
    """Resident KiB of this process's mappings of ``path`` (Linux smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if line[:1].isdigit() or line[:1] in "abcdef":
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


def test_a_spilled_frame_holds_the_same_bars(tmp_path: Path) -> None:
    frames = _frames(3_000)
    spilled = SpilledBars(tmp_path / "spill")
    mapped = [spilled.spill(f) for f in frames]
    for before, after in zip(frames, mapped, strict=True):
        for name in ("timestamps", "open", "high", "low", "close", "volume"):
            assert np.array_equal(getattr(before, name), getattr(after, name))
        assert after.bar(1234) == before.bar(1234)
        assert not after.close.flags.writeable
    assert data_fingerprint(mapped) == data_fingerprint(frames)


def test_loading_a_folder_spills_each_file_as_it_is_read(tmp_path: Path) -> None:
    frames = _frames(500)
    write_bar_files(tmp_path / "bars", frames, fmt="parquet")
    spilled = SpilledBars(tmp_path / "spill")
    loaded = load_bar_files(tmp_path / "bars", each=spilled.spill)
    assert sorted(p.name for p in (tmp_path / "spill").iterdir()) == [
        "AAA.npy",
        "BBB.npy",
    ]
    assert data_fingerprint(loaded) == data_fingerprint(
        load_bar_files(tmp_path / "bars")
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc smaps")
def test_released_rows_leave_the_resident_set_and_read_back(tmp_path: Path) -> None:
    (frame,) = generate_bars(["AAA"], 200_000, start=START, seed=3)
    spilled = SpilledBars(tmp_path / "spill")
    mapped = spilled.spill(frame)
    path = tmp_path / "spill" / "AAA.npy"
    total = float(mapped.close.sum() + mapped.open.sum())  # touch two columns
    touched = _mapped_rss_kib(path)
    assert touched > 2 * 1_000  # two 1.6 MB columns resident
    spilled.release(mapped, 150_000)
    assert _mapped_rss_kib(path) < touched * 0.5
    assert float(mapped.close.sum() + mapped.open.sum()) == total  # read back
    spilled.release_all(mapped)
    assert mapped.bar(0) == frame.bar(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc smaps")
def test_a_forward_walk_with_releases_keeps_only_its_window(tmp_path: Path) -> None:
    """The replay's pattern: a pass over every row (the manifest's fingerprint), all
    released, then a walk that reads a row and releases what is behind it.

    No read may map back more than its neighbourhood. With the file left in the page
    cache in large pieces (as written), one read mapped 2 MiB of the file back, and
    the walk held ~2-4 MB of the 9.6 MB map however much it released.
    """
    (frame,) = generate_bars(["AAA"], 200_000, start=START, seed=3)
    spilled = SpilledBars(tmp_path / "spill")
    mapped = spilled.spill(frame)
    path = tmp_path / "spill" / "AAA.npy"
    total = float(sum(getattr(mapped, c).sum() for c in ("open", "close", "volume")))
    spilled.release_all(mapped)
    peak = 0
    for row in range(0, 200_000, 500):
        total += float(mapped.close[row]) + float(mapped.volume[row])
        if row % 5_000 == 0:
            spilled.release(mapped, row)
            peak = max(peak, _mapped_rss_kib(path))
    assert total > 0
    assert peak < 1_000, peak  # the window around the walk, not whole columns
