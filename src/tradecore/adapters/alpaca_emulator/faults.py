"""Injected faults and the server-side rate limit.

Faults are counted: "lose the next 2 submit responses", "answer the next 3 requests
with a 503". Each is consumed by the request it hits, so a test knows exactly which
requests failed. The rate limit follows Alpaca's fixed window per account with the
``X-RateLimit-*`` headers (docs/alpaca.md §7); a 429 storm ignores the budget.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import attrs

from tradecore.adapters.alpaca_emulator import errors as err
from tradecore.adapters.alpaca_emulator import wire

LOSE_MODES = ("disconnect", "timeout")
#: How an injected error answer's body looks: Alpaca's JSON error, bytes that are not
#: JSON at all (a proxy's page, a cut-off body), or nothing.
ERROR_BODIES = ("json", "garbage", "empty")
GARBAGE_BODY = b"<html><body>upstream hiccup</body></html\x00"


@attrs.define(kw_only=True)
class Faults:
    """The faults still to inject; every counter counts requests."""

    #: Accept the next N order submits, then close the connection without answering.
    lose_submits: int = 0
    #: ``disconnect`` closes at once; ``timeout`` first holds the request open.
    lose_mode: str = attrs.field(
        default="disconnect", validator=attrs.validators.in_(LOSE_MODES)
    )
    lose_hold_s: float = 5.0
    #: Answer the next N trading requests with ``error_status``.
    errors: int = 0
    error_status: int = attrs.field(
        default=503, validator=[attrs.validators.ge(200), attrs.validators.le(599)]
    )
    #: Carry the request out before answering with the error (a 504 after the fact;
    #: with ``error_route="submit_order"``: the order is placed, the answer says not).
    error_apply: bool = False
    #: Only requests to this route take the ``errors`` count ("" = any trading route).
    error_route: str = ""
    #: The error answer's body: one of :data:`ERROR_BODIES`.
    error_body: str = attrs.field(
        default="json", validator=attrs.validators.in_(ERROR_BODIES)
    )
    #: The ``code`` of a JSON error body (0 = no code, like Alpaca's gateway errors).
    error_code: int = 0
    #: Answer the next N trading requests with 429 whatever the budget.
    storm: int = 0
    storm_reset_s: float = 1.0
    #: Answer the next N market-data requests with 429 (the data API's own budget).
    data_storm: int = 0
    #: Delay the next N trading requests by ``slow_delay_s`` before handling them.
    slow: int = 0
    slow_delay_s: float = 1.0
    #: Answer the next N single-order cancels 204 but leave the order working, so
    #: it can still fill after the cancel request (Alpaca: a cancel is a request).
    defer_cancels: int = 0
    #: Refuse stream connections (set by the stream "down" control).
    stream_down: bool = False
    #: Refuse market-data stream connections (set by the data_stream "down" control).
    data_stream_down: bool = False

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial update from the control API.

        Raises:
            ApiError: an unknown key or a bad value (422).
        """
        known = {a.name for a in attrs.fields(Faults)}
        before = self.as_json()
        try:
            self._apply(changes, known)
            attrs.validate(self)
        except (ValueError, err.ApiError) as e:
            for key, value in before.items():  # all or nothing
                setattr(self, key, value)
            if isinstance(e, err.ApiError):
                raise
            raise err.validation(f"invalid fault setting: {e.args[0]}") from None

    def _apply(self, changes: dict[str, Any], known: set[str]) -> None:
        for key, value in changes.items():
            if key not in known:
                raise err.validation(f"unknown fault {key!r}; known: {sorted(known)}")
            current = getattr(self, key)
            number = isinstance(value, int | float | Decimal) and not isinstance(
                value, bool
            )
            if type(value) is not type(current) and not (
                isinstance(current, float) and number
            ):
                raise err.validation(f"fault {key} must be {type(current).__name__}")
            setattr(self, key, type(current)(value))

    def reset(self) -> None:
        """Disarm every fault."""
        for field in attrs.fields(Faults):
            setattr(self, field.name, field.default)

    def take_error(self, route: str) -> bool:
        """Consume one injected error if ``route`` is the one errors target."""
        if self.error_route and self.error_route != route:
            return False
        return self.take("errors")

    def take(self, name: str) -> bool:
        """Consume one count of fault ``name``; return whether it applies."""
        left = getattr(self, name)
        if left <= 0:
            return False
        setattr(self, name, left - 1)
        return True

    def as_json(self) -> dict[str, Any]:
        """Return the current settings."""
        return attrs.asdict(self)


class RateWindow:
    """Alpaca's per-account budget: ``limit`` requests per fixed ``window_s``."""

    def __init__(
        self,
        limit: int | None,
        window_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        """Start the first window now; ``limit=None`` means no limit."""
        self.limit = limit
        self.window_s = window_s
        self._monotonic = monotonic
        self._wall = wall
        self._start = monotonic()
        self._used = 0

    def admit(self) -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it is within budget, and the headers."""
        if self.limit is None:
            return True, {}
        now = self._monotonic()
        if now - self._start >= self.window_s:
            self._start, self._used = now, 0
        self._used += 1
        remaining = max(0, self.limit - self._used)
        return self._used <= self.limit, self.headers(remaining, now)

    def headers(self, remaining: int, now: float | None = None) -> dict[str, str]:
        """Return the ``X-RateLimit-*`` headers (reset as epoch seconds)."""
        now = self._monotonic() if now is None else now
        left = self.window_s - (now - self._start)
        reset = math.ceil(self._wall() + max(0.0, left))
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(reset),
        }


def too_many_requests() -> err.ApiError:
    """Return Alpaca's 429 answer."""
    return err.ApiError(429, wire.error(err.RATE_LIMITED, "rate limit exceeded"))


def storm_headers(
    faults: Faults, *, wall: Callable[[], float] = time.time
) -> dict[str, str]:
    """Return the rate-limit headers of a storm 429: reset after ``storm_reset_s``."""
    return {
        "X-RateLimit-Limit": "200",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": str(math.ceil(wall() + faults.storm_reset_s)),
    }
