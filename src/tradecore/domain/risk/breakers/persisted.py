"""How breaker and trading-state rows in the store say who did what.

The store keeps one row per breaker (tripped or not, a reason, when) and a history of
trading states (state, reason, when). Every process that shares the store reads the
same rows, so the *reason* text carries two facts in a fixed shape:

* a breaker row ``tripped`` with a reason starting ``approved:`` has a person's
  approval to recover once its quiet period is over (``tradecore-live breaker
  approve``); any other tripped row is waiting for one;
* a trading state whose reason starts ``breaker:`` was set by a breaker, so breakers
  may lift it again when they clear; a state a person or the kill switch set is
  never lifted by a breaker.
"""

from __future__ import annotations

from collections.abc import Mapping

from tradecore.domain.risk.trading_state import BreakerState, TradingState

TRIPPED_PREFIX = "tripped: "
APPROVED_PREFIX = "approved: "
CLEARED_PREFIX = "cleared: "
BREAKER_STATE_PREFIX = "breaker:"

_SEVERITY = {TradingState.ACTIVE: 0, TradingState.REDUCING: 1, TradingState.HALTED: 2}


def severity(state: TradingState) -> int:
    """Order the states: ACTIVE < REDUCING < HALTED."""
    return _SEVERITY[state]


def most_severe(states: list[TradingState]) -> TradingState:
    """The most restrictive of ``states`` (ACTIVE for none)."""
    return max(states, key=severity, default=TradingState.ACTIVE)


def trip_reason(inputs: Mapping[str, str]) -> str:
    """The reason stored when a breaker trips: its inputs, ``k=v`` sorted."""
    return TRIPPED_PREFIX + ", ".join(f"{k}={v}" for k, v in sorted(inputs.items()))


def approved_reason(reason: str) -> str:
    """The reason stored when a person approves recovery."""
    return APPROVED_PREFIX + reason


def approval_of(row: BreakerState | None) -> str | None:
    """The approval recorded on a tripped breaker row, or ``None``."""
    if row is None or not row.tripped or not row.reason.startswith(APPROVED_PREFIX):
        return None
    return row.reason[len(APPROVED_PREFIX) :]


def set_by_breaker(reason: str) -> bool:
    """Whether a trading state with this reason was set by a breaker."""
    return reason.startswith(BREAKER_STATE_PREFIX)
