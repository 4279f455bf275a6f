"""The report folder: byte-stable summary, CSV tables, self-contained HTML."""

from __future__ import annotations

import csv
import importlib.util
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from tradecore.adapters.report import html_page, write_report
from tradecore.adapters.report.html_page import BLOTTER_ROWS, TRADE_ROWS, plotly_js
from tradecore.domain.errors import InvalidInput

MINUTE_NS = 60_000_000_000
T0_NS = 1_709_303_400 * 1_000_000_000  # 2024-03-01T14:30:00Z


def curve(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    stamps = T0_NS + np.arange(n, dtype=np.int64) * MINUTE_NS
    return stamps, 100_000.0 * np.exp(np.cumsum(rng.normal(0, 0.001, n)))


def fill(i: int) -> dict[str, object]:
    return {
        "filled_at": datetime(2024, 3, 1, 15, i % 60, tzinfo=UTC),
        "symbol": "AAPL",
        "side": "buy" if i % 2 else "sell",
        "qty": Decimal(10 + i),
        "price": Decimal("187.25"),
    }


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text().splitlines()))


def write(folder: Path, **overrides: object) -> dict[str, Path]:
    arguments: dict[str, object] = {
        "summary": {"sharpe": 1.2345678901234567, "fees": Decimal("12.50")},
        "equity": curve(500),
        "fills": [fill(i) for i in range(3)],
        "decisions": [{"decision_id": "d1", "symbol": "AAPL"}],
        "outcomes": [{"decision_id": "d1", "kind": "submitted"}],
        "run_info": {"elapsed_s": 1.5},
    }
    return write_report(folder, **{**arguments, **overrides})  # type: ignore[arg-type]


def test_writes_every_file(tmp_path: Path) -> None:
    paths = write(tmp_path / "report")
    assert sorted(paths) == sorted(
        ["summary.json", "run.json", "equity.csv", "trades.csv", "fills.csv",
         "decisions.csv", "outcomes.csv", "report.html"]
    )  # fmt: skip
    assert all(path.is_file() for path in paths.values())


def test_summary_is_byte_identical_for_identical_inputs(tmp_path: Path) -> None:
    first = write(tmp_path / "a", run_info={"elapsed_s": 1.0})
    second = write(tmp_path / "b", run_info={"elapsed_s": 9.0})
    assert first["summary.json"].read_bytes() == second["summary.json"].read_bytes()
    assert first["run.json"].read_bytes() != second["run.json"].read_bytes()


def test_summary_is_canonical_and_holds_no_timings(tmp_path: Path) -> None:
    summary = {"z": 0.1 + 0.2, "a": {"fees": Decimal("12.50"), "nan": float("nan")}}
    text = write(tmp_path, summary=summary)["summary.json"].read_text()
    assert text == (
        '{\n  "a": {\n    "fees": "12.50",\n    "nan": null\n  },\n  "z": 0.3\n}\n'
    )
    assert "elapsed" not in text


def test_equity_csv_has_every_point_with_its_drawdown(tmp_path: Path) -> None:
    stamps = T0_NS + np.arange(4, dtype=np.int64) * MINUTE_NS
    paths = write(tmp_path, equity=(stamps, [100.0, 110.0, 99.0, 121.0]))
    rows = csv_rows(paths["equity.csv"])
    assert rows[0] == ["timestamp", "equity", "drawdown"]
    assert rows[1] == ["2024-03-01T14:30:00Z", "100.0", "0.0"]
    assert rows[3][0] == "2024-03-01T14:32:00Z"
    assert float(rows[3][2]) == pytest.approx(-0.1)
    assert len(rows) == 5


def test_row_tables_are_generic_and_exact(tmp_path: Path) -> None:
    fills = [{"qty": Decimal("1.50"), "side": "buy"}, {"side": "sell", "fee": 0.25}]
    paths = write(tmp_path, fills=fills, decisions=[])
    assert paths["fills.csv"].read_text() == "qty,side,fee\n1.50,buy,\n,sell,0.25\n"
    assert paths["decisions.csv"].read_text() == ""


def test_html_is_self_contained(tmp_path: Path) -> None:
    html = write(tmp_path)["report.html"].read_text()
    assert "<link" not in html
    assert not re.search(r"<script[^>]*\ssrc=", html)  # nothing fetched
    assert html.count(plotly_js()) == 1  # plotly.js embedded once
    assert 'id="chart-equity"' in html


def test_html_stays_small_for_a_long_curve(tmp_path: Path) -> None:
    html = write(tmp_path, equity=curve(100_000))["report.html"]
    text = html.read_text()
    assert len(text) - len(plotly_js()) < 400_000  # the page beside plotly.js
    assert "100,000 equity points" in text
    shown = re.findall(r"downsampled: ([\d,]+) of 100,000 points", text)
    assert len(shown) == 3  # the equity, drawdown and exposure charts say so
    assert max(int(n.replace(",", "")) for n in shown) <= 2000


def test_html_shows_kpis_summary_and_a_bounded_blotter(tmp_path: Path) -> None:
    fills = [fill(i) for i in range(BLOTTER_ROWS + 7)]
    summary = {"performance": {"sharpe": 1.234, "total_return": -0.05}}
    text = write(tmp_path, fills=fills, summary=summary)["report.html"].read_text()
    assert "Sharpe (ann.)" in text
    assert '<div class="value neg">\u22125.00%</div>' in text
    assert "performance.total_return" in text
    assert f"first {BLOTTER_ROWS} of {BLOTTER_ROWS + 7}" in text
    assert text.count('class="buy"') + text.count('class="sell"') == BLOTTER_ROWS


def test_html_escapes_values(tmp_path: Path) -> None:
    text = write(tmp_path, summary={"note": "<b>bold</b>"})["report.html"].read_text()
    assert "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "<b>bold" not in text


def test_a_blown_up_account_still_gets_a_report(tmp_path: Path) -> None:
    stamps = T0_NS + np.arange(3, dtype=np.int64) * MINUTE_NS
    paths = write(tmp_path, equity=(stamps, [100.0, -5.0, 0.0]))
    rows = csv_rows(paths["equity.csv"])
    assert [float(r[2]) for r in rows[1:]] == [0.0, -1.05, -1.0]
    assert paths["report.html"].stat().st_size > 0


def test_accepts_aware_datetimes_as_equity_timestamps(tmp_path: Path) -> None:
    moments = [datetime(2024, 3, 1, 14, 30 + i, tzinfo=UTC) for i in range(2)]
    paths = write(tmp_path, equity=(moments, [1.0, 2.0]))
    rows = csv_rows(paths["equity.csv"])
    assert rows[2][0] == "2024-03-01T14:31:00Z"


def test_rejects_mismatched_equity_arrays(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="must match"):
        write(tmp_path, equity=(np.arange(3), np.ones(4)))


def test_the_trade_list_is_capped_and_trades_csv_has_every_trip(
    tmp_path: Path,
) -> None:
    trips = TRADE_ROWS + 5
    fills = []
    for i in range(trips):
        at = datetime(2024, 3, 1, 14, 30, tzinfo=UTC) + timedelta(minutes=2 * i)
        for side, minute in (("buy", 0), ("sell", 1)):
            fills.append({"filled_at": at + timedelta(minutes=minute), "symbol": "AAPL",
                          "side": side, "qty": Decimal(1), "price": Decimal(100 + i)})  # fmt: skip
    paths = write(tmp_path, fills=fills)
    text = paths["report.html"].read_text()
    assert f"first {TRADE_ROWS:,} of {trips:,}, all in trades.csv" in text
    assert len(csv_rows(paths["trades.csv"])) == trips + 1


def test_without_plotly_the_page_keeps_its_tables_and_says_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_page, "plotly_bundle", lambda: None)
    text = write(tmp_path)["report.html"].read_text()
    assert "<script" not in text
    assert html_page.PLOTS_MISSING in text
    assert text.count("<svg") == 2  # equity and drawdown, drawn inline
    assert '<section id="statistics">' in text


def test_the_plotly_bundle_read_from_its_folder_is_get_plotlyjs() -> None:
    from plotly.offline import get_plotlyjs

    spec = importlib.util.find_spec("plotly")
    assert spec is not None
    assert spec.submodule_search_locations is not None
    folder = Path(next(iter(spec.submodule_search_locations)))
    assert folder.joinpath(*html_page.PLOTLY_BUNDLE).is_file()  # the fast path runs
    assert plotly_js() == get_plotlyjs()


def test_without_plotly_there_is_no_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "plotly" else real(name, *a),
    )
    assert plotly_js() is None
