"""The Broker contract against a real Alpaca paper account (``--alpaca-paper``).

``nox -s contract -- --alpaca-paper`` adds an ``AlpacaPaper[paper]`` column to the
parity table: the same cases, through the same adapter, against
``https://paper-api.alpaca.markets`` with the keys in ``APCA_API_KEY_ID`` and
``APCA_API_SECRET_KEY``. Without the flag the column is ``AlpacaPaper[emulator]``: this
harness, unchanged, against the emulator standing in for the paper API, so CI runs
the very code a user runs against Alpaca.

What a real account cannot do, the harness does not pretend: nobody can feed Alpaca
a bar or move its clock, so a case that calls ``feed_bar``, asks for the session's
close or waits more than a few seconds is skipped with that reason (the same cases
skip against the emulator stand-in: one behaviour). What is left — acknowledgements,
cancels of resting orders, refusals by rule, lookups, capabilities — runs for real.

Safety: the harness talks only to the paper endpoint (a live key is refused there
with 401: docs/alpaca.md §5.2 row (e)), never to ``APCA_API_BASE_URL`` or the live URL.
Orders are small, their client ids carry a per-run tag, and ``close`` cancels every
order of the run still open and, while the market is open, trades each symbol's
position back to what it was when the harness started.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn

import attrs
import pytest

from tradecore.adapters.alpaca import AlpacaBroker, AlpacaConfig, AlpacaCredentials
from tradecore.adapters.alpaca.config import PAPER_STREAM_URL, PAPER_URL
from tradecore.domain.errors import TradecoreError
from tradecore.domain.market.bars import Bar, Provenance
from tradecore.domain.orders.events import OrderEvent
from tradecore.domain.orders.spec import OrderSpec, Side

log = logging.getLogger(__name__)

KEY_ENV = "APCA_API_KEY_ID"
SECRET_ENV = "APCA_API_SECRET_KEY"
#: A liquid, fractionable, shortable symbol unless the user names another.
SYMBOL_ENV = "TRADECORE_PAPER_SYMBOL"
DEFAULT_SYMBOL = "SPY"
#: The longest wait a case may ask for on a real account (seconds).
LONGEST_WAIT_S = 5.0
SETTLE_S = 1.5
NO_MARKET = (
    "needs a market the test drives (bars, session times): emulator harness only"
)


class LiveAccountRefused(Exception):
    """The target is not Alpaca's paper API: the suite never trades a live account."""


@attrs.frozen(kw_only=True)
class PaperTarget:
    """Where the harness trades: real paper endpoints, or an emulator standing in."""

    config: AlpacaConfig
    credentials: AlpacaCredentials
    symbol: str
    #: True for Alpaca itself (only the paper endpoints are accepted).
    real: bool
    #: The symbol's price now (a quote's midpoint), for sizing the cases' orders.
    price: Callable[[], float]
    #: Let ``seconds`` pass for the broker: a real sleep on Alpaca; on the stand-in,
    #: virtual time, then until the broker's stream received what was sent meanwhile.
    wait: Callable[[float, AlpacaBroker], None] = lambda seconds, _: time.sleep(seconds)


def refuse_live(config: AlpacaConfig, *, real: bool) -> None:
    """Raise unless ``config`` points at the paper API (or, for the stand-in, loopback).

    Raises:
        LiveAccountRefused: a live URL, or any non-paper, non-loopback origin.
    """
    rest, stream = config.rest_url, config.trade_stream_url
    if real and (rest, stream) == (PAPER_URL, PAPER_STREAM_URL) and config.paper:
        return
    if not real and rest.startswith(("http://127.0.0.1:", "http://localhost:")):
        return
    raise LiveAccountRefused(
        f"the contract suite trades only Alpaca's paper API ({PAPER_URL}); "
        f"refusing {rest}"
    )


def paper_target_from_env(environ: dict[str, str] | None = None) -> PaperTarget:
    """The real paper account named by the environment's keys.

    Raises:
        pytest.UsageError: a key is missing (the message names the variable).
    """
    env = os.environ if environ is None else environ
    missing = [name for name in (KEY_ENV, SECRET_ENV) if not env.get(name)]
    if missing:
        raise pytest.UsageError(
            f"--alpaca-paper needs {' and '.join(missing)} set to a paper account's keys"
        )
    credentials = AlpacaCredentials(key_id=env[KEY_ENV], secret_key=env[SECRET_ENV])
    config = AlpacaConfig(paper=True)
    symbol = env.get(SYMBOL_ENV) or DEFAULT_SYMBOL
    return PaperTarget(
        config=config,
        credentials=credentials,
        symbol=symbol,
        real=True,
        price=lambda: quote_midpoint(config, credentials, symbol, None),
    )


def quote_midpoint(
    config: AlpacaConfig,
    credentials: AlpacaCredentials,
    symbol: str,
    data_url: str | None,
) -> float:
    """The symbol's latest IEX quote midpoint (the free feed every account has)."""
    from tradecore.adapters.alpaca.market_data import AlpacaMarketData

    data = AlpacaMarketData(config, credentials, feed=Provenance.IEX, base_url=data_url)
    quote = data.latest_quote(symbol)
    if quote is None:
        raise LiveAccountRefused(f"no quote for {symbol}: choose another symbol")
    return (quote.bid + quote.ask) / 2


class PaperHarness:
    """The BrokerHarness of the contract suite over a paper account (module doc)."""

    unknown_symbol = "ZZZZQQ"
    partial_fills = False
    cost_allowance_bps = 150.0

    def __init__(self, target: PaperTarget, run_tag: str) -> None:
        """Connect to the target (after refusing anything but paper) and note its
        positions, so ``close`` can put them back."""
        refuse_live(target.config, real=target.real)
        self.target = target
        self.run_tag = run_tag
        self.symbol = target.symbol
        self.broker = AlpacaBroker(target.config, target.credentials)
        self.broker.connect()
        self.last_price = target.price()
        self.starting_cash = self.broker.account().cash
        self._start_positions = {p.symbol: p.qty for p in self.broker.positions()}
        self.log: list[OrderEvent] = []
        self._drained = 0

    def now(self) -> datetime:
        return self.broker.market_clock().timestamp

    def feed_bar(self, **_: Any) -> Bar:
        self._no_market()

    def seconds_to_session_close(self) -> float:
        self._no_market()

    def advance(self, seconds: float) -> None:
        if seconds > LONGEST_WAIT_S:
            self._no_market()
        self.target.wait(seconds, self.broker)
        self.log.extend(self.broker.poll_events())

    def drain(self) -> list[OrderEvent]:
        self.advance(SETTLE_S)
        new = self.log[self._drained :]
        self._drained = len(self.log)
        return new

    def close(self) -> list[str]:
        """Cancel the run's open orders and restore positions; return what is left."""
        left: list[str] = []
        try:
            for order in self.broker.open_orders():
                if self.run_tag in order.client_order_id:
                    self._quietly(lambda o=order: self.broker.cancel(o.broker_order_id))
            left = self._restore_positions()
        finally:
            self.broker.close()
        for line in left:
            log.warning("paper account left as is: %s", line)
        return left

    def _restore_positions(self) -> list[str]:
        drift = {p.symbol: p.qty for p in self.broker.positions()}
        for symbol, qty in self._start_positions.items():
            drift[symbol] = drift.get(symbol, Decimal(0)) - qty
        moves = {s: q for s, q in drift.items() if q != 0}
        if not moves:
            return []
        if not self.broker.market_clock().is_open:
            return [
                f"{s}: {q:+} shares opened by the run (market closed)"
                for s, q in moves.items()
            ]
        for symbol, qty in moves.items():
            side = Side.SELL if qty > 0 else Side.BUY
            spec = OrderSpec(symbol=symbol, side=side, qty=abs(qty))
            self._quietly(
                lambda s=spec: self.broker.submit(
                    f"{self.run_tag}-restore-{s.symbol}", s
                )
            )
        return []

    @staticmethod
    def _quietly(call: Callable[[], object]) -> None:
        try:
            call()
        except TradecoreError as e:  # cleanup goes on; the warning says what stayed
            log.warning("paper cleanup step failed: %s", e)

    @staticmethod
    def _no_market() -> NoReturn:
        pytest.skip(NO_MARKET)
