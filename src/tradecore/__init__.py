"""tradecore: systematic equity trading with exactly-once orders and live/replay parity.

``import tradecore as tc`` gives the notebook-facing API: value objects, the order
lifecycle and the ledger; ``tc.replay``, ``tc.exchange_calendar`` and ``tc.open_lake``
(a market-data lake to replay from) load the adapters they need on first use;
``tc.research`` holds the research statistics (PSR, DSR, ...) and splitters;
``tc.sweep``, ``tc.optimize`` and ``tc.walkforward`` run parameter sweeps, searches and
walk-forwards.
``tc.features`` declares, computes and stores features for models.
"""

import importlib
from typing import TYPE_CHECKING

from tradecore.apps.wiring.regime_fitters import install_regime_fitters
from tradecore.domain import __all__ as _domain_all
from tradecore.domain.lazy import lazy_attributes

if TYPE_CHECKING:
    from tradecore import features as features
    from tradecore import research as research
    from tradecore import technical as technical
    from tradecore.domain import *  # noqa: F403  (the domain's sorted __all__ is the API)
    from tradecore.domain.errors import IllegalTransition as IllegalTransition
    from tradecore.domain.errors import InvalidInput as InvalidInput
    from tradecore.domain.errors import Overfill as Overfill
    from tradecore.domain.errors import StrategyError as StrategyError
    from tradecore.domain.errors import TradecoreError as TradecoreError
    from tradecore.domain.strategies.api import BarStrategy as BarStrategy
    from tradecore.domain.strategies.market_view import BarWindow as BarWindow
    from tradecore.domain.strategies.market_view import MarketView as MarketView
    from tradecore.domain.strategies.protocol import NotionalTarget as NotionalTarget
    from tradecore.domain.strategies.protocol import Protection as Protection
    from tradecore.domain.strategies.protocol import Target as Target
    from tradecore.domain.strategies.protocol import WeightTarget as WeightTarget

#: The API's names, imported on first use (a console command needs few of them).
_ORIGINS: dict[str, tuple[str, ...]] = {
    "tradecore.domain": tuple(_domain_all),
    "tradecore.domain.errors": (
        "IllegalTransition",
        "InvalidInput",
        "Overfill",
        "StrategyError",
        "TradecoreError",
    ),
    "tradecore.domain.strategies.api": ("BarStrategy",),
    "tradecore.domain.strategies.market_view": ("BarWindow", "MarketView"),
    "tradecore.domain.strategies.protocol": (
        "NotionalTarget",
        "Protection",
        "Target",
        "WeightTarget",
    ),
}
#: Modules of the API, imported on first use.
_SUBMODULES = ("features", "research", "technical")
_api_attribute, _api_dir = lazy_attributes(__name__, _ORIGINS)

# A feature declaration's ``fitter = "hmmlearn"`` resolves in every process that
# imports tradecore (importing tc.features did this when it was imported eagerly);
# registering imports no fitting library.
install_regime_fitters()

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    # ``tc.replay`` composes adapters (SQLAlchemy, the simulator): import it on first
    # use so ``import tradecore`` stays light.
    if name == "replay":
        from tradecore.apps.replay.runner import replay

        return replay
    if name in ("sweep", "walkforward", "optimize"):
        from tradecore.apps.replay import sweep_api

        return getattr(sweep_api, name)
    if name == "open_lake":
        from tradecore.adapters.data.lake import ParquetLake

        return ParquetLake.existing
    if name == "to_pandas":
        from tradecore.adapters.data.pandas_window import to_pandas

        return to_pandas
    if name == "exchange_calendar":
        from tradecore.apps.wiring.calendars import exchange_calendar

        return exchange_calendar
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    return _api_attribute(name)


def __dir__() -> list[str]:
    return sorted({*_api_dir(), *__all__})


__all__ = sorted(
    [
        *_domain_all,
        "BarStrategy",
        "BarWindow",
        "IllegalTransition",
        "InvalidInput",
        "MarketView",
        "NotionalTarget",
        "Overfill",
        "Protection",
        "StrategyError",
        "Target",
        "TradecoreError",
        "WeightTarget",
        "exchange_calendar",
        "features",
        "open_lake",
        "replay",
        "research",
        "sweep",
        "technical",
        "to_pandas",
        "walkforward",
        "optimize",
    ]
)
