"""Labels for supervised training: ``forward_return:N``, with label intervals.

For the row of a symbol's bar ``t`` (its ``i``-th bar), the forward return is
``close[i + N] / close[i] - 1`` over the symbol's own next ``N`` bars (whatever
sessions they fall in), ``y`` is 1 when it is above zero, else 0, and the label
interval is ``[t0, t1]`` = [the bar's start, the start of bar ``i + N``] (ns): what
purged k-fold needs to drop overlapping training rows (López de Prado, *Advances in
Financial Machine Learning*, 2018, ch. 7). Rows without a full label (the last
``N`` bars of each symbol) or with a NaN feature (warm-up) are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features.feature_set import FeatureMatrix
from tradecore.domain.market.bar_frame import BarFrame

LABEL_KINDS = ("forward_return",)


@attrs.frozen(slots=True)
class Label:
    """``forward_return:N``: the sign of the return over the next ``horizon`` bars."""

    kind: str
    horizon: int

    @classmethod
    def parse(cls, text: str) -> Label:
        """``"forward_return:30"`` as a label.

        Raises:
            InvalidInput: another kind, or a horizon that is not an int >= 1.
        """
        kind, _, horizon = str(text).partition(":")
        if kind not in LABEL_KINDS:
            raise InvalidInput("label", text, "use forward_return:N (N bars ahead)")
        if not horizon.isdigit() or int(horizon) < 1:
            raise InvalidInput("label", text, "N must be an int >= 1")
        return cls(kind, int(horizon))

    def __str__(self) -> str:
        return f"{self.kind}:{self.horizon}"


@attrs.frozen(kw_only=True, eq=False)
class LabelledDataset:
    """Training rows in time order: features, labels and label intervals."""

    timestamps: NDArray[np.int64]
    symbols: NDArray[Any]
    features: NDArray[np.float64]
    y: NDArray[np.int64]
    forward_return: NDArray[np.float64]
    t0: NDArray[np.int64]
    t1: NDArray[np.int64]
    names: tuple[str, ...]
    schema_hash: str
    dataset_fingerprint: str
    label: Label

    def __len__(self) -> int:
        return len(self.y)


def labelled(
    matrix: FeatureMatrix, frames: Sequence[BarFrame], label: Label
) -> LabelledDataset:
    """The rows of ``matrix`` that have a full label and no NaN feature.

    Raises:
        InvalidInput: a matrix row whose bar is not in ``frames``.
    """
    n = len(matrix)
    fwd = np.full(n, np.nan)
    t1 = np.zeros(n, dtype=np.int64)
    by_symbol = {f.symbol: f for f in frames}
    for symbol in np.unique(matrix.symbols).tolist():
        rows = np.flatnonzero(matrix.symbols == symbol)
        frame = by_symbol.get(symbol)
        if frame is None:
            raise InvalidInput("symbol", symbol, "no bars given for it")
        at = np.searchsorted(frame.timestamps, matrix.timestamps[rows])
        ahead = at + label.horizon
        ok = ahead < len(frame)
        rows, at, ahead = rows[ok], at[ok], ahead[ok]
        fwd[rows] = frame.close[ahead] / frame.close[at] - 1.0
        t1[rows] = frame.timestamps[ahead]
    keep = ~np.isnan(fwd) & ~np.isnan(matrix.values).any(axis=1)
    return LabelledDataset(
        timestamps=matrix.timestamps[keep],
        symbols=matrix.symbols[keep],
        features=matrix.values[keep],
        y=(fwd[keep] > 0).astype(np.int64),
        forward_return=fwd[keep],
        t0=matrix.timestamps[keep],
        t1=t1[keep],
        names=matrix.names,
        schema_hash=matrix.schema_hash,
        dataset_fingerprint=matrix.dataset_fingerprint,
        label=label,
    )
