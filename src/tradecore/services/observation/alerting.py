"""Alert routing: which sinks hear of an alert, and how a storm becomes one message.

The :class:`AlertRouter` is the :class:`~tradecore.ports.alerts.Alerter` trading
talks to. For each alert it

* picks the sinks of every :class:`AlertRoute` matching its severity and code;
* **de-duplicates**: the first alert of a kind (code, severity and the optional
  ``context["dedup_key"]``) is delivered at once; repeats within ``window_s`` are
  only counted, and when the window closes ONE summary carrying the total ``count``
  is delivered (only if there were repeats). A storm of 1000 identical alerts is
  therefore two deliveries: the first, immediately, and one summary with
  ``count=1000``. The first is never delayed: a person must hear of a breaker trip
  now, not when the window closes;
* **rate-limits**: beyond ``max_per_window`` first deliveries in any ``window_s``,
  further non-critical alerts are held back and reported by one
  ``alerts.rate_limited`` summary per window (critical alerts always pass);
* trips the **kill switch** for the configured critical codes, and says so in the
  alert;
* never raises into trading: a sink that fails is recorded (counted, logged, and
  reported to the failure sinks).

Time comes from the Clock port only, so a replay routes alerts deterministically.
Windows close on the next :meth:`AlertRouter.send` or :meth:`AlertRouter.flush`
after they expire; the engine calls ``flush`` once per cycle and ``close`` at exit.
"""

from __future__ import annotations

import fnmatch
import logging
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from tradecore.domain.errors import ConfigurationError
from tradecore.ports.alerts import Alert, AlertCode, Alerter, AlertSink, Severity
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics

_log = logging.getLogger("tradecore.alerts")

#: A callable that halts trading for ``alert``; raising means it could not.
KillSwitch = Callable[[Alert], None]


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _string_set(value: Iterable[str]) -> frozenset[str]:
    return frozenset(value)


def _non_empty(
    instance: object, attribute: attrs.Attribute[object], value: object
) -> None:
    if not value:
        raise ConfigurationError(f"alert route: {attribute.name} must not be empty")


@attrs.frozen(kw_only=True)
class AlertRoute:
    """Send alerts of at least ``min_severity`` whose code matches ``codes`` to ``sinks``.

    ``codes`` are shell-style patterns (``breaker.*``, ``manifest.verify_failed``).
    """

    sinks: tuple[str, ...] = attrs.field(converter=_strings, validator=_non_empty)
    min_severity: Severity = Severity.INFO
    codes: tuple[str, ...] = attrs.field(default=("*",), converter=_strings)

    def matches(self, alert: Alert) -> bool:
        """Return True when this route applies to ``alert``."""
        if alert.severity.rank < self.min_severity.rank:
            return False
        return any(fnmatch.fnmatchcase(alert.code, p) for p in self.codes)


@attrs.frozen(kw_only=True)
class RouterPolicy:
    """Windows, limits, and which alerts trip the kill switch."""

    window_s: float = 300.0
    max_per_window: int = 30
    kill_switch_codes: frozenset[str] = attrs.field(
        default=frozenset(), converter=_string_set
    )
    #: Sinks that hear about failed deliveries (a failing sink is skipped).
    failure_sinks: tuple[str, ...] = attrs.field(default=(), converter=_strings)

    def __attrs_post_init__(self) -> None:
        if not self.window_s > 0 or self.max_per_window < 1:
            raise ConfigurationError(
                "alerts: window_s must be > 0 and max_per_window >= 1, got "
                f"{self.window_s} and {self.max_per_window}"
            )


@attrs.define
class _Window:
    first: Alert
    last: Alert
    opened_at: datetime
    sinks: tuple[str, ...]
    count: int = 1


@attrs.define
class _Overflow:
    since: datetime
    counts: dict[str, int] = attrs.field(factory=dict)
    sinks: dict[str, None] = attrs.field(factory=dict)  # insertion-ordered set
    severity: Severity = Severity.INFO


class AlertRouter(Alerter):
    """Routes, de-duplicates and rate-limits alerts; see the module docstring."""

    def __init__(
        self,
        sinks: Sequence[AlertSink],
        routes: Sequence[AlertRoute],
        clock: Clock,
        policy: RouterPolicy | None = None,
        *,
        kill_switch: KillSwitch | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        """Build the router.

        Raises:
            ConfigurationError: a route or the policy names a sink that does not
                exist, or two sinks share a name.
        """
        self._sinks: dict[str, AlertSink] = {s.name: s for s in sinks}
        if len(self._sinks) != len(sinks):
            raise ConfigurationError("alerts: two sinks have the same name")
        self._routes = tuple(routes)
        self._clock = clock
        self._policy = policy or RouterPolicy()
        self._check_sink_names()
        self._kill_switch = kill_switch
        self._metrics = metrics
        self._window = timedelta(seconds=self._policy.window_s)
        self._windows: dict[tuple[str, ...], _Window] = {}
        self._delivered_at: deque[datetime] = deque()
        self._overflow: _Overflow | None = None
        #: Deliveries that failed, as (sink, alert code, error text), oldest first.
        self.failures: deque[tuple[str, str, str]] = deque(maxlen=1000)

    def _check_sink_names(self) -> None:
        named = [n for r in self._routes for n in r.sinks]
        named += list(self._policy.failure_sinks)
        unknown = sorted(set(named) - self._sinks.keys())
        if unknown:
            raise ConfigurationError(
                f"alerts: routes name unknown sinks {unknown}; "
                f"known: {sorted(self._sinks)}"
            )

    def send(self, alert: Alert) -> None:
        """Route ``alert``; never raises (a failure is recorded instead)."""
        try:
            self._send(alert)
        except Exception:  # the one place trading is shielded from alerting bugs
            _log.exception("alert routing failed for %s", alert.code)

    def flush(self) -> None:
        """Deliver the summaries of every window that has expired by now."""
        try:
            self._flush(self._clock.now(), force=False)
        except Exception:
            _log.exception("alert flush failed")

    def close(self) -> None:
        """Deliver every pending summary now (at shutdown), expired or not."""
        try:
            self._flush(self._clock.now(), force=True)
        except Exception:
            _log.exception("alert flush at close failed")

    def _send(self, alert: Alert) -> None:
        now = self._clock.now()
        self._flush(now, force=False)
        key = (
            alert.code,
            alert.severity.value,
            str(alert.context.get("dedup_key", "")),
        )
        window = self._windows.get(key)
        if window is not None:
            window.count += 1
            window.last = alert
            return
        sinks = self._route(alert)
        if not sinks:
            _log.warning("alert %s matches no route; not delivered", alert.code)
            return
        if alert.severity is not Severity.CRITICAL and self._over_limit(now):
            self._hold_back(alert, sinks, now)
            return
        self._windows[key] = _Window(alert, alert, now, sinks)
        self._delivered_at.append(now)
        self._deliver(self._maybe_trip_kill_switch(alert), sinks)

    def _route(self, alert: Alert) -> tuple[str, ...]:
        names: dict[str, None] = {}
        for route in self._routes:
            if route.matches(alert):
                names.update(dict.fromkeys(route.sinks))
        return tuple(names)

    def _over_limit(self, now: datetime) -> bool:
        while self._delivered_at and now - self._delivered_at[0] >= self._window:
            self._delivered_at.popleft()
        return len(self._delivered_at) >= self._policy.max_per_window

    def _hold_back(self, alert: Alert, sinks: tuple[str, ...], now: datetime) -> None:
        overflow = self._overflow = self._overflow or _Overflow(since=now)
        overflow.counts[alert.code] = overflow.counts.get(alert.code, 0) + 1
        overflow.sinks.update(dict.fromkeys(sinks))
        if alert.severity.rank > overflow.severity.rank:
            overflow.severity = alert.severity

    def _flush(self, now: datetime, *, force: bool) -> None:
        expired = [
            key
            for key, window in self._windows.items()
            if force or now - window.opened_at >= self._window
        ]
        for key in expired:
            window = self._windows.pop(key)
            if window.count > 1:
                self._deliver(_summary(window, self._policy.window_s), window.sinks)
        overflow = self._overflow
        if overflow and (force or now - overflow.since >= self._window):
            self._overflow = None
            self._deliver(_overflow_summary(overflow, now), tuple(overflow.sinks))

    def _maybe_trip_kill_switch(self, alert: Alert) -> Alert:
        if (
            self._kill_switch is None
            or alert.severity is not Severity.CRITICAL
            or alert.code not in self._policy.kill_switch_codes
        ):
            return alert
        try:
            self._kill_switch(alert)
        except Exception as e:
            self._record_failure("kill_switch", alert, e)
            return _annotated(alert, f"failed to trip: {e}", "KILL SWITCH FAILED")
        return _annotated(alert, "tripped", "kill switch tripped")

    def _deliver(self, alert: Alert, sinks: Sequence[str]) -> None:
        for name in sinks:
            try:
                self._sinks[name].deliver(alert)
            except Exception as e:
                self._record_failure(name, alert, e)

    def _record_failure(self, sink: str, alert: Alert, error: Exception) -> None:
        self.failures.append((sink, alert.code, str(error)))
        _log.warning("alert %s not delivered by %s: %s", alert.code, sink, error)
        if self._metrics is not None:
            self._metrics.alert_delivery_failed(sink)
        if alert.code == FAILURE_CODE:
            return  # never report a failure to report a failure: no loops
        report = Alert(
            severity=Severity.WARNING,
            code=FAILURE_CODE,
            message=f"alert {alert.code} could not be delivered by {sink}",
            raised_at=self._clock.now(),
            context={"sink": sink, "alert_code": alert.code, "error": str(error)},
        )
        others = [s for s in self._policy.failure_sinks if s != sink]
        self._deliver(report, others)


#: The code of the alert reporting a failed delivery.
FAILURE_CODE = AlertCode.DELIVERY_FAILED.value
#: The code of the summary of alerts held back by the rate limit.
RATE_LIMITED_CODE = AlertCode.ALERTS_HELD_BACK.value


def _summary(window: _Window, window_s: float) -> Alert:
    return attrs.evolve(
        window.last,
        message=f"{window.first.message} (raised {window.count} times in {window_s:g}s)",
        count=window.count,
        first_raised_at=window.first.raised_at,
    )


def _overflow_summary(overflow: _Overflow, now: datetime) -> Alert:
    total = sum(overflow.counts.values())
    return Alert(
        severity=overflow.severity,
        code=RATE_LIMITED_CODE,
        message=f"{total} alerts held back by the rate limit",
        raised_at=now,
        context={"held_back": dict(sorted(overflow.counts.items()))},
        count=total,
        first_raised_at=overflow.since,
    )


def _annotated(alert: Alert, state: str, note: str) -> Alert:
    context: Mapping[str, object] = {**alert.context, "kill_switch": state}
    return attrs.evolve(alert, message=f"{alert.message} ({note})", context=context)
