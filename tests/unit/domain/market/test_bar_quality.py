"""The bulk data-quality rules: one test per anomaly kind, edges, exemptions, gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from tests.calendars import xnys
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bar_quality import (
    RULES,
    Action,
    Gaps,
    QualityRule,
    QualityRules,
    count_gaps,
    screen_bars,
)

MINUTE = 60 * 10**9
T0 = to_ns(datetime(2026, 1, 5, 14, 30, tzinfo=UTC))


def columns(n: int = 60, seed: int = 1) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.001, n)))
    open_ = np.concatenate(([100.0], close[:-1]))
    return {
        "timestamps": T0 + MINUTE * np.arange(n, dtype=np.int64),
        "open": open_,
        "high": np.maximum(open_, close) * 1.0005,
        "low": np.minimum(open_, close) * 0.9995,
        "close": close,
        "volume": rng.integers(1_000, 2_000, n).astype(np.float64),
    }


def screen(cols: dict[str, np.ndarray], rules: QualityRules | None = None):  # type: ignore[no-untyped-def]
    return screen_bars(
        "AAA",
        cols["timestamps"],
        cols["open"],
        cols["high"],
        cols["low"],
        cols["close"],
        cols["volume"],
        rules or QualityRules(),
    )


def verdicts(
    cols: dict[str, np.ndarray], rules: QualityRules | None = None
) -> dict[int, str]:
    found = screen(cols, rules)
    return {
        int(r): RULES[c].value for r, c in zip(found.rows, found.rules, strict=True)
    }


def test_clean_bars_pass_untouched() -> None:
    found = screen(columns(500))
    assert len(found) == 0
    assert found.keep.all()


@pytest.mark.parametrize(
    ("field", "value"),
    [("open", 0.0), ("high", np.nan), ("low", -1.0), ("close", np.inf)],
)
def test_a_bad_price_is_quarantined(field: str, value: float) -> None:
    cols = columns()
    cols[field][7] = value
    assert verdicts(cols)[7] == "bad_price"
    assert not screen(cols).keep[7]


@pytest.mark.parametrize(("field", "factor"), [("high", 0.99), ("low", 1.01)])
def test_a_bar_outside_its_envelope_is_quarantined(field: str, factor: float) -> None:
    cols = columns()
    cols[field][9] = cols["close"][9] * factor
    assert verdicts(cols) == {9: "ohlc_envelope"}


@pytest.mark.parametrize("value", [-1.0, np.nan])
def test_a_bad_volume_is_quarantined(value: float) -> None:
    cols = columns()
    cols["volume"][3] = value
    assert verdicts(cols) == {3: "bad_volume"}


def test_duplicates_and_rows_out_of_order_keep_the_first() -> None:
    cols = columns()
    cols["timestamps"][10] = cols["timestamps"][9]
    cols["timestamps"][20] = cols["timestamps"][5]
    assert verdicts(cols) == {10: "timestamp_order", 20: "timestamp_order"}


def test_a_one_bar_spike_is_a_jump_and_the_bar_after_it_is_not() -> None:
    cols = columns()
    for name in ("open", "high", "low", "close"):
        cols[name][30] *= 1.3
    assert verdicts(cols) == {30: "jump"}


def test_a_move_inside_the_band_or_under_the_minimum_is_no_jump() -> None:
    cols = columns()
    for name in ("high", "close"):
        cols[name][30] *= 1.04  # > 10 sigma of 0.1% moves, but < 5% minimum
    assert verdicts(cols) == {}
    assert verdicts(cols, QualityRules(jump_min_move=0.01)) == {30: "jump"}


def test_a_jump_explained_by_a_corporate_action_passes() -> None:
    cols = columns()
    cols["close"][40:] /= 2.0  # an unadjusted 2:1 split
    cols["open"][40:] /= 2.0
    cols["high"][40:] /= 2.0
    cols["low"][40:] /= 2.0
    cols["open"][40] = cols["close"][40]
    cols["high"][40] = max(cols["high"][40], cols["close"][40])
    assert verdicts(cols) == {40: "jump"}
    split_day = date(2026, 1, 5)
    assert verdicts(cols, QualityRules(explained={("AAA", split_day)})) == {}
    asked: list[tuple[str, date]] = []

    def explains(symbol: str, day: date) -> bool:
        asked.append((symbol, day))
        return False

    assert verdicts(cols, QualityRules(explained=explains)) == {40: "jump"}
    assert asked == [("AAA", split_day)]  # asked only about the jump


def test_explained_refuses_anything_but_pairs_or_a_callable() -> None:
    with pytest.raises(InvalidInput, match="explained"):
        QualityRules(explained={("AAA", "2026-01-05")})  # type: ignore[arg-type]


def test_zero_volume_is_quarantined() -> None:
    cols = columns()
    cols["volume"][12] = 0.0
    assert verdicts(cols) == {12: "zero_volume"}


def test_a_volume_spike_is_flagged_and_kept() -> None:
    cols = columns()
    cols["volume"][50] = 1_500.0 * 25
    found = screen(cols)
    assert verdicts(cols) == {50: "volume_spike"}
    assert found.keep.all()
    assert not found.quarantined.any()
    quarantine = QualityRules(actions={QualityRule.VOLUME_SPIKE: Action.QUARANTINE})
    assert not screen(cols, quarantine).keep[50]


def test_frozen_prices_with_volume_are_quarantined_from_the_set_run_length() -> None:
    cols = columns()
    for i in range(21, 26):  # five flat bars after bar 20
        for name in ("open", "high", "low", "close"):
            cols[name][i] = cols["close"][20]
    assert verdicts(cols) == {i: "frozen" for i in range(21, 26)}
    assert verdicts(cols, QualityRules(frozen_run=6)) == {}


def test_statistics_skip_rows_already_broken() -> None:
    cols = columns()
    cols["close"][30] = np.nan  # not also a jump, and the bar after is no jump
    assert verdicts(cols) == {30: "bad_price"}


def test_suspects_from_the_loader_come_first() -> None:
    cols = columns()
    suspect = np.full(60, -1, np.int8)
    suspect[4] = RULES.index(QualityRule.NOT_A_SESSION)
    found = screen_bars(
        "AAA", *(cols[k] for k in ("timestamps", "open", "high", "low", "close", "volume")),
        QualityRules(), suspect=suspect,
    )  # fmt: skip
    assert RULES[found.rules[0]] == QualityRule.NOT_A_SESSION
    assert not found.keep[4]


def test_rules_refuse_a_non_positive_threshold() -> None:
    with pytest.raises(InvalidInput, match="jump_sigmas"):
        QualityRules(jump_sigmas=0)


def test_gaps_count_missing_minutes_and_missing_sessions() -> None:
    calendar = xnys()
    day = [T0 + MINUTE * i for i in range(390) if i not in (10, 11, 200)]
    next_but_one = T0 + 2 * 86_400 * 10**9  # 7 January: the 6th is missing
    stamps = np.array([*day, *(next_but_one + MINUTE * np.arange(390))], np.int64)
    assert count_gaps(stamps, calendar, MINUTE) == Gaps(sessions=1, bars=3)


def test_gaps_in_daily_bars_are_missing_sessions_around_a_holiday() -> None:
    calendar = xnys()
    # Thanksgiving week 2026: the 26th is a holiday, the 27th an early close.
    days = [date(2026, 11, d) for d in (23, 24, 27, 30)]  # the 25th is missing
    stamps = np.array(
        [to_ns(calendar.session(d).open) for d in days],  # type: ignore[union-attr]
        np.int64,
    )
    gaps = count_gaps(stamps, calendar, int(timedelta(days=1).total_seconds()) * 10**9)
    assert gaps == Gaps(sessions=1, bars=0)


def test_the_gate_screens_a_million_bars() -> None:
    # Its speed is a benchmark figure (python -m benchmarks data), never a timed
    # assert: this one failed on a loaded 2-core machine.
    cols = columns(1_000_000, seed=3)
    found = screen(cols)
    assert len(found.keep) == 1_000_000
    assert found.keep.sum() > 990_000


def test_a_window_of_live_bars_is_screened_as_a_frame() -> None:
    import tradecore as tc

    cols = columns(100)
    cols["volume"][60] = 0.0
    frame = tc.BarFrame(symbol="AAA", **cols)
    found = tc.screen_frame(frame, tc.QualityRules(frozen_run=3))
    assert verdicts(cols) == {60: "zero_volume"}
    assert [int(r) for r in found.rows] == [60]
    assert not found.keep[60]


def test_the_band_widens_over_a_gap_in_time() -> None:
    cols = columns(60)
    cols["timestamps"][30:] += 17 * 60 * MINUTE  # an overnight gap before bar 30
    for name in ("open", "high", "low", "close"):
        cols[name][30:] *= 1.08  # the market opens 8% higher and stays there
    loose = QualityRules(jump_min_move=0.01)
    assert verdicts(cols, loose) == {}  # 8% < 10 sigma x sqrt(100) = ~10%
    cols["timestamps"][30:] -= 17 * 60 * MINUTE  # the same move within a session
    assert verdicts(cols, loose) == {30: "jump"}
