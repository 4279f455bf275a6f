"""One chaos campaign: scenarios of crashes and faults, then the invariants.

A scenario is a fresh emulator and a fresh store. ``tradecore-live run`` is started
again and again on them, as an operator would after each crash (same config, same
store, same bar folder), and each start is hurt in one way: SIGKILL at a named fault
point (``TRADECORE_FAULT_POINT``) or at a random time, with a broker fault armed at the
emulator or a store fault injected from outside on some. The last crash of a scenario
is during a kill switch run (after a ``tradecore-live kill``); in a scenario of three
or more, the one before it is a partial fill racing a kill with flatten
(``kill_flatten_race``: ``tradecore-live kill --flatten`` with the emulator as its broker,
issued while a run trades and its large orders are partly filled, with the emulator
leaving the first cancels working, then the run SIGKILLed). Some runs also get an
order placed at the broker out of band (as from Alpaca's web UI: a resting limit
order under an id tradecore never derived), which the run (or the next start) must
adopt as an external intent. Then the run is started once to the end of the bars and
once more to settle, and every invariant is checked, one of them over the whole run
(the fills in order: the long-only strategy's position is never negative, no flatten
flips a sign). Last, the emulator is killed mid-run: the run must exit 4 with its
store intact. Everything random comes from one seeded ``random.Random``.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from tests.chaos.invariants import Verdict, check
from tests.chaos.processes import Emulator, Operator, RunResult
from tests.chaos.stores import ChaosStore
from tradecore.adapters.data.bar_files import write_bar_files
from tradecore.apps.wiring.errors import UNAVAILABLE
from tradecore.domain.market.datagen import generate_bars
from tradecore.services.durability.fault_points import POINTS

SYMBOLS = ("AAPL", "MSFT")
START = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)
CYCLES_PER_RUN = 5
ORDER_POINTS = tuple(p for p in POINTS if p != "during_kill_switch")


def _after_apply(status: int, **extra: Any) -> dict[str, Any]:
    """Place the next submitted order, then answer it with ``status`` (and ``extra``)."""
    return {
        "errors": 1,
        "error_status": status,
        "error_apply": True,
        "error_route": "submit_order",
        **extra,
    }


#: The step that races ``kill --flatten`` (with a broker) against partly filled orders.
KILL_FLATTEN_RACE = "kill_flatten_race"
#: Its run is paced (0.4 s a cycle) to be still trading when the kill lands.
RACE_CYCLES = 30
#: Emulator faults (control API settings) armed before a run, by the kind reported.
BROKER_FAULTS: dict[str, dict[str, Any]] = {
    "lost_submit_response": {
        "lose_submits": 1,
        "lose_mode": "timeout",
        "lose_hold_s": 0.5,
    },
    "lost_submit_disconnect": {"lose_submits": 1, "lose_mode": "disconnect"},
    "http_500": {"errors": 2, "error_status": 500, "error_apply": False},
    "http_502": {"errors": 2, "error_status": 502, "error_apply": False},
    "http_503_after_apply": {"errors": 1, "error_status": 503, "error_apply": True},
    # Issue 17: the broker places the order, then answers with what proves nothing.
    "http_408_after_apply": _after_apply(408),
    "http_409_after_apply": _after_apply(409),
    "http_418_after_apply": _after_apply(418, error_code=41810000),
    "unparseable_after_apply": _after_apply(200, error_body="garbage"),
    "rate_limit_storm_429": {"storm": 4, "storm_reset_s": 0.5},
    "slow_beyond_client_timeout": {"slow": 1, "slow_delay_s": 16.0},
}
#: Which counter of each fault the emulator consumes (remaining = not injected).
_COUNTER = {"lose_submits", "errors", "storm", "slow", "defer_cancels"}


@attrs.define
class Tally:
    """Everything counted over a campaign on one store."""

    store: str
    scenarios: int = 0
    runs: int = 0
    crashes: Counter[str] = attrs.field(factory=Counter)
    faults: Counter[str] = attrs.field(factory=Counter)
    error_exits: int = 0
    points_not_reached: int = 0
    orders: int = 0
    verdicts: list[Verdict] = attrs.field(factory=list)
    #: Runs whose broker (the emulator) died under them and that did not exit 4
    #: ("broker unavailable"), or left the store failing ``audit verify``.
    broker_deaths_mishandled: int = 0
    #: Side faults are counted from their own threads.
    lock: threading.Lock = attrs.field(factory=threading.Lock)

    def as_json(self) -> dict[str, Any]:
        """The figures of the table, as JSON."""
        total = sum(self.crashes.values())
        return {
            "store": self.store,
            "scenarios": self.scenarios,
            "runs": self.runs,
            "crashes": total,
            "crashes_by_point": dict(sorted(self.crashes.items())),
            "faults_by_kind": dict(sorted(self.faults.items())),
            "error_exits": self.error_exits,
            "fault_points_not_reached": self.points_not_reached,
            "orders_submitted": self.orders,
            "duplicates": sum(v.duplicates for v in self.verdicts),
            "intents_lost": sum(v.intents_lost for v in self.verdicts),
            "intents_non_terminal": sum(v.intents_non_terminal for v in self.verdicts),
            "position_mismatches": sum(v.position_mismatches for v in self.verdicts),
            "position_sign_flips": sum(v.sign_flips for v in self.verdicts),
            "decisions_without_one_outcome": sum(
                v.decisions_without_one_outcome for v in self.verdicts
            ),
            "audit_broken": sum(v.audit_broken for v in self.verdicts),
            "broker_deaths_mishandled": self.broker_deaths_mishandled,
            "problems": [p for v in self.verdicts for p in v.problems][:50],
        }


class Scenario:
    """One emulator + one store, hurt ``crashes`` times, then checked."""

    def __init__(
        self,
        store: str,
        seed: int,
        crashes: int,
        tally: Tally,
        log: Callable[[str], None],
    ) -> None:
        """Plan the scenario; :meth:`play` runs it."""
        self.rng = random.Random(seed)
        self.seed = seed
        self.tally = tally
        self.kind = store
        self.log = log
        self.plan = self._plan(crashes)

    def _plan(self, crashes: int) -> list[str]:
        steps = [*ORDER_POINTS, "random"]
        while len(steps) < crashes - 1:
            steps.append(self.rng.choice([*ORDER_POINTS, "random"]))
        self.rng.shuffle(steps)
        if crashes >= 3:
            steps = [*steps[: crashes - 2], KILL_FLATTEN_RACE]
        return [*steps[: max(crashes - 1, 0)], "during_kill_switch"][-crashes:]

    def play(self, workdir: Path) -> Verdict:
        """Run the plan in ``workdir``; return the invariants' verdict."""
        emulator = Emulator(self.seed, workdir / "emulator.log")
        store = ChaosStore(self.kind, workdir)
        try:
            operator = Operator(workdir, store.url, emulator)
            bars = CYCLES_PER_RUN * (len(self.plan) + 3)
            bars += RACE_CYCLES * self.plan.count(KILL_FLATTEN_RACE)
            frames = generate_bars(list(SYMBOLS), bars, start=START, seed=self.seed)
            write_bar_files(operator.bars, frames)
            self._ok(operator.command("db", "upgrade"), "db upgrade")
            for step in self.plan:
                self._step(step, operator, emulator, store)
            emulator.control.clear_faults()
            for cycles in (3, 1):  # a few more bars, then a start that only settles
                self._ok(self._run(operator, cycles, None), "final run")
            audit = operator.command("audit", "verify")
            orders = emulator.orders()
            verdict = check(
                store.url, orders, emulator.positions(), audit.returncode == 0
            )
            if not verdict.clean:  # evidence for the finding, next to the run logs
                dump = workdir / "broker-orders.json"
                dump.write_text(json.dumps(orders, indent=1))
            self._emulator_dies(operator, emulator)  # last: the broker is gone after
        finally:
            emulator.stop()
            store.drop()
        self.tally.scenarios += 1
        self.tally.orders += verdict.orders
        self.tally.verdicts.append(verdict)
        return verdict

    def _step(
        self, step: str, operator: Operator, emulator: Emulator, store: ChaosStore
    ) -> None:
        armed = self._arm_broker_fault(emulator, step)
        if step == KILL_FLATTEN_RACE:
            self._kill_flatten_race(operator)
            self._count_broker_fault(emulator, armed)
            return
        if step == "during_kill_switch":
            killed = operator.kill(flatten=self.rng.random() < 0.5)
            if killed.returncode != UNAVAILABLE:  # halted; no broker to cancel at
                raise AssertionError(f"kill failed: {killed.stderr_tail}")
            point: str | None = step
        elif step in ("random", "during_recovery"):  # recovery runs once a start
            point = None if step == "random" else step
        else:
            point = f"{step}:{self.rng.randint(1, 4)}"  # the nth order/fill of the run
        process = operator.start_run(max_cycles=CYCLES_PER_RUN, fault_point=point)
        side = self._side_fault(store, emulator, process) if step != "random" else None
        if step == "random":
            time.sleep(self.rng.uniform(1.0, 3.5))
            process.send_signal(signal.SIGKILL)
        result = operator.finish(process)
        self.tally.runs += 1
        if side is not None:
            side.join()
        self._count_broker_fault(emulator, armed)
        self._record(step, result)

    def _emulator_dies(self, operator: Operator, emulator: Emulator) -> None:
        """The emulator is killed mid-run: the run must exit 4 ("broker unavailable")
        with its store intact. It comes after the invariants were checked, since the
        emulator keeps its broker state in memory and a new one would be another
        broker."""
        process = operator.start_run(max_cycles=RACE_CYCLES, pace=0.3)
        time.sleep(self.rng.uniform(1.0, 2.5))
        emulator.process.send_signal(signal.SIGKILL)
        result = operator.finish(process)
        self.tally.runs += 1
        audit = operator.command("audit", "verify")
        if result.returncode != UNAVAILABLE or audit.returncode != 0:
            self.tally.broker_deaths_mishandled += 1
            self.log(
                f"  emulator died: exit {result.returncode}, audit "
                f"{audit.returncode}: {result.stderr_tail.strip()[-300:]}"
            )
        self._count("emulator_killed_mid_run")

    def _kill_flatten_race(self, operator: Operator) -> None:
        """A partial fill racing a kill with flatten: the kill command, with the
        emulator as its broker, cancels and flattens while the run trades (its large
        orders fill over several bars, so a sell is often partly filled and working;
        the emulator leaves the first cancels working); then the run is SIGKILLed."""
        process = operator.start_run(max_cycles=RACE_CYCLES, pace=0.4)
        time.sleep(self.rng.uniform(1.5, 3.5))
        killed = operator.kill(flatten=True, with_broker=True)
        if killed.returncode not in (0, UNAVAILABLE):  # 4: held back / unconfirmed
            process.kill()
            raise AssertionError(f"kill --flatten failed: {killed.stderr_tail}")
        time.sleep(self.rng.uniform(0.2, 1.5))  # the run answers the kill meanwhile
        process.send_signal(signal.SIGKILL)
        result = operator.finish(process)
        self.tally.runs += 1
        self._record(KILL_FLATTEN_RACE, result)

    def _arm_broker_fault(self, emulator: Emulator, step: str) -> str | None:
        emulator.control.clear_faults()
        if step == KILL_FLATTEN_RACE:
            emulator.control.faults(defer_cancels=2)
            return "fill_after_cancel_request"
        if step == "during_kill_switch" and self.rng.random() < 0.7:
            emulator.control.faults(defer_cancels=2)
            return "fill_after_cancel_request"
        if self.rng.random() < 0.45:
            kinds = [k for k in BROKER_FAULTS if k != "slow_beyond_client_timeout"]
            if self.rng.random() < 0.1:
                kinds = ["slow_beyond_client_timeout"]
            kind = self.rng.choice(kinds)
            emulator.control.faults(**BROKER_FAULTS[kind])
            return kind
        return None

    def _count_broker_fault(self, emulator: Emulator, kind: str | None) -> None:
        if kind is None:
            return
        left = emulator.control.state()["faults"]
        armed = (
            {"defer_cancels": 2}
            if kind == "fill_after_cancel_request"
            else BROKER_FAULTS[kind]
        )
        used = sum(armed[k] - left[k] for k in armed if k in _COUNTER)
        if used:
            self.tally.faults[kind] += used

    def _side_fault(
        self, store: ChaosStore, emulator: Emulator, process: Any
    ) -> threading.Thread | None:
        """Sometimes: a store fault, a stream drop or an out-of-band order mid-run."""
        roll = self.rng.random()
        delay = self.rng.uniform(1.2, 2.5)
        if 0.4 <= roll < 0.55:
            order = {
                "symbol": self.rng.choice(SYMBOLS),
                "qty": str(self.rng.randint(1, 3)),
                "side": "buy",
                "type": "limit",
                "limit_price": "1.00",  # far below the market: it rests
                "time_in_force": "gtc",
            }

            def place() -> None:
                time.sleep(delay)
                if process.poll() is None:
                    emulator.control.place_order(**order)
                    self._count("out_of_band_order")

            thread = threading.Thread(target=place, daemon=True)
            thread.start()
            return thread
        if roll < 0.15:
            # SQLite: mostly within the app's 10 s busy timeout, sometimes beyond it.
            seconds = delay if store.kind == "postgres" else self.rng.uniform(0.5, 12.0)
            return store.fault(seconds, lambda: self._count(store.fault_kind))
        if roll < 0.4:

            def drop() -> None:
                time.sleep(delay)
                if (
                    process.poll() is None
                    and emulator.control.stream("drop")["dropped"]
                ):
                    self._count("stream_drop_mid_run")

            thread = threading.Thread(target=drop, daemon=True)
            thread.start()
            return thread
        return None

    def _count(self, kind: str) -> None:
        with self.tally.lock:
            self.tally.faults[kind] += 1

    def _record(self, step: str, result: RunResult) -> None:
        if result.killed:
            self.tally.crashes[step] += 1
        elif result.returncode == 0:
            self.tally.points_not_reached += 1
        elif result.returncode == -999:
            raise AssertionError(f"run hung at step {step}: {result.stderr_tail}")
        else:
            self.tally.error_exits += 1
            self.log(
                f"  {step}: exit {result.returncode}: {result.stderr_tail.strip()[-300:]}"
            )

    def _run(
        self, operator: Operator, max_cycles: int | None, point: str | None
    ) -> RunResult:
        result = operator.finish(
            operator.start_run(max_cycles=max_cycles, fault_point=point)
        )
        self.tally.runs += 1
        return result

    def _ok(self, result: RunResult, what: str) -> None:
        if result.returncode != 0:
            raise AssertionError(
                f"{what} failed ({result.returncode}): {result.stderr_tail}"
            )


def campaign(
    store: str,
    *,
    crashes: int,
    seed: int,
    per_scenario: int = 10,
    log: Callable[[str], None] = print,
    keep: Path | None = None,
) -> Tally:
    """Run scenarios on ``store`` until at least ``crashes`` SIGKILLs happened."""
    tally = Tally(store=store)
    rng = random.Random(seed)
    while sum(tally.crashes.values()) < crashes:
        scenario_seed = rng.randrange(1, 2**31)
        left = crashes - sum(tally.crashes.values())
        scenario = Scenario(
            store, scenario_seed, min(per_scenario, max(left, 2)), tally, log
        )
        workdir = Path(tempfile.mkdtemp(prefix=f"chaos-{store}-", dir=keep))
        try:
            verdict = scenario.play(workdir)
        except BaseException:
            log(
                f"scenario {scenario_seed} failed; its processes' logs are in {workdir}"
            )
            raise
        log(
            f"{store} scenario {tally.scenarios} (seed {scenario_seed}): "
            f"{sum(tally.crashes.values())} crashes so far; "
            f"{'clean' if verdict.clean else verdict.problems}"
        )
        if verdict.clean and keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
        elif not verdict.clean:
            log(f"  logs kept in {workdir}")
    return tally
