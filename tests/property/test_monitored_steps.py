"""The degradation monitor's count of store errors in a row, as steps report it.

A committed step resets the count; :class:`MonitoredCommits` skips that reset when
the count is 0 already (several steps run per order). For any sequence of steps —
committed, refused at commit by the store, failing in their body with a store
error or with any other error — the count is what the rule gives: one more per
store error, 0 after a committed step, unchanged by any other error.
"""

from __future__ import annotations

import contextlib
from types import TracebackType

from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import StoreUnavailable
from tradecore.services.controls.degradation import DegradationMonitor, MonitoredCommits

#: What a step does: commits, the store refuses its commit, its body raises a store
#: error, its body raises another error.
OUTCOMES = ("ok", "commit_refused", "body_store_error", "body_other_error")


class _Step:
    def __init__(self, refuse: bool) -> None:
        self._refuse = refuse

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None and self._refuse:
            raise StoreUnavailable("database is locked")


class _ScriptedCommits:
    """A commit policy whose next step's commit is refused when told so."""

    def __init__(self) -> None:
        self.refuse_next = False

    def step(self) -> _Step:
        return _Step(self.refuse_next)

    def flush(self) -> None:
        return None


@given(st.lists(st.sampled_from(OUTCOMES), max_size=40))
def test_the_count_follows_the_rule(outcomes: list[str]) -> None:
    monitor = DegradationMonitor()
    inner = _ScriptedCommits()
    commits = MonitoredCommits(inner, monitor)  # type: ignore[arg-type]
    expected = 0
    for outcome in outcomes:
        inner.refuse_next = outcome == "commit_refused"
        with contextlib.suppress(StoreUnavailable, ValueError), commits.step():
            if outcome == "body_store_error":
                raise StoreUnavailable("lost the connection")
            if outcome == "body_other_error":
                raise ValueError("not the store's fault")
        if outcome == "ok":
            expected = 0
        elif outcome != "body_other_error":
            expected += 1
        assert monitor.store_errors == expected
