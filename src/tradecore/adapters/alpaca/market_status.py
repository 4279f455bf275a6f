"""What Alpaca's market-data stream says besides bars: halts, daily bars, LULD bands.

Kept for :class:`~tradecore.adapters.alpaca.stream_bar_feed.AlpacaStreamBarFeed`,
whose stream thread writes here while the trading thread reads; every method takes
the book's own lock. The rules (alpacahq/alpaca-docs ``content/api-references/
market-data-api/stock-pricing-data/realtime.md``, "Status Schema" and "Security
status"):

- **``s``, trading status**: a halt (CTA ``2`` "Trading Halt", UTP ``H`` "Trading
  Halt", UTP ``P`` "Volatility Trading Pause") holds until a resumption (CTA ``3``
  "Resume", UTP ``T`` "Trading Resumption"); UTP ``Q`` "Quotation Resumption"
  (quotes only) and the imbalance and other indicators change nothing;
- **``d``, daily bar**: "returned as partial bar up to the current time"; the
  latest per symbol is kept;
- **``l``, LULD**: the latest band per symbol (``u`` limit up, ``d`` limit down,
  ``i`` indicator).

Alerts are queued here and sent by the feed on the caller's thread.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tradecore.domain.market.bars import Bar
from tradecore.domain.market.trading_status import TradingHalt
from tradecore.ports.alerts import Alert, AlertCode, Severity
from tradecore.ports.trading_status import TradingStatusView

HALT_CODES = frozenset({"2", "H", "P"})
RESUME_CODES = frozenset({"3", "T"})
Band = tuple[float, float, str]


class MarketStatusBook(TradingStatusView):
    """Halts, daily bars, LULD bands and the alerts they raised (thread-safe)."""

    def __init__(self) -> None:
        """Know nothing yet."""
        self._lock = threading.Lock()
        self._halts: dict[str, TradingHalt] = {}
        self._daily: dict[str, Bar] = {}
        self._lulds: dict[str, Band] = {}
        self._alerts: list[Alert] = []

    def halted(self) -> dict[str, TradingHalt]:
        """Return the symbols halted now (a halt not yet resumed)."""
        with self._lock:
            return dict(self._halts)

    def daily_bar(self, symbol: str) -> Bar | None:
        """The latest daily bar of ``symbol`` (partial during the day)."""
        with self._lock:
            return self._daily.get(symbol)

    def luld(self, symbol: str) -> Band | None:
        """The latest LULD band of ``symbol``: (limit up, limit down, indicator)."""
        with self._lock:
            return self._lulds.get(symbol)

    def on_status(
        self,
        symbol: str,
        at: datetime,
        *,
        code: str,
        message: str,
        reason_code: str,
        reason: str,
    ) -> None:
        """Apply a status message: a halt, a resumption, or nothing."""
        if code in HALT_CODES:
            halt = TradingHalt(
                symbol=symbol,
                since=at.astimezone(UTC),
                status_code=code,
                reason_code=reason_code,
                reason=reason,
            )
            with self._lock:
                self._halts[symbol] = halt
            self.alert(
                Severity.WARNING, AlertCode.TRADING_HALTED, halt.describe(), symbol
            )
        elif code in RESUME_CODES:
            with self._lock:
                resumed = self._halts.pop(symbol, None) is not None
            if resumed:
                text = f"{symbol} trading resumed ({message})"
                self.alert(Severity.INFO, AlertCode.TRADING_RESUMED, text, symbol)

    def on_daily_bar(self, bar: Bar) -> None:
        """Keep the latest daily bar of its symbol."""
        with self._lock:
            self._daily[bar.symbol] = bar

    def on_luld(self, symbol: str, band: Band) -> None:
        """Keep the latest LULD band of ``symbol``."""
        with self._lock:
            self._lulds[symbol] = band

    def alert(
        self,
        severity: Severity,
        code: AlertCode,
        message: str,
        key: str,
        **context: str,
    ) -> None:
        """Queue an alert (de-duplicated by ``key``) for :meth:`take_alerts`."""
        alert = Alert(
            severity=severity,
            code=code.value,
            message=message,
            raised_at=datetime.now(UTC),
            context={"dedup_key": key, **context},
        )
        with self._lock:
            self._alerts.append(alert)

    def take_alerts(self) -> list[Alert]:
        """Return (once) the alerts queued so far."""
        with self._lock:
            taken, self._alerts = self._alerts, []
        return taken
