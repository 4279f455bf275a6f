"""Alpaca's JSON shapes, built from the simulated venue's state.

Every money or quantity value goes out as a string (alpaca-py refuses numbers for
most of them), timestamps are RFC 3339 in UTC, enums use Alpaca's spellings, and
optional keys are present with ``null`` as Alpaca sends them. See docs/alpaca.md §4.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from tradecore.domain.broker_rules.context import AccountFlags, AssetFlags
from tradecore.domain.broker_rules.day_trading import PDT_FIELDS_REMOVED, session_date
from tradecore.domain.market.calendar import MarketCalendar, Session
from tradecore.domain.orders.account import Position
from tradecore.domain.venue.sim_order import SimOrder, derive_id

Json = dict[str, Any]
EASTERN = ZoneInfo("America/New_York")
_EXCHANGE = "NASDAQ"


def iso(at: datetime | None) -> str | None:
    """Return ``at`` as RFC 3339 UTC with a ``Z`` (``None`` stays ``None``)."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def num(value: Decimal | None) -> str | None:
    """Return a Decimal as Alpaca's plain numeric string (never exponent form)."""
    if value is None:
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def asset_id(symbol: str) -> str:
    """Return the stable, UUID-shaped asset id of ``symbol``."""
    return derive_id(0, "asset", symbol)


def account_id(seed: int) -> str:
    """Return the account's UUID, derived from the emulator's seed."""
    return derive_id(seed, "account")


def error(code: int | None, message: str, **extra: str) -> Json:
    """Return an error body; gateway-level errors carry no ``code`` (docs/alpaca.md §5)."""
    body: Json = dict(extra)
    if code is not None:
        body["code"] = code
    body["message"] = message
    return body


def order_class(order: SimOrder, parent: SimOrder | None) -> str:
    """Return ``simple``, ``bracket`` (both exits), ``oto`` (one exit) or ``oco``."""
    entry = parent if parent is not None else order
    if not entry.leg_ids:
        return "simple"
    if entry.spec.oco:
        return "oco"
    return "bracket" if len(entry.leg_ids) == 2 else "oto"


def order_json(
    order: SimOrder,
    times: dict[str, datetime],
    *,
    parent: SimOrder | None = None,
    legs: list[Json] | None = None,
    overrides: Json | None = None,
) -> Json:
    """Return an Order as ``GET /v2/orders/{id}`` does (legs only when nested)."""
    spec = order.spec
    avg = order.avg_price
    body: Json = {
        "id": order.broker_order_id,
        "client_order_id": order.client_order_id,
        "created_at": iso(order.submitted_at),
        "updated_at": iso(order.updated_at),
        "submitted_at": iso(order.submitted_at),
        "filled_at": iso(times.get("filled_at")),
        "expired_at": iso(times.get("expired_at")),
        "canceled_at": iso(times.get("canceled_at")),
        "failed_at": iso(times.get("failed_at")),
        "replaced_at": iso(times.get("replaced_at")),
        "replaced_by": order.replaced_by,
        "replaces": None,
        "asset_id": asset_id(spec.symbol),
        "symbol": spec.symbol,
        "asset_class": "us_equity",
        "notional": num(spec.notional),
        "qty": None if spec.notional is not None else num(order.qty),
        "filled_qty": num(order.filled_qty),
        "filled_avg_price": num(avg),
        "order_class": order_class(order, parent),
        "order_type": spec.order_type.value,
        "type": spec.order_type.value,
        "side": spec.side.value,
        "time_in_force": spec.time_in_force.value,
        "limit_price": num(spec.limit_price),
        "stop_price": num(order.stop_level()),
        "status": order.status.value,
        "extended_hours": spec.extended_hours,
        "legs": legs,
        # Strings: alpaca-py refuses numbers for these three (ALPACA.md §10 item 3).
        "trail_percent": num(spec.trail_percent),
        "trail_price": num(spec.trail_price),
        "hwm": num(order.hwm),
    }
    body.update(overrides or {})
    return body


def position_json(position: Position, mark: Decimal | None) -> Json:
    """Return a Position; marks at ``mark`` (the last close) or at cost."""
    qty, avg = position.qty, position.avg_entry_price
    price = avg if mark is None else mark
    cost, value = qty * avg, qty * price
    pnl = value - cost
    plpc = pnl / abs(cost) if cost else Decimal(0)
    return {
        "asset_id": asset_id(position.symbol),
        "symbol": position.symbol,
        "exchange": _EXCHANGE,
        "asset_class": "us_equity",
        "asset_marginable": True,
        "qty": num(qty),
        "qty_available": num(qty),
        "avg_entry_price": num(avg),
        "side": "long" if qty > 0 else "short",
        "market_value": num(value),
        "cost_basis": num(cost),
        "unrealized_pl": num(pnl),
        "unrealized_plpc": num(plpc),
        "unrealized_intraday_pl": num(pnl),
        "unrealized_intraday_plpc": num(plpc),
        "current_price": num(price),
        "lastday_price": num(price),
        "change_today": "0",
    }


def asset_json(flags: AssetFlags) -> Json:
    """Return an asset as ``GET /v2/assets/{symbol}`` does (alpaca-py ``Asset``)."""
    return {
        "id": asset_id(flags.symbol),
        "class": "us_equity",
        "exchange": _EXCHANGE,
        "symbol": flags.symbol,
        "name": flags.symbol,
        "status": flags.status,
        "tradable": flags.tradable,
        "marginable": flags.marginable,
        "shortable": flags.shortable,
        "easy_to_borrow": flags.easy_to_borrow,
        "fractionable": flags.fractionable,
        "maintenance_margin_requirement": 30,
        "attributes": [],
    }


def account_json(
    seed: int,
    *,
    cash: Decimal,
    buying_power: Decimal,
    equity: Decimal,
    long_value: Decimal,
    short_value: Decimal,
    created_at: datetime,
    flags: AccountFlags | None = None,
    now: datetime | None = None,
) -> Json:
    """Return the account: ``flags`` give its type (multiplier) and shorting.

    Buying power is the venue's free cash whatever the multiplier (margin is not
    modelled), which for a cash account (multiplier 1) is exactly Alpaca's rule.
    The pattern-day-trader fields are sent only before 2026-07-06, the day Alpaca
    removed them (:mod:`tradecore.domain.broker_rules.day_trading`).
    """
    flags = AccountFlags() if flags is None else flags
    money = {
        "buying_power": buying_power,
        "regt_buying_power": buying_power,
        "non_marginable_buying_power": buying_power,
        "options_buying_power": buying_power,
        "cash": cash,
        "accrued_fees": Decimal(0),
        "portfolio_value": equity,
        "equity": equity,
        "last_equity": equity,
        "long_market_value": long_value,
        "short_market_value": short_value,
        "initial_margin": Decimal(0),
        "maintenance_margin": Decimal(0),
        "last_maintenance_margin": Decimal(0),
        "sma": Decimal(0),
    }
    body: Json = {k: num(value) for k, value in money.items()}
    body.update(
        {
            "id": account_id(seed),
            "account_number": f"EMU{seed:08d}",
            "status": "ACTIVE",
            "crypto_status": "INACTIVE",
            "currency": "USD",
            "multiplier": str(flags.multiplier),
            "trading_blocked": False,
            "transfers_blocked": False,
            "account_blocked": False,
            "trade_suspended_by_user": False,
            "shorting_enabled": flags.shorting_enabled,
            "created_at": iso(created_at),
        }
    )
    if now is None or session_date(now) < PDT_FIELDS_REMOVED:
        body["pattern_day_trader"] = flags.pattern_day_trader
        body["daytrade_count"] = flags.daytrade_count or 0
        body["daytrading_buying_power"] = num(buying_power)
    return body


def clock_json(calendar: MarketCalendar, now: datetime) -> Json:
    """Return the market clock in Eastern time, as Alpaca's ``GET /v2/clock`` does.

    ``next_open`` is the next session's open (while open, tomorrow's), ``next_close``
    the close of the session in progress or the next one.
    """
    after = now + timedelta(microseconds=1)
    return {
        "timestamp": now.astimezone(EASTERN).isoformat(),
        "is_open": calendar.is_open(now),
        "next_open": calendar.next_open(after).astimezone(EASTERN).isoformat(),
        "next_close": calendar.next_close(now).astimezone(EASTERN).isoformat(),
    }


#: Alpaca's extended hours around a session: pre-market from 04:00 New York (5.5 h
#: before a 09:30 open), after-hours for 4 h after the close; the same rule as
#: ``ExchangeCalendar.extended_schedule``.
_PRE_MARKET = timedelta(hours=5, minutes=30)
_AFTER_HOURS = timedelta(hours=4)


def _local_time(at: datetime, day: date, *, fallback: str, sep: str) -> str:
    """``at`` as New York ``HH:MM`` (``HHMM`` with ``sep=""``) on ``day``.

    A time that falls on another New York date (only a calendar that is not New
    York's, e.g. always open in UTC days) is clamped to ``fallback``: the day's
    first or last minute, since Alpaca's shape has no room for another date.
    """
    local = at.astimezone(EASTERN)
    if local.date() != day:
        return fallback.replace(":", sep)
    return local.strftime(f"%H{sep}%M")


def calendar_json(session: Session, settlement: date) -> Json:
    """Return one market day as Alpaca's ``GET /v2/calendar`` does.

    The shape is Alpaca's ``Calendar`` entity: ``date`` (``%Y-%m-%d``), ``open`` and
    ``close`` in New York local ``%H:%M`` (alpacahq/alpaca-docs
    ``data/webapi/entities/calendar.yaml``, ``oas/trading/openapi.yaml``
    ``components.schemas.Calendar``; alpaca-py ``alpaca/trading/models.py`` ``Calendar``
    parses ``date + " " + open`` with ``%Y-%m-%d %H:%M``), plus what the live API
    also returns: ``session_open``/``session_close`` as ``HHMM`` without a colon
    (the extended-hours window, ``"0400"``/``"2000"``) and ``settlement_date``, as
    captured from the trading API in alpacahq/alpaca-trade-api-go#266 (2023-12).
    """
    day = session.date
    return {
        "date": day.isoformat(),
        "open": _local_time(session.open, day, fallback="00:00", sep=":"),
        "close": _local_time(session.close, day, fallback="23:59", sep=":"),
        "session_open": _local_time(
            session.open - _PRE_MARKET, day, fallback="00:00", sep=""
        ),
        "session_close": _local_time(
            session.close + _AFTER_HOURS, day, fallback="23:59", sep=""
        ),
        "settlement_date": settlement.isoformat(),
    }


def fill_activity(
    seed: int,
    order: SimOrder,
    *,
    execution_id: str,
    at: datetime,
    qty: Decimal,
    price: Decimal,
    cum_qty: Decimal,
    status: str,
    unrelated_id: bool = False,
) -> Json:
    """Return a ``FILL`` account activity, its id ``<timestamp>::<uuid>``.

    Alpaca documents the id only as "An ID for the activity, always in
    ``<timestamp>::<uuid>`` format. Can be sent as page_token" (the ``TradeActivity``
    entity of alpacahq/alpaca-docs ``content/api-references/trading-api/
    account-activities.md``, rendered from ``account-trade-activity-v2``; quoted in
    metacpan Finance::Alpaca::Struct::Activity); it never says the uuid is the
    stream's ``execution_id``, and alpaca-py has no activities client or fixture.
    One paper observation says it is (a nautilus_trader fork's
    ``docs/integrations/alpaca.md``, 2026-08-20), so that is the default; with
    ``unrelated_id`` the uuid is derived apart from it, to prove a client does not
    depend on the equality.
    """
    stamp = at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")[:17]
    uuid = derive_id(seed, "activity", execution_id) if unrelated_id else execution_id
    return {
        "id": f"{stamp}::{uuid}",
        "account_id": account_id(seed),
        "activity_type": "FILL",
        "transaction_time": iso(at),
        "type": "fill" if cum_qty == order.qty else "partial_fill",
        "price": num(price),
        "qty": num(qty),
        "side": order.spec.side.value,
        "symbol": order.spec.symbol,
        "leaves_qty": num(order.qty - cum_qty),
        "order_id": order.broker_order_id,
        "cum_qty": num(cum_qty),
        "order_status": status,
    }
