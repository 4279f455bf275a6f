"""The intent status machine: the one transition table and the one terminal set.

Every other module (the store's ``open_intents``, the reconciler, the engine) asks this
module whether a status is terminal or a move is legal; none keeps its own list.

Statuses::

    CREATED ──► SUBMITTED ──► ACKED ──► PARTIALLY_FILLED ──► FILLED
                   │            │  ▲          │
                   │            ▼  │          ▼
                   │      PENDING_CANCEL / PENDING_REPLACE
                   ▼
    terminal: FILLED, CANCELED, REJECTED, EXPIRED, FAILED, REPLACED

Late fills: the broker's fills are the truth, so a terminal intent still counts a fill
with a new execution id. The broker's own endings (CANCELED, EXPIRED, REPLACED) keep
their status and become FILLED only if the fill completes the quantity: the broker said
the order is over, and a fill racing its cancel does not make it work again.

Fills overrule our verdicts. REJECTED and FAILED (:data:`VERDICTS`) are conclusions we
drew (an answer we read as a refusal, an order we believed lost or never sent), and a
fill proves the broker had the order after all. So a fill moves such an intent on, to
PARTIALLY_FILLED (open again: the broker is working the rest, so the reconciler must
follow it to its end) or FILLED. It is the only way a terminal status reopens, and the
order manager records it as a discrepancy with an alert (``order.fill_after_verdict``)
rather than crashing on it: refusing the fill would leave our position wrong.
"""

from __future__ import annotations

import enum

from tradecore.domain.errors import IllegalTransition


class IntentStatus(enum.StrEnum):
    """Where an order intent is in its life."""

    CREATED = "created"
    SUBMITTED = "submitted"
    ACKED = "acked"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    PENDING_REPLACE = "pending_replace"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"
    FAILED = "failed"
    REPLACED = "replaced"


S = IntentStatus

TERMINAL: frozenset[IntentStatus] = frozenset(
    {S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.FAILED, S.REPLACED}
)
OPEN: frozenset[IntentStatus] = frozenset(IntentStatus) - TERMINAL

#: The broker's own endings: a late fill is counted, and completes them into FILLED.
LATE_FILL_ACCEPTING: frozenset[IntentStatus] = frozenset(
    {S.CANCELED, S.EXPIRED, S.REPLACED}
)
#: Our verdicts, which the broker's fills overrule (to PARTIALLY_FILLED or FILLED).
VERDICTS: frozenset[IntentStatus] = frozenset({S.REJECTED, S.FAILED})

_WORKING = frozenset({S.ACKED, S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE})
_ENDINGS = frozenset({S.FILLED, S.CANCELED, S.REJECTED, S.EXPIRED, S.FAILED})

#: status -> the statuses it may move to (a self-move is always allowed and a no-op).
TRANSITIONS: dict[IntentStatus, frozenset[IntentStatus]] = {
    # Never sent: it can only be sent, or fail before sending.
    S.CREATED: frozenset({S.SUBMITTED, S.FAILED}),
    # Sent, outcome not yet known: anything the broker can say next.
    S.SUBMITTED: frozenset({S.ACKED, S.PARTIALLY_FILLED, S.PENDING_CANCEL} | _ENDINGS),
    S.ACKED: frozenset(
        {S.PARTIALLY_FILLED, S.PENDING_CANCEL, S.PENDING_REPLACE, S.REPLACED} | _ENDINGS
    ),
    S.PARTIALLY_FILLED: frozenset(
        {S.PENDING_CANCEL, S.PENDING_REPLACE, S.REPLACED} | _ENDINGS - {S.REJECTED}
    ),
    S.PENDING_CANCEL: frozenset(
        {S.ACKED, S.PARTIALLY_FILLED} | _ENDINGS  # cancel refused -> back to working
    ),
    S.PENDING_REPLACE: frozenset({S.ACKED, S.PARTIALLY_FILLED, S.REPLACED} | _ENDINGS),
    S.FILLED: frozenset(),
    # The broker ended it; a fill that raced the ending can only complete it.
    S.CANCELED: frozenset({S.FILLED}),
    S.EXPIRED: frozenset({S.FILLED}),
    S.REPLACED: frozenset({S.FILLED}),
    # We concluded the broker does not have it; its fills prove otherwise (module doc).
    S.REJECTED: frozenset({S.PARTIALLY_FILLED, S.FILLED}),
    S.FAILED: frozenset({S.PARTIALLY_FILLED, S.FILLED}),
}

#: Statuses in which the broker may be working the order (fills may still arrive).
WORKING: frozenset[IntentStatus] = _WORKING | {S.SUBMITTED}


def is_terminal(status: IntentStatus) -> bool:
    """Return whether ``status`` ends the intent's life."""
    return status in TERMINAL


def check_transition(current: IntentStatus, target: IntentStatus) -> None:
    """Raise :class:`IllegalTransition` unless ``current -> target`` is in the table.

    Raises:
        IllegalTransition: the move is not in :data:`TRANSITIONS`.
    """
    if target is current:
        return
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"{current.value} -> {target.value} is not allowed")
