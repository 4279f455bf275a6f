"""A declarative feature set: named features, a hashed schema, two ways to compute.

``FeatureSet([FeatureSpec("r5", "return", {"n": 5}), ...])`` checks every spec up
front (known kind, typed parameters, unique names, ``xs_rank`` of an earlier
feature). Its :meth:`~FeatureSet.schema` lists names, kinds, parameters (defaults
filled in) and kind versions; :meth:`~FeatureSet.schema_hash` (sha256 of the
canonical schema) is the ``feature_schema_hash`` a model's signed manifest binds.

The same features are computed two ways that agree (property-tested to 1e-9):
:meth:`FeatureSet.matrix` over whole series (research, training) and
:class:`OnlineFeatures`, bar by bar (``ModelStrategy`` in replay and live).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import numpy as np
from numpy.typing import NDArray

from tradecore.domain.errors import InvalidInput
from tradecore.domain.features.kinds import (
    KINDS,
    BarPoint,
    FeatureKind,
    FloatArray,
    Scalar,
    SeriesInput,
    Updater,
    resolve_params,
    unit_ranks,
)
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint, from_ns
from tradecore.domain.market.calendar import MarketCalendar

#: The schema's format tag (part of the hash).
SCHEMA_FORMAT = "tradecore.featureset/1"
_NAN = math.nan
_NS_PER_MINUTE = 60_000_000_000


@attrs.frozen(slots=True)
class FeatureSpec:
    """One named feature: a kind and its parameters (as declared)."""

    name: str = attrs.field()
    kind: str = attrs.field()
    params: Mapping[str, Scalar] = attrs.field(factory=dict, converter=dict)

    @name.validator
    def _check_name(self, _: object, value: str) -> None:
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise InvalidInput("feature name", value, "must be a non-empty name")


class FeatureSet:
    """Named features in column order (module docstring)."""

    def __init__(self, specs: Iterable[FeatureSpec]) -> None:
        """Check and hold ``specs``.

        Raises:
            InvalidInput: no features, a duplicate name, an unknown kind, a bad
                parameter, or an ``xs_rank`` whose ``of`` is not an earlier,
                per-symbol feature.
        """
        self.specs: tuple[FeatureSpec, ...] = tuple(specs)
        if not self.specs:
            raise InvalidInput("features", 0, "declare at least one feature")
        self.kinds: tuple[FeatureKind, ...] = tuple(self._build(self.specs))

    @staticmethod
    def _build(specs: Sequence[FeatureSpec]) -> Iterable[FeatureKind]:
        seen: dict[str, FeatureKind] = {}
        for spec in specs:
            if spec.name in seen:
                raise InvalidInput("feature name", spec.name, "declared twice")
            kind = KINDS.get(spec.kind)
            if kind is None:
                known = ", ".join(sorted(KINDS))
                raise InvalidInput(
                    f"feature {spec.name!r} kind", spec.kind, f"unknown; known: {known}"
                )
            made = kind(**resolve_params(spec.name, kind, spec.params))
            if kind.cross_sectional:
                of = made.p["of"]
                if of not in seen or seen[of].cross_sectional:
                    raise InvalidInput(
                        f"feature {spec.name!r} parameter of",
                        of,
                        "must name an earlier per-symbol feature",
                    )
            seen[spec.name] = made
            yield made

    @property
    def names(self) -> tuple[str, ...]:
        """The feature names, in column order."""
        return tuple(s.name for s in self.specs)

    def schema(self) -> dict[str, object]:
        """Names, kinds, resolved parameters and kind versions, with a format tag."""
        return {
            "format": SCHEMA_FORMAT,
            "features": [
                {
                    "name": spec.name,
                    "kind": spec.kind,
                    "version": type(made).version,
                    "params": dict(sorted(made.p.items())),
                }
                for spec, made in zip(self.specs, self.kinds, strict=True)
            ],
        }

    def schema_hash(self) -> str:
        """sha256 of the canonical :meth:`schema` (the manifest's
        ``feature_schema_hash``)."""
        return sha256_hex(self.schema())

    def resolved(self) -> tuple[FeatureSpec, ...]:
        """The specs with every parameter (defaults filled in)."""
        return tuple(
            FeatureSpec(s.name, s.kind, dict(k.p))
            for s, k in zip(self.specs, self.kinds, strict=True)
        )

    def _rank_pairs(self) -> list[tuple[int, int]]:
        index = {name: i for i, name in enumerate(self.names)}
        return [
            (j, index[str(k.p["of"])])
            for j, k in enumerate(self.kinds)
            if k.cross_sectional
        ]

    def matrix(
        self, frames: Sequence[BarFrame], calendar: MarketCalendar | None = None
    ) -> FeatureMatrix:
        """Every feature of every bar of ``frames``, rows by (timestamp, symbol).

        ``calendar`` gives sessions (VWAP, calendar features); ``None``: every UTC
        day is one session. Rows still warming up hold NaN.
        """
        context = CalendarContext(calendar)
        stamps, symbols, blocks = [], [], []
        for frame in sorted(frames, key=lambda f: f.symbol):
            if not len(frame):
                continue
            series = context.series(frame)
            block = np.full((len(frame), len(self.kinds)), _NAN)
            for j, kind in enumerate(self.kinds):
                if not kind.cross_sectional:
                    block[:, j] = kind.vectorised(series)
            stamps.append(frame.timestamps)
            symbols.append(np.full(len(frame), frame.symbol))
            blocks.append(block)
        if not blocks:
            raise InvalidInput("frames", len(frames), "no bars to compute features on")
        ts = np.concatenate(stamps)
        sym = np.concatenate(symbols)
        order = np.lexsort((sym, ts))
        ts, sym = ts[order], sym[order]
        values = np.concatenate(blocks)[order]
        pairs = self._rank_pairs()
        if pairs:
            bounds = np.flatnonzero(np.r_[True, ts[1:] != ts[:-1], True])
            for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
                for j, i in pairs:
                    values[a:b, j] = unit_ranks(values[a:b, i])
        return FeatureMatrix(
            timestamps=ts,
            symbols=sym,
            values=values,
            names=self.names,
            schema_hash=self.schema_hash(),
            dataset_fingerprint=data_fingerprint(frames),
        )

    def online(self, calendar: MarketCalendar | None = None) -> OnlineFeatures:
        """A bar-by-bar computation of these features (see :class:`OnlineFeatures`)."""
        return OnlineFeatures(self, calendar)


@attrs.frozen(kw_only=True, eq=False)
class FeatureMatrix:
    """Features of many bars: one row per (timestamp, symbol), in that order.

    ``values`` is n × k float64 in ``names`` order; ``schema_hash`` names the
    feature set, ``dataset_fingerprint`` the bars
    (:func:`~tradecore.domain.market.bar_frame.data_fingerprint`).
    """

    timestamps: NDArray[np.int64]
    symbols: NDArray[Any]
    values: FloatArray
    names: tuple[str, ...]
    schema_hash: str
    dataset_fingerprint: str

    def __attrs_post_init__(self) -> None:
        n = len(self.timestamps)
        if self.values.shape != (n, len(self.names)) or len(self.symbols) != n:
            raise InvalidInput(
                "values", self.values.shape, f"must be ({n}, {len(self.names)})"
            )

    def __len__(self) -> int:
        return len(self.timestamps)

    def column(self, name: str) -> FloatArray:
        """One feature's column."""
        return self.values[:, self.names.index(name)]


class CalendarContext:
    """Each bar's session, minutes since open/to close and weekday, from a calendar.

    Both forms read their calendar features through here, so they agree by
    construction. A bar outside every session belongs to the next session (the
    calendar's ``trading_day``) with NaN minutes.
    """

    def __init__(self, calendar: MarketCalendar | None) -> None:
        """Context from ``calendar`` (``None``: each UTC day is a session)."""
        self.calendar = calendar or MarketCalendar.always_open()
        self._cache: dict[int, tuple[int, float, float, float]] = {}

    def of(self, timestamp_ns: int) -> tuple[int, float, float, float]:
        """(session ordinal, minutes since open, minutes to close, weekday)."""
        held = self._cache.get(timestamp_ns)
        if held is not None:
            return held
        at = from_ns(timestamp_ns)
        session = self.calendar.session_of(at)
        if session is None:
            day: date = self.calendar.trading_day(at)
            since = to_close = _NAN
        else:
            day = session.date
            since = (at - session.open).total_seconds() / 60.0
            to_close = (session.close - at).total_seconds() / 60.0
        value = (day.toordinal(), since, to_close, float(day.weekday()))
        if len(self._cache) > 1_000_000:
            self._cache.clear()
        self._cache[timestamp_ns] = value
        return value

    def series(self, frame: BarFrame) -> SeriesInput:
        """``frame``'s columns with each bar's context."""
        rows = [self.of(t) for t in frame.timestamps.tolist()]
        context = np.array(rows, dtype=np.float64).reshape(len(rows), 4)
        return SeriesInput(
            timestamps=frame.timestamps,
            open=frame.open,
            high=frame.high,
            low=frame.low,
            close=frame.close,
            volume=frame.volume,
            session=context[:, 0].astype(np.int64),
            since_open=context[:, 1],
            to_close=context[:, 2],
            weekday=context[:, 3],
        )

    def point(
        self,
        timestamp_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
    ) -> BarPoint:
        """One bar with its context (the online form's input)."""
        session, since, to_close, weekday = self.of(timestamp_ns)
        return BarPoint(
            timestamp_ns,
            open,
            high,
            low,
            close,
            volume,
            session,
            since,
            to_close,
            weekday,
        )


class OnlineFeatures:
    """The feature set computed bar by bar, the way a strategy sees the market.

    :meth:`step` takes every symbol's closed bar at one timestamp and returns each
    symbol's feature row; per-symbol features update on that symbol's bars only,
    ``xs_rank`` columns rank over the symbols in the step. The rows equal the
    matrix rows of the same bars (property-tested).
    """

    def __init__(
        self, feature_set: FeatureSet, calendar: MarketCalendar | None = None
    ) -> None:
        """Fresh state for ``feature_set`` (no bar seen yet)."""
        self.feature_set = feature_set
        self.context = CalendarContext(calendar)
        self._per_symbol = [
            (j, k) for j, k in enumerate(feature_set.kinds) if not k.cross_sectional
        ]
        self._ranks = feature_set._rank_pairs()
        self._state: dict[str, list[tuple[int, Updater]]] = {}
        self._width = len(feature_set.kinds)

    def update(
        self,
        symbol: str,
        timestamp_ns: int,
        open: float,
        high: float,
        low: float,
        close: float,
        volume: float,
    ) -> FloatArray:
        """Fold in one symbol's bar; its row (``xs_rank`` columns NaN)."""
        updaters = self._state.get(symbol)
        if updaters is None:
            updaters = self._state[symbol] = [
                (j, k.online()) for j, k in self._per_symbol
            ]
        point = self.context.point(timestamp_ns, open, high, low, close, volume)
        row = np.full(self._width, _NAN)
        for j, update in updaters:
            row[j] = update(point)
        return row

    def step(
        self,
        timestamp_ns: int,
        bars: Mapping[str, tuple[float, float, float, float, float]],
    ) -> dict[str, FloatArray]:
        """Fold in every symbol's (open, high, low, close, volume) at ``timestamp_ns``;
        return each symbol's full row, ranks included (symbols in sorted order)."""
        rows = {s: self.update(s, timestamp_ns, *bars[s]) for s in sorted(bars)}
        return self.rank(rows)

    def rank(self, rows: dict[str, FloatArray]) -> dict[str, FloatArray]:
        """Fill the ``xs_rank`` columns of one timestamp's rows (in place)."""
        if self._ranks and rows:
            symbols = sorted(rows)
            block = np.array([rows[s] for s in symbols])
            for j, i in self._ranks:
                block[:, j] = unit_ranks(block[:, i])
            for n, s in enumerate(symbols):
                rows[s] = block[n]
        return rows
