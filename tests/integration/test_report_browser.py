"""The replay report in a real browser: headless Chromium (Debian's package).

Chromium loads ``report.html`` from disk with no network, runs its scripts (plotly.js
embedded in the page) and dumps the DOM after they ran: every section must be there,
every chart must have been drawn by Plotly (the page counts them into
``data-charts-rendered`` once each ``Plotly.newPlot`` resolved, and Plotly's own
``main-svg`` elements are present), and the browser's console must stay silent
(``--enable-logging=stderr`` prints each console message and uncaught error as a
``CONSOLE`` line). A screenshot is saved into the test's tmp dir.

Skipped when Chromium is missing locally; a failure under ``CI=true`` (.ci/run
installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.calendars import xnys
from tradecore.apps.replay.runner import replay
from tradecore.domain.market.datagen import generate_bars

SECTIONS = [
    "story", "equity", "drawdown", "drawdown-periods", "prices", "calendar-returns",
    "rolling", "distribution", "symbol-pnl", "exposure", "trades", "statistics", "activity",
    "fills", "provenance", "all-fields",
]  # fmt: skip
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TIMEOUT_S = 120


def _browser() -> str:
    found = next((path for b in BROWSERS if (path := shutil.which(b))), None)
    if found is None:
        message = (
            "headless Chromium not found: apt-get install -y --no-install-recommends "
            "chromium chromium-driver"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def _chromium(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        browser, "--headless=new", "--no-sandbox", "--disable-gpu",
        "--no-first-run", "--disable-extensions", "--hide-scrollbars",
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=20000", *args,
    ]  # fmt: skip
    return subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    frames = generate_bars(
        ["AAA", "BBB"], 1_500, start=datetime(2025, 1, 6, 14, 30, tzinfo=UTC),
        seed=5, calendar=xnys(),
    )  # fmt: skip
    with replay(frames, "sma_cross", {"fast": 5, "slow": 20, "qty": 3}, out=out):
        pass
    return out / "report.html"


def test_the_report_renders_every_section_without_console_errors(
    report: Path, tmp_path: Path
) -> None:
    browser = _browser()
    done = _chromium(browser, "--dump-dom", report.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    assert "Uncaught" not in done.stderr
    missing = [s for s in SECTIONS if f'<section id="{s}"' not in dom]
    assert missing == []
    charts = report.read_text().count('class="tc-chart"')
    assert charts >= 9  # equity, drawdown, 2 prices, calendar, rolling, ...
    assert f'data-charts-rendered="{charts}"' in dom
    assert dom.count('class="main-svg"') >= charts  # drawn by Plotly itself
    assert not re.search(r'id="chart-[^"]*"></div>', dom)  # no chart left empty

    shot = tmp_path / "report.png"
    taken = _chromium(
        browser, f"--screenshot={shot}", "--window-size=1280,3000", report.as_uri()
    )
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # charts drawn, not a blank page
