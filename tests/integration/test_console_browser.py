"""The operator console in a real headless Chromium, against a real live run.

Four real processes: the Alpaca emulator (``tradecore-replay emulator``), a
``tradecore-live run --emulator`` trading the chaos strategy (it holds positions and
trades every bar), the console (``tradecore-live console``), and Chromium driven by
Selenium through Debian's ``chromedriver``. All share one SQLite store. In order:

1. the operator logs in with a token (the login form, a session cookie);
2. the overview refreshes itself (its script, no reload) and shows the run trading;
3. the emulator rejects order submits (its fault control), the running engine's
   reject-rate breaker trips and the page shows it and REDUCING;
4. the operator approves the recovery (confirmation page, reason); the breaker
   clears after its quiet period and the page shows ACTIVE again;
5. the operator kills with flatten: the positions go flat AT THE EMULATOR;
6. the audit page lists the console actions with the operator's name, searchable.

Screenshots of every page, desktop (1280x900) and narrow (390x844), go to
``$TRADECORE_CONSOLE_SHOTS`` (default: the test's tmp dir).

Skipped when Chromium, chromedriver or Selenium is missing locally; a failure under
``CI=true`` (.ci/run installs them).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.chaos.processes import Emulator, console, free_port, operator_env
from tests.risk_support import audit_rows, sqlite_store
from tradecore.adapters.alpaca_emulator.config import DEFAULT_START
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.console.auth import token_digest
from tradecore.domain.market.datagen import generate_bars

#: Four processes and a browser: run by ``nox -s heavy`` (CI runs it), not by ``pytest``.
pytestmark = pytest.mark.heavy

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TOKEN = "alice-token-for-the-browser-test-0123456789ab"
WAIT_S = 30.0
#: The emulator trades on its own clock: the dated pages show its day.
EMULATOR_DAY = DEFAULT_START.date().isoformat()
PAGES = (
    "/",
    "/positions",
    "/orders",
    f"/fills?day={EMULATOR_DAY}",
    f"/equity?day={EMULATOR_DAY}",
    "/manifest",
    "/config",
    "/alerts",
    "/audit",
)
#: The elements reaching past the window's right edge (what made the page scroll).
WIDE = """return Array.from(document.querySelectorAll('body *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ':' + e.getBoundingClientRect().right)"""
SIZES = {"desktop": (1280, 900), "narrow": (390, 844)}


def _missing(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _webdriver() -> Any:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed: pip install -e '.[console]'")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        _missing(
            "headless Chromium not found: apt-get install -y --no-install-recommends "
            "chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _config(path: Path, emulator: Emulator) -> Path:
    path.write_text(
        f"""
[broker]
kind = "alpaca"
base_url = "{emulator.base_url}"
stream_url = "ws://127.0.0.1:{emulator.port}/stream"
[risk.breakers.reject_rate]
max_rate = 0.5
min_events = 2
window_s = 180
quiet_period_s = 120
trip_state = "reducing"
[console]
refresh_s = 0.5
[console.operators.alice]
token_sha256 = "{token_digest(TOKEN)}"
role = "operator"
"""
    )
    return path


def _wait_http(url: str, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + WAIT_S
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{url} never answered (exit {process.poll()})")
            time.sleep(0.1)


def _started(argv: list[str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    with log.open("w") as out:
        return subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
            env=operator_env(),
            cwd=cwd,
        )


class Live:
    """The processes of one scenario and the browser looking at them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        # The browser first: when it is missing (a skip, or a failure under CI) no
        # process has been started yet to be left behind.
        self.browser = _webdriver()
        self.processes: list[subprocess.Popen[str]] = []
        self._emulator: Emulator | None = None
        try:
            self._start(root)
        except BaseException:
            self.close()  # whatever started before the failure
            raise

    @property
    def emulator(self) -> Emulator:
        assert self._emulator is not None, "the emulator is started in __init__"
        return self._emulator

    def _start(self, root: Path) -> None:
        self._emulator = Emulator(seed=5, log=root / "emulator.log")
        self.db = root / "live.db"
        sqlite_store(self.db).close()
        write_bar_files(
            root / "bars",
            generate_bars(["AAPL", "MSFT"], 2000, start=DEFAULT_START, seed=4),
        )
        self.config = _config(root / "live.toml", self.emulator)
        base = [
            *console("tradecore-live"),
            "--config",
            str(self.config),
            "--database-url",
            f"sqlite:///{self.db}",
        ]
        run = [
            "run",
            "--emulator",
            "--bars",
            str(root / "bars"),
            "--pace",
            "0.1",
            "--strategy",
            "tests.chaos.strategy:Churn",
            "--param",
            "qty=5",
        ]
        self.run = _started([*base, *run], root, root / "run.log")
        self.processes.append(self.run)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.console = _started(
            [*base, "console", "--port", str(self.port)], root, root / "console.log"
        )
        self.processes.append(self.console)
        _wait_http(f"{self.url}/login", self.console)

    def close(self) -> None:
        """Stop everything started, newest first; safe after a partial start."""
        self.browser.quit()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        if self._emulator is not None:
            self._emulator.stop()

    def text(self, css: str) -> str:
        """The text of the elements ``css`` selects, read in one script (atomic
        against the page's own refresh replacing them)."""
        script = (
            "return Array.from(document.querySelectorAll(arguments[0]))"
            ".map(e => e.innerText).join(' ')"
        )
        return str(self.browser.execute_script(script, css))

    def until(
        self, check: Callable[[], bool], what: str, timeout: float = WAIT_S
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                pytest.fail(f"never happened: {what}; page: {self.text('main')[:2000]}")
            time.sleep(0.1)

    def confirm(self, reason: str) -> None:
        from selenium.webdriver.common.by import By

        self.browser.find_element(By.ID, "reason").send_keys(reason)
        self.browser.find_element(By.ID, "confirm").click()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    scenario = Live(tmp_path_factory.mktemp("console"))
    try:
        yield scenario
    finally:
        scenario.close()


def _shots_dir(live: Live) -> Path:
    where = Path(os.environ.get("TRADECORE_CONSOLE_SHOTS", live.root / "shots"))
    where.mkdir(parents=True, exist_ok=True)
    return where


def test_1_log_in_and_watch_the_run_trade(live: Live) -> None:
    from selenium.webdriver.common.by import By

    live.browser.get(f"{live.url}/")
    assert live.browser.current_url.endswith("/login")  # no session yet
    live.browser.find_element(By.ID, "token").send_keys("not-the-token")
    live.browser.find_element(By.ID, "login").click()
    live.until(lambda: "wrong token" in live.text("#login-error"), "refused")
    live.browser.find_element(By.ID, "token").send_keys(TOKEN)
    live.browser.find_element(By.ID, "login").click()
    live.until(lambda: "alice (operator)" in live.text("header"), "logged in")
    assert "ACTIVE" in live.text("#trading-state")
    # The page refreshes itself: a fill count that grows without a reload.
    first = live.text("#cycle")
    live.until(lambda: live.text("#cycle") != first, "the overview refreshed")
    live.until(
        lambda: live.emulator.positions() != {},
        "the run holds positions at the emulator",
    )


def test_2_a_breaker_trips_in_the_running_engine_and_appears(live: Live) -> None:
    live.emulator.control.faults(
        errors=3, error_status=422, error_route="submit_order", error_code=40010001
    )
    live.until(
        lambda: "TRIPPED" in live.text("#breaker-reject_rate"),
        "the reject_rate breaker shows tripped",
    )
    live.until(lambda: "REDUCING" in live.text("#trading-state"), "REDUCING shown")


def test_3_approve_the_breaker_and_trading_resumes(live: Live) -> None:
    from selenium.webdriver.common.by import By

    live.browser.find_element(By.ID, "approve-reject_rate").click()
    assert "/act/approve" in live.browser.current_url  # a confirmation step first
    live.confirm("rejects were the emulator's fault injection")
    live.until(lambda: "approved" in live.text("#done"), "approval done")
    live.browser.get(f"{live.url}/")
    live.until(
        lambda: (
            "ACTIVE" in live.text("#trading-state")
            and "clear" in live.text("#breaker-reject_rate")
        ),
        "the breaker clear and trading ACTIVE again",
    )


def test_4_kill_with_flatten_goes_flat_at_the_emulator(live: Live) -> None:
    from selenium.webdriver.common.by import By

    live.until(
        lambda: live.emulator.positions() != {}, "positions held before the kill"
    )
    live.browser.find_element(By.ID, "act-kill-flatten").click()
    assert live.browser.find_element(By.ID, "flatten").is_selected()
    live.confirm("end of the browser test")
    live.until(lambda: "trading HALTED" in live.text("#done"), "kill done")
    live.until(
        lambda: all(q == Decimal(0) for q in live.emulator.positions().values()),
        "flat at the emulator",
    )
    live.browser.get(f"{live.url}/")
    assert "HALTED" in live.text("#trading-state")


def test_5_the_audit_log_names_the_operator(live: Live) -> None:
    from selenium.webdriver.common.by import By

    live.browser.get(f"{live.url}/audit")
    live.browser.find_element(By.ID, "audit-kind").send_keys("console_action")
    live.browser.find_element(By.ID, "audit-search").click()
    live.until(lambda: "kind=console_action" in live.browser.current_url, "searched")
    rows = live.text("#audit-table")
    assert '"action":"approve_breaker"' in rows.replace(" ", "")
    assert '"action":"kill"' in rows.replace(" ", "")
    assert '"operator":"alice"' in rows.replace(" ", "")
    actions = [p for _, p in audit_rows(live.db, "console_action")]
    assert [p["action"] for p in actions] == ["approve_breaker", "kill"]
    assert {p["operator"] for p in actions} == {"alice"}
    approved = [p for _, p in audit_rows(live.db, "breaker_approved")]
    assert approved[-1]["reason"].endswith("[by alice via console]")
    codes = [p["code"] for _, p in audit_rows(live.db, "alert")]
    assert codes.count("operator.action") == 2
    assert "kill_switch.engaged" in codes


def test_6_every_page_desktop_and_narrow(live: Live) -> None:
    shots = _shots_dir(live)
    for size, (width, height) in SIZES.items():
        live.browser.set_window_size(width, height)
        for path in PAGES:
            live.browser.get(f"{live.url}{path}")
            assert "tradecore" in live.text("header")
            name = "overview" if path == "/" else path.strip("/").split("?")[0]
            assert live.browser.save_screenshot(str(shots / f"{name}-{size}.png"))
            # Nothing wider than the window: wide tables scroll inside their card.
            inner, scroll = live.browser.execute_script(
                "return [window.innerWidth, document.documentElement.scrollWidth]"
            )
            assert scroll <= inner, (
                path,
                size,
                scroll,
                live.browser.execute_script(WIDE),
            )
    live.browser.get(f"{live.url}/fills?day={EMULATOR_DAY}")
    assert f"Fills on {EMULATOR_DAY} (0)" not in live.text("main")  # it traded
    live.browser.get(f"{live.url}/equity?day={EMULATOR_DAY}")
    drawn = live.browser.execute_script(
        "return document.querySelectorAll('svg.chart polyline').length"
    )
    assert drawn == 1  # the day's P&L curve
    errors = [
        e
        for e in live.browser.get_log("browser")
        if e.get("level") == "SEVERE"
        and "/login - Failed to load resource" not in e["message"]  # test 1's 401
    ]
    assert errors == []  # no CSP violation, no script error


class _NoBrowser:
    def quit(self) -> None:
        pass


def test_a_failed_start_leaves_no_process_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scenario that fails half-way (here: the console never answers) stops the
    emulator and the processes it had started: left running, they broke later tests
    with unraisable ResourceWarnings (a regression: they were left behind)."""
    module = sys.modules[__name__]
    started: list[subprocess.Popen[str]] = []
    emulators: list[Emulator] = []
    start, emulator = _started, Emulator  # the real ones, before they are patched

    def recording_started(argv: list[str], cwd: Path, log: Path) -> Any:
        started.append(start(argv, cwd, log))
        return started[-1]

    def recording_emulator(**kwargs: Any) -> Emulator:
        emulators.append(emulator(**kwargs))
        return emulators[-1]

    def never_answers(url: str, process: subprocess.Popen[str]) -> None:
        pytest.fail("the console never answered (simulated)")

    monkeypatch.setattr(module, "_webdriver", _NoBrowser)
    monkeypatch.setattr(module, "_started", recording_started)
    monkeypatch.setattr(module, "Emulator", recording_emulator)
    monkeypatch.setattr(module, "_wait_http", never_answers)
    with pytest.raises(pytest.fail.Exception, match="simulated"):
        Live(tmp_path)
    assert len(started) == 2
    assert len(emulators) == 1
    assert [p.poll() is not None for p in started] == [True, True]
    assert emulators[0].process.poll() is not None
