"""A fill seen on the stream and recovered from ``FILL`` activities is one fill.

Alpaca documents a FILL activity's id only as ``<timestamp>::<uuid>``; nothing says
the uuid is the stream's ``execution_id`` (see :mod:`tradecore.adapters.alpaca.
recovery`). The emulator can give activities uuids unrelated to the execution ids
(``unrelated_activity_ids``); the adapter names every fill by order and cumulative
quantity, so nothing is counted twice either way.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import pytest

from tests.alpaca_harness import CREDENTIALS, AlpacaHarness, adapter_config, eventually
from tests.contract.broker_contract import calm_bar, fills, market
from tradecore.adapters.alpaca import AlpacaBroker
from tradecore.adapters.alpaca.recovery import fill_execution_id
from tradecore.adapters.alpaca_emulator.control import HUB
from tradecore.domain.orders.spec import Side

_ids = itertools.count(1)


def _cid() -> str:
    return f"ident-{next(_ids)}"


def test_the_fill_id_is_the_order_and_its_cumulative_quantity() -> None:
    assert fill_execution_id("o-1", Decimal("10")) == fill_execution_id(
        "o-1", Decimal("10.000")
    )
    assert fill_execution_id("o-1", Decimal(10)) != fill_execution_id(
        "o-1", Decimal(11)
    )
    assert fill_execution_id("o-1", Decimal(10)) != fill_execution_id(
        "o-2", Decimal(10)
    )


@pytest.mark.parametrize("unrelated", [False, True])
def test_activity_ids_that_differ_from_execution_ids_still_match_the_stream(
    unrelated: bool,
) -> None:
    settings = {"unrelated_activity_ids": unrelated, "record_wire": True}
    h = AlpacaHarness("realistic", emulator=settings)
    try:
        buy = _cid()
        h.broker.submit(buy, market(h, Side.BUY, 900))  # still working after
        for _ in range(3):
            calm_bar(h, volume=2_000.0)
        streamed = fills(h.drain(), buy)
        assert len(streamed) >= 2
        assert h.broker.get_order_by_client_id(buy).filled_qty < 900
        activities = h.broker._rest.fill_activities("2026-01-01T00:00:00+00:00")
        assert activities is not None
        uuids = {a["id"].split("::")[1] for a in activities}
        assert (uuids == _stream_execution_ids(h)) is not unrelated
        # A second adapter (a restart: nothing tracked, nothing reported) recovers
        # the still-working order from the activities: the same fills, same ids.
        restarted = AlpacaBroker(adapter_config(h.server), CREDENTIALS)
        try:
            restarted.connect()
            recovered: list = []
            eventually(
                lambda: (
                    recovered.extend(fills(restarted.poll_events(), buy))
                    or len(recovered) >= len(streamed)
                ),
                what="recovery",
            )
        finally:
            restarted.close()
        assert [f.execution_id for f in recovered] == [f.execution_id for f in streamed]
        assert [(f.qty, f.price) for f in recovered] == [
            (f.qty, f.price) for f in streamed
        ]
    finally:
        h.close()


def _stream_execution_ids(h: AlpacaHarness) -> set[str]:
    """The ``execution_id`` of every fill frame the emulator's stream sent."""
    frames = [json.loads(f)["data"] for f in h.server.app[HUB].recorded]
    return {d["execution_id"] for d in frames if d["event"] in ("fill", "partial_fill")}
