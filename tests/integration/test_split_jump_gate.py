"""A split's price drop is a jump the quality gate quarantines, unless the replay
knows the corporate action that explains it (then the venue applies the split).

Sixty daily sessions of AAA wandering around 400, then a 4-for-1 split: the raw price
falls to about 100 on the ex-date, a -75% move far beyond 10 sigma of the recent
returns.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.replay.runner import replay
from tradecore.apps.wiring.calendars import exchange_calendar
from tradecore.domain.market.bar_frame import BarFrame, to_ns
from tradecore.domain.market.calendar import MarketCalendar

NY = ZoneInfo("America/New_York")
SPLIT_INDEX = 40


def _frame(calendar: MarketCalendar) -> tuple[BarFrame, date]:
    sessions = calendar.sessions_between(date(2026, 1, 2), date(2026, 4, 30))[:60]
    days = [s.date for s in sessions]
    rng = np.random.default_rng(5)
    prices = 400 * np.exp(np.cumsum(rng.normal(0, 0.004, len(days))))
    prices[SPLIT_INDEX:] /= 4
    stamps = [to_ns(datetime.combine(d, time(0), tzinfo=NY)) for d in days]
    frame = BarFrame(
        symbol="AAA",
        timestamps=np.array(stamps, dtype=np.int64),
        open=prices,
        high=prices * 1.001,
        low=prices * 0.999,
        close=prices,
        volume=np.full(len(days), 1e6),
    )
    return frame, days[SPLIT_INDEX]


def _quarantined(tmp_path: Path, name: str, actions: str | None) -> dict[str, object]:
    frame, _ = _frame(exchange_calendar("XNYS"))
    data = tmp_path / f"{name}-data"
    write_bar_files(data, [frame])
    if actions is not None:
        (data / "corporate_actions.csv").write_text(actions)
    result = replay(data, "sma_cross", {"fast": 3, "slow": 8, "qty": 10},
                    out=tmp_path / name)  # fmt: skip
    quality = result.summary["data_quality"]
    assert isinstance(quality, dict)
    return quality


def test_an_unexplained_split_is_quarantined_an_explained_one_is_not(tmp_path):
    _, ex_date = _frame(exchange_calendar("XNYS"))
    alone = _quarantined(tmp_path, "alone", None)
    assert alone["quarantined_by_rule"] == {"jump": 1}
    explained = _quarantined(
        tmp_path,
        "explained",
        f"symbol,kind,ex_date,ratio,cash,new_symbol\nAAA,forward_split,{ex_date},4,,\n",
    )
    assert explained["quarantined_by_rule"] == {}
