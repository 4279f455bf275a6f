"""A kill, as every process on the store sees it: the HALTED trading state's reason.

The kill switch persists HALTED with a reason that says it was a kill and whether
the operator asked to flatten. A trading process reads the state once per cycle, so
this is how a kill issued from another process (whose broker may be none, or not the
one the trading process uses) reaches the process that holds the orders: it sees
the request and cancels (and flattens) itself. No new table: the state row is
already shared, audited and read every cycle.

The request's id is a content hash of the state row (state, reason, time), so every
process derives the same flatten client order ids for one kill and the store's
idempotent intents make the flatten happen once however many processes act on it.
"""

from __future__ import annotations

from datetime import datetime

import attrs

from tradecore.domain.hashing import sha256_hex
from tradecore.domain.risk.trading_state import TradingState, TradingStateRecord

KILL_PREFIX = "kill: "
KILL_FLATTEN_PREFIX = "kill+flatten: "


@attrs.frozen(kw_only=True, slots=True)
class KillRequest:
    """One kill: why, whether to flatten, when it was persisted, and its id."""

    reason: str
    flatten: bool
    killed_at: datetime
    kill_id: str


def kill_state_reason(reason: str, *, flatten: bool) -> str:
    """The trading-state reason a kill persists (parsed by :func:`kill_request_of`)."""
    return f"{KILL_FLATTEN_PREFIX if flatten else KILL_PREFIX}{reason}"


def kill_request_of(record: TradingStateRecord) -> KillRequest | None:
    """The kill behind ``record``, or ``None`` when the state is not a kill's HALTED."""
    if record.state is not TradingState.HALTED or record.changed_at is None:
        return None
    for prefix, flatten in ((KILL_FLATTEN_PREFIX, True), (KILL_PREFIX, False)):
        if record.reason.startswith(prefix):
            return KillRequest(
                reason=record.reason[len(prefix) :],
                flatten=flatten,
                killed_at=record.changed_at,
                kill_id=sha256_hex(
                    [record.state.value, record.reason, record.changed_at.isoformat()]
                ),
            )
    return None
