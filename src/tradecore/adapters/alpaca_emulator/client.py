"""A small synchronous client of the control API (standard library only).

Tests, notebooks and scripts use it to drive the emulated market::

    control = EmulatorControl("http://127.0.0.1:8080")
    control.bars([{"symbol": "AAPL", "o": 100, "h": 101, "l": 99, "c": 100.5}])
    control.advance(60)
    control.faults(lose_submits=1)
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from tradecore.adapters.alpaca_emulator.errors import EmulatorUnavailable
from tradecore.domain.errors import InvalidInput

TIMEOUT_S = 30.0


class EmulatorControl:
    """Calls ``/_control/...`` on one emulator."""

    def __init__(self, base_url: str) -> None:
        """Talk to the emulator at ``base_url`` (e.g. ``http://127.0.0.1:8080``)."""
        if not base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
            raise InvalidInput("base_url", base_url, "the control API is loopback only")
        self._base = base_url.rstrip("/")

    def state(self) -> dict[str, Any]:
        """Return the virtual time, event and frame counts, armed faults."""
        return self._call("GET", "/_control/state")

    def now(self) -> datetime:
        """Return the emulator's virtual time."""
        return datetime.fromisoformat(self.state()["now"])

    def advance(self, seconds: float) -> dict[str, Any]:
        """Let ``seconds`` of virtual time pass."""
        return self._call("POST", "/_control/advance", {"seconds": seconds})

    def advance_to(self, at: datetime) -> dict[str, Any]:
        """Let virtual time pass up to ``at``."""
        return self._call("POST", "/_control/advance", {"to": at.isoformat()})

    def bars(
        self, bars: list[dict[str, Any]], *, through: bool = True
    ) -> dict[str, Any]:
        """Feed bars ``{symbol, t?, o, h, l, c, v}``; with ``through`` each passes."""
        return self._call("POST", "/_control/bars", {"bars": bars, "through": through})

    def quotes(self, quotes: list[dict[str, Any]]) -> dict[str, Any]:
        """Feed quotes ``{symbol, t?, bp, ap, bs, as}``."""
        return self._call("POST", "/_control/quotes", {"quotes": quotes})

    def faults(self, **settings: Any) -> dict[str, Any]:
        """Arm faults, e.g. ``lose_submits=1``, ``errors=3``, ``storm=5``."""
        return self._call("POST", "/_control/faults", settings)

    def clear_faults(self) -> dict[str, Any]:
        """Disarm every fault."""
        return self._call("DELETE", "/_control/faults")

    def place_order(self, **body: Any) -> dict[str, Any]:
        """Place an order out of band (as from Alpaca's web UI); returns the order.

        ``body`` is an Alpaca order request, e.g. ``symbol="AAPL", qty="3",
        side="buy", type="market", time_in_force="day"``.
        """
        return self._call("POST", "/_control/orders", body)

    def stream(self, action: str) -> dict[str, Any]:
        """``drop`` the stream connections, or take the stream ``down``/``up``."""
        return self._call("POST", "/_control/stream", {"action": action})

    def data_stream(self, action: str) -> dict[str, Any]:
        """``drop`` the market-data stream connections, or take it ``down``/``up``."""
        return self._call("POST", "/_control/data_stream", {"action": action})

    def data_stream_state(self) -> dict[str, Any]:
        """The market-data stream's subscribers, connections and messages sent."""
        return self._call("GET", "/_control/data_stream")

    def trades(self, trades: list[dict[str, Any]]) -> dict[str, Any]:
        """Push trade prints ``{symbol, t?, p, s}`` to the market-data stream."""
        return self._call("POST", "/_control/trades", {"trades": trades})

    def trade_update(self, event: str, **body: Any) -> dict[str, Any]:
        """Send a rare trade update for an order (``order_id=`` or ``client_order_id=``).

        ``event``: ``order_cancel_rejected``, ``order_replace_rejected``,
        ``suspended``, ``restated``, ``trade_bust``, ``trade_correct`` (these two
        take ``execution_id``, ``qty``, ``price``; default: the latest execution).
        """
        return self._call("POST", "/_control/trade_update", {"event": event, **body})

    def market_events(self, *events: dict[str, Any]) -> dict[str, Any]:
        """Send rare stream messages, e.g. ``{"type": "halt", "symbol": "AAPL"}``.

        Types: ``updated_bar`` (a correction: ``t, o, h, l, c, v``), ``daily_bar``,
        ``halt``/``resume`` (``reason``, ``tape``), ``luld`` (``up``, ``down``).
        """
        return self._call("POST", "/_control/market_events", {"events": list(events)})

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback http checked above
            self._base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_S) as answer:  # noqa: S310 - loopback http, checked in __init__  # nosec B310
                result: dict[str, Any] = json.loads(answer.read())
        except urllib.error.HTTPError as e:
            raise InvalidInput(path, body, e.read().decode(errors="replace")) from None
        except OSError as e:  # URLError: refused, reset, timed out
            reason = getattr(e, "reason", e)
            raise EmulatorUnavailable(
                f"broker unavailable: the emulator at {self._base} does not answer "
                f"({reason})"
            ) from None
        return result
