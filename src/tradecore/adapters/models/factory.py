"""Models by the name the CLI takes: ``lightgbm``, ``sklearn:logistic``,
``sklearn:random_forest``, ``sklearn:hist_gradient_boosting``."""

from __future__ import annotations

from collections.abc import Mapping

from tradecore.domain.errors import ConfigurationError
from tradecore.ports.model import Model

SKLEARN_NAMES = ("logistic", "random_forest", "hist_gradient_boosting")
MODEL_NAMES = ("lightgbm", *(f"sklearn:{n}" for n in SKLEARN_NAMES))


def make_model(name: str, params: Mapping[str, str], seed: int) -> Model:
    """An unfitted model named ``name`` with ``params`` and ``seed``.

    Raises:
        ConfigurationError: an unknown name or parameter (lists the known ones).
    """
    if name == "lightgbm":
        from tradecore.adapters.models.lightgbm_model import LightGBMModel

        return LightGBMModel(params, seed)
    kind, _, estimator = name.partition(":")
    if kind == "sklearn" and estimator in SKLEARN_NAMES:
        from tradecore.adapters.models.sklearn_model import SklearnModel

        return SklearnModel(estimator, params, seed)
    raise ConfigurationError(
        f"unknown model {name!r}; use one of {', '.join(MODEL_NAMES)}"
    )
