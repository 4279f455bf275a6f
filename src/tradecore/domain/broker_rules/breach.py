"""A broken broker rule: its name, and the answer Alpaca gives for it.

One value serves three places: the simulated venue raises it (as
:class:`~tradecore.domain.errors.BrokerRuleBreached`), the Alpaca emulator turns it into
Alpaca's HTTP status, code and message, and the Alpaca adapter returns it from its
pre-send check so the engine records ``skipped(broker_rules:<rule>)`` instead of
sending an order the broker would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

#: Alpaca's 8-digit error codes: the HTTP status followed by 10000 or 10001
#: (../shared/ALPACA.md §5.2; docs/alpaca.md §5.2).
VALIDATION = 40010001
FORBIDDEN = 40310000
UNPROCESSABLE = 42210000


@attrs.frozen(kw_only=True, slots=True)
class RuleBreach:
    """Why the broker refuses an order, as the broker would say it.

    ``rule`` is a stable snake_case name (``sub_penny_price``) recorded in decisions
    and metrics; ``status``/``code``/``message`` are Alpaca's answer for it, with
    ``details`` as the extra fields its error body carries (e.g. ``available``).
    ``source`` names where the rule is documented (a docs page, an alpaca-py file or an
    issue thread), so docs/ALPACA-FIDELITY.md and the code cite the same place.
    """

    rule: str
    message: str
    status: int = 422
    code: int = UNPROCESSABLE
    details: Mapping[str, str] = attrs.field(factory=dict)
    source: str = ""

    def body(self) -> dict[str, object]:
        """Alpaca's JSON error body: ``code``, ``message`` and the detail fields."""
        return {**self.details, "code": self.code, "message": self.message}
