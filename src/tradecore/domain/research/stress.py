"""Stress scenarios: the simulated venue made harsher, one knob at a time or all at once.

A backtest that only works at today's costs is fragile. A scenario scales the
venue's cost, latency, reject and spread parameters, and the report compares each
scenario with the base run. The text form is what ``--stress`` takes::

    costs=3x,latency=+500ms,rejects=8%,spread=2x

* ``costs=Kx``: fees (commission and regulatory) and market impact times K;
* ``latency=+Nms`` (or ``+Ns``): N added to every submit→ack delay;
* ``rejects=P%``: the venue rejects P% of otherwise valid orders (seeded);
* ``spread=Kx``: the quoted spread (its floor and its estimate from the bar's
  range) times K.

:func:`scenarios_of` turns one text into the scenarios a stressed run runs: each
item alone, then (with two or more items) all of them combined. The values are
pure data; the replay applies them to its venue (``apps/replay/stress.py``).
"""

from __future__ import annotations

import math
import re
from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

_FIELD = "stress"
_MULTIPLIER = re.compile(r"^(\d+(?:\.\d+)?)x$")
_LATENCY = re.compile(r"^\+(\d+(?:\.\d+)?)(ms|s)$")
_PERCENT = re.compile(r"^(\d+(?:\.\d+)?)%$")
#: The name of the scenario that applies every item at once.
COMBINED = "combined"


def _finite_at_least(low: float) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, float | int):
            raise InvalidInput(attribute.name, value, "expected a number")
        if not math.isfinite(value) or value < low:
            raise InvalidInput(attribute.name, value, f"must be finite and >= {low}")

    return check


def _rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    _finite_at_least(0.0)(instance, attribute, value)
    assert isinstance(value, float | int)
    if value > 1:
        raise InvalidInput(attribute.name, value, "must be within [0, 1]")


@attrs.frozen(kw_only=True, slots=True)
class StressScenario:
    """How much harsher the venue is; the defaults change nothing."""

    #: What the report calls it: the item text (``costs=3x``) or :data:`COMBINED`.
    name: str
    #: Fees and market impact are multiplied by this.
    cost_multiplier: float = attrs.field(default=1.0, validator=_finite_at_least(0.0))
    #: Seconds added to every submit→ack delay.
    added_latency_s: float = attrs.field(default=0.0, validator=_finite_at_least(0.0))
    #: The venue's random reject probability (``None``: the venue's own).
    reject_rate: float | None = attrs.field(default=None, validator=_rate)
    #: The spread (floor and range estimate) is multiplied by this.
    spread_multiplier: float = attrs.field(default=1.0, validator=_finite_at_least(0.0))

    def to_dict(self) -> dict[str, object]:
        """JSON primitives (the run's config, so the manifest's config hash)."""
        return attrs.asdict(self)

    def merged(self, other: StressScenario, name: str) -> StressScenario:
        """Both scenarios at once (the other's values win where both set one)."""
        return StressScenario(
            name=name,
            cost_multiplier=self.cost_multiplier * other.cost_multiplier,
            added_latency_s=self.added_latency_s + other.added_latency_s,
            reject_rate=(
                other.reject_rate if other.reject_rate is not None else self.reject_rate
            ),
            spread_multiplier=self.spread_multiplier * other.spread_multiplier,
        )


def parse_item(text: str) -> StressScenario:
    """One ``key=value`` item as a scenario named after it.

    Raises:
        InvalidInput: unknown key or a value not in that key's form (names the item).
    """
    item = text.strip()
    key, sep, value = item.partition("=")
    key, value = key.strip().lower(), value.strip().lower()
    if not sep or not key:
        raise InvalidInput(_FIELD, item, "expected KEY=VALUE, e.g. costs=3x")
    if key == "costs":
        return StressScenario(name=item, cost_multiplier=_multiplier(item, value))
    if key == "spread":
        return StressScenario(name=item, spread_multiplier=_multiplier(item, value))
    if key == "latency":
        return StressScenario(name=item, added_latency_s=_latency(item, value))
    if key == "rejects":
        return StressScenario(name=item, reject_rate=_percent(item, value))
    raise InvalidInput(
        _FIELD, item, f"unknown item {key!r}; known: costs, latency, rejects, spread"
    )


def parse_stress(text: str) -> tuple[StressScenario, ...]:
    """The items of ``--stress`` text, in the order given, each as a scenario.

    Raises:
        InvalidInput: empty text, a bad item, or one key given twice.
    """
    items = [part for part in text.split(",") if part.strip()]
    if not items:
        raise InvalidInput(_FIELD, text, "expected items such as costs=3x,rejects=8%")
    seen: set[str] = set()
    parsed = []
    for item in items:
        key = item.partition("=")[0].strip().lower()
        if key in seen:
            raise InvalidInput(_FIELD, item.strip(), f"{key} is given twice")
        seen.add(key)
        parsed.append(parse_item(item))
    return tuple(parsed)


def scenarios_of(text: str) -> tuple[StressScenario, ...]:
    """What a stressed run runs: each item alone, then all combined (2+ items).

    Raises:
        InvalidInput: as :func:`parse_stress`.
    """
    items = parse_stress(text)
    if len(items) == 1:
        return items
    combined = StressScenario(name=COMBINED)
    for item in items:
        combined = combined.merged(item, COMBINED)
    return (*items, combined)


def _multiplier(item: str, value: str) -> float:
    match = _MULTIPLIER.match(value)
    if match is None:
        raise InvalidInput(_FIELD, item, "expected a multiplier such as 3x or 1.5x")
    return float(match.group(1))


def _latency(item: str, value: str) -> float:
    match = _LATENCY.match(value)
    if match is None:
        raise InvalidInput(_FIELD, item, "expected added latency such as +500ms or +2s")
    amount = float(match.group(1))
    return amount / 1000.0 if match.group(2) == "ms" else amount


def _percent(item: str, value: str) -> float:
    match = _PERCENT.match(value)
    if match is None or float(match.group(1)) > 100:
        raise InvalidInput(_FIELD, item, "expected a rate such as 8% (0% to 100%)")
    return float(match.group(1)) / 100.0
