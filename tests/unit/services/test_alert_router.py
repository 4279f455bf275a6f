"""The alert router: routes, de-duplication, rate limits, kill switch, failures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tradecore.adapters.sim import SimClock
from tradecore.domain.errors import AlertDeliveryFailed, ConfigurationError
from tradecore.ports.alerts import Alert, Severity
from tradecore.services.observation.alerting import (
    FAILURE_CODE,
    RATE_LIMITED_CODE,
    AlertRoute,
    AlertRouter,
    RouterPolicy,
)

T0 = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


class RecordingSink:
    """Keeps what it was given; fails on demand."""

    def __init__(self, name: str, *, fail: bool = False) -> None:
        self.name = name
        self.fail = fail
        self.alerts: list[Alert] = []

    def deliver(self, alert: Alert) -> None:
        if self.fail:
            raise AlertDeliveryFailed(f"{self.name} is down")
        self.alerts.append(alert)


def _alert(
    code: str, severity: Severity = Severity.WARNING, **context: object
) -> Alert:
    return Alert(
        severity=severity,
        code=code,
        message=f"{code} happened",
        raised_at=T0,
        context=context,
    )


def _router(
    *sinks: RecordingSink, routes: list[AlertRoute] | None = None, **policy: object
) -> tuple[AlertRouter, SimClock]:
    clock = SimClock(T0)
    routes = routes or [AlertRoute(sinks=tuple(s.name for s in sinks))]
    return AlertRouter(sinks, routes, clock, RouterPolicy(**policy)), clock  # type: ignore[arg-type]


def test_routes_by_severity_and_code_pattern() -> None:
    page, chat, log = RecordingSink("page"), RecordingSink("chat"), RecordingSink("log")
    router, _ = _router(
        page,
        chat,
        log,
        routes=[
            AlertRoute(sinks=("page",), min_severity=Severity.CRITICAL),
            AlertRoute(sinks=("chat",), codes=("breaker.*", "manifest.*")),
            AlertRoute(sinks=("log",)),
        ],
    )
    router.send(_alert("breaker.daily_loss", Severity.CRITICAL))
    router.send(_alert("breaker.reject_rate"))
    router.send(_alert("data.stale", Severity.INFO))
    assert [a.code for a in page.alerts] == ["breaker.daily_loss"]
    assert [a.code for a in chat.alerts] == [
        "breaker.daily_loss",
        "breaker.reject_rate",
    ]
    assert len(log.alerts) == 3


def test_an_alert_no_route_matches_goes_nowhere() -> None:
    sink = RecordingSink("page")
    router, _ = _router(
        sink, routes=[AlertRoute(sinks=("page",), min_severity=Severity.CRITICAL)]
    )
    router.send(_alert("data.stale"))
    assert sink.alerts == []


def test_a_storm_is_the_first_alert_now_and_one_summary_with_the_count() -> None:
    sink = RecordingSink("hook")
    router, clock = _router(sink, window_s=60)
    for _ in range(1000):
        router.send(_alert("broker.rate_limited"))
        clock.advance(0.05)
    assert [a.count for a in sink.alerts] == [1]
    clock.advance(10)  # 60s after the first: the window closes
    router.flush()
    assert [a.count for a in sink.alerts] == [1, 1000]
    summary = sink.alerts[1]
    assert summary.first_raised_at == T0
    assert "raised 1000 times in 60s" in summary.message
    router.flush()
    assert len(sink.alerts) == 2


def test_a_single_alert_has_no_summary_and_a_new_window_delivers_again() -> None:
    sink = RecordingSink("hook")
    router, clock = _router(sink, window_s=60)
    router.send(_alert("data.stale"))
    clock.advance(61)
    router.send(_alert("data.stale"))
    assert [a.count for a in sink.alerts] == [1, 1]


def test_the_dedup_key_and_severity_separate_kinds() -> None:
    sink = RecordingSink("hook")
    router, _ = _router(sink)
    router.send(_alert("data.stale", dedup_key="AAPL"))
    router.send(_alert("data.stale", dedup_key="MSFT"))
    router.send(_alert("data.stale", Severity.CRITICAL, dedup_key="AAPL"))
    router.send(_alert("data.stale", dedup_key="AAPL"))
    assert len(sink.alerts) == 3


def test_close_delivers_pending_summaries() -> None:
    sink = RecordingSink("hook")
    router, _ = _router(sink)
    for _ in range(3):
        router.send(_alert("x.y"))
    router.close()
    assert [a.count for a in sink.alerts] == [1, 3]


def test_rate_limit_holds_back_non_critical_alerts_into_one_summary() -> None:
    sink = RecordingSink("hook")
    router, clock = _router(sink, window_s=60, max_per_window=3)
    for n in range(6):
        router.send(_alert(f"code.{n}"))
    router.send(_alert("code.9", Severity.CRITICAL))
    assert [a.code for a in sink.alerts] == ["code.0", "code.1", "code.2", "code.9"]
    clock.advance(60)
    router.flush()
    summary = sink.alerts[-1]
    assert summary.code == RATE_LIMITED_CODE
    assert summary.count == 3
    assert summary.context == {"held_back": {"code.3": 1, "code.4": 1, "code.5": 1}}


def test_configured_critical_codes_trip_the_kill_switch_once_and_say_so() -> None:
    sink = RecordingSink("hook")
    tripped: list[str] = []
    clock = SimClock(T0)
    router = AlertRouter(
        [sink],
        [AlertRoute(sinks=("hook",))],
        clock,
        RouterPolicy(kill_switch_codes={"broker.lockout"}),
        kill_switch=lambda alert: tripped.append(alert.code),
    )
    for _ in range(5):
        router.send(_alert("broker.lockout", Severity.CRITICAL))
    router.send(_alert("broker.lockout"))  # a warning never trips it
    router.send(_alert("data.stale", Severity.CRITICAL))
    assert tripped == ["broker.lockout"]
    assert sink.alerts[0].context["kill_switch"] == "tripped"
    assert "kill switch tripped" in sink.alerts[0].message
    assert "kill_switch" not in sink.alerts[-1].context


def test_a_kill_switch_that_fails_is_reported_in_the_alert() -> None:
    sink = RecordingSink("hook")

    def broken(alert: Alert) -> None:
        raise RuntimeError("store unreachable")

    router = AlertRouter(
        [sink],
        [AlertRoute(sinks=("hook",))],
        SimClock(T0),
        RouterPolicy(kill_switch_codes={"broker.lockout"}),
        kill_switch=broken,
    )
    router.send(_alert("broker.lockout", Severity.CRITICAL))
    assert "KILL SWITCH FAILED" in sink.alerts[0].message
    assert router.failures[0][0] == "kill_switch"


def test_a_failing_sink_never_raises_and_is_reported_to_the_failure_sinks() -> None:
    down, log = RecordingSink("hook", fail=True), RecordingSink("log")
    router, _ = _router(
        down, log, routes=[AlertRoute(sinks=("hook",))], failure_sinks=("log", "hook")
    )
    router.send(_alert("breaker.daily_loss", Severity.CRITICAL))
    assert list(router.failures) == [("hook", "breaker.daily_loss", "hook is down")]
    [report] = log.alerts
    assert report.code == FAILURE_CODE
    assert report.context == {
        "sink": "hook",
        "alert_code": "breaker.daily_loss",
        "error": "hook is down",
    }


def test_a_bug_in_a_sink_does_not_reach_trading() -> None:
    class Buggy(RecordingSink):
        def deliver(self, alert: Alert) -> None:
            raise ZeroDivisionError("oops")

    router, _ = _router(Buggy("hook"))
    router.send(_alert("x.y"))
    assert router.failures[0][2] == "oops"


@pytest.mark.parametrize(
    ("routes", "policy"),
    [
        ([AlertRoute(sinks=("nope",))], {}),
        ([AlertRoute(sinks=("hook",))], {"failure_sinks": ("gone",)}),
    ],
)
def test_unknown_sink_names_are_configuration_errors(
    routes: list[AlertRoute], policy: dict[str, object]
) -> None:
    with pytest.raises(ConfigurationError, match="unknown sinks"):
        AlertRouter(
            [RecordingSink("hook")], routes, SimClock(T0), RouterPolicy(**policy)
        )  # type: ignore[arg-type]


def test_bad_policy_and_empty_routes_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError):
        RouterPolicy(window_s=0)
    with pytest.raises(ConfigurationError):
        AlertRoute(sinks=())
