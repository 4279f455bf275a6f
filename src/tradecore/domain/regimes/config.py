"""How a regime model is fitted: states, window, refit schedule, seed, EM limits.

``refit`` is ``"session"`` (refit at the first bar of every new trading session, on
the sessions before it) or a number of bars (``"390"`` or ``"390bars"``: refit once
that many observations arrived since the last fit). ``window`` is 0 for an
expanding window (every past observation) or the number of most recent
observations a fit sees (rolling). Every fit uses only observations strictly
before the bar it is made at.
"""

from __future__ import annotations

from typing import Any

import attrs

from tradecore.domain.errors import InvalidInput

SESSION = "session"


def parse_refit(value: object) -> int | None:
    """``None`` for ``"session"``, else the bar count of ``"N"`` / ``"Nbars"``.

    Raises:
        InvalidInput: anything else, or N < 1.
    """
    text = str(value).strip().lower()
    if text == SESSION:
        return None
    digits = text.removesuffix("bars").strip()
    if not digits.isdigit() or int(digits) < 1:
        raise InvalidInput("refit", value, "expected 'session' or a bar count like 390")
    return int(digits)


def _at_least(minimum: int) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInput(
                f"regime {attribute.name}", value, f"must be >= {minimum}"
            )

    return check


def _refit(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    parse_refit(value)


def _positive(instance: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise InvalidInput(f"regime {attribute.name}", value, "must be > 0")


@attrs.frozen(kw_only=True, slots=True)
class RegimeModelConfig:
    """A regime model's fitting choices (module docstring)."""

    states: int = attrs.field(default=2, validator=_at_least(2))
    vol_window: int = attrs.field(default=20, validator=_at_least(2))
    refit: str = attrs.field(default=SESSION, converter=str, validator=_refit)
    window: int = attrs.field(default=0, validator=_at_least(0))
    min_history: int = attrs.field(default=200, validator=_at_least(10))
    seed: int = attrs.field(default=7, validator=_at_least(0))
    n_iter: int = attrs.field(default=50, validator=_at_least(1))
    tol: float = attrs.field(default=1e-4, converter=float, validator=_positive)
    #: Observations re-filtered with new parameters after a refit (the prior).
    refilter: int = attrs.field(default=256, validator=_at_least(1))

    def __attrs_post_init__(self) -> None:
        if self.window and self.window < self.min_history:
            raise InvalidInput(
                "regime window",
                self.window,
                f"must be 0 or >= min_history ({self.min_history})",
            )

    @property
    def refit_bars(self) -> int | None:
        """Bars between refits (``None``: each session)."""
        return parse_refit(self.refit)

    def describe(self) -> dict[str, object]:
        """The choices as a flat mapping (run manifests, params files)."""
        return attrs.asdict(self)
