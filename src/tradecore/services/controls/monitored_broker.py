"""A broker wrapper that reports every call's health to the risk gate.

The broker error-rate breaker needs to know how many calls failed (timeouts, 5xx,
dropped connections), and the reject-rate breaker needs synchronous refusals, which
raise instead of arriving as events. Wrapping the port (the same Broker protocol,
delegating everything) keeps the order manager unaware of either.

It is also where the broker's two "stop talking to me" answers surface, so it alerts
on them: credentials refused (401/403: a **lockout**, kept in :attr:`lockout` with
the time before which the account should not be retried; the call still raises, and
the app stops) and rate limiting (429 that the adapter's own waiting did not absorb).

A lockout **fails closed** for new risk, not for risk reduction:

* ``submit`` and ``replace`` are refused here (:class:`AuthenticationFailed`, the
  broker is not called) until the lockout expires **and** a re-auth check (one
  read-only ``account()`` call, made by the first new order after the expiry)
  succeeds; a failed check starts a new lockout.
* ``cancel`` and the reads (orders, positions, account, events) are still attempted:
  cancelling can only reduce exposure, and reconciling needs the reads. Any of
  them answering 401/403 again renews the lockout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from tradecore.domain.broker_rules.breach import RuleBreach
from tradecore.domain.errors import (
    AuthenticationFailed,
    BrokerError,
    BrokerRejected,
    RateLimited,
    TransientBrokerError,
)
from tradecore.domain.orders.account import AccountSnapshot, Position
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.spec import OrderSpec
from tradecore.ports.alerts import Alert, AlertCode, Alerter, Severity
from tradecore.ports.broker import Broker, BrokerOrder, Capability
from tradecore.ports.clock import Clock
from tradecore.ports.metrics import Metrics
from tradecore.services.controls.degradation import DegradationMonitor
from tradecore.services.controls.risk_gate import RiskGate

_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class BrokerLockout:
    """The broker refused our credentials at ``since``; leave it alone until ``until``."""

    since: datetime
    until: datetime
    reason: str


class MonitoredBroker(Broker):
    """Delegates to ``inner``; tells ``gate`` which calls failed and which were refused."""

    def __init__(
        self,
        inner: Broker,
        gate: RiskGate,
        clock: Clock,
        *,
        health: DegradationMonitor | None = None,
        alerter: Alerter | None = None,
        metrics: Metrics | None = None,
        lockout: timedelta = timedelta(minutes=15),
    ) -> None:
        """Wrap ``inner``; times come from ``clock``; ``health`` also hears of calls.

        ``alerter`` hears of lockouts and rate limiting, ``metrics`` counts 429s;
        ``lockout`` is how long after a 401/403 the account is left alone.
        """
        self._inner = inner
        self._gate = gate
        self._clock = clock
        self._health = health
        self._alerter = alerter
        self._metrics = metrics
        self._lockout_for = lockout
        #: The last credentials refusal, if any (the cycle summary reports it).
        self.lockout: BrokerLockout | None = None

    @property
    def capabilities(self) -> frozenset[Capability]:
        """What the wrapped broker can do now (it may learn it from the account)."""
        return self._inner.capabilities

    def _call(self, call: Callable[..., _T], *args: Any) -> _T:
        """Run ``call(*args)``; an answer (even a refusal) is a healthy call, silence
        is not. (The arguments are passed through rather than closed over by a
        lambda: two calls per order, each a closure built and called for nothing.)"""
        try:
            result = call(*args)
        except RateLimited as e:
            self._report(failed=True)
            self._rate_limited(e)
            raise
        except AuthenticationFailed as e:
            self._report(failed=True)
            self._locked_out(e)
            raise
        except TransientBrokerError:
            self._report(failed=True)
            raise
        except BrokerError:
            self._report(failed=False)
            raise
        # _report(failed=False) spelled out: the answered call is the one every
        # order makes twice (its pre-send rule check and its submit), and the
        # call with its keyword cost about 1 K instructions each time.
        # The gate hears of calls only when a breaker counts them (else it would
        # return at once: a call with its keyword, about 1 K instructions).
        now = self._clock.now()
        if (gate := self._gate).counts_broker_calls:
            gate.on_broker_call(now, failed=False)
        if (health := self._health) is not None:
            health.on_answered_call(now)
        return result

    def _report(self, *, failed: bool) -> None:
        now = self._clock.now()
        self._gate.on_broker_call(now, failed=failed)
        if self._health is not None:
            self._health.on_broker_call(now, failed=failed)

    def _rate_limited(self, error: RateLimited) -> None:
        if self._metrics is not None:
            self._metrics.rate_limited()
        wait = error.retry_after_s
        self._alert(
            Severity.WARNING,
            AlertCode.BROKER_RATE_LIMITED,
            f"broker rate limit hit (429): {error}",
            {"retry_after_s": "unknown" if wait is None else repr(wait)},
        )

    def _locked_out(self, error: AuthenticationFailed) -> None:
        now = self._clock.now()
        self.lockout = BrokerLockout(
            since=now, until=now + self._lockout_for, reason=str(error)
        )
        self._alert(
            Severity.CRITICAL,
            AlertCode.BROKER_LOCKOUT,
            f"broker refused the credentials (401/403): {error}; "
            f"do not retry before {self.lockout.until.isoformat()}",
            {"until": self.lockout.until},
        )

    def _alert(
        self, level: Severity, code: AlertCode, message: str, context: dict[str, object]
    ) -> None:
        if self._alerter is not None:
            self._alerter.send(
                Alert(
                    severity=level,
                    code=code.value,
                    message=message,
                    raised_at=self._clock.now(),
                    context=context,
                )
            )

    def _check_not_locked_out(self, action: str) -> None:
        """Refuse new orders during a lockout; after it, re-check the credentials.

        Raises:
            AuthenticationFailed: still locked out, or the re-auth check was refused.
        """
        lockout = self.lockout
        if lockout is None:
            return
        if self._clock.now() < lockout.until:
            raise AuthenticationFailed(
                f"{action} refused: broker locked out (401/403) until "
                f"{lockout.until.isoformat()}; no new orders before then"
            )
        self._call(self._inner.account)  # the re-auth check; a 401 locks out again
        self.lockout = None

    def submit(self, client_order_id: str, spec: OrderSpec) -> BrokerOrder:
        """Submit through the inner broker (not while locked out); refusals count."""
        if self.lockout is not None:
            self._check_not_locked_out(f"submit {client_order_id}")
        try:
            return self._call(self._inner.submit, client_order_id, spec)
        except BrokerRejected:
            self._gate.on_submit_rejected(self._clock.now())
            raise

    def cancel(self, broker_order_id: str) -> None:
        """Cancel through the inner broker, lockout or not (it only reduces risk)."""
        self._call(self._inner.cancel, broker_order_id)

    def replace(
        self,
        broker_order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        stop_price: Decimal | None = None,
    ) -> BrokerOrder:
        """Replace through the inner broker (not while locked out: it is a new order)."""
        if self.lockout is not None:
            self._check_not_locked_out(f"replace {broker_order_id}")
        return self._call(
            lambda: self._inner.replace(
                broker_order_id,
                client_order_id=client_order_id,
                qty=qty,
                limit_price=limit_price,
                stop_price=stop_price,
            )
        )

    def get_order(self, broker_order_id: str) -> BrokerOrder:
        """Look an order up through the inner broker."""
        return self._call(self._inner.get_order, broker_order_id)

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder:
        """Look an order up by client id through the inner broker."""
        return self._call(self._inner.get_order_by_client_id, client_order_id)

    def open_orders(self) -> Sequence[BrokerOrder]:
        """List open orders through the inner broker."""
        return self._call(self._inner.open_orders)

    def positions(self) -> Sequence[Position]:
        """List positions through the inner broker."""
        return self._call(self._inner.positions)

    def rule_breach(self, spec: OrderSpec) -> RuleBreach | None:
        """The wrapped broker's pre-send check (a broker call at most for a new
        symbol's asset or a stale account: watched like any call)."""
        return self._call(self._inner.rule_breach, spec)

    def account(self) -> AccountSnapshot:
        """Read the account through the inner broker (its day-trade count goes to
        the gate's pattern-day-trader monitor)."""
        snapshot = self._call(self._inner.account)
        self._gate.on_account(snapshot)
        return snapshot

    def poll_events(self) -> Sequence[OrderEvent]:
        """Poll events through the inner broker."""
        return self._call(self._inner.poll_events)

    def rate_budget_left(self) -> float | None:
        """Requests the inner broker's rate limiter allows now (``None``: no limiter)."""
        return rate_budget_left(self._inner)


def rate_budget_left(broker: object) -> float | None:
    """``broker``'s rate-limit budget left, if it is paced by a limiter (else None)."""
    budget = getattr(broker, "rate_budget_left", None)
    if not callable(budget):
        return None
    left = budget()
    return None if left is None else float(left)
