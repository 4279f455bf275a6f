"""Technical indicators for strategies and research: ``from tradecore.technical import RSI``.

Re-exports :mod:`tradecore.domain.market.technical` (formulas and sources there).
"""

from tradecore.domain.market.technical import (
    ATR,
    EMA,
    MACD,
    RSI,
    VWAP,
    BollingerBands,
    RollingHighLow,
    ZScore,
    atr_array,
    bollinger_array,
    ema_array,
    macd_array,
    rolling_high_low_array,
    rsi_array,
    true_range_array,
    vwap_array,
    zscore_array,
)

__all__ = [
    "ATR",
    "EMA",
    "MACD",
    "RSI",
    "VWAP",
    "BollingerBands",
    "RollingHighLow",
    "ZScore",
    "atr_array",
    "bollinger_array",
    "ema_array",
    "macd_array",
    "rolling_high_low_array",
    "rsi_array",
    "true_range_array",
    "vwap_array",
    "zscore_array",
]
