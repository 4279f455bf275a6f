"""The report's "By regime" table: fills and fees by the regime of their decision,
round-trip P&L by the regime the position opened in; no table without regimes."""

from __future__ import annotations

import json
from decimal import Decimal

from tradecore.adapters.report.regime_section import regime_groups, regime_section


def _decision(order: str, state: int | None) -> dict[str, object]:
    details: dict[str, object] = {"client_order_id": order}
    if state is not None:
        details["regime"] = {"state": state, "probabilities": [0.5, 0.5]}
    return {"details": json.dumps(details)}


def _fill(
    order: str, side: str, qty: int, price: str, fee: str = "1"
) -> dict[str, object]:
    return {"client_order_id": order, "symbol": "AAA", "side": side, "qty": str(qty),
            "price": price, "fee": fee}  # fmt: skip


DECISIONS = [
    _decision("a", None),
    _decision("b", 0),
    _decision("c", 1),
    _decision("d", 1),
]
FILLS = [
    _fill("a", "buy", 100, "10"),  # opened before any fit: "none"
    _fill("b", "sell", 100, "12"),  # closes it: +200 to "none"
    _fill("b", "buy", 50, "12"),  # opens in calm
    _fill("c", "sell", 150, "11"),  # closes 50 (-50 to calm), flips short 100 in 1
    _fill("d", "buy", 100, "10"),  # covers: +100 to state 1
]


def test_pnl_goes_to_the_regime_a_position_opened_in() -> None:
    groups = regime_groups(DECISIONS, FILLS)
    assert {k: g.pnl for k, g in groups.items()} == {
        "none": Decimal(200),
        "0": Decimal(-50),
        "1": Decimal(100),
    }
    assert {k: g.fills for k, g in groups.items()} == {"none": 1, "0": 2, "1": 2}
    assert groups["1"].notional == Decimal(150 * 11 + 100 * 10)
    assert groups["0"].fees == Decimal(2)
    assert {k: g.decisions for k, g in groups.items()} == {"none": 1, "0": 1, "1": 2}


def test_the_section_lists_states_calm_first_and_none_last() -> None:
    html = regime_section(DECISIONS, FILLS)
    assert html.startswith('<section id="regimes">')
    assert (
        html.index("<td>0</td>")
        < html.index("<td>1</td>")
        < html.index("<td>none</td>")
    )


def test_a_run_without_regimes_has_no_section() -> None:
    plain = [_decision("a", None)]
    assert regime_groups(plain, FILLS[:2]) == {}
    assert regime_section(plain, FILLS[:2]) == ""


def _groups_as_dicts(groups: dict[str, object]) -> dict[str, dict[str, object]]:
    return {key: dict(vars(group)) for key, group in groups.items()}


def test_details_left_unparsed_count_as_parsing_them_counts() -> None:
    # Texts without "regime" are counted under "none" unparsed while no order has
    # a regime; a later one on an order that had one must still take it back.
    decisions = [
        _decision("a", None),
        _decision("b", 0),
        _decision("b", None),  # b decided again outside regimes: its fills are "none"
        _decision("c", 1),
        {"details": json.dumps({"client_order_id": "d", "note": "\u00e9"})},
        _decision("d", None),
    ]
    parsed = [{"details": json.loads(str(row["details"]))} for row in decisions]
    from_text = regime_groups(decisions, FILLS)
    assert _groups_as_dicts(from_text) == _groups_as_dicts(regime_groups(parsed, FILLS))
    assert from_text["none"].fills == 4  # a, b twice and d
    assert regime_groups(decisions[:1], FILLS) == regime_groups(parsed[:1], FILLS) == {}
