"""Resolve a strategy name (bundled or ``package.module:Class``) and its parameters."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping

from tradecore.domain.errors import ConfigurationError
from tradecore.domain.strategies import BUNDLED
from tradecore.domain.strategies.protocol import Strategy


def load_strategy(name: str, params: Mapping[str, str | int | float]) -> Strategy:
    """Build the strategy ``name`` with ``params`` (strings are converted by annotation).

    Raises:
        ConfigurationError: unknown strategy (the message lists the bundled ones),
            unknown parameter (lists the known ones) or a value of the wrong type.
    """
    factory = _resolve(name)
    signature = inspect.signature(factory)
    known = [p for p in signature.parameters if p != "self"]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigurationError(
            f"strategy {name!r} has no parameter {', '.join(unknown)}; "
            f"known: {', '.join(known) or '(none)'}"
        )
    kwargs = {k: _convert(name, signature.parameters[k], v) for k, v in params.items()}
    return factory(**kwargs)  # type: ignore[no-any-return]


def parse_params(pairs: list[str]) -> dict[str, str]:
    """Parse ``["fast=10", "slow=30"]`` into a dict.

    Raises:
        ConfigurationError: a pair has no ``=``.
    """
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(f"--param {pair!r}: expected NAME=VALUE")
        params[key.strip()] = value.strip()
    return params


def _resolve(name: str) -> type:
    if name in BUNDLED:
        return BUNDLED[name]  # type: ignore[return-value]
    if ":" not in name:
        raise ConfigurationError(
            f"unknown strategy {name!r}; bundled: {', '.join(sorted(BUNDLED))}, "
            "or give package.module:ClassName"
        )
    module_name, _, attr = name.partition(":")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)  # type: ignore[no-any-return]
    except (ImportError, AttributeError) as e:
        raise ConfigurationError(f"cannot load strategy {name!r}: {e}") from e


def _convert(strategy: str, param: inspect.Parameter, value: object) -> object:
    if not isinstance(value, str):
        return value
    kind = param.annotation if param.annotation is not inspect.Parameter.empty else None
    if kind is None and param.default is not inspect.Parameter.empty:
        kind = type(param.default).__name__
    converters: dict[str, Callable[[str], object]] = {
        "int": int,
        "float": float,
        "str": str,
        "bool": _to_bool,
    }
    convert = converters.get(str(kind), str)
    try:
        return convert(value)
    except ValueError:
        raise ConfigurationError(
            f"strategy {strategy!r} parameter {param.name}={value!r}: expected {kind}"
        ) from None


def _to_bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise ValueError(value)
