"""The regime-fitting port: observations in, HMM parameters out.

The EM fit lives behind this protocol (an adapter wraps hmmlearn); the domain keeps
the ordering, the schedule and the filter. Fitters are registered by name so a
feature declaration can say ``fitter = "hmmlearn"`` and the composition root
decides what answers to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from tradecore.domain.errors import InvalidInput

if TYPE_CHECKING:  # annotations only: registering a fitter needs no numpy
    import numpy as np
    from numpy.typing import NDArray

    from tradecore.domain.regimes.params import RegimeParams


class RegimeFitter(Protocol):
    """Fits a Gaussian HMM (diagonal covariances) to observations."""

    #: Library and version (``"hmmlearn 0.3.3"``), recorded with each fit.
    name: str

    def fit(
        self,
        observations: NDArray[np.float64],
        states: int,
        *,
        seed: int,
        n_iter: int,
        tol: float,
    ) -> RegimeParams:
        """Fit ``states`` regimes to ``observations`` (n × 2, standardised units:
        ``center`` 0, ``scale`` 1 in the result); the same inputs give the same
        parameters in every process."""
        ...


_FACTORIES: dict[str, Callable[[], RegimeFitter]] = {}
_MADE: dict[str, RegimeFitter] = {}


def register_fitter(name: str, factory: Callable[[], RegimeFitter]) -> None:
    """Make ``factory``'s fitter answer to ``name`` (made on first use)."""
    _FACTORIES[name] = factory
    _MADE.pop(name, None)


def fitter_named(name: str) -> RegimeFitter:
    """The fitter registered as ``name``.

    Raises:
        InvalidInput: nothing registered under ``name``.
    """
    made = _MADE.get(name)
    if made is not None:
        return made
    factory = _FACTORIES.get(name)
    if factory is None:
        known = ", ".join(sorted(_FACTORIES)) or "none"
        raise InvalidInput(
            "regime fitter",
            name,
            f"not installed (registered: {known}); pip install 'tradecore[regimes]'",
        )
    made = _MADE[name] = factory()
    return made
