"""A market-view window as a pandas DataFrame (research and notebooks).

The domain keeps bars as numpy columns and may not import pandas (import-linter);
this edge turns a :class:`~tradecore.domain.strategies.market_view.BarWindow` into a
frame on request: ``tc.to_pandas(view.history("AAPL", 50))``.
"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]  # (via exchange_calendars)

from tradecore.domain.strategies.market_view import FIELDS, BarWindow


def to_pandas(window: BarWindow) -> pd.DataFrame:
    """The window's columns, indexed by bar start (UTC); a copy, safe to keep."""
    index = pd.DatetimeIndex(
        pd.to_datetime(window.timestamps.copy(), unit="ns", utc=True), name="timestamp"
    )
    return pd.DataFrame(
        {name: getattr(window, name).copy() for name in FIELDS}, index=index
    )
