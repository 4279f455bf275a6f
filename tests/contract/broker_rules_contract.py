"""Broker-rule cases: what Alpaca refuses, refused the same by every adapter.

Each case checks both halves of a rule: the adapter's pre-send check
(``Broker.rule_breach``, what the engine records as ``skipped(broker_rules:<rule>)``)
and the broker's own answer when the order is sent anyway (``BrokerRuleBreached``
naming the same rule: raised by the simulated venue, or the Alpaca emulator's
refusal — real Alpaca's with ``--alpaca-paper`` — recognised by the adapter). A case
the adapter cannot know before sending checks only the broker's answer, and says so.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.contract.broker_contract import BrokerHarness, cid, limit
from tradecore.domain.errors import BrokerRuleBreached, OrderNotFound
from tradecore.domain.orders.spec import OrderSpec, Side


def refused_for(h: BrokerHarness, spec: OrderSpec, rule: str, *, known: bool = True):
    """Assert ``spec`` breaks ``rule`` before sending (if ``known``) and when sent.

    Returns the broker's refusal; the broker keeps no order under the refused id.
    """
    breach = h.broker.rule_breach(spec)
    if known:
        assert breach is not None
        assert breach.rule == rule, breach
    client_id = cid("rule")
    with pytest.raises(BrokerRuleBreached) as refused:
        h.broker.submit(client_id, spec)
    assert refused.value.code == rule, refused.value
    assert refused.value.breach.message
    with pytest.raises(OrderNotFound):
        h.broker.get_order_by_client_id(client_id)
    return refused.value


class PriceRulesContract:
    """Tick sizes: two decimals from $1.00, four below (BRK-24, BRK-25)."""

    def test_sub_penny_limit_price_is_refused(self, make_broker):
        """BRK-24 a limit price with three decimals above $1 is refused, rule named."""
        h = make_broker()
        refused = refused_for(h, limit(h, Side.BUY, 5, "99.123"), "sub_penny_price")
        assert "sub-penny increment" in refused.breach.message
        assert h.broker.rule_breach(limit(h, Side.BUY, 5, "99.12")) is None

    def test_four_decimals_below_a_dollar_are_taken(self, make_broker):
        """BRK-25 under $1 four decimals are on the tick; a fifth is refused."""
        h = make_broker()
        on_tick = limit(h, Side.BUY, 10, "0.5123")
        assert h.broker.rule_breach(on_tick) is None
        ack = h.broker.submit(cid("rule"), on_tick)
        assert ack.spec.limit_price == Decimal("0.5123")
        refused_for(h, limit(h, Side.BUY, 10, "0.51234"), "sub_penny_price")
