"""What the operator commands share: the store's controls, the broker, the wording.

Every command works on the configured store, which every trading process shares; the
broker (for ``kill`` and ``status``) comes from ``apps/wiring/broker_factory.py``.
Alerts go to the store's audit log and the ``tradecore.alerts`` logger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.clock import SystemClock
from tradecore.adapters.sqlstore import SqlStore
from tradecore.apps.wiring.broker_factory import build_broker
from tradecore.apps.wiring.context import cli_context, open_configured_store
from tradecore.domain.risk.trading_state import BreakerState
from tradecore.ports.broker import Broker
from tradecore.services.controls.operator import Controls

Reason = Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")]


@contextmanager
def opened(ctx: typer.Context) -> Iterator[tuple[SqlStore, Controls]]:
    """The configured store and the operator's controls on it (closed after)."""
    store = open_configured_store(ctx)
    try:
        clock = SystemClock()
        yield store, Controls(store, clock, StoreLogAlertSink.on_store(store))
    finally:
        store.close()


def configured_broker(ctx: typer.Context) -> Broker | None:
    """The configured broker (``None``: none configured)."""
    return build_broker(cli_context(ctx).settings(), SystemClock())


def breaker_line(b: BreakerState) -> str:
    """One breaker as a line: name, state, reason, when."""
    flag = "TRIPPED" if b.tripped else "clear"
    return f"{b.name}  {flag}  {b.reason}  ({b.changed_at.isoformat()})"
