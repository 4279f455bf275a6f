"""Technical indicators against values worked by hand (the twins: tests/property)."""

from __future__ import annotations

import math

import pytest

from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.technical import (
    ATR,
    EMA,
    MACD,
    RSI,
    VWAP,
    BollingerBands,
    RollingHighLow,
    ZScore,
)


def test_rsi_is_100_on_gains_only_50_on_a_flat_line_and_wilder_smoothed() -> None:
    rising = RSI(3)
    assert [rising.update(x) for x in (1, 2, 3, 4, 5)][3:] == [100.0, 100.0]
    flat = RSI(2)
    assert [flat.update(10.0) for _ in range(4)][2:] == [50.0, 50.0]
    rsi = RSI(2)
    values = [rsi.update(x) for x in (10.0, 11.0, 10.0, 12.0)]
    # gains 1, 0 -> 0.5; losses 0, 1 -> 0.5; then gain 2: G = (0.5 + 2) / 2, L = 0.25
    assert math.isnan(values[1])
    assert values[2] == 50.0
    assert values[3] == pytest.approx(100 - 100 / (1 + 1.25 / 0.25))


def test_atr_uses_the_gap_from_the_previous_close() -> None:
    atr = ATR(2)
    assert math.isnan(atr.update(11.0, 9.0, 10.0))  # TR 2
    assert atr.update(10.5, 9.5, 10.0) == 1.5  # TR 1: mean(2, 1)
    assert atr.update(14.0, 13.0, 13.5) == (1.5 + 4.0) / 2  # TR = 14 - 10 = 4


def test_ema_is_seeded_with_the_simple_average() -> None:
    ema = EMA(3)
    values = [ema.update(x) for x in (1.0, 2.0, 3.0, 7.0)]
    assert values[2] == 2.0
    assert values[3] == 0.5 * 2.0 + 0.5 * 7.0


def test_bollinger_bands_use_the_population_deviation() -> None:
    bands = BollingerBands(2, k=2.0)
    bands.update(1.0)
    assert bands.update(3.0) == (0.0, 2.0, 4.0)  # sd of (1, 3) is 1


def test_zscore_is_nan_on_a_flat_window() -> None:
    z = ZScore(2)
    z.update(5.0)
    assert math.isnan(z.update(5.0))
    assert z.update(7.0) == 1.0


def test_macd_line_signal_and_histogram() -> None:
    macd = MACD(1, 2, 1)
    assert all(math.isnan(v) for v in macd.update(10.0))
    line, signal, hist = macd.update(12.0)
    assert (line, signal, hist) == (1.0, 1.0, 0.0)  # EMA1 = 12, EMA2 seed = 11


def test_rolling_high_low_forgets_what_left_the_window() -> None:
    channel = RollingHighLow(2)
    channel.update(10.0, 5.0)
    assert channel.update(8.0, 6.0) == (10.0, 5.0)
    assert channel.update(7.0, 6.5) == (8.0, 6.0)


def test_vwap_restarts_each_session() -> None:
    vwap = VWAP()
    assert vwap.update(3.0, 3.0, 3.0, 100.0, "d1") == 3.0
    assert vwap.update(6.0, 6.0, 6.0, 300.0, "d1") == (300 + 1800) / 400
    assert vwap.update(9.0, 9.0, 9.0, 1.0, "d2") == 9.0
    assert math.isnan(VWAP().update(9.0, 9.0, 9.0, 0.0, "d3"))


@pytest.mark.parametrize(
    "build",
    [
        lambda: RSI(0),
        lambda: ATR(True),  # type: ignore[arg-type]
        lambda: BollingerBands(20, k=0),
        lambda: ZScore(1),
        lambda: MACD(26, 12),
        lambda: RollingHighLow(0),
        lambda: EMA(1.5),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters_are_refused(build: object) -> None:
    with pytest.raises(InvalidInput):
        build()  # type: ignore[operator]
