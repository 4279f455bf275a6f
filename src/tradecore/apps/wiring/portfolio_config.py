"""The portfolio TOML: several strategies in one account, through the allocator.

``load_strategy("portfolio", {"config": "portfolio.toml"})`` (so ``tradecore-replay
run --strategy portfolio --param config=portfolio.toml`` and ``tradecore-live run``
alike) builds a :class:`~tradecore.domain.strategies.portfolio_strategy.PortfolioStrategy`
from::

    [portfolio]
    id = "portfolio"                 # the decisions' strategy id (risk limits key)
    method = "inverse_vol"           # equal_weight, inverse_vol, risk_parity, hrp, ...
                                     # rank, mean_variance
    rebalance_every = 0              # bars; 0: only when a strategy changed its book
    min_trade = 0.002                # no-trade band, fraction of equity (default 0)
    sizing = "account"               # or "paper": size on the virtual books' equity
    correlation_alert = 0.9          # alert when two strategies correlate above it
    correlation_window = 20          # returns in the rolling correlation
    [portfolio.constraints]          # the allocator's Constraints (docs/portfolio-allocator.md)
    gross_target = 0.9
    name_cap = 0.3
    [portfolio.estimation]           # the allocator's EstimationConfig
    window = 60
    min_observations = 20

    [[strategies]]
    name = "trend"                   # unique; the sleeve's name in every report
    strategy = "sma_cross"           # bundled name or package.module:Class
    params = { fast = 5, slow = 20 }
    budget = 2.0                     # relative
    halted = false
    manifest = "runs/trend/manifest.json"   # optional: a signed manifest of it
    [strategies.limits]              # optional: this strategy's own limits
    max_position_shares = 500

Every mistake (an unknown key, a wrong type, a duplicate name, an unknown method)
is a :class:`~tradecore.domain.errors.ConfigurationError` naming the file and the
key, so the CLIs print one line; a manifest that does not verify, or names another
strategy, is a :class:`~tradecore.domain.errors.ManifestRejected` (exit 7).
"""

from __future__ import annotations

import enum
import os
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs

from tradecore.apps.config.operations import SigningSettings
from tradecore.apps.config.settings import load_settings
from tradecore.apps.wiring.manifest_trust import verify_manifest_file
from tradecore.domain.errors import ConfigurationError, InvalidInput, ManifestMismatch
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.portfolio import (
    BudgetBasis,
    Constraints,
    CovarianceKind,
    EstimationConfig,
    Method,
)
from tradecore.domain.strategies.api import AnyStrategy
from tradecore.domain.strategies.portfolio_strategy import (
    PortfolioSettings,
    PortfolioStrategy,
    SleeveSpec,
)
from tradecore.domain.strategies.sleeve_limits import SleeveLimits

#: The strategy name that loads a portfolio config.
PORTFOLIO_STRATEGY = "portfolio"

#: Builds one sub-strategy from its spec and params (``load_strategy``).
Loader = Callable[[str, Mapping[str, str | int | float]], AnyStrategy]

_E = TypeVar("_E", bound=enum.Enum)


@attrs.frozen(kw_only=True)
class ManifestTrust:
    """How a ``[[strategies]] manifest`` is verified.

    The replay's rule (``None`` where one is asked for) trusts this machine's
    development key; the live gate passes its own (``[signing]``, a development key
    only with ``allow_dev_key`` and never with ``--live``), so a portfolio cannot
    smuggle a dev-signed sub-strategy into a run the gate would refuse.
    """

    signing: SigningSettings
    allow_dev_key: bool


_NUMBER = (int, float)
_CONSTRAINTS: dict[str, tuple[type, ...]] = {
    "gross_target": _NUMBER,
    "net_min": _NUMBER,
    "net_max": _NUMBER,
    "name_cap": _NUMBER,
    "sector_cap": _NUMBER,
    "turnover_limit": _NUMBER,
    "lot_size": (int,),
    "strategy_correlation_cap": _NUMBER,
    "budget_basis": (str,),
}
_ESTIMATION: dict[str, tuple[type, ...]] = {
    "window": (int,),
    "min_observations": (int,),
    "covariance": (str,),
    "ewma_halflife": _NUMBER,
    "risk_aversion": _NUMBER,
}
_PORTFOLIO: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "method": (str,),
    "rebalance_every": (int,),
    "min_trade": _NUMBER,
    "sizing": (str,),
    "correlation_alert": _NUMBER,
    "correlation_window": (int,),
    "constraints": (dict,),
    "estimation": (dict,),
}
_STRATEGY: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "strategy": (str,),
    "params": (dict,),
    "budget": _NUMBER,
    "halted": (bool,),
    "manifest": (str,),
    "limits": (dict,),
}
_LIMITS: dict[str, tuple[type, ...]] = {
    "max_position_shares": _NUMBER,
    "max_position_notional": _NUMBER,
    "max_gross_exposure": _NUMBER,
    "allow_short": (bool,),
}


#: A live portfolio's summary block, in its report folder (:func:`report_dir_of`).
PORTFOLIO_FILE = "portfolio.json"


def report_dir_of(store_url: str) -> Path | None:
    """Where a live portfolio on ``store_url`` writes its files:
    ``<database>.portfolio/`` beside a SQLite store's file; ``None`` otherwise."""
    prefix = "sqlite:///"
    if not store_url.startswith(prefix) or store_url == prefix + ":memory:":
        return None
    db = Path(store_url.removeprefix(prefix).split("?", 1)[0])
    return db.with_name(db.name + ".portfolio")


def load_portfolio(
    params: Mapping[str, str | int | float],
    load: Loader,
    trust: ManifestTrust | None = None,
) -> PortfolioStrategy:
    """The portfolio of ``params["config"]``, its sub-strategies built by ``load``,
    their manifests verified under ``trust`` (default: the replay's rule).

    Raises:
        ConfigurationError: no ``config`` param, an unreadable file, or any mistake
            in it (module docstring).
        ManifestRejected: a ``manifest`` does not verify or names another strategy.
    """
    given = dict(params)
    path = given.pop("config", None)
    if path is None or not str(path):
        raise ConfigurationError("--strategy portfolio needs --param config=FILE.toml")
    if given:
        raise ConfigurationError(
            f"--strategy portfolio has no parameter {', '.join(sorted(given))}; "
            "known: config"
        )
    where = Path(str(path))
    text = _read_text(where)
    portfolio = build_portfolio(_parse(where, text), load, where, trust)
    portfolio.model_hash = sha256_hex(
        {
            "config": sha256_hex(text),
            "artifacts": {
                s.name: str(getattr(s.strategy, "model_hash", None) or "")
                for s in portfolio.sleeves
            },
        }
    )
    return portfolio


def build_portfolio(
    table: Mapping[str, Any],
    load: Loader,
    where: Path,
    trust: ManifestTrust | None = None,
) -> PortfolioStrategy:
    """The portfolio of a parsed TOML ``table`` (file ``where``: relative manifest
    paths are read from its folder)."""
    _keys(where, "", table, {"portfolio": (dict,), "strategies": (list,)})
    section = dict(table.get("portfolio", {}))
    _keys(where, "portfolio.", section, _PORTFOLIO)
    rows = table.get("strategies")
    if not rows:
        raise ConfigurationError(f"{where}: needs at least one [[strategies]] table")
    sleeves = [_sleeve(where, k, row, load, trust) for k, row in enumerate(rows)]
    names = [s.name for s in sleeves]
    for name in names:
        if names.count(name) > 1:
            raise ConfigurationError(
                f"{where}: [[strategies]] name {name!r} is used twice"
            )
    try:
        return PortfolioStrategy(sleeves, _settings(where, section))
    except InvalidInput as e:
        raise ConfigurationError(f"{where}: {e}") from None


def _read_text(where: Path) -> str:
    try:
        return where.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigurationError(f"portfolio config {where}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"portfolio config {where}: not UTF-8") from None


def _parse(where: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as e:
        raise ConfigurationError(f"portfolio config {where}: not TOML: {e}") from None


def _keys(
    where: Path, prefix: str, table: object, known: Mapping[str, tuple[type, ...]]
) -> dict[str, Any]:
    """``table``, refusing an unknown key or a value of the wrong type (named)."""
    if not isinstance(table, dict):
        raise ConfigurationError(f"{where}: {prefix.rstrip('.')} must be a table")
    for key, value in table.items():
        kinds = known.get(key)
        if kinds is None:
            raise ConfigurationError(
                f"{where}: unknown key {prefix}{key}; known: {', '.join(sorted(known))}"
            )
        wrong_bool = isinstance(value, bool) and bool not in kinds
        if wrong_bool or not isinstance(value, kinds):
            wanted = " or ".join(k.__name__ for k in kinds)
            raise ConfigurationError(
                f"{where}: {prefix}{key} = {value!r}: expected {_kind_word(wanted)}"
            )
    return table


def _kind_word(wanted: str) -> str:
    return {
        "dict": "a table",
        "list": "an array of tables",
        "int or float": "a number",
        "str": "a string",
        "int": "a whole number",
        "bool": "true or false",
    }.get(wanted, wanted)


def _enum(where: Path, key: str, kind: type[_E], value: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise ConfigurationError(
            f"{where}: {key} = {value!r}: expected one of {choices}"
        ) from None


def _settings(where: Path, section: dict[str, Any]) -> PortfolioSettings:
    constraints = dict(section.pop("constraints", {}))
    _keys(where, "portfolio.constraints.", constraints, _CONSTRAINTS)
    if "budget_basis" in constraints:
        constraints["budget_basis"] = _enum(
            where,
            "portfolio.constraints.budget_basis",
            BudgetBasis,
            constraints["budget_basis"],
        )
    estimation = dict(section.pop("estimation", {}))
    _keys(where, "portfolio.estimation.", estimation, _ESTIMATION)
    if "covariance" in estimation:
        estimation["covariance"] = _enum(
            where,
            "portfolio.estimation.covariance",
            CovarianceKind,
            estimation["covariance"],
        )
    method = _enum(
        where, "portfolio.method", Method, section.pop("method", "equal_weight")
    )
    try:
        return PortfolioSettings(
            strategy_id=section.pop("id", PORTFOLIO_STRATEGY),
            method=method,
            constraints=Constraints(**constraints),
            estimation=EstimationConfig(**estimation),
            **section,
        )
    except InvalidInput as e:
        raise ConfigurationError(f"{where}: portfolio: {e}") from None


def _sleeve(
    where: Path, index: int, row: object, load: Loader, trust: ManifestTrust | None
) -> SleeveSpec:
    prefix = f"strategies[{index}]."
    row = _keys(where, prefix, row, _STRATEGY)
    for required in ("name", "strategy"):
        if required not in row:
            raise ConfigurationError(f"{where}: {prefix}{required} is missing")
    name = row["name"]
    params = row.get("params", {})
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ConfigurationError(
                f"{where}: {prefix}params.{key} = {value!r}: expected a string "
                "or a number"
            )
    if row["strategy"] == PORTFOLIO_STRATEGY:
        raise ConfigurationError(
            f"{where}: {prefix}strategy = 'portfolio': a portfolio cannot hold a "
            "portfolio (combine their strategies in one file)"
        )
    try:
        strategy = load(row["strategy"], params)
    except ConfigurationError as e:
        raise ConfigurationError(f"{where}: {prefix.rstrip('.')}: {e}") from None
    if "manifest" in row:
        _check_manifest(where, prefix, Path(row["manifest"]), strategy, trust)
    limits = dict(row.get("limits", {}))
    _keys(where, f"{prefix}limits.", limits, _LIMITS)
    try:
        return SleeveSpec(
            name=name,
            strategy=strategy,
            budget=row.get("budget", 1.0),
            halted=row.get("halted", False),
            limits=SleeveLimits(**limits),
        )
    except InvalidInput as e:
        raise ConfigurationError(f"{where}: {prefix.rstrip('.')}: {e}") from None


def _check_manifest(
    where: Path,
    prefix: str,
    manifest: Path,
    strategy: AnyStrategy,
    trust: ManifestTrust | None,
) -> None:
    """The sub-strategy's signed manifest verifies (under ``trust``; default the
    replay's rules) and names this strategy."""
    path = manifest if manifest.is_absolute() else where.parent / manifest
    if trust is None:
        trust = ManifestTrust(
            signing=load_settings(None, os.environ).signing, allow_dev_key=True
        )
    verified = verify_manifest_file(
        path,
        trust.signing,
        trust_local_dev_key=trust.allow_dev_key,
        allow_dev_key=trust.allow_dev_key,
    )
    if verified.strategy_id != strategy.strategy_id:
        raise ManifestMismatch(
            f"{prefix}manifest strategy_id", verified.strategy_id, strategy.strategy_id
        )
