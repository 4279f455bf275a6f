"""The list endpoints: ``GET /v2/orders`` and ``GET /v2/account/activities/FILL``.

Query strings arrive as alpaca-py spells them: booleans as ``True``/``False``
(capitalised), datetimes as ISO 8601 with an offset, lists comma-joined.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.state import EmulatorState
from tradecore.domain.orders.broker_status import BrokerOrderStatus
from tradecore.domain.venue.sim_order import FINAL, SimOrder

Json = dict[str, Any]
MAX_ORDERS = 500
MAX_ACTIVITIES = 100


def flag(query: Mapping[str, str], key: str) -> bool:
    """Return a query boolean, case-insensitively (alpaca-py sends ``True``)."""
    value = query.get(key, "false").strip().lower()
    if value not in ("true", "false"):
        raise err.validation(f"invalid {key}: {query[key]!r}")
    return value == "true"


def when(query: Mapping[str, str], key: str) -> datetime | None:
    """Return a query datetime (an unescaped ``+`` arrives as a space)."""
    text = query.get(key)
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text.strip().replace(" ", "+"))
    except ValueError:
        raise err.validation(f"invalid {key}: {text!r}") from None
    if at.tzinfo is None:
        raise err.validation(f"{key} needs a timezone")
    return at


def integer(query: Mapping[str, str], key: str, default: int, most: int) -> int:
    """Return a positive integer query value, capped at ``most``."""
    text = query.get(key)
    if text is None:
        return default
    if not text.isdigit() or int(text) < 1:
        raise err.validation(f"invalid {key}: {text!r}")
    return min(int(text), most)


def _status_matches(order: SimOrder, status: str) -> bool:
    if status == "all":
        return True
    final = order.status in FINAL
    if status == "closed":
        return final
    return not final and order.status is not BrokerOrderStatus.HELD


def list_orders(state: EmulatorState, query: Mapping[str, str]) -> list[Json]:
    """Answer ``GET /v2/orders``: filters on status, time, side and symbols."""
    status = query.get("status", "open")
    if status not in ("open", "closed", "all"):
        raise err.validation(f"invalid status: {status!r}")
    direction = query.get("direction", "desc")
    if direction not in ("asc", "desc"):
        raise err.validation(f"invalid direction: {direction!r}")
    nested = flag(query, "nested")
    after, until = when(query, "after"), when(query, "until")
    symbols = {s for s in query.get("symbols", "").split(",") if s}
    side = query.get("side")
    chosen = [
        o
        for o in state.all_orders()
        if _status_matches(o, status)
        and not (nested and o.parent_id is not None)
        and (after is None or o.submitted_at > after)
        and (until is None or o.submitted_at < until)
        and (not symbols or o.spec.symbol in symbols)
        and (side is None or o.spec.side.value == side)
    ]
    if direction == "desc":
        chosen.reverse()
    limit = integer(query, "limit", 50, MAX_ORDERS)
    return [state.render(o, nested=nested) for o in chosen[:limit]]


def fill_activities(state: EmulatorState, query: Mapping[str, str]) -> list[Json]:
    """Answer ``GET /v2/account/activities/FILL``, paged by the last id seen."""
    direction = query.get("direction", "desc")
    if direction not in ("asc", "desc"):
        raise err.validation(f"invalid direction: {direction!r}")
    after, until = when(query, "after"), when(query, "until")
    items = [
        a
        for a in state.activities
        if (after is None or _at(a) > after) and (until is None or _at(a) < until)
    ]
    if direction == "desc":
        items.reverse()
    token = query.get("page_token")
    if token is not None:
        ids = [a["id"] for a in items]
        if token not in ids:
            raise err.validation(f"invalid page_token: {token!r}")
        items = items[ids.index(token) + 1 :]
    return items[: integer(query, "page_size", MAX_ACTIVITIES, MAX_ACTIVITIES)]


def _at(activity: Json) -> datetime:
    return datetime.fromisoformat(activity["transaction_time"])
