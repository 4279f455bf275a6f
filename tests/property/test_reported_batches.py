"""Batches that report to the degradation monitor, held to the monitoring wrapper.

:func:`monitored_commits` hands a replay's :class:`CommitInBatches` out as
:meth:`~CommitInBatches.reporting_to` the monitor, whose steps batch and report in
one, instead of wrapping each step in :class:`MonitoredCommits`. For any script of
steps — committed, failing in their body with a store error or another error, the
store refusing a batch's commit, rollback or opening, steps taken through the bare
policy in between (a replay's alert sink), a final flush — both ways raise the same
errors, leave the monitor's count of store errors in a row the same after every
step, and make the store open, commit, roll back and close the same units.
"""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import StoreUnavailable
from tradecore.services.controls.degradation import (
    DegradationMonitor,
    MonitoredCommits,
    monitored_commits,
)
from tradecore.services.durability.commits import (
    CommitInBatches,
    CommitPolicy,
    ReportedBatches,
)

#: What a step does: commits; its body raises a store error or another error; the
#: store refuses the next commit, rollback or opening of a unit; a step through the
#: bare policy (no monitor).
OUTCOMES = (
    "ok",
    "body_store_error",
    "body_other_error",
    "refuse_commit",
    "refuse_rollback",
    "refuse_open",
    "bare_ok",
)


class _Unit:
    """A unit of work that logs what is done to it and fails when scripted to."""

    def __init__(self, store: _Store, number: int) -> None:
        self._store = store
        self._number = number

    def __enter__(self) -> _Unit:
        if self._store.refuse == "open":
            self._store.refuse = None
            raise StoreUnavailable("cannot open")
        self._store.log.append(("open", self._number))
        return self

    def __exit__(self, *exc: object) -> None:
        self._store.log.append(("close", self._number))

    def commit(self) -> None:
        if self._store.refuse == "commit":
            self._store.refuse = None
            raise StoreUnavailable("commit refused")
        self._store.log.append(("commit", self._number))

    def rollback(self) -> None:
        if self._store.refuse == "rollback":
            self._store.refuse = None
            raise StoreUnavailable("rollback refused")
        self._store.log.append(("rollback", self._number))


class _Store:
    """Hands out numbered units; ``refuse`` names the next operation to fail."""

    def __init__(self) -> None:
        self.log: list[tuple[str, int]] = []
        self.refuse: str | None = None
        self._units = 0

    def unit_of_work(self) -> _Unit:
        self._units += 1
        return _Unit(self, self._units)


def _run(
    policy: CommitPolicy, bare: CommitInBatches, store: _Store, outcome: str
) -> Any:
    """Take one step as ``outcome`` says; the error it raised (its type), if any."""
    if outcome.startswith("refuse_"):
        store.refuse = outcome.removeprefix("refuse_")
    try:
        with (bare if outcome == "bare_ok" else policy).step():
            if outcome == "body_store_error":
                raise StoreUnavailable("lost the connection")
            if outcome == "body_other_error":
                raise ValueError("not the store's fault")
    except (StoreUnavailable, ValueError) as e:
        return type(e), str(e)
    return None


@given(
    st.lists(st.sampled_from(OUTCOMES), max_size=30),
    st.integers(min_value=1, max_value=4),
    st.sampled_from([None, "commit", "rollback"]),
)
def test_reported_batches_tell_what_the_wrapper_tells(
    outcomes: list[str], every: int, refuse_at_flush: str | None
) -> None:
    runs = []
    for shortcut in (False, True):
        store, monitor = _Store(), DegradationMonitor()
        bare = CommitInBatches(store, every=every)  # type: ignore[arg-type]
        policy = (
            monitored_commits(bare, monitor)
            if shortcut
            else MonitoredCommits(bare, monitor)
        )
        assert isinstance(policy, ReportedBatches) is shortcut
        seen = []
        for outcome in outcomes:
            raised = _run(policy, bare, store, outcome)
            seen.append((raised, monitor.store_errors, list(store.log)))
        store.refuse = refuse_at_flush
        flushed: object = None
        with contextlib.suppress(StoreUnavailable):
            policy.flush()
            flushed = "flushed"
        seen.append((flushed, monitor.store_errors, list(store.log)))
        runs.append(seen)
    assert runs[1] == runs[0]
