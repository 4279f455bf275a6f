"""Post a folder of bar files to a running emulator as its market history.

    python examples/feed_emulator.py examples/bars http://127.0.0.1:8080

Every bar goes onto the emulator's tape in time order, then virtual time moves past
the last one, so ``GET /v2/stocks/bars`` (and ``tradecore-replay data fetch``) serves
them all. The emulator must have started at or before the first bar (``--start``).
"""

from __future__ import annotations

import sys
from datetime import timedelta

from tradecore.adapters.alpaca_emulator import EmulatorControl
from tradecore.adapters.data import load_bar_files
from tradecore.domain.market.bar_frame import from_ns, merge_timeline


def main(folder: str, url: str) -> None:
    """Feed the bars of ``folder`` to the emulator at ``url``."""
    frames = load_bar_files(folder)
    timeline = merge_timeline(frames)
    bars = []
    for k, stamp in enumerate(timeline.timestamps.tolist()):
        frame = frames[int(timeline.frame_index[k])]
        i = int(timeline.row_index[k])
        bars.append(
            {
                "symbol": frame.symbol,
                "t": from_ns(stamp).isoformat(),
                "o": float(frame.open[i]),
                "h": float(frame.high[i]),
                "l": float(frame.low[i]),
                "c": float(frame.close[i]),
                "v": float(frame.volume[i]),
            }
        )
    control = EmulatorControl(url)
    control.bars(bars, through=False)
    control.advance_to(from_ns(int(timeline.timestamps[-1])) + timedelta(minutes=1))
    print(f"fed {len(bars)} bars of {len(frames)} symbols to {url}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
