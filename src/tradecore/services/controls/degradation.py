"""Measuring component health for the degradation policy, and announcing mode changes.

:mod:`tradecore.domain.risk.degradation` says which mode a set of healths means and what
each mode allows; this service measures the healths from what the process sees:

* broker: the share of failed calls in a sliding window, reported by
  :class:`~tradecore.services.controls.monitored_broker.MonitoredBroker`;
* data feed: the age of the traded symbol's last accepted bar (the engine asks with
  it at decision time, so a healthy feed costs nothing per bar), and the feed's
  regime (its provenance, :meth:`DegradationMonitor.on_feed`), which counts only
  under ``DegradedFeedAction.NO_NEW_ENTRIES``: by default a degraded feed (iex,
  delayed_sip) reduces aggression (the execution policy goes passive), no halt;
* store: failed units of work in a row, reported by :class:`MonitoredCommits`;
* model: set by whoever owns the model (a failed load, a drifted feature schema).

A mode change is alerted once, with the healths behind it.
"""

from __future__ import annotations

from collections import deque
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType

from tradecore.domain.errors import StoreError
from tradecore.domain.market.bar_frame import to_ns
from tradecore.domain.market.bars import Provenance
from tradecore.domain.orders.spec import Side
from tradecore.domain.risk.checks import RiskVerdict
from tradecore.domain.risk.degradation import (
    Component,
    DegradedFeedAction,
    Health,
    HealthThresholds,
    Mode,
    allows,
    broker_health,
    data_health,
    mode_for,
    order_action,
    regime_health,
    store_health,
    worst,
)
from tradecore.ports.alerts import Alert, Alerter, Severity
from tradecore.ports.store import UnitOfWork
from tradecore.services.durability.commits import (
    CommitInBatches,
    CommitPolicy,
    flush_reporting,
)

#: Prefix of a skip reason that names the degradation mode which refused an order.
DEGRADED = "degraded:"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FULL = Mode.FULL
_OK = Health.OK
_REDUCE_AGGRESSION = DegradedFeedAction.REDUCE_AGGRESSION
#: Past any bar age two datetimes can be apart (about 3.2e20 ns): an age limit
#: this large lets every age through.
_NO_AGE_LIMIT = 2**80


class DegradationMonitor:
    """Component health from observations; the mode they add up to."""

    def __init__(
        self,
        thresholds: HealthThresholds | None = None,
        alerter: Alerter | None = None,
        *,
        degraded_feed: DegradedFeedAction = DegradedFeedAction.REDUCE_AGGRESSION,
    ) -> None:
        """Measure with ``thresholds``; send mode changes to ``alerter`` if given.

        ``degraded_feed`` says what a degraded data regime does (see
        :class:`DegradedFeedAction`; default: reduce aggression only, no halt).
        """
        self._t = thresholds or HealthThresholds()
        self._window = timedelta(seconds=self._t.broker_window_s)
        self._alerter = alerter
        self._calls: deque[tuple[datetime, bool]] = deque()
        self._failed_calls = 0
        #: The instant the window was last cut for, and its cutoff: an order asks
        #: at one instant several times (the mode, the pre-send check, the submit).
        self._cut_for: datetime | None = None
        self._cutoff: datetime | None = None
        #: Units of work that failed in a row (a committed one resets it to 0).
        self.store_errors = 0
        self._model = Health.OK
        self._degraded_feed = degraded_feed
        #: The provenance of the newest bar seen (``None``: no bar yet).
        self.feed: Provenance | None = None
        self.mode_now = Mode.FULL
        #: The mode each data-feed health gives while every other component is OK.
        self._data_modes = {h: mode_for({Component.DATA_FEED: h}) for h in Health}
        #: The largest bar age (ns) the data feed is OK at (see :func:`full_age_ns`).
        self._full_age_ns = full_age_ns(self._t)

    def refusal(
        self,
        now: datetime,
        last_bar_ns: int | None,
        side: Side,
        qty: Decimal,
        current: Decimal,
    ) -> RiskVerdict | None:
        """Refuse an order the mode now does not allow (``None``: allowed).

        The data feed's health is judged by the age of the traded symbol's last
        accepted bar (``last_bar_ns``; ``None``: no bar yet). A refusal is a verdict
        whose rule is ``degraded:<mode>``, recorded as the decision's skip reason.

        Asked before every order, and nearly always FULL with a fresh bar: then the
        age is compared in integer nanoseconds with :attr:`_full_age_ns`, with
        ``to_ns(now)``'s arithmetic inline for a plain UTC datetime (no call, no
        float age, no health looked up: about 8 K instructions of an order). Any
        other case is :meth:`_refusal`'s, which raises where it raises.
        """
        if (
            self.mode_now is _FULL
            and last_bar_ns is not None
            and now.__class__ is datetime
            and now.tzinfo is UTC
            # :meth:`_quiet`, spelled out
            and self._failed_calls == 0
            and self.store_errors == 0
            and self._model is _OK
            and (self.feed is None or self._degraded_feed is _REDUCE_AGGRESSION)
        ):
            d = now - _EPOCH
            now_ns = (d.days * 86_400 + d.seconds) * 1_000_000_000 + (
                d.microseconds * 1_000
            )
            if now_ns - last_bar_ns <= self._full_age_ns:
                return None
        return self._refusal(now, last_bar_ns, side, qty, current)

    def _refusal(
        self,
        now: datetime,
        last_bar_ns: int | None,
        side: Side,
        qty: Decimal,
        current: Decimal,
    ) -> RiskVerdict | None:
        """:meth:`refusal` the general way: the age in seconds, its health."""
        age = None if last_bar_ns is None else (to_ns(now) - last_bar_ns) / 1e9
        # :meth:`mode`'s data-only case when it has nothing to announce, without its
        # calls: FULL is what it returns for this age. Skipped: cutting the broker
        # window (no failed call before the cut means none after it; every reader
        # of the window cuts it first).
        if (
            self.mode_now is Mode.FULL
            and self._quiet()
            and self._data_modes[data_health(age, self._t)] is Mode.FULL
        ):
            return None
        mode = self.mode(now, age)
        if mode is Mode.FULL:  # allows every action: no need to classify this one
            return None
        delta = qty if side is Side.BUY else -qty
        action = order_action(current, delta)
        if allows(mode, action):
            return None
        return RiskVerdict(
            rule=f"{DEGRADED}{mode.value}",
            values={
                "mode": mode.value,
                "action": action.value,
                "position_before": str(current),
                "position_after": str(current + delta),
                "data_age_s": "none" if age is None else repr(age),
            },
        )

    # --- observations ----------------------------------------------------------------

    def on_broker_call(self, at: datetime, *, failed: bool) -> None:
        """A broker call finished; ``failed``: no answer (timeout, 5xx, refused)."""
        calls = self._calls
        calls.append((at, failed))
        self._failed_calls += failed
        # ``_expire(at)``: two broker calls per order, most at the instant the
        # window was last cut for, with no call old enough to drop.
        cutoff = self._cutoff
        if at is not self._cut_for or cutoff is None or calls[0][0] <= cutoff:
            self._expire(at)

    def on_answered_call(self, at: datetime) -> None:
        """:meth:`on_broker_call` of a call the broker answered (``failed=False``).

        The monitored broker's every order makes two (its pre-send rule check and
        its submit): no keyword, no failure to count, and ``_expire`` spelled out
        for the first call at a new instant (about 1 K instructions an order).
        """
        calls = self._calls
        calls.append((at, False))
        cutoff = self._cutoff
        if at is not self._cut_for or cutoff is None:
            self._cut_for, self._cutoff = at, (cutoff := at - self._window)
        elif calls[0][0] > cutoff:  # cut for this instant: nothing old enough
            return
        while calls and calls[0][0] <= cutoff:
            self._failed_calls -= calls.popleft()[1]

    def on_store_result(self, *, failed: bool) -> None:
        """A unit of work committed (``failed=False``) or raised a store error."""
        self.store_errors = self.store_errors + 1 if failed else 0

    def on_feed(self, provenance: Provenance) -> None:
        """The newest bar came from a feed of ``provenance`` (iex, sip, ...)."""
        self.feed = provenance

    def set_model_health(self, health: Health) -> None:
        """The model's owner says how it is (e.g. DOWN when it failed to load)."""
        self._model = health

    # --- the verdict -----------------------------------------------------------------

    def health(self, at: datetime, data_age_s: float | None) -> dict[Component, Health]:
        """Every component's health at ``at``, the data feed's for one symbol's age."""
        self._expire(at)
        t = self._t
        return {
            Component.BROKER: broker_health(self._failed_calls, len(self._calls), t),
            Component.DATA_FEED: worst(
                data_health(data_age_s, t),
                regime_health(self.feed, self._degraded_feed),
            ),
            Component.MODEL: self._model,
            Component.STORE: store_health(self.store_errors, t),
        }

    def mode(self, at: datetime, data_age_s: float | None) -> Mode:
        """The mode at ``at``; a change from the last answer is alerted.

        Asked before every order, so when only the data age can be other than OK
        (no failed broker call in the window, no store error, the model OK, the
        feed's regime not counted) the mode is read from the data health alone:
        :func:`mode_for` of the full healths gives the same (OK components add
        FULL, the least restrictive mode). The healths are built for an alert.
        """
        if self._only_data_can_fail(at):
            mode = self._data_modes[data_health(data_age_s, self._t)]
            if mode is self.mode_now:
                return mode
            health = self.health(at, data_age_s)
        else:
            health = self.health(at, data_age_s)
            mode = mode_for(health)
            if mode is self.mode_now:
                return mode
        self._announce(at, self.mode_now, mode, health)
        self.mode_now = mode
        return mode

    def _only_data_can_fail(self, at: datetime) -> bool:
        """Whether every component but the data age is OK at ``at`` (the broker is
        OK with no failed call in its window, the store with no error in a row:
        the thresholds are at least one failure; the regime counts only under
        ``no_new_entries`` with a feed known)."""
        self._expire(at)
        return self._quiet()

    def _quiet(self) -> bool:
        """:meth:`_only_data_can_fail` without cutting the broker window first:
        True only when it is (a cut drops calls, so never adds a failed one)."""
        return (
            self._failed_calls == 0
            and self.store_errors == 0
            and self._model is Health.OK
            and (
                self.feed is None
                or self._degraded_feed is DegradedFeedAction.REDUCE_AGGRESSION
            )
        )

    def _expire(self, at: datetime) -> None:
        cutoff = self._cutoff
        if at is not self._cut_for or cutoff is None:
            self._cut_for, self._cutoff = at, (cutoff := at - self._window)
        calls = self._calls
        while calls and calls[0][0] <= cutoff:
            self._failed_calls -= calls.popleft()[1]

    def _announce(
        self, at: datetime, old: Mode, new: Mode, health: dict[Component, Health]
    ) -> None:
        if self._alerter is None:
            return
        worse = new is not Mode.FULL
        self._alerter.send(
            Alert(
                severity=Severity.WARNING if worse else Severity.INFO,
                code="degradation_mode",
                message=f"trading mode {old} -> {new}",
                raised_at=at,
                context={"from": old.value, "to": new.value}
                | {c.value: h.value for c, h in health.items()},
            )
        )


def full_age_ns(t: HealthThresholds) -> int:
    """The largest bar age in nanoseconds at which the data feed is OK under ``t``.

    Why: the age is asked of every order; an integer compare stands in for the
    float age and its :func:`data_health`. The health of an age ``(ns / 1e9)``
    only worsens as ``ns`` grows (every step rounds monotonically), so the ages
    it is OK at are those up to one bound, found here by bisection with
    :func:`data_health` itself as the judge.
    """

    def ok(age_ns: int) -> bool:
        return data_health(age_ns / 1e9, t) is Health.OK

    if not ok(0):  # the thresholds forbid it; no age passes, as none would
        return -_NO_AGE_LIMIT
    bad = 1
    while ok(bad):
        if bad >= _NO_AGE_LIMIT:
            return bad
        bad *= 2
    good = 0
    while bad - good > 1:
        mid = (good + bad) // 2
        if ok(mid):
            good = mid
        else:
            bad = mid
    return good


def monitored_commits(inner: CommitPolicy, monitor: DegradationMonitor) -> CommitPolicy:
    """``inner``'s steps, their store errors and commits told to ``monitor``.

    A :class:`MonitoredCommits` around ``inner``; batches (a replay's) report
    through :meth:`CommitInBatches.reporting_to` instead, which tells the monitor
    the same things without a wrapper's calls around each step (several steps run
    per order; ``tests/property/test_reported_batches.py`` holds the two equal).
    """
    if isinstance(inner, CommitInBatches):
        return inner.reporting_to(monitor)
    return MonitoredCommits(inner, monitor)


class MonitoredCommits(CommitPolicy):
    """A commit policy that tells the monitor which units of work failed."""

    def __init__(self, inner: CommitPolicy, monitor: DegradationMonitor) -> None:
        """Delegate to ``inner``; report store errors to ``monitor``."""
        self._inner = inner
        self._monitor = monitor
        #: The last step handed out, kept while ``inner`` hands out the same step
        #: again (a batching policy's steps share one object per batch).
        self._last: _MonitoredStep | None = None

    def step(self) -> _MonitoredStep:
        """Run one step of ``inner``; a store error counts, anything else does not."""
        inner = self._inner.step()
        last = self._last
        if last is None or last.inner is not inner:
            last = self._last = _MonitoredStep(inner, self._monitor)
        return last

    def flush(self) -> None:
        """Flush ``inner``; a store error counts."""
        flush_reporting(self._inner, self._monitor)


class _MonitoredStep:
    """One step of :class:`MonitoredCommits` (a class, not a generator: several
    steps run per order, and a generator-based context manager costs more than the
    step itself)."""

    __slots__ = ("_monitor", "inner")

    def __init__(
        self, inner: AbstractContextManager[UnitOfWork], monitor: DegradationMonitor
    ) -> None:
        self.inner = inner
        self._monitor = monitor

    def __enter__(self) -> UnitOfWork:
        try:
            return self.inner.__enter__()
        except StoreError:
            self._monitor.on_store_result(failed=True)
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.inner.__exit__(exc_type, exc, tb)
        except StoreError:
            self._monitor.on_store_result(failed=True)
            raise
        if exc_type is None:
            # A committed unit resets the count: nothing to do when it is 0 already
            # (the common case; several steps run per order).
            if self._monitor.store_errors:
                self._monitor.on_store_result(failed=False)
        elif issubclass(exc_type, StoreError):
            self._monitor.on_store_result(failed=True)
