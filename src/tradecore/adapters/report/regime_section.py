"""The report's "By regime" section: what trading made and cost in each regime.

Each decision of a run with ``[regime]`` carries the filtered regime it was made in
(``details["regime"]["state"]``, 0 = calmest). Its orders' fills are grouped by that
state: fills, traded notional, fees, the mean realized cost in bps (net-of-cost
runs: the TCA of each order) and the realized P&L of round trips, attributed to the
regime the position was *opened* in (average cost; a position that flips opens
anew). Decisions made before the first fit are "none". A run without regimes has
no such section (the page stays as it was).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from tradecore.adapters.report.escaping import escape
from tradecore.adapters.report.tables import RawColumns, SearchedColumns
from tradecore.domain.execution.tca import ExecutionAnalysis

Rows = Sequence[Mapping[str, object]]
NONE = "none"
_ZERO = Decimal(0)


def _details_values(decisions: Rows) -> Iterable[object]:
    """Each decision's ``details``: a stored table's JSON text as stored (it parses
    to what the row's canonical re-spelling parses to), else the row's value."""
    if isinstance(decisions, RawColumns):
        return decisions.raw_column("details")
    return (row.get("details") for row in decisions)


def _may_name_regime(raw: object) -> bool:
    """Whether a decision's details may carry a regime (then they are parsed):
    what :func:`_none_may_name_regime` asks of every decision at once.

    JSON text spells a key ``regime`` with its letters (or escapes them with
    ``\\u``): text with neither has none. Such a decision counts under "none" and,
    while no order has a regime (nor costs need the orders listed), names no order
    this section needs, so its text is not parsed. (The decisions' CSV parses every
    one: a text that is not JSON still fails the report.)
    """
    return not isinstance(raw, str) or "regime" in raw or "\\u" in raw


#: What a decision's details text holds when it may carry a regime.
REGIME_WORDS = ("regime", "\\u")


def _none_may_name_regime(decisions: Rows) -> bool:
    """Whether no decision's details may carry a regime, asked of a stored table
    in its file (else False: the details are read one by one).

    Why: without cost analyses, decisions that cannot name a regime count under
    "none" unparsed, and a run whose decisions all count there has no section;
    reading the column (sorted, a string per decision) only told that.
    """
    if not isinstance(decisions, SearchedColumns):
        return False
    return not decisions.raw_any_holding("details", REGIME_WORDS)


def _details(raw: object) -> Mapping[str, object]:
    parsed = json.loads(raw) if isinstance(raw, str) else raw
    return parsed if isinstance(parsed, Mapping) else {}


def _state(details: Mapping[str, object]) -> str | None:
    regime = details.get("regime")
    if not isinstance(regime, Mapping):
        return None
    return str(regime.get("state"))


class _Group:
    def __init__(self) -> None:
        self.decisions = 0
        self.fills = 0
        self.notional = _ZERO
        self.fees = _ZERO
        self.pnl = _ZERO
        self.costs: list[float] = []


def _group(groups: dict[str, _Group], key: str) -> _Group:
    """``groups[key]``, made (in the dict's order) when it is new: a group is
    not built per decision only to be dropped by ``setdefault``."""
    found = groups.get(key)
    if found is None:
        found = groups[key] = _Group()
    return found


def regime_groups(
    decisions: Rows, fills: Rows, tca: Sequence[ExecutionAnalysis] = ()
) -> dict[str, _Group]:
    """Per regime state (and "none"): the figures of the module docstring; empty
    when no decision carries a regime."""
    if not tca and _none_may_name_regime(decisions):
        return {}  # every decision under "none", unparsed, as the loop counts them
    groups: dict[str, _Group] = {}
    # Orders outside any regime count under NONE without an entry (a fill's lookup
    # defaults to it): a run with no regimes then holds no id per order. The cost
    # analyses need them listed: only orders named here get their costs counted.
    by_order: dict[str, str] = {}
    keep_none = bool(tca)
    for raw in _details_values(decisions):
        if not keep_none and not by_order and not _may_name_regime(raw):
            _group(groups, NONE).decisions += 1  # what parsing it gives
            continue
        details = _details(raw)
        key = _state(details) or NONE
        _group(groups, key).decisions += 1
        order = details.get("client_order_id")
        if not isinstance(order, str):
            continue
        if keep_none or key != NONE:
            by_order[order] = key
        else:
            by_order.pop(order, None)  # a later decision on it, outside regimes
    if not any(k != NONE for k in groups):
        return {}
    _add_fills(groups, by_order, fills)
    for analysis in tca:
        owner = by_order.get(analysis.execution.client_order_id)
        if owner is not None and analysis.realized_cost_bps is not None:
            groups.setdefault(owner, _Group()).costs.append(analysis.realized_cost_bps)
    return groups


def _add_fills(
    groups: dict[str, _Group], by_order: Mapping[str, str], fills: Rows
) -> None:
    held: dict[str, tuple[Decimal, Decimal, str]] = {}  # symbol -> qty, avg, opened in
    for fill in fills:
        key = by_order.get(str(fill.get("client_order_id")), NONE)
        group = groups.setdefault(key, _Group())
        qty = Decimal(str(fill["qty"])) * (1 if fill["side"] == "buy" else -1)
        price = Decimal(str(fill["price"]))
        group.fills += 1
        group.notional += abs(qty) * price
        group.fees += Decimal(str(fill.get("fee") or 0))
        symbol = str(fill["symbol"])
        position, average, opened = held.get(symbol, (_ZERO, _ZERO, key))
        if position == 0 or (position > 0) == (qty > 0):
            total = position + qty
            average = (position * average + qty * price) / total
            held[symbol] = (total, average, key if position == 0 else opened)
            continue
        closed = min(abs(qty), abs(position))
        sign = 1 if position > 0 else -1
        groups.setdefault(opened, _Group()).pnl += sign * closed * (price - average)
        rest = position + qty
        if rest == 0:
            held.pop(symbol, None)
        elif (rest > 0) == (position > 0):
            held[symbol] = (rest, average, opened)
        else:  # flipped: the remainder opens a new position in this regime
            held[symbol] = (rest, price, key)


def regime_section(
    decisions: Rows, fills: Rows, tca: Sequence[ExecutionAnalysis] = ()
) -> str:
    """The "By regime" section (empty without regimes)."""
    groups = regime_groups(decisions, fills, tca)
    if not groups:
        return ""
    head = (
        "<tr><th>regime</th><th>decisions</th><th>fills</th><th>notional</th>"
        "<th>fees</th><th>realized P&amp;L (opened in)</th><th>mean cost bps</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(key)}</td><td class='num'>{g.decisions}</td>"
        f"<td class='num'>{g.fills}</td><td class='num'>{g.notional:,.2f}</td>"
        f"<td class='num'>{g.fees:,.2f}</td><td class='num'>{g.pnl:,.2f}</td>"
        f"<td class='num'>{_mean(g.costs)}</td></tr>"
        for key, g in sorted(groups.items(), key=lambda kv: (kv[0] == NONE, kv[0]))
    )
    return (
        '<section id="regimes"><h2>By regime<small>filtered regime at each decision; '
        "0 = calmest</small></h2>"
        f"<table>{head}{rows}</table></section>"
    )


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.2f}" if values else "–"
