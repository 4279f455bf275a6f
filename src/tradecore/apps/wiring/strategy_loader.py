"""Resolve a strategy (a bundled name, ``package.module:Class``, a class or an
instance) and its parameters, checking its protocol before anything runs."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping

from tradecore.domain.errors import ConfigurationError, TradecoreError
from tradecore.domain.strategies import BUNDLED
from tradecore.domain.strategies.api import AnyStrategy, BarStrategy, callbacks
from tradecore.domain.strategies.protocol import Strategy

#: A strategy as the API takes it: a name, a class, or a built instance.
StrategySpec = str | type | object


def strategy_name(spec: StrategySpec) -> str:
    """The name a run records for ``spec``: the name given, else ``module:Class``."""
    if isinstance(spec, str):
        return spec
    kind = spec if isinstance(spec, type) else type(spec)
    return f"{kind.__module__}:{kind.__qualname__}"


def load_strategy(
    spec: StrategySpec, params: Mapping[str, str | int | float]
) -> AnyStrategy:
    """Build the strategy ``spec`` with ``params`` (strings are converted by annotation).

    ``spec`` is a bundled name, ``package.module:ClassName``, a class, or an instance
    (then ``params`` must be empty); ``"model"`` loads the verified model directory
    ``params["model_dir"]`` (:mod:`tradecore.apps.wiring.model_strategy`);
    ``"policy"`` the verified RL policy directory ``params["policy_dir"]``
    (:mod:`tradecore.apps.research.rl_policy`, the ``[rl]`` extra);
    ``"portfolio"`` builds the portfolio of the TOML file ``params["config"]``
    (:mod:`tradecore.apps.wiring.portfolio_config`). Either
    form is accepted: the simple
    :class:`Strategy` (``on_bar(symbol, timestamp_ns, close, volume, portfolio)``)
    or a :class:`~tradecore.domain.strategies.api.BarStrategy` subclass
    (``on_bar(bar, view)`` and/or ``on_bars(timestamp_ns, bars, view)``). Only a
    class implementing one of them is instantiated: ``--strategy os:system`` names
    a function, and is refused before anything is called.

    Raises:
        ConfigurationError: unknown strategy (the message lists the bundled ones),
            a name that is not a strategy class, a missing or wrongly shaped
            callback, unknown parameter (lists the known ones), a value of the wrong
            type, or a constructor that failed.
        ManifestRejected: ``"model"`` (``"policy"``) and the model (policy)
            directory does not verify.
    """
    if not isinstance(spec, str | type):
        return _checked_instance(spec, params)
    if spec == "model":  # a trained model directory: verified, then built
        from tradecore.apps.wiring.model_strategy import load_model_strategy

        return load_model_strategy(params)
    if spec == "policy":  # a trained RL policy directory: verified, then loaded
        from tradecore.apps.research.rl_policy import load_policy_strategy

        return load_policy_strategy(params)
    if spec == "portfolio":  # several strategies through the allocator
        from tradecore.apps.wiring.portfolio_config import load_portfolio

        return load_portfolio(params, load_strategy)
    name = strategy_name(spec)
    factory = _resolve(spec) if isinstance(spec, str) else spec
    _check_strategy_class(name, factory)
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError) as e:
        raise ConfigurationError(f"strategy {name!r}: {e}") from None
    known = [p for p in signature.parameters if p != "self"]
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ConfigurationError(
            f"strategy {name!r} has no parameter {', '.join(unknown)}; "
            f"known: {', '.join(known) or '(none)'}"
        )
    kwargs = {k: _convert(name, signature.parameters[k], v) for k, v in params.items()}
    try:
        strategy = factory(**kwargs)
    except TradecoreError:
        raise
    except Exception as e:  # a third-party constructor: say so, in one line
        raise ConfigurationError(
            f"strategy {name!r} could not be built: {type(e).__name__}: {e}"
        ) from None
    if not isinstance(getattr(strategy, "strategy_id", None), str):
        raise ConfigurationError(
            f"strategy {name!r} is not a strategy: it sets no strategy_id string"
        )
    return strategy  # type: ignore[no-any-return]


def _checked_instance(
    strategy: object, params: Mapping[str, str | int | float]
) -> AnyStrategy:
    """A built strategy, checked like a class; ``params`` must be empty."""
    name = strategy_name(strategy)
    if params:
        raise ConfigurationError(
            f"strategy {name!r} is an instance, already built: give its class to pass "
            f"params ({', '.join(sorted(params))})"
        )
    if callable(strategy) and not hasattr(strategy, "on_bar"):
        raise ConfigurationError(
            f"strategy {name!r} is not a strategy (it is {type(strategy).__name__}); "
            "give a bundled name, package.module:ClassName, a class or an instance"
        )
    _check_strategy_class(name, type(strategy))
    if not isinstance(getattr(strategy, "strategy_id", None), str):
        raise ConfigurationError(
            f"strategy {name!r} is not a strategy: it sets no strategy_id string"
        )
    return strategy  # type: ignore[return-value]


def _check_strategy_class(name: str, factory: object) -> None:
    """Refuse what is not a concrete class with the protocol's ``on_bar`` method."""
    if not isinstance(factory, type):
        raise ConfigurationError(
            f"strategy {name!r} is not a strategy class "
            f"(it is {type(factory).__name__}); give package.module:ClassName "
            "of a class implementing tradecore's Strategy protocol"
        )
    if getattr(factory, "_is_protocol", False) or inspect.isabstract(factory):
        raise ConfigurationError(
            f"strategy {name!r} is a protocol or abstract class, not a strategy"
        )
    if issubclass(factory, BarStrategy):
        _check_bar_form(name, factory)
        return
    if not callable(getattr(factory, "on_bar", None)):
        raise ConfigurationError(
            f"strategy {name!r} is not a strategy class: it has no on_bar method "
            "(or subclass tradecore.BarStrategy and define on_bar or on_bars)"
        )
    try:
        params = list(inspect.signature(factory.on_bar).parameters)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return
    wanted = [p for p in inspect.signature(Strategy.on_bar).parameters if p != "self"]
    given = [p for p in params if p != "self"]
    if len(given) != len(wanted):
        raise ConfigurationError(
            f"strategy {name!r}: on_bar takes ({', '.join(given)}), "
            f"the Strategy protocol passes ({', '.join(wanted)}); for "
            "on_bar(bar, view) subclass tradecore.BarStrategy"
        )


def _check_bar_form(name: str, factory: type[BarStrategy]) -> None:
    """A BarStrategy overrides on_bar(bar, view) and/or on_bars(timestamp_ns, bars,
    view), each taking exactly those parameters."""
    per_bar, batched = callbacks(factory)
    if not (per_bar or batched):
        raise ConfigurationError(
            f"strategy {name!r} is a BarStrategy that defines neither "
            "on_bar(bar, view) nor on_bars(timestamp_ns, bars, view)"
        )
    for method, wanted, defined in (
        ("on_bar", ("bar", "view"), per_bar),
        ("on_bars", ("timestamp_ns", "bars", "view"), batched),
    ):
        if not defined:
            continue
        try:
            params = inspect.signature(getattr(factory, method)).parameters
        except (TypeError, ValueError):
            continue
        given = [p for p in params if p != "self"]
        if len(given) != len(wanted):
            raise ConfigurationError(
                f"strategy {name!r}: {method} takes ({', '.join(given)}), "
                f"a BarStrategy's {method} is passed ({', '.join(wanted)})"
            )
    history = getattr(factory, "history", None)
    if isinstance(history, bool) or not isinstance(history, int) or history < 1:
        raise ConfigurationError(
            f"strategy {name!r}: history={history!r} must be an int >= 1"
        )


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
    except Exception as e:  # ImportError, AttributeError, or the module's own failure
        reason = f"{type(e).__name__}: {e}"
        raise ConfigurationError(f"cannot load strategy {name!r}: {reason}") from None


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
