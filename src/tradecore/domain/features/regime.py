"""The ``regime`` feature kind: a Gaussian HMM's filtered regime probabilities.

Per symbol, over (log return, log realised volatility): fitted only on bars before
each point (expanding or rolling ``window``), refitted each session or every N
bars (``refit``), states ordered by volatility (state 0 = calmest), read through
the forward filter, never smoothed (:mod:`tradecore.domain.regimes`). Both forms
run the same :class:`~tradecore.domain.regimes.tracker.RegimeTracker`, so they
agree exactly.

``output``: ``"p_high"`` (P(most volatile state)), ``"state"`` (the most probable
state, 0..states-1) or ``"p<k>"`` (P(state k)). NaN until the first fit
(``min_history`` observations) and on bars that make no observation.

    [[feature]]
    name = "calm"
    kind = "regime"
    output = "p0"
    refit = "390"
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features.kinds import (
    BarPoint,
    FeatureKind,
    FloatArray,
    SeriesInput,
    Updater,
    register_kind,
)
from tradecore.domain.regimes.config import RegimeModelConfig
from tradecore.domain.regimes.fitter import fitter_named
from tradecore.domain.regimes.tracker import RegimeReading, RegimeTracker

_NAN = math.nan
Reader = Callable[[RegimeReading], float]


def reader(output: str, states: int) -> Reader:
    """What a reading becomes for ``output`` (module docstring).

    Raises:
        InvalidInput: an unknown output, or ``p<k>`` with k out of range.
    """
    if output == "p_high":
        return lambda r: r.high_vol
    if output == "state":
        return lambda r: float(r.state)
    k = output.removeprefix("p")
    if output.startswith("p") and k.isdigit() and int(k) < states:
        index = int(k)
        return lambda r: r.probabilities[index]
    raise InvalidInput(
        "regime output", output, f"expected p_high, state or p0..p{states - 1}"
    )


@register_kind
class Regime(FeatureKind):
    """Filtered HMM regime probabilities (module docstring)."""

    kind = "regime"
    params: ClassVar[Mapping[str, tuple[type, Any]]] = {
        "output": (str, "p_high"),
        "states": (int, 2),
        "vol_window": (int, 20),
        "refit": (str, "session"),
        "window": (int, 0),
        "min_history": (int, 200),
        "seed": (int, 7),
        "n_iter": (int, 50),
        "tol": (float, 1e-4),
        "fitter": (str, "hmmlearn"),
    }

    def model_config(self) -> RegimeModelConfig:
        """The fitting choices these parameters declare."""
        return RegimeModelConfig(
            states=int(self.p["states"]),
            vol_window=int(self.p["vol_window"]),
            refit=str(self.p["refit"]),
            window=int(self.p["window"]),
            min_history=int(self.p["min_history"]),
            seed=int(self.p["seed"]),
            n_iter=int(self.p["n_iter"]),
            tol=float(self.p["tol"]),
        )

    def tracker(self) -> RegimeTracker:
        """A fresh tracker for one symbol."""
        return RegimeTracker(self.model_config(), fitter_named(str(self.p["fitter"])))

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        read = reader(str(self.p["output"]), int(self.p["states"]))
        tracker = self.tracker()
        out = np.full(len(bars.close), _NAN)
        rows = zip(
            bars.timestamps.tolist(),
            bars.session.tolist(),
            bars.close.tolist(),
            strict=True,
        )
        for i, (ts, session, close) in enumerate(rows):
            reading = tracker.update(ts, session, close)
            if reading is not None:
                out[i] = read(reading)
        return out

    def online(self) -> Updater:
        read = reader(str(self.p["output"]), int(self.p["states"]))
        tracker = self.tracker()

        def update(bar: BarPoint) -> float:
            reading = tracker.update(bar.timestamp_ns, bar.session, bar.close)
            return _NAN if reading is None else read(reading)

        return update
