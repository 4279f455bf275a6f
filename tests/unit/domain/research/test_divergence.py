"""The divergence classifier and its P&L arithmetic, on hand-built decisions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradecore.domain.errors import InvalidInput
from tradecore.domain.research.divergence import (
    BarArrival,
    DecisionSide,
    Divergence,
    DivergenceKind,
    Execution,
    bar_decided_on,
    classify,
    compare_sessions,
    pnl_effect,
    summarize,
)

BAR = datetime(2026, 1, 5, 15, 6, tzinfo=UTC)
DECIDED = BAR + timedelta(minutes=1)
ON_TIME = BarArrival(lag=timedelta(seconds=0.5))
LATE_AFTER = timedelta(seconds=15)
D = Decimal


def fills(*pairs: tuple[str, str]) -> tuple[Execution, ...]:
    return tuple(Execution(qty=D(q), price=D(p)) for q, p in pairs)


def order(
    side: str | None = "buy",
    qty: str = "5",
    executions: tuple[Execution, ...] = (),
    **fields: object,
) -> DecisionSide:
    values: dict[str, object] = {
        "strategy_id": "sma",
        "symbol": "AAPL",
        "bar_at": BAR,
        "decided_at": DECIDED,
        "outcome": "submitted",
        "side": side,
        "ordered_qty": D(qty),
        "executions": executions,
        "position": D(0),
    }
    values.update(fields)
    return DecisionSide(**values)  # type: ignore[arg-type]


def judge(
    live: DecisionSide | None,
    replay: DecisionSide | None,
    mark: str = "102",
    arrival: BarArrival = ON_TIME,
) -> Divergence | None:
    return classify(live, replay, mark=D(mark), arrival=arrival, late_after=LATE_AFTER)


def test_the_same_order_filled_alike_is_no_difference() -> None:
    same = order(executions=fills(("5", "100")))
    assert judge(same, same) is None
    skipped = order(outcome="skipped", reason="no_signal", side=None, qty="0")
    assert judge(skipped, skipped) is None


def test_a_buy_filled_higher_live_costs_qty_times_the_price_difference() -> None:
    found = judge(
        order(executions=fills(("5", "101"))), order(executions=fills(("5", "100")))
    )
    assert found is not None
    assert found.kind is DivergenceKind.FILL_PRICE
    # live: 5 * (102 - 101) = 5; replay: 5 * (102 - 100) = 10
    assert found.pnl_effect == D(-5)
    assert found.live == "buy 5 filled 5 @ 101"
    assert found.cause == "live paid 1 more a share"
    assert found.replay == "buy 5 filled 5 @ 100"
    assert (found.at, found.bar_at, found.symbol) == (DECIDED, BAR, "AAPL")


def test_a_sell_filled_lower_live_costs_too() -> None:
    found = judge(
        order("sell", executions=fills(("5", "99"))),
        order("sell", executions=fills(("5", "100"))),
        mark="98",
    )
    assert found is not None
    assert found.kind is DivergenceKind.FILL_PRICE
    assert found.cause == "live received 1 less a share"
    # -sign * qty * (live px - replay px) = -(-1) * 5 * (99 - 100)
    assert found.pnl_effect == D(-5)


def test_a_partial_fill_is_named_and_priced_by_its_executions() -> None:
    live = order(executions=fills(("2", "100"), ("3", "101")))
    found = judge(live, order(executions=fills(("5", "100"))))
    assert found is not None
    assert found.kind is DivergenceKind.PARTIAL_FILL
    assert "live filled 2 of 5 at first" in found.cause
    # live: 2*2 + 3*1 = 7; replay: 5*2 = 10
    assert found.pnl_effect == D(-3)
    assert found.live == "buy 5 filled 5 @ 100.6 in 2 fills"


def test_a_remainder_never_filled_loses_its_mark_to_close() -> None:
    found = judge(
        order(executions=fills(("2", "100"))), order(executions=fills(("5", "100")))
    )
    assert found is not None
    assert found.kind is DivergenceKind.PARTIAL_FILL
    assert found.pnl_effect == D(-6)  # the 3 not bought would have made 2 each


def test_a_partial_fill_in_the_replay_only_is_the_replay_s() -> None:
    found = judge(
        order(executions=fills(("5", "100"))), order(executions=fills(("1", "100")))
    )
    assert found is not None
    assert found.kind is DivergenceKind.PARTIAL_FILL
    assert found.cause.startswith("the replay filled 1 of 5")
    assert found.pnl_effect == D(8)


def test_both_filled_in_pieces_to_different_totals_is_partial() -> None:
    live = order(executions=fills(("1", "100"), ("2", "100")))
    replay = order(executions=fills(("2", "100"), ("3", "100")))
    found = judge(live, replay)
    assert found is not None
    assert found.kind is DivergenceKind.PARTIAL_FILL
    assert found.cause == "filled 3 live vs 5 in the replay of 5 ordered"
    assert found.pnl_effect == D(-4)


def test_a_reject_costs_minus_what_the_other_side_made() -> None:
    live = order(outcome="failed", reason="rejected:40310000", rejected=True)
    found = judge(live, order(executions=fills(("5", "100"))), mark="103")
    assert found is not None
    assert found.kind is DivergenceKind.REJECT
    assert "rejected live's order: rejected:40310000" in found.cause
    assert found.pnl_effect == D(-15)
    assert found.live == "failed: rejected:40310000"


def test_a_reject_of_a_losing_trade_saved_money() -> None:
    live = order(rejected=True, reason="insufficient buying power")
    found = judge(live, order(executions=fills(("5", "100"))), mark="97")
    assert found is not None
    assert found.kind is DivergenceKind.REJECT
    assert found.pnl_effect == D(15)
    assert found.live == "buy 5 rejected: insufficient buying power"


def test_a_late_bar_explains_a_price_difference_before_anything_else() -> None:
    live = order(executions=fills(("5", "101")))
    replay = order(executions=fills(("5", "100")))
    late = BarArrival(lag=timedelta(seconds=40))
    found = judge(live, replay, arrival=late)
    assert found is not None
    assert found.kind is DivergenceKind.LATE_BAR
    assert "40 s after its close" in found.cause
    assert found.pnl_effect == D(-5)
    # ...and a late bar on which both sides did the same is no difference
    assert judge(replay, replay, arrival=late) is None
    # on time, the same difference is the price's
    on_time = judge(live, replay, arrival=BarArrival(lag=timedelta(seconds=15)))
    assert on_time is not None
    assert on_time.kind is DivergenceKind.FILL_PRICE


def test_a_decision_on_a_bar_live_never_recorded_is_a_missing_bar() -> None:
    found = judge(
        order(executions=fills(("5", "100"))), None, arrival=BarArrival(lag=None)
    )
    assert found is not None
    assert found.kind is DivergenceKind.MISSING_BAR
    assert found.replay == "no decision"


def test_one_sided_decisions_carry_the_deciding_side_s_pnl() -> None:
    only_live = judge(order(executions=fills(("5", "100"))), None)
    assert only_live is not None
    assert only_live.kind is DivergenceKind.ONLY_LIVE
    assert only_live.pnl_effect == D(10)
    assert "live held 0 when deciding" in only_live.cause
    only_replay = judge(
        None, order("sell", executions=fills(("5", "100")), position=D(5))
    )
    assert only_replay is not None
    assert only_replay.kind is DivergenceKind.ONLY_REPLAY
    assert only_replay.pnl_effect == D(10)  # the replay's sell lost 5 * 2
    assert "the replay held 5 when deciding" in only_replay.cause
    assert only_replay.live == "no decision"


def test_different_sizing_names_the_positions_held() -> None:
    live = order(qty="3", executions=fills(("3", "100")), position=D(2))
    replay = order(qty="5", executions=fills(("5", "100")), position=D(0))
    found = judge(live, replay)
    assert found is not None
    assert found.kind is DivergenceKind.SIZING
    assert "held 2 live vs 0 in the replay" in found.cause
    assert found.pnl_effect == D(-4)
    same_position = judge(attrs.evolve(live, position=D(0)), replay)
    assert same_position is not None
    assert same_position.kind is DivergenceKind.SIZING
    assert same_position.cause == "ordered a different quantity or side"


def test_an_order_skipped_on_one_side_with_the_same_position_is_an_outcome() -> None:
    live = order(
        outcome="skipped", reason="risk:max_order_notional", side=None, qty="0"
    )
    found = judge(live, order(executions=fills(("5", "100"))))
    assert found is not None
    assert found.kind is DivergenceKind.OUTCOME
    assert "live skipped (risk:max_order_notional)" in found.cause
    assert found.pnl_effect == D(-10)
    other_reason = attrs.evolve(live, reason="cost_exceeds_edge")
    differs = judge(live, other_reason)
    assert differs is not None
    assert differs.kind is DivergenceKind.OUTCOME


def test_fees_come_off_the_pnl() -> None:
    live = order(executions=(Execution(qty=D(5), price=D(100), fee=D("0.25")),))
    replay = order(executions=fills(("5", "100")))
    assert pnl_effect(live, replay, D(102)) == D("-0.25")


def test_nonsense_pairs_are_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one side"):
        judge(None, None)
    other_bar = order(bar_at=BAR + timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="not the same bar"):
        judge(order(), other_bar)


def test_a_session_compares_bar_by_bar_and_marks_an_unrecorded_symbol_at_its_fill() -> (
    None
):
    first = order(executions=fills(("5", "100")))
    later = order(
        "sell",
        executions=fills(("5", "104")),
        bar_at=BAR + timedelta(minutes=5),
        decided_at=DECIDED + timedelta(minutes=5),
    )
    msft = order(symbol="MSFT", executions=fills(("1", "50")))
    arrivals = {
        ("AAPL", BAR): ON_TIME,
        ("AAPL", later.bar_at): ON_TIME,
        ("MSFT", BAR): ON_TIME,
    }
    found = compare_sessions(
        [later, first, msft],
        [first, attrs.evolve(later, executions=fills(("5", "103")))],
        marks={"AAPL": D(102), "MSFT": D(51)},
        arrivals=arrivals,
        late_after=LATE_AFTER,
    )
    assert [(d.symbol, d.kind) for d in found] == [
        ("MSFT", DivergenceKind.ONLY_LIVE),
        ("AAPL", DivergenceKind.FILL_PRICE),
    ]
    assert [d.pnl_effect for d in found] == [D(1), D(5)]
    # a symbol nothing was recorded for is marked at the decision's last fill
    unmarked = compare_sessions(
        [msft], [], marks={}, arrivals=arrivals, late_after=LATE_AFTER
    )
    assert [d.pnl_effect for d in unmarked] == [D(0)]
    assert "no session close of MSFT recorded" in unmarked[0].cause


def test_two_decisions_on_one_bar_pair_in_time_order() -> None:
    entry = order(executions=fills(("5", "100")))
    stop = order(
        "sell",
        executions=fills(("5", "99")),
        decided_at=DECIDED + timedelta(seconds=30),
    )
    found = compare_sessions(
        [stop, entry],
        [entry, attrs.evolve(stop, executions=fills(("5", "98")))],
        marks={"AAPL": D(102)},
        arrivals={("AAPL", BAR): ON_TIME},
        late_after=LATE_AFTER,
    )
    assert [(d.at, d.kind) for d in found] == [
        (stop.decided_at, DivergenceKind.FILL_PRICE)
    ]
    assert found[0].pnl_effect == D(5)  # sold 1 higher live


def test_the_summary_counts_kinds_totals_and_ranks_the_biggest() -> None:
    def row(kind: DivergenceKind, pnl: str, minute: int) -> Divergence:
        at = BAR + timedelta(minutes=minute)
        return Divergence(
            at=at,
            bar_at=at,
            symbol="AAPL",
            strategy_id="sma",
            kind=kind,
            live="a",
            replay="b",
            cause="c",
            pnl_effect=D(pnl),
        )

    rows = [
        row(DivergenceKind.REJECT, "-15", 0),
        row(DivergenceKind.PARTIAL_FILL, "2.5", 1),
        row(DivergenceKind.REJECT, "20", 2),
    ]
    summary = summarize(rows, top=2)
    assert summary.count == 3
    assert summary.by_kind == {"partial_fill": 1, "reject": 2}
    assert summary.pnl_by_kind == {"partial_fill": D("2.5"), "reject": D(5)}
    assert summary.total_pnl_effect == D("7.5")
    assert summary.biggest == (rows[2], rows[0])
    assert summarize([]).count == 0


def test_the_bar_decided_on_is_the_latest_known_by_then() -> None:
    minute = timedelta(minutes=1)
    known = [(BAR + minute, BAR), (BAR + 2 * minute, BAR + minute)]
    assert bar_decided_on(BAR + minute, known) == BAR
    assert bar_decided_on(BAR + minute + timedelta(seconds=30), known) == BAR
    assert bar_decided_on(BAR + 2 * minute, known) == BAR + minute
    assert bar_decided_on(BAR, known) is None
    # a bar that arrived late (known after its successor) still counts by its start
    late = [(BAR + minute, BAR + minute), (BAR + 2 * minute, BAR)]
    assert bar_decided_on(BAR + 2 * minute, late) == BAR + minute


_prices = st.decimals(min_value=D("1"), max_value=D("500"), places=2)
_qtys = st.integers(min_value=1, max_value=1000).map(D)


@given(
    side=st.sampled_from(["buy", "sell"]),
    qty=_qtys,
    ours=_prices,
    theirs=_prices,
    mark=_prices,
)
def test_a_price_difference_costs_minus_signed_qty_times_it(
    side: str, qty: Decimal, ours: Decimal, theirs: Decimal, mark: Decimal
) -> None:
    live = order(side, str(qty), (Execution(qty=qty, price=ours),))
    replay = order(side, str(qty), (Execution(qty=qty, price=theirs),))
    sign = D(1) if side == "buy" else D(-1)
    assert pnl_effect(live, replay, mark) == -sign * qty * (ours - theirs)
    assert pnl_effect(live, replay, mark) == -pnl_effect(replay, live, mark)
    found = judge(live, replay, mark=str(mark))
    assert (found is None) == (ours == theirs)
