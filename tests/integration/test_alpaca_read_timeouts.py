"""A 408 on a read (recovery's look-ups included) is retried like a 5xx (issue 17).

Before: a 408 was read as a rejection (``BrokerRejected``) and not retried, so one
slow moment at the broker during recovery stopped ``tradecore-live run``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alpaca_harness import AlpacaHarness
from tests.contract.broker_contract import market
from tradecore.domain.errors import TransientBrokerError
from tradecore.domain.orders.spec import Side


@pytest.fixture
def harness() -> Iterator[AlpacaHarness]:
    h = AlpacaHarness("ideal")
    yield h
    h.close()


#: Reads the adapter makes at connect (the pre-send check's account and positions).
_AT_CONNECT = {"get_account": 1, "list_positions": 1}


def _requests(h: AlpacaHarness, route: str) -> int:
    """Requests to ``route`` since the adapter connected."""
    return h.control.state()["requests"].get(route, 0) - _AT_CONNECT.get(route, 0)


def test_a_408_on_a_read_during_recovery_is_retried_like_a_5xx(
    harness: AlpacaHarness,
) -> None:
    h = harness
    h.broker.submit("read-408", market(h, Side.BUY, 3))
    h.control.faults(errors=2, error_status=408)
    # What recovery asks: the order by client id, and the positions.
    assert h.broker.get_order_by_client_id("read-408").client_order_id == "read-408"
    assert _requests(h, "get_order_by_client_id") == 3
    h.control.faults(errors=2, error_status=408)
    h.broker.positions()
    assert _requests(h, "list_positions") == 3


def test_408s_on_reads_give_up_as_transient_after_the_attempts() -> None:
    h = AlpacaHarness("ideal", attempts=2)
    try:
        h.control.faults(errors=5, error_status=408)
        with pytest.raises(TransientBrokerError, match="408"):
            h.broker.positions()
        assert _requests(h, "list_positions") == 2
    finally:
        h.close()
