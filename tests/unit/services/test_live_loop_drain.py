"""After the last cycle the live loop drains the broker: events that arrive late
(a stream catching up) are applied and committed, and the drain stops once the
broker has been quiet for the asked number of rounds."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from tradecore.services.trading.live_loop import MAX_DRAIN_ROUNDS, LiveLoop


class LateBroker:
    """Hands out one queued batch of events per poll, then nothing."""

    def __init__(self, batches: list[list[str]]) -> None:
        self.batches = batches

    def poll_events(self) -> list[str]:
        return self.batches.pop(0) if self.batches else []


class RecordingEngine:
    def __init__(self) -> None:
        self.applied: list[str] = []

    def on_events(self, events: list[str]) -> None:
        self.applied.extend(events)


class Commits:
    def __init__(self) -> None:
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def _loop(broker: LateBroker, engine: RecordingEngine, commits: Commits) -> LiveLoop:
    none: Any = None
    return LiveLoop(
        cast(Any, engine),
        cast(Any, broker),
        none,
        none,
        cast(Any, commits),
        none,
        cycle=timedelta(minutes=1),
    )


def test_late_events_are_applied_until_the_broker_is_quiet() -> None:
    broker = LateBroker([["fill-1"], [], ["fill-2", "fill-3"], [], [], ["too-late"]])
    engine, commits, settles = RecordingEngine(), Commits(), []
    applied = _loop(broker, engine, commits).drain(settle=lambda: settles.append(1))
    assert applied == 3
    assert engine.applied == ["fill-1", "fill-2", "fill-3"]
    assert len(settles) == 5  # a quiet round in between does not end the drain
    assert commits.flushes == 1


def test_a_broker_that_never_goes_quiet_is_not_waited_for_forever() -> None:
    broker = LateBroker([["event"]] * (MAX_DRAIN_ROUNDS + 10))
    engine = RecordingEngine()
    applied = _loop(broker, engine, Commits()).drain(settle=lambda: None)
    assert applied == MAX_DRAIN_ROUNDS
