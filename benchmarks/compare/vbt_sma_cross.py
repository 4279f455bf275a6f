"""tradecore's ``sma_cross`` with ideal fills, in vectorbt, as one whole (cold) process.

``python benchmarks/compare/vbt_sma_cross.py --data DIR [--fast 10 --slow 30 --qty 100
--cash 10000000]`` prints one JSON line: bars, fills, final equity, wall seconds.

vectorbt is vectorised, so the rule is stated on whole columns rather than bar by
bar: pandas rolling means for the averages; each bar's sign is +1 above the tie band
(``_common.TIE_TOLERANCE`` relative to the slow average), -1 below it, 0 inside it or
while the slow window fills; the state is the last non-zero sign (flat before the
first), which is exactly the bar-by-bar rule's "a tie keeps the state". An entry is
a change to long, an exit a change to flat. Both are shifted one bar later and
executed at that bar's open (``price=open``), so an order decided at a close fills at
the next open, also across a session's end, and one decided on the last bar drops
off the end: tradecore's ideal fill. ``Portfolio.from_signals`` buys ``qty`` shares on
an entry and sells the whole position on an exit, with zero fees and one cash pool
shared by every symbol (``cash_sharing``), as tradecore's account is.

"Cold": the process pays vectorbt's import and numba's compilation (its cache, if
any, is whatever the installed package ships), as a user's first run does.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import numpy as np  # noqa: E402  (the wall time includes the imports)
import pandas as pd  # noqa: E402
import vectorbt as vbt  # noqa: E402
from _common import TIE_TOLERANCE, cents, emit, parse_args, read_folder  # noqa: E402


def wide(frames: dict[str, pd.DataFrame], column: str) -> pd.DataFrame:
    """One column of every symbol side by side (their bar times must be the same).

    Raises:
        SystemExit: the symbols' bar times differ (a wide frame would need gaps).
    """
    first = next(iter(frames.values())).index
    if any(not f.index.equals(first) for f in frames.values()):
        raise SystemExit("vbt_sma_cross needs every symbol on the same bar times")
    return pd.DataFrame({s: f[column].to_numpy() for s, f in frames.items()}, first)


def long_state(close: pd.DataFrame, fast: int, slow: int) -> pd.DataFrame:
    """Return True where the rule is long after the bar's close."""
    fast_mean = close.rolling(fast).mean()
    slow_mean = close.rolling(slow).mean()
    gap, band = fast_mean - slow_mean, TIE_TOLERANCE * slow_mean
    sign = np.where(gap > band, 1.0, np.where(gap < -band, -1.0, np.nan))
    state = pd.DataFrame(sign, close.index, close.columns).ffill().fillna(-1.0)
    return state > 0


def main() -> None:
    """Load the folder, run the strategy, print the result line."""
    args = parse_args(__doc__.splitlines()[0])
    frames = read_folder(args.data)
    close, open_ = wide(frames, "close"), wide(frames, "open")
    long = long_state(close, args.fast, args.slow)
    before = long.shift(1, fill_value=False)
    entries = (long & ~before).shift(1, fill_value=False)
    exits = (~long & before).shift(1, fill_value=False)
    portfolio = vbt.Portfolio.from_signals(
        close=close,
        entries=entries,
        exits=exits,
        price=open_,
        size=float(args.qty),
        size_type="amount",
        init_cash=float(args.cash),
        fees=0.0,
        cash_sharing=True,
        group_by=True,
        freq="1min",
    )
    emit(
        "vectorbt",
        vbt.__version__,
        bars=int(close.size),
        fills=int(portfolio.orders.count()),
        final_equity=cents(float(portfolio.final_value())),
        started=STARTED,
    )


if __name__ == "__main__":
    main()
