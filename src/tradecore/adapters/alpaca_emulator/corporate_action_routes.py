"""``GET /v1/corporate-actions``: the emulator's configured corporate actions.

What alpaca-py 0.44's ``CorporateActionsClient.get_corporate_actions`` sends and
parses (``alpaca/data/historical/corporate_actions.py``,
``alpaca/data/models/corporate_actions.py``): query ``symbols``, ``types``
(comma lists), ``start``/``end`` (dates, inclusive; default: today), ``limit``
(1-1000, default 100), ``page_token``, ``sort`` (``asc``|``desc``); the answer is
``{"corporate_actions": {"forward_splits": [...], "reverse_splits": [...],
"cash_dividends": [...], "name_changes": [...]}, "next_page_token": ...}``, each
item carrying an ``id`` (a UUID), ``cusip``, the rates as JSON numbers and ISO
dates. Items are dated by ``ex_date`` (``process_date`` for a rename), sorted by
that date, then symbol; a page holds at most ``min(limit,
EmulatorConfig.data_page_size)`` items; the token is opaque (the offset of the
next item).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from datetime import date
from typing import Any

from aiohttp import web

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator.routes import STATE, reply
from tradecore.domain.market.corporate_actions import ActionKind, CorporateAction

MAX_LIMIT = 1000
_GROUPS = {
    ActionKind.FORWARD_SPLIT: "forward_splits",
    ActionKind.REVERSE_SPLIT: "reverse_splits",
    ActionKind.CASH_DIVIDEND: "cash_dividends",
    ActionKind.NAME_CHANGE: "name_changes",
}
#: ``types`` values Alpaca knows (the ones the emulator never has match nothing).
_TYPES = frozenset(
    {
        "forward_split",
        "reverse_split",
        "unit_split",
        "cash_dividend",
        "stock_dividend",
        "spin_off",
        "cash_merger",
        "stock_merger",
        "stock_and_cash_merger",
        "redemption",
        "name_change",
        "worthless_removal",
        "rights_distribution",
    }
)


def _bad(message: str) -> err.ApiError:
    return err.ApiError(400, {"code": 40010001, "message": message})


def _day(request: web.Request, key: str, default: date) -> date:
    text = request.query.get(key)
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad(f"invalid {key}: {text!r}") from None


def _list(request: web.Request, key: str) -> list[str]:
    return [s for s in request.query.get(key, "").split(",") if s]


def _limit(request: web.Request) -> int:
    text = request.query.get("limit", "100")
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise _bad(f"invalid limit: {text!r} (1 to {MAX_LIMIT})")
    return int(text)


def _offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(base64.b64decode(token, validate=True).decode())
    except ValueError:
        raise _bad("invalid page_token") from None


def _symbols_of(action: CorporateAction) -> set[str]:
    return {action.symbol, *([action.new_symbol] if action.new_symbol else [])}


def _selected(request: web.Request) -> list[CorporateAction]:
    state = request.app[STATE]
    today = state.now.date()
    start, end = _day(request, "start", today), _day(request, "end", today)
    if end < start:
        raise _bad(f"end {end} is before start {start}")
    types = _list(request, "types")
    unknown = [t for t in types if t not in _TYPES]
    if unknown:
        raise _bad(f"invalid types: {','.join(unknown)}")
    symbols = set(_list(request, "symbols"))
    chosen = [
        a
        for a in state.config.corporate_actions
        if start <= a.ex_date <= end
        and (not types or a.kind.value in types)
        and (not symbols or _symbols_of(a) & symbols)
    ]
    descending = request.query.get("sort", "asc") == "desc"
    return sorted(chosen, key=lambda a: (a.ex_date, a.symbol), reverse=descending)


def action_json(action: CorporateAction) -> dict[str, Any]:
    """One action as Alpaca's corporate-actions API sends it."""
    digest = hashlib.sha256(repr(action).encode()).digest()
    common = {
        "id": str(uuid.UUID(bytes=digest[:16])),
        "process_date": action.ex_date.isoformat(),
    }
    cusip = digest.hex()[:9].upper()
    if action.kind is ActionKind.NAME_CHANGE:
        return common | {
            "old_symbol": action.symbol,
            "old_cusip": cusip,
            "new_symbol": action.new_symbol,
            "new_cusip": cusip,
        }
    dated = common | {
        "symbol": action.symbol,
        "ex_date": action.ex_date.isoformat(),
        "record_date": action.ex_date.isoformat(),
        "payable_date": None
        if action.payable_date is None
        else action.payable_date.isoformat(),
    }
    if action.kind is ActionKind.CASH_DIVIDEND:
        assert action.cash is not None
        return dated | {
            "cusip": cusip,
            "rate": float(action.cash),
            "special": False,
            "foreign": False,
        }
    assert action.ratio is not None
    new, old = action.ratio.as_integer_ratio()
    ids = {"cusip": cusip}
    if action.kind is ActionKind.REVERSE_SPLIT:
        ids = {"old_cusip": cusip, "new_cusip": cusip}
    return dated | ids | {"new_rate": float(new), "old_rate": float(old)}


async def corporate_actions(request: web.Request) -> web.Response:
    """GET /v1/corporate-actions."""
    limit = min(_limit(request), request.app[STATE].config.data_page_size)
    chosen = _selected(request)
    offset = _offset(request.query.get("page_token"))
    page = chosen[offset : offset + limit]
    groups: dict[str, list[dict[str, Any]]] = {}
    for action in page:
        groups.setdefault(_GROUPS[action.kind], []).append(action_json(action))
    more = offset + limit < len(chosen)
    token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
    return reply({"corporate_actions": groups, "next_page_token": token})


def add_routes(app: web.Application) -> None:
    """Register ``GET /v1/corporate-actions``."""
    app.router.add_get(
        "/v1/corporate-actions", corporate_actions, name="corporate_actions"
    )
