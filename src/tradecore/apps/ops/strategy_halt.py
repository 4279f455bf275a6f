"""``tradecore-live strategy halt|resume|list``: halt one sub-strategy of a portfolio.

The request is a control row in the store every trading process shares
(:mod:`tradecore.domain.strategies.portfolio_halts`), written with an audited event
and an alert. A running ``tradecore-live run --strategy portfolio`` reads the rows
after each cycle and halts (or resumes) its sleeve of that name, so the next cycle
reallocates: the halted strategy's contribution is sold, its budget share stays in
cash. A process started later picks the row up before its first decision. A name
no running portfolio holds changes nothing until one does.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tradecore.adapters.alerts.store_log_sink import StoreLogAlertSink
from tradecore.adapters.clock import SystemClock
from tradecore.apps.ops.controls import Reason
from tradecore.apps.wiring.cli_app import CliTyper
from tradecore.apps.wiring.context import open_configured_store
from tradecore.apps.wiring.errors import cli_errors
from tradecore.domain.errors import InvalidInput
from tradecore.domain.strategies.portfolio_halts import (
    STRATEGY_HALT_PREFIX,
    halt_control_name,
    is_strategy_halt,
)
from tradecore.ports.alerts import Alert, Severity
from tradecore.ports.store import Store

strategy_app = CliTyper(
    help="Halt or resume one strategy of a running portfolio.",
    no_args_is_help=True,
)

Name = Annotated[
    str, typer.Argument(help="The strategy's name in the portfolio config.")
]


@strategy_app.command("halt")
def halt(ctx: typer.Context, name: Name, reason: Reason) -> None:
    """Halt strategy NAME in every running portfolio on the store (audited)."""
    with cli_errors():
        _request(ctx, name, reason, halted=True)
    typer.echo(f"strategy {name}: HALTED ({reason}); applied at the next cycle")


@strategy_app.command("resume")
def resume(ctx: typer.Context, name: Name, reason: Reason) -> None:
    """Resume strategy NAME (audited)."""
    with cli_errors():
        _request(ctx, name, reason, halted=False)
    typer.echo(f"strategy {name}: resumed ({reason}); applied at the next cycle")


@strategy_app.command("list")
def list_halts(ctx: typer.Context) -> None:
    """List every strategy halt or resume the store holds."""
    with cli_errors():
        store = open_configured_store(ctx)
        try:
            with store.unit_of_work() as uow:
                rows = [b for b in uow.controls.breakers() if is_strategy_halt(b.name)]
        finally:
            store.close()
    if not rows:
        typer.echo("no strategy was halted on this store")
    for row in rows:
        flag = "HALTED" if row.tripped else "resumed"
        name = row.name.removeprefix(STRATEGY_HALT_PREFIX)
        typer.echo(f"{name}  {flag}  {row.reason}  ({row.changed_at.isoformat()})")


def _request(ctx: typer.Context, name: str, reason: str, *, halted: bool) -> None:
    """Write the control row and its audit event in one unit; then alert.

    Raises:
        InvalidInput: a blank name or reason.
    """
    if not name.strip():
        raise InvalidInput("name", name, "a strategy name is needed")
    if not reason.strip():
        raise InvalidInput("reason", reason, "a halt or resume needs a reason")
    store = open_configured_store(ctx)
    try:
        _write(store, name, reason, halted=halted)
    finally:
        store.close()


def _write(store: Store, name: str, reason: str, *, halted: bool) -> None:
    kind = "strategy_halted" if halted else "strategy_resumed"
    with store.unit_of_work() as uow:
        uow.controls.set_breaker(halt_control_name(name), tripped=halted, reason=reason)
        uow.audit.append(kind, {"strategy": name, "reason": reason, "by": "operator"})
        uow.commit()
    clock = SystemClock()
    word = "halted" if halted else "resumed"
    StoreLogAlertSink.on_store(store).send(
        Alert(
            severity=Severity.WARNING if halted else Severity.INFO,
            code=kind,
            message=f"strategy {name} {word} by the operator: {reason}",
            raised_at=clock.now(),
            context={"strategy": name, "dedup_key": f"{kind}:{name}"},
        )
    )
