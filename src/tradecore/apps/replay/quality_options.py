"""``tradecore-replay run``'s data-quality options, read into :class:`QualityRules`.

``--quality-rule NAME=VALUE`` (repeatable) sets a threshold (``jump_sigmas=8``,
``jump_window=50``, ``jump_min_move=0.1``, ``spike_multiple=50``,
``spike_window=20``, ``frozen_run=10``) or what a rule does
(``volume_spike=quarantine``, ``zero_volume=flag``); ``--quality-exempt
SYMBOL:YYYY-MM-DD`` (repeatable) says a corporate action explains a jump that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import attrs

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.bar_quality import Action, QualityRule, QualityRules

_INTEGERS = ("jump_window", "spike_window", "frozen_run")
_FLOATS = ("jump_sigmas", "jump_min_move", "spike_multiple")


def quality_rules(settings: Sequence[str], exempt: Sequence[str]) -> QualityRules:
    """The gate's rules from ``--quality-rule`` and ``--quality-exempt`` values.

    Raises:
        ConfigurationError: an unknown name, a bad number, action or date.
    """
    values: dict[str, Any] = {}
    actions: dict[QualityRule, Action] = {}
    for item in settings:
        name, _, text = (part.strip() for part in item.partition("="))
        try:
            if name in _INTEGERS:
                values[name] = int(text)
            elif name in _FLOATS:
                values[name] = float(text)
            elif name in {rule.value for rule in QualityRule}:
                actions[QualityRule(name)] = Action(text)
            else:
                known = ", ".join([*_INTEGERS, *_FLOATS, *QualityRule])
                raise ConfigurationError(
                    f"--quality-rule {item!r}: unknown name; known: {known}"
                )
        except ValueError:
            raise ConfigurationError(
                f"--quality-rule {item!r}: expected a number, or quarantine / flag"
            ) from None
    pairs = {_exemption(item) for item in exempt}
    try:
        return attrs.evolve(
            QualityRules(explained=pairs or None, actions=actions), **values
        )
    except ValueError as e:
        raise ConfigurationError(f"--quality-rule: {e}") from None


def _exemption(item: str) -> tuple[str, date]:
    symbol, _, day = item.partition(":")
    try:
        return symbol.strip(), date.fromisoformat(day.strip())
    except ValueError:
        raise ConfigurationError(
            f"--quality-exempt {item!r}: expected SYMBOL:YYYY-MM-DD"
        ) from None
