"""Per-strategy halts of a running portfolio, as the store's control rows keep them.

An operator halts one sub-strategy of a running portfolio (``tradecore-live strategy
halt NAME``) by writing a control row named ``strategy_halt:NAME`` in the store's
control state (the table the circuit breakers use: a row is *tripped* while the
strategy is halted). Every portfolio process on the store reads those rows after
each cycle and halts or resumes its sleeve of that name, so no restart is needed.
The rows are not circuit breakers: they never move the trading state, and the
operator's "go ACTIVE" check ignores them.
"""

from __future__ import annotations

from collections.abc import Iterable

#: The control row name of a strategy halt is this prefix plus the sleeve's name.
STRATEGY_HALT_PREFIX = "strategy_halt:"


def halt_control_name(sleeve: str) -> str:
    """The control row that halts sleeve ``sleeve``."""
    return STRATEGY_HALT_PREFIX + sleeve


def is_strategy_halt(control_name: str) -> bool:
    """Whether a control row is a strategy halt (not a circuit breaker)."""
    return control_name.startswith(STRATEGY_HALT_PREFIX)


def requested_halts(rows: Iterable[tuple[str, bool]]) -> dict[str, bool]:
    """Sleeve name -> halted, from ``(control name, tripped)`` rows.

    A sleeve without a row is absent: its config (``halted = ...``) still decides.
    """
    return {
        name.removeprefix(STRATEGY_HALT_PREFIX): tripped
        for name, tripped in rows
        if is_strategy_halt(name)
    }
