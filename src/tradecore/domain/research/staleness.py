"""Model staleness: when a production model should no longer be trusted as it is.

Two independent signs, either of which makes a model stale:

1. **Age.** The model learned from data that ends at the manifest's
   ``training_end``; markets drift, so a model older than ``max_age_days`` (days from
   ``training_end`` to now) is stale however well it still does.
2. **Hit rate.** The model card states the out-of-sample hit rate ``p`` (the share
   of correct up/down calls on data it never saw). Live, each prediction resolves
   once its label's horizon has passed; over the last ``window`` resolved
   predictions the rolling hit rate ``h`` is compared with ``p``: the model is stale
   when ``h < p - tolerance``. With fewer than ``window`` resolved predictions the
   rate is not judged (too few to tell noise from decay).

Choosing ``tolerance``: the standard error of a hit rate over ``n`` calls is
``sqrt(p(1 - p) / n)`` (binomial proportion), about 0.05 for ``p = 0.55`` and
``n = 100``; a tolerance of two standard errors keeps the false alarm rate of a
still-good model near 2.5 % per check (one-sided normal approximation; see e.g.
Wasserman, *All of Statistics*, 2004, §6.3.2 on the Wald interval).
:func:`hit_rate_tolerance` computes it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from tradecore.domain.errors import InvalidInput


def _positive_int(
    instance: object, attribute: attrs.Attribute[int], value: object
) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidInput(attribute.name, value, "must be a positive integer")


def _unit_interval(
    instance: object, attribute: attrs.Attribute[float], value: object
) -> None:
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise InvalidInput(attribute.name, value, "must be a number in [0, 1]")


def _optional_positive(
    instance: object, attribute: attrs.Attribute[float | None], value: object
) -> None:
    if value is not None and (
        not isinstance(value, int | float) or isinstance(value, bool) or value <= 0
    ):
        raise InvalidInput(attribute.name, value, "must be a positive number or unset")


@attrs.frozen(kw_only=True, slots=True)
class StalenessRule:
    """The limits (``[model] max_age_days``, ``hit_rate_window``, ``hit_rate_tolerance``)."""

    #: Days after ``training_end`` a model is trusted (``None``: age is not judged).
    max_age_days: float | None = attrs.field(default=None, validator=_optional_positive)
    #: Resolved predictions the rolling hit rate covers.
    window: int = attrs.field(default=100, validator=_positive_int)
    #: How far (absolute share) the rolling rate may fall below the card's.
    tolerance: float = attrs.field(default=0.1, validator=_unit_interval)


@attrs.frozen(kw_only=True, slots=True)
class Staleness:
    """The verdict: stale or not, why, and the figures it was judged on."""

    stale: bool
    #: One line per sign found (empty when not stale).
    reasons: tuple[str, ...]
    age_days: float | None
    rolling_hit_rate: float | None
    resolved: int


def hit_rate_tolerance(oos_hit_rate: float, window: int, z: float = 2.0) -> float:
    """Return ``z`` binomial standard errors of a hit rate over ``window`` calls."""
    if not 0.0 <= oos_hit_rate <= 1.0 or window < 1:
        raise InvalidInput(
            "hit_rate", oos_hit_rate, "needs a rate in [0, 1], window >= 1"
        )
    return z * math.sqrt(oos_hit_rate * (1.0 - oos_hit_rate) / window)


def judge_staleness(
    rule: StalenessRule,
    *,
    now: datetime,
    training_end: datetime | None,
    oos_hit_rate: float | None,
    resolved: Iterable[bool],
) -> Staleness:
    """Judge a model by the module's two rules.

    Args:
        rule: the limits.
        now: the time of the check (aware UTC).
        training_end: the manifest's ``training_end`` (``None``: age not judged).
        oos_hit_rate: the card's out-of-sample hit rate (``None``: rate not judged).
        resolved: whether each resolved prediction was right, oldest first; only the
            last ``rule.window`` count.
    """
    if now.utcoffset() is None:
        raise InvalidInput("now", now, "expected an aware UTC datetime")
    last = list(deque(resolved, maxlen=rule.window))
    reasons: list[str] = []
    age = None if training_end is None else (now - training_end) / timedelta(days=1)
    if age is not None and rule.max_age_days is not None and age > rule.max_age_days:
        reasons.append(
            f"trained on data ending {training_end:%Y-%m-%d}: {age:.1f} days old, "
            f"more than max_age_days={rule.max_age_days:g}"
        )
    rate = sum(last) / len(last) if last else None
    if (
        rate is not None
        and oos_hit_rate is not None
        and len(last) >= rule.window
        and rate < oos_hit_rate - rule.tolerance
    ):
        reasons.append(
            f"hit rate {rate:.3f} over the last {len(last)} resolved predictions is "
            f"more than {rule.tolerance:g} below the card's out-of-sample "
            f"{oos_hit_rate:.3f}"
        )
    return Staleness(
        stale=bool(reasons),
        reasons=tuple(reasons),
        age_days=age,
        rolling_hit_rate=rate,
        resolved=len(last),
    )


class ResolvedCalls:
    """A model's up/down calls, resolved once their label's horizon has passed.

    A call at a symbol's bar ``t`` (probability ``p`` that the forward return over
    ``horizon`` bars is positive; the call is "up" when ``p > 0.5``) resolves at
    that symbol's bar ``t + horizon``: right when the close moved the way called
    (a flat close counts as "not up", as the training label does). Only the last
    ``keep`` outcomes are kept.
    """

    def __init__(self, horizon: int, keep: int) -> None:
        if horizon < 1 or keep < 1:
            raise InvalidInput("horizon", horizon, "horizon and keep must be >= 1")
        self.horizon = horizon
        self._bars: dict[str, int] = {}
        self._closes: dict[str, float] = {}
        #: symbol -> (bar index due, close at the call, called up)
        self._open: dict[str, deque[tuple[int, float, bool]]] = {}
        self.outcomes: deque[bool] = deque(maxlen=keep)

    def on_close(self, symbol: str, close: float) -> None:
        """A bar of ``symbol`` closed at ``close``: resolve the calls now due."""
        index = self._bars.get(symbol, -1) + 1
        self._bars[symbol] = index
        self._closes[symbol] = close
        pending = self._open.get(symbol)
        while pending and pending[0][0] <= index:
            _, then, up = pending.popleft()
            self.outcomes.append((close > then) == up)

    def call(self, symbol: str, probability: float) -> None:
        """The model scored ``symbol`` at its latest close (ignored before any close)."""
        if symbol not in self._closes:
            return
        due = self._bars[symbol] + self.horizon
        self._open.setdefault(symbol, deque()).append(
            (due, self._closes[symbol], probability > 0.5)
        )
