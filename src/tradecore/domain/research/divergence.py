"""Live vs backtest divergence: pair what live and a replay of the same day decided,
name why each pair differs, and price the difference.

Both sides are read as :class:`DecisionSide` rows: one per decision, keyed by the
strategy, the symbol and the *bar* it was decided on (``bar_at``, the bar's start),
not by the decision's clock time, which live is the wall clock a little after the
bar closed and in a replay is the bar's close exactly (several decisions of one side
on one bar, a protective order placed on a fill say, pair in time order). A pair
differs when the
outcome, the order, its fills or their prices differ; each difference gets one
:class:`DivergenceKind`, the first that explains it in this order:

1. ``missing_bar`` / ``late_bar``: live never recorded the bar, or it reached the
   live run more than ``late_after`` after it closed (a late bar delays the order,
   so its price and everything after it can differ);
2. ``decision_only_live`` / ``decision_only_replay``: one side made no decision on
   that bar (the other's state differed: see ``sizing``);
3. ``reject``: the broker refused one side's order (live: an ``order rejected``
   answer or a REJECTED intent; the replay's simulated venue can reject too);
4. ``sizing``: the sides ordered different quantities or sides, or one ordered and
   the other skipped, while holding different positions when they decided (a
   knock-on of an earlier difference), or both ordered, different quantities;
   ``outcome``: one skipped or failed for a reason the other did not have;
5. ``partial_fill``: the same order, filled in less than the ordered quantity at its
   first execution on one side and whole on the other, or to different totals;
6. ``fill_price``: the same order and quantity, filled at a different average price.

The P&L effect of a difference is what it changed in the day's P&L, marked to the
session's close ``mark`` of the symbol: ``live − replay`` of
``sign × Σ qty_i × (mark − price_i) − fees`` over each side's executions of the
decision (``sign`` +1 for a buy, −1 for a sell). For the same order filled at two
prices that is ``−sign × qty × (live px − replay px)``; for a reject or a missing
decision it is minus the other side's mark-to-close P&L of the position it took.
Only the executions of the decision's own order count: a position carried into
later decisions shows up there, as their ``sizing`` rows.
"""

from __future__ import annotations

import bisect
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput

_ZERO = Decimal(0)
#: A (strategy id, symbol, bar start) key: what a decision was made on.
PairKey = tuple[str, str, datetime]
#: A pair key and the decision's place among that side's decisions on the bar.
_Ordinal = tuple[str, str, datetime, int]


class DivergenceKind(enum.StrEnum):
    """Why live and the replay differ on one decision (the first that applies)."""

    MISSING_BAR = "missing_bar"
    LATE_BAR = "late_bar"
    ONLY_LIVE = "decision_only_live"
    ONLY_REPLAY = "decision_only_replay"
    REJECT = "reject"
    SIZING = "sizing"
    OUTCOME = "outcome"
    PARTIAL_FILL = "partial_fill"
    FILL_PRICE = "fill_price"


@attrs.frozen(kw_only=True, slots=True)
class Execution:
    """One fill of a decision's order."""

    qty: Decimal = attrs.field(validator=v.positive_decimal)
    price: Decimal = attrs.field(validator=v.positive_decimal)
    fee: Decimal = attrs.field(default=_ZERO, validator=v.non_negative_decimal)


@attrs.frozen(kw_only=True, slots=True)
class DecisionSide:
    """One side's decision on one bar, and what came of it.

    ``outcome`` is ``submitted``, ``skipped`` or ``failed`` (the store's outcome
    kinds); ``side``/``ordered_qty`` describe the order of a submitted decision,
    ``rejected`` says the broker refused it, ``executions`` are its fills in time
    order. ``position`` is what the side held in the symbol when it decided
    (``None``: not recorded).
    """

    strategy_id: str = attrs.field(validator=v.non_empty_str)
    symbol: str = attrs.field(validator=v.symbol)
    bar_at: datetime = attrs.field(validator=v.utc_datetime)
    decided_at: datetime = attrs.field(validator=v.utc_datetime)
    outcome: str = attrs.field(
        validator=attrs.validators.in_(("submitted", "skipped", "failed"))
    )
    reason: str | None = None
    side: str | None = attrs.field(
        default=None, validator=attrs.validators.in_((None, "buy", "sell"))
    )
    ordered_qty: Decimal = attrs.field(default=_ZERO, validator=v.non_negative_decimal)
    rejected: bool = False
    executions: tuple[Execution, ...] = ()
    position: Decimal | None = None

    @property
    def key(self) -> PairKey:
        """What the decision was made on: strategy, symbol, bar."""
        return (self.strategy_id, self.symbol, self.bar_at)

    @property
    def filled_qty(self) -> Decimal:
        """Shares filled in all."""
        return sum((e.qty for e in self.executions), _ZERO)

    @property
    def average_price(self) -> Decimal | None:
        """Volume-weighted fill price (``None``: nothing filled)."""
        filled = self.filled_qty
        if not filled:
            return None
        return sum((e.qty * e.price for e in self.executions), _ZERO) / filled

    def pnl_to(self, mark: Decimal) -> Decimal:
        """Mark-to-``mark`` P&L of this decision's executions, net of their fees."""
        sign = Decimal(-1) if self.side == "sell" else Decimal(1)
        return sum(
            (sign * e.qty * (mark - e.price) - e.fee for e in self.executions), _ZERO
        )

    def describe(self) -> str:
        """One short phrase: ``buy 5 filled 5 @ 101.2`` or ``skipped: no_signal``."""
        if self.outcome != "submitted":
            return f"{self.outcome}: {self.reason or '?'}"
        text = f"{self.side} {_plain(self.ordered_qty)}"
        if self.rejected:
            return f"{text} rejected: {self.reason or '?'}"
        price = self.average_price
        text += f" filled {_plain(self.filled_qty)}"
        if price is not None:
            text += f" @ {_plain(round(price, 4))}"
        if len(self.executions) > 1:
            text += f" in {len(self.executions)} fills"
        return text


@attrs.frozen(kw_only=True, slots=True)
class Divergence:
    """One difference between live and the replay, its reason and P&L effect."""

    #: When the decision was made (live's time when live made it).
    at: datetime = attrs.field(validator=v.utc_datetime)
    #: The start of the bar it was made on.
    bar_at: datetime = attrs.field(validator=v.utc_datetime)
    symbol: str = attrs.field(validator=v.symbol)
    strategy_id: str = attrs.field(validator=v.non_empty_str)
    kind: DivergenceKind = attrs.field(validator=v.instance_of(DivergenceKind))
    live: str
    replay: str
    cause: str = attrs.field(validator=v.non_empty_str)
    pnl_effect: Decimal = attrs.field(validator=v.instance_of(Decimal))


@attrs.frozen(kw_only=True, slots=True)
class BarArrival:
    """When the live run received the bar a decision was made on.

    ``lag`` is arrival minus the bar's close (``None``: the bar was never recorded).
    """

    lag: timedelta | None


def pnl_effect(
    live: DecisionSide | None, replay: DecisionSide | None, mark: Decimal
) -> Decimal:
    """``live − replay`` mark-to-close P&L of one decision's executions."""
    ours = _ZERO if live is None else live.pnl_to(mark)
    theirs = _ZERO if replay is None else replay.pnl_to(mark)
    return ours - theirs


def classify(
    live: DecisionSide | None,
    replay: DecisionSide | None,
    *,
    mark: Decimal,
    arrival: BarArrival,
    late_after: timedelta,
) -> Divergence | None:
    """The one difference between the two sides of a decision (``None``: alike).

    Raises:
        InvalidInput: both sides are missing, or they are different decisions.
    """
    one = live or replay
    if one is None:
        raise InvalidInput("decision", None, "give at least one side")
    if live is not None and replay is not None and live.key != replay.key:
        raise InvalidInput("decision", (live.key, replay.key), "not the same bar")
    found = _kind_and_cause(live, replay, arrival, late_after)
    if found is None:
        return None
    kind, cause = found
    return Divergence(
        at=one.decided_at,
        bar_at=one.bar_at,
        symbol=one.symbol,
        strategy_id=one.strategy_id,
        kind=kind,
        live="no decision" if live is None else live.describe(),
        replay="no decision" if replay is None else replay.describe(),
        cause=cause,
        pnl_effect=pnl_effect(live, replay, mark),
    )


def compare_sessions(
    live: Iterable[DecisionSide],
    replay: Iterable[DecisionSide],
    *,
    marks: Mapping[str, Decimal],
    arrivals: Mapping[tuple[str, datetime], BarArrival],
    late_after: timedelta,
) -> list[Divergence]:
    """Every difference of a session, in bar then symbol then strategy order.

    ``marks`` holds each symbol's session close; ``arrivals`` the live arrival of
    each (symbol, bar start) (a bar absent from it was never recorded). Several
    decisions of one side on one bar (a protective order placed on a fill, say)
    pair in time order: the first with the first. A symbol without a session close
    (nothing recorded for it) is marked at the decision's last fill, so only a
    price difference counts, and the cause says so.
    """
    ours, theirs = _by_key(live), _by_key(replay)
    found = []
    for key in sorted(set(ours) | set(theirs), key=lambda k: (k[2], k[1], k[0], k[3])):
        _, symbol, bar_at, _ = key
        one, other = ours.get(key), theirs.get(key)
        mark = marks.get(symbol)
        difference = classify(
            one,
            other,
            mark=_last_fill(one, other) if mark is None else mark,
            arrival=arrivals.get((symbol, bar_at), BarArrival(lag=None)),
            late_after=late_after,
        )
        if difference is not None and mark is None:
            difference = attrs.evolve(
                difference,
                cause=f"{difference.cause} (no session close of {symbol} recorded: "
                "marked at the last fill)",
            )
        if difference is not None:
            found.append(difference)
    return found


@attrs.frozen(kw_only=True, slots=True)
class DivergenceSummary:
    """Counts by kind, the total P&L effect, and the biggest differences."""

    count: int
    by_kind: Mapping[str, int]
    pnl_by_kind: Mapping[str, Decimal]
    total_pnl_effect: Decimal
    biggest: tuple[Divergence, ...]


def summarize(found: Sequence[Divergence], top: int = 5) -> DivergenceSummary:
    """Summarize ``found``: the ``top`` biggest by absolute P&L effect, then time."""
    counts = Counter(d.kind.value for d in found)
    pnl: dict[str, Decimal] = {}
    for d in found:
        pnl[d.kind.value] = pnl.get(d.kind.value, _ZERO) + d.pnl_effect
    ranked = sorted(found, key=lambda d: (-abs(d.pnl_effect), d.at, d.symbol))
    return DivergenceSummary(
        count=len(found),
        by_kind=dict(sorted(counts.items())),
        pnl_by_kind=dict(sorted(pnl.items())),
        total_pnl_effect=sum((d.pnl_effect for d in found), _ZERO),
        biggest=tuple(ranked[:top]),
    )


def bar_decided_on(
    decided_at: datetime, known: Sequence[tuple[datetime, datetime]]
) -> datetime | None:
    """The start of the latest bar known by ``decided_at``.

    ``known`` is one symbol's bars as (known at, bar start), sorted by known at: in
    a replay a bar is known at its close; live, when it arrived. ``None``: no bar
    was known yet.
    """
    index = bisect.bisect_right([k for k, _ in known], decided_at)
    if index == 0:
        return None
    return max(start for _, start in known[:index])


def _by_key(sides: Iterable[DecisionSide]) -> dict[_Ordinal, DecisionSide]:
    """Each decision by (strategy, symbol, bar, n): the n-th on that bar, in time."""
    keyed: dict[_Ordinal, DecisionSide] = {}
    seen: Counter[PairKey] = Counter()
    for side in sorted(sides, key=lambda s: (s.key, s.decided_at)):
        keyed[(*side.key, seen[side.key])] = side
        seen[side.key] += 1
    return keyed


def _last_fill(*sides: DecisionSide | None) -> Decimal:
    """The last fill price of the first side that has one (0: nothing filled)."""
    for side in sides:
        if side is not None and side.executions:
            return side.executions[-1].price
    return _ZERO


def _kind_and_cause(
    live: DecisionSide | None,
    replay: DecisionSide | None,
    arrival: BarArrival,
    late_after: timedelta,
) -> tuple[DivergenceKind, str] | None:
    if live is not None and replay is not None and _alike(live, replay):
        return None
    if arrival.lag is None:
        return DivergenceKind.MISSING_BAR, "live never recorded the bar decided on"
    if arrival.lag > late_after:
        return DivergenceKind.LATE_BAR, (
            f"the bar reached live {_seconds(arrival.lag)} s after its close "
            f"(late after {_seconds(late_after)} s)"
        )
    if replay is None and live is not None:
        return DivergenceKind.ONLY_LIVE, (
            f"the replay made no decision on this bar{_held(live, 'live')}"
        )
    if live is None and replay is not None:
        return DivergenceKind.ONLY_REPLAY, (
            f"live made no decision on this bar{_held(replay, 'the replay')}"
        )
    if live is None or replay is None:  # pragma: no cover - classify refuses it
        raise InvalidInput("decision", None, "give at least one side")
    return _both_sided(live, replay)


def _held(side: DecisionSide, name: str) -> str:
    if side.position is None:
        return ""
    return f"; {name} held {_plain(side.position)} when deciding"


def _both_sided(live: DecisionSide, replay: DecisionSide) -> tuple[DivergenceKind, str]:
    if live.rejected != replay.rejected:
        who, other = (live, "live") if live.rejected else (replay, "the replay")
        return DivergenceKind.REJECT, (
            f"the broker rejected {other}'s order: {who.reason or 'no reason given'}"
        )
    if _ordered(live) != _ordered(replay) or live.outcome != "submitted":
        if live.position is not None and live.position != replay.position:
            return DivergenceKind.SIZING, (
                f"held {_plain(live.position)} live vs "
                f"{_plain(replay.position or _ZERO)} in the replay when deciding "
                "(an earlier difference)"
            )
        if live.outcome == replay.outcome == "submitted":
            return DivergenceKind.SIZING, "ordered a different quantity or side"
        return DivergenceKind.OUTCOME, (
            f"live {live.outcome} ({live.reason or 'order'}), replay "
            f"{replay.outcome} ({replay.reason or 'order'})"
        )
    partial = _partial_side(live, replay)
    if partial is not None:
        side, name = partial
        first = side.executions[0].qty if side.executions else _ZERO
        return DivergenceKind.PARTIAL_FILL, (
            f"{name} filled {_plain(first)} of {_plain(side.ordered_qty)} at first "
            f"({_plain(side.filled_qty)} in {len(side.executions)} fills in all)"
        )
    if live.filled_qty != replay.filled_qty:
        return DivergenceKind.PARTIAL_FILL, (
            f"filled {_plain(live.filled_qty)} live vs {_plain(replay.filled_qty)} "
            f"in the replay of {_plain(live.ordered_qty)} ordered"
        )
    return DivergenceKind.FILL_PRICE, _price_cause(live, replay)


def _price_cause(live: DecisionSide, replay: DecisionSide) -> str:
    """``live paid 0.01 more a share`` (a buy) or ``live received ... less`` (a sell)."""
    ours, theirs = live.average_price, replay.average_price
    if ours is None or theirs is None:  # pragma: no cover - equal totals, both filled
        return "filled at a different price"
    verb = "received" if live.side == "sell" else "paid"
    more = "more" if ours > theirs else "less"
    return f"live {verb} {_plain(round(abs(ours - theirs), 4))} {more} a share"


def _alike(live: DecisionSide, replay: DecisionSide) -> bool:
    return (
        live.outcome == replay.outcome
        and live.rejected == replay.rejected
        and _ordered(live) == _ordered(replay)
        and _fills(live) == _fills(replay)
        and (live.outcome == "submitted" or live.reason == replay.reason)
    )


def _ordered(side: DecisionSide) -> tuple[str, str | None, Decimal]:
    return (side.outcome, side.side, side.ordered_qty)


def _fills(side: DecisionSide) -> tuple[tuple[Decimal, Decimal], ...]:
    return tuple((e.qty, e.price) for e in side.executions)


def _partial_side(
    live: DecisionSide, replay: DecisionSide
) -> tuple[DecisionSide, str] | None:
    """The side whose order filled in part at first while the other's filled whole."""
    for side, other, name in ((live, replay, "live"), (replay, live, "the replay")):
        if _filled_in_part(side) and not _filled_in_part(other):
            return side, name
    return None


def _filled_in_part(side: DecisionSide) -> bool:
    if side.outcome != "submitted" or side.rejected or not side.ordered_qty:
        return False
    first = side.executions[0].qty if side.executions else _ZERO
    return first < side.ordered_qty


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _seconds(span: timedelta) -> str:
    return _plain(Decimal(str(round(span.total_seconds(), 3))))
