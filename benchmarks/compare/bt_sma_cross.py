"""tradecore's ``sma_cross`` with ideal fills, in backtrader, as one whole process.

``python benchmarks/compare/bt_sma_cross.py --data DIR [--fast 10 --slow 30 --qty 100
--cash 10000000]`` prints one JSON line: bars, fills, final equity, wall seconds.

Why backtrader matches tradecore's ``--fill-model ideal`` here without adjustment:
its default broker fills a market order sent in ``next()`` at the *next* bar's open,
whole, with no slippage; the commission is set to zero. The averages are backtrader's
own ``SMA`` indicators (``math.fsum`` over the window, so a tie may land an ulp away
from tradecore's running sum: the shared tie tolerance absorbs that). ``stdstats`` is
off (no observers): they record for plotting and are not part of the work compared.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import backtrader as bt  # noqa: E402  (the wall time includes importing the framework)
from _common import cents, emit, flip, parse_args, read_folder  # noqa: E402


class SmaCross(bt.Strategy):
    """Per data: long ``qty`` while fast SMA > slow SMA, flat otherwise."""

    params = (("fast", 10), ("slow", 30), ("qty", 100))

    def __init__(self) -> None:
        """One pair of averages and one state per data feed."""
        self.averages = [
            (
                bt.indicators.SMA(data.close, period=self.p.fast),
                bt.indicators.SMA(data.close, period=self.p.slow),
            )
            for data in self.datas
        ]
        self.long = [False] * len(self.datas)
        self.fills = 0

    def notify_order(self, order: bt.Order) -> None:
        """Count executions (the ideal broker fills each order whole, once)."""
        if order.status == order.Completed:
            self.fills += 1

    def next(self) -> None:
        """Act on each data whose averages crossed at this bar's close."""
        for index, (fast, slow) in enumerate(self.averages):
            state = flip(fast[0], slow[0], self.long[index])
            if state is None:
                continue
            self.long[index] = state
            data = self.datas[index]
            if state:
                self.buy(data=data, size=self.p.qty)
            else:
                self.close(data=data)


def main() -> None:
    """Load the folder, run the strategy, print the result line."""
    args = parse_args(__doc__.splitlines()[0])
    frames = read_folder(args.data)
    cerebro = bt.Cerebro(stdstats=False)
    for symbol, frame in frames.items():
        naive = frame.tz_convert("UTC").tz_localize(None)
        cerebro.adddata(
            bt.feeds.PandasData(dataname=naive, openinterest=None), name=symbol
        )
    cerebro.addstrategy(SmaCross, fast=args.fast, slow=args.slow, qty=args.qty)
    cerebro.broker.setcash(float(args.cash))
    cerebro.broker.setcommission(commission=0.0)
    (strategy,) = cerebro.run()
    emit(
        "backtrader",
        bt.__version__,
        bars=sum(len(f) for f in frames.values()),
        fills=strategy.fills,
        final_equity=cents(cerebro.broker.getvalue()),
        started=STARTED,
    )


if __name__ == "__main__":
    main()
