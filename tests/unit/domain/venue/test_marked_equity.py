"""The day-trade rule's equity, kept per symbol, equals the ledger's marked equity.

Random fills (opening, adding, closing, flipping, fractional) and random marks,
some symbols never marked; after every step the running figure must equal
:meth:`Ledger.equity` computed from scratch. A touch left out would leave a stale
value behind and fail here.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tradecore.domain.orders.executions import Fill
from tradecore.domain.orders.ledger import Ledger
from tradecore.domain.orders.spec import Side
from tradecore.domain.venue.equity import MarkedEquity

SYMBOLS = ("AAA", "BBB", "CCC", "DDD")
T0 = datetime(2024, 1, 2, 15, 0, tzinfo=UTC)


def _price(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(100, 50_000)) / 100


def test_running_equity_equals_the_ledgers_after_every_step():
    rng = random.Random(7)
    ledger = Ledger.opening(Decimal(100_000))
    with_holdings = Ledger.opening(Decimal(0)).apply(
        Fill(
            execution_id="x0",
            client_order_id="c0",
            symbol="DDD",
            side=Side.BUY,
            qty=Decimal(3),
            price=Decimal("12.34"),
            filled_at=T0,
        )
    )
    for start in (ledger, with_holdings):  # an opening ledger may hold shares
        ledger, marks, equity = start, {}, MarkedEquity()
        for step in range(2_000):
            symbol = rng.choice(SYMBOLS[:3])
            if rng.random() < 0.5:
                qty = Decimal(rng.randint(1, 300))
                if rng.random() < 0.2:
                    qty = qty / 7  # fractional shares
                fill = Fill(
                    execution_id=f"e{step}",
                    client_order_id=f"c{step}",
                    symbol=symbol,
                    side=rng.choice((Side.BUY, Side.SELL)),
                    qty=qty.quantize(Decimal("0.000000001")),
                    price=_price(rng),
                    filled_at=T0 + timedelta(seconds=step),
                )
                ledger = ledger.apply(fill)
            else:
                marks[symbol] = _price(rng)
            equity.touch(symbol)
            if rng.random() < 0.3:
                assert equity.equity(ledger, marks.get) == ledger.equity(marks)
        assert equity.equity(ledger, marks.get) == ledger.equity(marks)
