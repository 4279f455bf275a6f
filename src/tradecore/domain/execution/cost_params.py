"""Impact parameters per symbol, versioned by content so a replay can pin them.

Why a separate module: the cost model reads these, the calibration loop writes new
versions of them, and the store keeps every version; all three must agree on one
shape and one hash. The hash covers the parameters, the fills that produced them and
the version they were derived from, never a time, so recomputing a calibration from
the same fills gives the same version.

Defaults follow Almgren, Thum, Hauptmann & Li, "Direct estimation of equity market
impact" (Risk, 2005): temporary impact ``η·σ·(participation)^β`` with η = 0.142,
β = 0.6, and permanent impact ``γ·σ·(X/ADV)`` with γ = 0.314, all as fractions of
price with σ the daily volatility.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from tradecore.domain import validation as v
from tradecore.domain.errors import InvalidInput
from tradecore.domain.float_checks import non_negative, positive, require_finite
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.validation import SYMBOL_RE

_COEFFICIENTS = ("eta", "beta", "gamma")


@attrs.frozen(kw_only=True, slots=True)
class ImpactParams:
    """One symbol's impact coefficients (dimensionless; see the module docstring)."""

    eta: float = attrs.field(default=0.142, validator=non_negative)
    beta: float = attrs.field(default=0.6, validator=positive)
    gamma: float = attrs.field(default=0.314, validator=non_negative)

    def to_dict(self) -> dict[str, float]:
        """Return the coefficients as a JSON-able mapping."""
        return {"eta": self.eta, "beta": self.beta, "gamma": self.gamma}

    @classmethod
    def from_dict(cls, data: object, where: str = "params") -> ImpactParams:
        """Rebuild coefficients written by :meth:`to_dict`.

        Raises:
            InvalidInput: a key is missing or a value is out of range.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput(where, data, "expected a mapping of coefficients")
        missing = set(_COEFFICIENTS) - set(data)
        if missing:
            raise InvalidInput(where, sorted(missing), "missing impact coefficients")
        values = {k: require_finite(f"{where}.{k}", data[k]) for k in _COEFFICIENTS}
        return cls(**values)


def string_tuple(values: Iterable[str]) -> tuple[str, ...]:
    """Return ``values`` as a tuple of strings (an attrs converter for id lists)."""
    return tuple(str(value) for value in values)


def _frozen_params(value: Mapping[str, ImpactParams]) -> Mapping[str, ImpactParams]:
    return types.MappingProxyType(dict(sorted(dict(value).items())))


def _check_per_symbol(
    instance: object, attribute: attrs.Attribute[Any], value: Mapping[str, object]
) -> None:
    for symbol, params in value.items():
        if not isinstance(symbol, str) or not SYMBOL_RE.match(symbol):
            raise InvalidInput("per_symbol", symbol, "not a valid ticker symbol")
        if not isinstance(params, ImpactParams):
            raise InvalidInput(f"per_symbol[{symbol}]", params, "expected ImpactParams")


@attrs.frozen(kw_only=True, slots=True)
class CostModelParams:
    """A complete parameter set: a default, per-symbol overrides, and provenance.

    ``fills_used`` lists the execution ids the calibration consumed to reach this set
    and ``parent_hash`` the version it started from ("" for a hand-made set).
    """

    default: ImpactParams = attrs.field(
        factory=ImpactParams, validator=v.instance_of(ImpactParams)
    )
    per_symbol: Mapping[str, ImpactParams] = attrs.field(
        factory=dict, converter=_frozen_params, validator=_check_per_symbol
    )
    fills_used: tuple[str, ...] = attrs.field(default=(), converter=string_tuple)
    parent_hash: str = ""

    def for_symbol(self, symbol: str) -> ImpactParams:
        """Return the symbol's coefficients, or the default when it has none."""
        return self.per_symbol.get(symbol, self.default)

    @property
    def version_hash(self) -> str:
        """The sha256 of the canonical encoding: the version's identity."""
        return sha256_hex(self.to_dict())

    def to_dict(self) -> dict[str, object]:
        """Return the set as JSON-able primitives (for a stored version's params)."""
        return {
            "default": self.default.to_dict(),
            "per_symbol": {s: p.to_dict() for s, p in self.per_symbol.items()},
            "fills_used": list(self.fills_used),
            "parent_hash": self.parent_hash,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> CostModelParams:
        """Rebuild a set written by :meth:`to_dict` (a pinned version, for replays).

        Raises:
            InvalidInput: the mapping is malformed.
        """
        default = data.get("default")
        per_symbol = data.get("per_symbol", {})
        if not isinstance(default, Mapping) or not isinstance(per_symbol, Mapping):
            raise InvalidInput(
                "cost_model_params", data, "needs default and per_symbol"
            )
        fills = data.get("fills_used", [])
        if not isinstance(fills, list | tuple):
            raise InvalidInput("fills_used", fills, "expected a list of execution ids")
        return cls(
            default=ImpactParams.from_dict(default, "default"),
            per_symbol={
                str(s): ImpactParams.from_dict(p, f"per_symbol[{s}]")
                for s, p in per_symbol.items()
            },
            fills_used=tuple(str(f) for f in fills),
            parent_hash=str(data.get("parent_hash", "")),
        )
