"""The list endpoints: ``GET /v2/orders``, ``GET /v2/account/activities/FILL`` and
``GET /v2/calendar``.

Query strings arrive as alpaca-py spells them: booleans as ``True``/``False``
(capitalised), datetimes as ISO 8601 with an offset, lists comma-joined.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import wire
from tradecore.adapters.alpaca_emulator.state import EmulatorState
from tradecore.domain.errors import InvalidInput
from tradecore.domain.market.calendar import MarketCalendar
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


# --- GET /v2/calendar -------------------------------------------------------------

#: US equities settle T+1 from 2024-05-28 (SEC rule 15c6-1 as amended), T+2 from
#: 2017-09-05, T+3 before: (first trade date, business days to settlement).
_SETTLEMENT_CYCLES = ((date(2024, 5, 28), 1), (date(2017, 9, 5), 2), (date.min, 3))
_DATE_TYPES = ("TRADING", "SETTLEMENT")
#: An always-open calendar has no range of its own: the days served by default.
ALWAYS_OPEN_DEFAULT_DAYS = 365


def bad_request(message: str) -> err.ApiError:
    """Return Alpaca's 400 for a query it cannot read (code 40010001)."""
    return err.ApiError(400, wire.error(err.VALIDATION, message))


def _day(query: Mapping[str, str], key: str) -> date | None:
    """A ``YYYY-MM-DD`` date, or an RFC 3339 time taken as its New York date."""
    text = query.get(key)
    if text is None or not text.strip():
        return None
    text = text.strip().replace(" ", "+")
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        # Alpaca's own words for an unreadable date (Alpaca-API#81).
        raise bad_request(
            f"{key} is in an invalid format. Consider formatting your timestamp "
            "more explicitly, like: '2006-01-02T15:04:05Z'"
        )
    return at.astimezone(wire.EASTERN).date()


def settlement_date(calendar: MarketCalendar, day: date) -> date:
    """The day a trade on ``day`` settles: T+1/T+2/T+3 sessions of ``calendar``.

    Settlement really follows the clearing (bank) calendar, which also closes on
    Columbus Day and Veterans Day; the emulator counts exchange sessions. Past the
    calendar's last session it counts weekdays.
    """
    days = next(n for start, n in _SETTLEMENT_CYCLES if day >= start)
    for _ in range(days):
        try:
            day = calendar.next_session(day)
        except InvalidInput:
            day += timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
    return day


def calendar(state: EmulatorState, query: Mapping[str, str]) -> list[Json]:
    """Answer ``GET /v2/calendar?start=&end=[&date_type=TRADING|SETTLEMENT]``.

    Both bounds are inclusive. Without them Alpaca serves its whole calendar (1970
    to 2029, per its docs), so the emulator serves its calendar's whole range
    (``EmulatorConfig.calendar``, 2015-2035 by default); an always-open calendar,
    which has no range, serves the year from the emulator's today. Bounds outside
    the range are clipped (the range tells the same story as Alpaca's list ending);
    an empty or reversed range answers ``[]``; an unreadable date answers 400.
    ``date_type=SETTLEMENT`` selects the days whose settlement date is in range.
    """
    market = state.config.calendar
    date_type = query.get("date_type", "TRADING").strip().upper()
    if date_type not in _DATE_TYPES:
        raise bad_request(f"invalid date_type: {query['date_type']!r}")
    start, end = _day(query, "start"), _day(query, "end")
    settle = date_type == "SETTLEMENT"
    if market.is_always_open:
        first = start or (state.now.date() if end is None else end)
        last = end or first + timedelta(days=ALWAYS_OPEN_DEFAULT_DAYS - 1)
        if start is None and end is not None:
            first = last - timedelta(days=ALWAYS_OPEN_DEFAULT_DAYS - 1)
    else:
        first = max(start or market.first_session, market.first_session)
        last = min(end or market.last_session, market.last_session)
    if settle:  # a settlement date is at most a week after its trade date
        first = first - timedelta(days=7)
        if not market.is_always_open:
            first = max(first, market.first_session)
    if last < first:
        return []
    answer = []
    for session in market.sessions_between(first, last):
        settles = settlement_date(market, session.date)
        if settle and not (
            (start is None or settles >= start) and (end is None or settles <= end)
        ):
            continue
        answer.append(wire.calendar_json(session, settles))
    return answer
