"""What the adapter has reported per order, so no event is reported twice.

Events reach the adapter twice over in bad moments: on the stream, and again from
the REST catch-up after a reconnect. The rules:

- a fill is new only if it takes the order's *cumulative* filled quantity past what
  was already reported (stream frames carry the order's ``filled_qty`` after the
  fill; ``FILL`` activities carry ``cum_qty``), whatever its execution id. So a fill
  is never counted twice even if two sources name it differently;
- ``accepted`` is reported once per order; each final or pending status once;
- a refused cancel or replace (``accepted`` with reason ``cancel_rejected`` or
  ``replace_rejected``) is reported whenever the order is not final, and lets the
  next pending cancel or replace be reported again;
- nothing but a racing fill is reported after a final status.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from tradecore.domain.orders.events import FILL_KINDS, OrderEvent, OrderEventKind

K = OrderEventKind
FINAL_KINDS = frozenset({K.FILL, K.CANCELED, K.EXPIRED, K.REJECTED, K.REPLACED})
#: Reasons of an ``accepted`` that undoes a pending cancel or replace.
REVERT_REASONS = {
    "cancel_rejected": K.PENDING_CANCEL,
    "replace_rejected": K.PENDING_REPLACE,
}


@attrs.define
class OrderTrack:
    """One order as far as the adapter has reported it."""

    broker_order_id: str
    client_order_id: str
    submitted_at_iso: str = ""
    filled_qty: Decimal = Decimal(0)
    filled_notional: Decimal = Decimal(0)
    reported: set[OrderEventKind] = attrs.Factory(set)
    final: bool = False


class OrderTracker:
    """Per-order reporting state and the admission rule for new events."""

    def __init__(self) -> None:
        """Track nothing yet."""
        self._tracks: dict[str, OrderTrack] = {}

    def track(
        self, broker_order_id: str, client_order_id: str, submitted_at_iso: str = ""
    ) -> OrderTrack:
        """Return the track of an order, starting one if new."""
        track = self._tracks.get(broker_order_id)
        if track is None:
            track = OrderTrack(broker_order_id, client_order_id, submitted_at_iso)
            self._tracks[broker_order_id] = track
        return track

    def get(self, broker_order_id: str) -> OrderTrack | None:
        """Return the track of an order, if it is tracked."""
        return self._tracks.get(broker_order_id)

    def working(self) -> list[OrderTrack]:
        """Return the orders not yet reported final, in the order first seen."""
        return [t for t in self._tracks.values() if not t.final]

    def gap_before(self, event: OrderEvent, cum_qty: Decimal) -> bool:
        """Return whether fills before this one were missed (cumulative jumps)."""
        track = self._tracks.get(event.broker_order_id or "")
        if track is None or event.fill is None:
            return False
        return cum_qty - event.fill.qty > track.filled_qty

    def admit(self, event: OrderEvent, cum_qty: Decimal | None = None) -> bool:
        """Return whether ``event`` is new; if so, record it as reported.

        ``cum_qty`` is the order's filled quantity after a fill event (defaults to
        what was reported plus this fill).
        """
        assert event.broker_order_id is not None
        track = self.track(event.broker_order_id, event.client_order_id)
        if event.kind in FILL_KINDS:
            return self._admit_fill(track, event, cum_qty)
        if event.kind is K.ACCEPTED and event.reason in REVERT_REASONS:
            track.reported.discard(REVERT_REASONS[event.reason])
            return not track.final
        if track.final or event.kind in track.reported:
            return False
        track.reported.add(event.kind)
        track.final = event.kind in FINAL_KINDS
        return True

    def _admit_fill(
        self, track: OrderTrack, event: OrderEvent, cum_qty: Decimal | None
    ) -> bool:
        fill = event.fill
        assert fill is not None
        after = track.filled_qty + fill.qty if cum_qty is None else cum_qty
        if after <= track.filled_qty:
            return False
        track.filled_qty = after
        track.filled_notional += fill.qty * fill.price
        track.reported.add(event.kind)
        if event.kind is K.FILL:
            track.final = True
        return True
