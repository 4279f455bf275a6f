"""Order-shape and book rules, and the advanced orders, the same at every adapter.

BRK-40 ... BRK-69: fractional and notional orders, bracket/OTO/OCO orders, shares held
by resting orders, flips, wash trades (each refused with the rule named, by
:func:`refused_for`), and how bracket legs, OCO exits and trailing stops behave once
taken. A rule that needs the book, the position or the market price is checked only
by the broker's answer (``known=False``): the Alpaca adapter checks the order's own
shape before sending, not the broker's state. Orders are small and priced off the
harness's ``last_price``, so the cases read the same against Alpaca's paper account.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.contract.broker_contract import (
    B,
    BrokerHarness,
    calm_bar,
    cid,
    fill_until_done,
    limit,
    market,
)
from tests.contract.broker_rules_contract import refused_for
from tradecore.domain.errors import BrokerRuleBreached
from tradecore.domain.orders.spec import (
    Bracket,
    OrderSpec,
    OrderType,
    Side,
    TimeInForce,
)
from tradecore.ports.broker import BrokerOrder, Capability


def _price(h: BrokerHarness, offset: str) -> Decimal:
    """The harness's last price plus ``offset`` dollars, on the cent."""
    return (Decimal(repr(h.last_price)) + Decimal(offset)).quantize(Decimal("0.01"))


def _position(h: BrokerHarness) -> Decimal:
    return sum(
        (p.qty for p in h.broker.positions() if p.symbol == h.symbol), Decimal(0)
    )


def _hold(h: BrokerHarness, qty: int, side: Side = Side.BUY) -> None:
    """Open a position of ``qty`` shares (long for a buy) with a market order."""
    client_id = cid("hold")
    h.broker.submit(client_id, market(h, side, qty))
    fill_until_done(h, client_id)
    assert _position(h) == side.sign * qty


def _bracket_entry(
    h: BrokerHarness, take_profit: str = "10", stop_loss: str = "-5", qty: int = 10
) -> BrokerOrder:
    """Buy ``qty`` with a bracket (legs ``take_profit``/``stop_loss`` off the price)."""
    bracket = Bracket(
        take_profit_limit=_price(h, take_profit), stop_loss_stop=_price(h, stop_loss)
    )
    spec = OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal(qty), bracket=bracket)
    client_id = cid("entry")
    ack = h.broker.submit(client_id, spec)
    fill_until_done(h, client_id)
    h.drain()
    return ack


def _oco(h: BrokerHarness, qty: int, take_profit: str, stop_loss: str) -> OrderSpec:
    tp = _price(h, take_profit)
    return OrderSpec(
        symbol=h.symbol,
        side=Side.SELL,
        qty=Decimal(qty),
        order_type=OrderType.LIMIT,
        limit_price=tp,
        time_in_force=TimeInForce.GTC,
        bracket=Bracket(take_profit_limit=tp, stop_loss_stop=_price(h, stop_loss)),
        oco=True,
    )


def _falling_bar(h: BrokerHarness, low: str) -> None:
    price = float(_price(h, low))
    h.feed_bar(open=h.last_price, high=h.last_price + 0.1, low=price, close=price + 0.2)


class OrderRulesContract:
    """Fractional, bracket/OCO, holdings and wash-trade rules; legs and trailing stops.

    A mixin for a class that also derives from ``BrokerContract`` (``self.require``).
    """

    # --- fractional and notional (fractional.py) -----------------------------------

    def test_fractional_qty_must_be_a_day_order(self, make_broker):
        """BRK-40 a fractional qty good till canceled is refused; the day order is taken."""
        h = make_broker()
        self.require(h, Capability.FRACTIONAL)
        gtc = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            qty=Decimal("0.5"),
            time_in_force=TimeInForce.GTC,
        )
        refused = refused_for(h, gtc, "fractional_not_day")
        assert "DAY" in refused.breach.message
        day = OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal("0.5"))
        assert h.broker.rule_breach(day) is None
        h.broker.submit(cid("frac"), day)

    def test_notional_order_must_be_a_day_order(self, make_broker):
        """BRK-41 a notional order good till canceled is refused as fractional."""
        h = make_broker()
        self.require(h, Capability.FRACTIONAL)
        spec = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            notional=Decimal(50),
            time_in_force=TimeInForce.GTC,
        )
        refused_for(h, spec, "fractional_not_day")

    def test_fractional_sell_without_a_position_is_refused(self, make_broker):
        """BRK-42 a fractional sell with nothing held would be a short: refused."""
        h = make_broker()
        self.require(h, Capability.FRACTIONAL)
        spec = OrderSpec(symbol=h.symbol, side=Side.SELL, qty=Decimal("0.5"))
        refused = refused_for(h, spec, "fractional_short", known=False)
        assert refused.breach.status == 403

    def test_fractional_sell_beyond_the_long_position_is_refused(self, make_broker):
        """BRK-43 a fractional sell larger than the long position is refused; within, taken."""
        h = make_broker()
        self.require(h, Capability.FRACTIONAL)
        _hold(h, 2)
        over = OrderSpec(symbol=h.symbol, side=Side.SELL, qty=Decimal("2.5"))
        refused_for(h, over, "fractional_short", known=False)
        within = OrderSpec(symbol=h.symbol, side=Side.SELL, qty=Decimal("1.5"))
        h.broker.submit(cid("frac"), within)

    def test_buy_worth_less_than_a_dollar_is_refused(self, make_broker):
        """BRK-44 a notional buy under $1, or a limit buy worth under $1, is refused."""
        h = make_broker()
        self.require(h, Capability.FRACTIONAL)
        tiny = OrderSpec(symbol=h.symbol, side=Side.BUY, notional=Decimal("0.50"))
        refused = refused_for(h, tiny, "buy_below_minimum")
        assert ">= 1" in refused.breach.message
        refused_for(h, limit(h, Side.BUY, 1, "0.90"), "buy_below_minimum")
        h.broker.submit(cid("min"), OrderSpec(symbol=h.symbol, side=Side.BUY,
                                              notional=Decimal(1)))  # fmt: skip

    # --- bracket, OTO and OCO (brackets.py) ----------------------------------------

    def test_bracket_must_be_day_or_gtc(self, make_broker):
        """BRK-45 a bracket or OTO good for the day or till canceled only (not IOC)."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        bracket = Bracket(
            take_profit_limit=_price(h, "10"), stop_loss_stop=_price(h, "-5")
        )
        ioc = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            qty=Decimal(1),
            time_in_force=TimeInForce.IOC,
            bracket=bracket,
        )
        refused = refused_for(h, ioc, "advanced_order_time_in_force")
        assert "bracket" in refused.breach.message
        oto = Bracket(stop_loss_stop=_price(h, "-5"))
        fok = OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal(1),
                        time_in_force=TimeInForce.FOK, bracket=oto)  # fmt: skip
        refused_for(h, fok, "advanced_order_time_in_force")
        gtc = OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal(1),
                        time_in_force=TimeInForce.GTC, bracket=bracket)  # fmt: skip
        assert h.broker.rule_breach(gtc) is None
        assert len(h.broker.submit(cid("gtc"), gtc).leg_ids) == 2

    def test_bracket_for_extended_hours_is_refused(self, make_broker):
        """BRK-46 a bracket entry may not trade in extended hours."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        self.require(h, Capability.EXTENDED_HOURS)
        spec = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            qty=Decimal(1),
            order_type=OrderType.LIMIT,
            limit_price=_price(h, "-1"),
            extended_hours=True,
            bracket=Bracket(
                take_profit_limit=_price(h, "10"), stop_loss_stop=_price(h, "-5")
            ),
        )
        refused_for(h, spec, "advanced_order_extended_hours")

    def test_take_profit_a_cent_above_the_entry_limit(self, make_broker):
        """BRK-47 a buy's take-profit not a cent above its limit price is refused."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        entry = _price(h, "-1")

        def spec(take_profit: Decimal) -> OrderSpec:
            bracket = Bracket(
                take_profit_limit=take_profit, stop_loss_stop=_price(h, "-5")
            )
            return OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal(1),
                             order_type=OrderType.LIMIT, limit_price=entry,
                             bracket=bracket)  # fmt: skip

        refused = refused_for(h, spec(entry), "take_profit_off_base", known=False)
        assert "base_price" in refused.breach.message
        h.broker.submit(cid("tp"), spec(entry + Decimal("0.01")))

    def test_stop_loss_a_cent_below_the_market(self, make_broker):
        """BRK-48 a market entry's stop-loss at or above the price is refused."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)

        def spec(stop: Decimal) -> OrderSpec:
            bracket = Bracket(take_profit_limit=_price(h, "10"), stop_loss_stop=stop)
            return OrderSpec(
                symbol=h.symbol, side=Side.BUY, qty=Decimal(1), bracket=bracket
            )

        refused = refused_for(
            h, spec(_price(h, "0")), "stop_loss_off_base", known=False
        )
        assert (
            "stop price must be less than base_price - 0.01" in refused.breach.message
        )
        h.broker.submit(cid("sl"), spec(_price(h, "-0.01")))

    def test_oco_stop_loss_on_the_wrong_side_is_refused(self, make_broker):
        """BRK-49 an OCO exit whose stop-loss is above the market is refused."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        _hold(h, 5)
        refused_for(h, _oco(h, 5, "10", "1"), "stop_loss_off_base", known=False)

    def test_bracket_closing_a_position_is_refused(self, make_broker):
        """BRK-61 a bracket on the side that closes the position is not an entry."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        _hold(h, 5)
        bracket = Bracket(
            take_profit_limit=_price(h, "-10"), stop_loss_stop=_price(h, "5")
        )
        spec = OrderSpec(
            symbol=h.symbol, side=Side.SELL, qty=Decimal(5), bracket=bracket
        )
        refused = refused_for(h, spec, "bracket_not_entry", known=False)
        assert refused.breach.message == "bracket orders must be entry orders"
        adding = OrderSpec(symbol=h.symbol, side=Side.BUY, qty=Decimal(1),
                           bracket=Bracket(take_profit_limit=_price(h, "10"),
                                           stop_loss_stop=_price(h, "-5")))  # fmt: skip
        assert h.broker.rule_breach(adding) is None

    # --- shares held, flips, wash trades (holdings.py) -----------------------------

    def test_sell_beyond_shares_not_held_for_orders_is_refused(self, make_broker):
        """BRK-50 a sell larger than the position less resting sells is refused (403)."""
        h = make_broker()
        _hold(h, 10)
        h.broker.submit(cid("held"), limit(h, Side.SELL, 6, str(_price(h, "10"))))
        refused = refused_for(
            h, market(h, Side.SELL, 5), "insufficient_qty_available", known=False
        )
        assert refused.breach.status == 403
        assert refused.breach.message == (
            "insufficient qty available for order (requested: 5, available: 4)"
        )
        h.broker.submit(cid("free"), market(h, Side.SELL, 4))

    def test_one_order_may_not_flip_long_to_short(self, make_broker):
        """BRK-51 selling more than the long position in one order is refused."""
        h = make_broker()
        _hold(h, 10)
        refused = refused_for(
            h, market(h, Side.SELL, 15), "insufficient_qty_available", known=False
        )
        assert "(requested: 15, available: 10)" in refused.breach.message

    def test_one_order_may_not_flip_short_to_long(self, make_broker):
        """BRK-52 buying more than the short position in one order is refused."""
        h = make_broker()
        self.require(h, Capability.SHORT_SELL)
        _hold(h, 10, Side.SELL)
        refused = refused_for(
            h, market(h, Side.BUY, 15), "insufficient_qty_available", known=False
        )
        assert "(requested: 15, available: 10)" in refused.breach.message

    def test_market_order_against_own_resting_limit_is_a_wash_trade(self, make_broker):
        """BRK-53 a market buy while the account's limit sell rests is refused."""
        h = make_broker()
        _hold(h, 10)
        h.broker.submit(cid("rest"), limit(h, Side.SELL, 5, str(_price(h, "5"))))
        refused = refused_for(h, market(h, Side.BUY, 1), "wash_trade", known=False)
        assert refused.breach.message == (
            "potential wash trade detected. use complex orders"
        )

    def test_crossing_limit_against_own_resting_limit_is_a_wash_trade(
        self, make_broker
    ):
        """BRK-54 a limit sell at or below the account's resting buy limit is refused."""
        h = make_broker()
        _hold(h, 10)
        h.broker.submit(cid("rest"), limit(h, Side.BUY, 5, str(_price(h, "-5"))))
        crossing = limit(h, Side.SELL, 1, str(_price(h, "-6")))
        refused_for(h, crossing, "wash_trade", known=False)
        apart = limit(h, Side.SELL, 1, str(_price(h, "5")))
        h.broker.submit(cid("apart"), apart)

    def test_protective_stop_is_taken_while_bracket_legs_rest(self, make_broker):
        """BRK-55 adding to a bracketed position and protecting the add is not refused."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        self.require(h, Capability.STOP_ORDERS)
        _bracket_entry(h)
        add = cid("add")  # a limit buy below the take-profit: no wash trade
        h.broker.submit(add, limit(h, Side.BUY, 5, str(_price(h, "1"))))
        fill_until_done(h, add)
        stop = OrderSpec(
            symbol=h.symbol,
            side=Side.SELL,
            qty=Decimal(5),
            order_type=OrderType.STOP,
            stop_price=_price(h, "-5"),
            time_in_force=TimeInForce.GTC,
        )
        h.broker.submit(cid("protect"), stop)
        over = OrderSpec(symbol=h.symbol, side=Side.SELL, qty=Decimal(6),
                         order_type=OrderType.STOP, stop_price=_price(h, "-5"),
                         time_in_force=TimeInForce.GTC)  # fmt: skip
        refused_for(h, over, "insufficient_qty_available", known=False)

    # --- legs, OCO and trailing stops at work --------------------------------------

    def test_bracket_stop_loss_stays_held_and_still_triggers(self, make_broker):
        """BRK-56 a filled entry arms a new take-profit and a held stop that still fires."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        ack = _bracket_entry(h)
        take_profit, stop_loss = (h.broker.get_order(i) for i in ack.leg_ids)
        assert take_profit.status is B.NEW
        assert stop_loss.status is B.HELD
        open_ids = {o.broker_order_id for o in h.broker.open_orders()}
        assert take_profit.broker_order_id in open_ids
        assert stop_loss.broker_order_id not in open_ids
        _falling_bar(h, "-8")
        h.drain()
        assert h.broker.get_order(stop_loss.broker_order_id).status is B.FILLED
        assert h.broker.get_order(take_profit.broker_order_id).status is B.CANCELED
        assert h.broker.positions() == []

    def test_an_oto_lone_stop_loss_works_new_and_open(self, make_broker):
        """BRK-64 an OTO's only exit, a stop-loss, is new and open once the entry fills."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        bracket = Bracket(stop_loss_stop=_price(h, "-5"))
        spec = OrderSpec(
            symbol=h.symbol, side=Side.BUY, qty=Decimal(3), bracket=bracket
        )
        client_id = cid("oto")
        ack = h.broker.submit(client_id, spec)
        assert h.broker.get_order(ack.leg_ids[0]).status is B.HELD  # entry working
        fill_until_done(h, client_id)
        h.drain()
        (stop_id,) = ack.leg_ids
        assert h.broker.get_order(stop_id).status is B.NEW
        assert stop_id in {o.broker_order_id for o in h.broker.open_orders()}
        _falling_bar(h, "-8")
        h.drain()
        assert h.broker.get_order(stop_id).status is B.FILLED
        assert h.broker.positions() == []

    def test_canceling_a_leg_cancels_the_rest_of_its_group(self, make_broker):
        """BRK-63 canceling the open take-profit also cancels the held stop-loss."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        ack = _bracket_entry(h)
        tp_id, sl_id = ack.leg_ids
        h.broker.cancel(tp_id)
        h.drain()
        assert h.broker.get_order(tp_id).status is B.CANCELED
        assert h.broker.get_order(sl_id).status is B.CANCELED
        assert h.broker.open_orders() == []
        _falling_bar(h, "-8")  # nothing left to fire: the position stays
        h.drain()
        assert _position(h) == 10

    def test_bracket_legs_prices_can_be_replaced(self, make_broker):
        """BRK-57 a leg's limit or stop price is replaced; the new leg keeps its role."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        self.require(h, Capability.REPLACE)
        ack = _bracket_entry(h, take_profit="10", stop_loss="-5")
        tp_id, sl_id = ack.leg_ids
        new_tp = h.broker.replace(
            tp_id, client_order_id=cid("tp2"), limit_price=_price(h, "2")
        )
        new_sl = h.broker.replace(
            sl_id, client_order_id=cid("sl2"), stop_price=_price(h, "-3")
        )
        h.drain()
        assert h.broker.get_order(tp_id).status is B.REPLACED
        assert h.broker.get_order(sl_id).status is B.REPLACED
        assert h.broker.get_order(new_tp.broker_order_id).status is B.NEW
        assert h.broker.get_order(new_sl.broker_order_id).status is B.HELD
        assert new_tp.spec.limit_price == _price(h, "2")
        price = float(_price(h, "3"))
        h.feed_bar(open=h.last_price, high=price, low=h.last_price - 0.1, close=price)
        h.drain()
        assert h.broker.get_order(new_tp.broker_order_id).status is B.FILLED
        assert h.broker.get_order(new_sl.broker_order_id).status is B.CANCELED
        assert h.broker.positions() == []

    def test_replace_to_a_sub_penny_price_is_refused(self, make_broker):
        """BRK-65 a replace to an off-tick price is refused by rule; the order works on."""
        h = make_broker()
        self.require(h, Capability.REPLACE)
        ack = h.broker.submit(cid("rest"), limit(h, Side.BUY, 2, str(_price(h, "-5"))))
        h.drain()
        with pytest.raises(BrokerRuleBreached) as refused:
            h.broker.replace(ack.broker_order_id, client_order_id=cid("r"),
                             limit_price=Decimal("95.123"))  # fmt: skip
        assert refused.value.code == "sub_penny_price"
        h.drain()
        assert h.broker.get_order(ack.broker_order_id).status is B.NEW

    def test_oco_take_profit_fill_cancels_its_stop(self, make_broker):
        """BRK-58 an OCO exit: take-profit new, stop-loss held; the take-profit fills."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        _hold(h, 5)
        client_id = cid("oco")
        ack = h.broker.submit(client_id, _oco(h, 5, "2", "-5"))
        assert len(ack.leg_ids) == 1
        h.drain()
        assert h.broker.get_order(ack.broker_order_id).status is B.NEW
        assert h.broker.get_order(ack.leg_ids[0]).status is B.HELD
        price = float(_price(h, "3"))
        h.feed_bar(open=h.last_price, high=price, low=h.last_price - 0.1, close=price)
        h.drain()
        assert h.broker.get_order(ack.broker_order_id).status is B.FILLED
        assert h.broker.get_order(ack.leg_ids[0]).status is B.CANCELED
        assert h.broker.positions() == []

    def test_oco_stop_fill_cancels_its_take_profit(self, make_broker):
        """BRK-59 an OCO exit whose stop triggers cancels the take-profit."""
        h = make_broker()
        self.require(h, Capability.BRACKET_ORDERS)
        _hold(h, 5)
        ack = h.broker.submit(cid("oco"), _oco(h, 5, "5", "-2"))
        h.drain()
        _falling_bar(h, "-6")
        h.drain()
        assert h.broker.get_order(ack.leg_ids[0]).status is B.FILLED
        assert h.broker.get_order(ack.broker_order_id).status is B.CANCELED
        assert h.broker.positions() == []

    def test_trailing_stop_follows_the_high_then_triggers(self, make_broker):
        """BRK-60 a trailing sell stop rides a rise, then fills on the fall from the high."""
        h = make_broker()
        self.require(h, Capability.STOP_ORDERS)
        _hold(h, 5)
        spec = OrderSpec(
            symbol=h.symbol,
            side=Side.SELL,
            qty=Decimal(5),
            order_type=OrderType.TRAILING_STOP,
            trail_price=Decimal(2),
        )
        assert h.broker.rule_breach(spec) is None
        client_id = cid("trail")
        ack = h.broker.submit(client_id, spec)
        assert ack.spec.trail_price == Decimal(2)
        # Up 6 in small steps: a stop fixed 2 below the start would never be reached,
        # and the trailing one is not either while the market rises.
        for step in range(1, 7):
            low, high = h.last_price + step - 1, h.last_price + step
            h.feed_bar(open=low, high=high, low=low - 0.5, close=high)
        h.drain()
        assert h.broker.get_order(ack.broker_order_id).status is not B.FILLED
        top = h.last_price + 6
        h.feed_bar(open=top, high=top, low=top - 5, close=top - 4.5)
        h.drain()
        order = h.broker.get_order(ack.broker_order_id)
        assert order.status is B.FILLED
        assert order.filled_avg_price is not None
        # Triggered 2 below the high (~104 at most, costs aside), well above the low.
        assert order.filled_avg_price > Decimal(repr(top - 4))
        calm_bar(h)
        assert h.broker.positions() == []

    def test_trailing_buy_stop_covers_a_short_on_the_rise_from_the_low(
        self, make_broker
    ):
        """BRK-62 a trailing buy stop (percent) follows the low, fills on the bounce."""
        h = make_broker()
        self.require(h, Capability.STOP_ORDERS)
        self.require(h, Capability.SHORT_SELL)
        _hold(h, 5, Side.SELL)
        spec = OrderSpec(
            symbol=h.symbol,
            side=Side.BUY,
            qty=Decimal(5),
            order_type=OrderType.TRAILING_STOP,
            trail_percent=Decimal(3),
        )
        ack = h.broker.submit(cid("trail"), spec)
        for step in range(1, 6):  # down 5, in steps a 3 % trail never reaches
            high, low = h.last_price - step + 1, h.last_price - step
            h.feed_bar(open=high, high=high + 0.5, low=low, close=low)
        h.drain()
        assert h.broker.get_order(ack.broker_order_id).status is not B.FILLED
        bottom = h.last_price - 5
        h.feed_bar(open=bottom, high=bottom + 6, low=bottom, close=bottom + 5.5)
        h.drain()
        order = h.broker.get_order(ack.broker_order_id)
        assert order.status is B.FILLED
        assert order.filled_avg_price is not None
        # Triggered 3 % above the low (about 97.85), below the bounce's high.
        assert order.filled_avg_price < Decimal(repr(bottom + 6))
        calm_bar(h)
        assert h.broker.positions() == []
