"""Parameter grids for sweeps: ``fast=5:50:5`` and ``slow=20,30,60``, their
cartesian product in a stable order, and a stable key per combination.

The order is the order the parameters were given, then each parameter's values in
the order given (:func:`itertools.product`): combination ``i`` is the same
combination on every machine and in every run, so results gathered from any
executor are put back in that order before anything is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

import attrs

from tradecore.domain.errors import InvalidInput
from tradecore.domain.hashing import sha256_hex

#: A grid value: ints and floats from ranges and numeric lists, strings otherwise.
GridValue = int | float | str
#: The most combinations one grid may expand to (a typo like ``1:1000000:1``).
MAX_COMBINATIONS = 1_000_000


@attrs.frozen(kw_only=True, slots=True)
class GridAxis:
    """One swept parameter and its values, in the order they are tried."""

    name: str
    values: tuple[GridValue, ...]


def _number(name: str, text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(name, text, "not a number") from None
    if not value.is_finite():
        raise InvalidInput(name, text, "must be finite")
    return value


def _typed(values: list[Decimal]) -> tuple[GridValue, ...]:
    """Ints when every value is integral, floats otherwise."""
    if all(v == v.to_integral_value() for v in values):
        return tuple(int(v) for v in values)
    return tuple(float(v) for v in values)


def _range(name: str, spec: str) -> tuple[GridValue, ...]:
    """``start:stop:step``, the stop included when the steps land on it."""
    parts = spec.split(":")
    if len(parts) != 3:
        raise InvalidInput(name, spec, "a range is start:stop:step (stop inclusive)")
    start, stop, step = (_number(name, p) for p in parts)
    if step <= 0:
        raise InvalidInput(name, spec, "the step must be > 0")
    if stop < start:
        raise InvalidInput(name, spec, "the stop must be >= the start")
    count = int((stop - start) / step) + 1
    if count > MAX_COMBINATIONS:
        raise InvalidInput(name, spec, f"more than {MAX_COMBINATIONS:,} values")
    # Decimal steps: 0.1:0.3:0.1 gives exactly 0.1, 0.2, 0.3 (no float drift).
    return _typed([start + i * step for i in range(count)])


def _list(name: str, spec: str) -> tuple[GridValue, ...]:
    parts = [p.strip() for p in spec.split(",")]
    if any(not p for p in parts):
        raise InvalidInput(name, spec, "an empty value in the list")
    try:
        return _typed([Decimal(p) for p in parts])
    except InvalidOperation:
        if any(_looks_numeric(p) for p in parts):
            raise InvalidInput(name, spec, "mixes numbers and words") from None
        return tuple(parts)


def _looks_numeric(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def parse_axis(text: str) -> GridAxis:
    """Parse ``NAME=start:stop:step`` (stop inclusive) or ``NAME=v1,v2,...``.

    Raises:
        InvalidInput: no ``=``, no name, no values, a non-numeric or empty range,
            a non-positive step, duplicate values.
    """
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.strip()
    if not sep or not name:
        raise InvalidInput("grid", text, "expected NAME=start:stop:step or NAME=a,b,c")
    if not spec:
        raise InvalidInput("grid", text, f"no values for {name}")
    values = _range(name, spec) if ":" in spec else _list(name, spec)
    if len(set(values)) != len(values):
        raise InvalidInput(name, spec, "a value appears twice")
    return GridAxis(name=name, values=values)


@attrs.frozen(kw_only=True, slots=True)
class ParameterGrid:
    """The swept parameters, in the order given; their product is the sweep."""

    axes: tuple[GridAxis, ...]

    def __attrs_post_init__(self) -> None:
        names = [a.name for a in self.axes]
        if not names:
            raise InvalidInput("grid", "", "sweep at least one parameter")
        if len(set(names)) != len(names):
            raise InvalidInput("grid", ",".join(names), "a parameter appears twice")
        if self.size > MAX_COMBINATIONS:
            raise InvalidInput("grid", self.size, f"over {MAX_COMBINATIONS:,} combos")

    @classmethod
    def parse(cls, specs: Iterable[str]) -> ParameterGrid:
        """The grid of ``--grid`` options (see :func:`parse_axis`)."""
        return cls(axes=tuple(parse_axis(s) for s in specs))

    @classmethod
    def of(cls, grid: Mapping[str, Iterable[GridValue] | str]) -> ParameterGrid:
        """A grid from a mapping: values, or a spec string (``"5:50:5"``)."""
        axes = []
        for name, values in grid.items():
            if isinstance(values, str):
                axes.append(parse_axis(f"{name}={values}"))
                continue
            given = tuple(values)
            if not given:
                raise InvalidInput(name, given, "no values")
            axes.append(GridAxis(name=name, values=given))
        return cls(axes=tuple(axes))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    @property
    def size(self) -> int:
        size = 1
        for axis in self.axes:
            size *= len(axis.values)
        return size

    def combinations(self) -> list[dict[str, GridValue]]:
        """Every combination, in the grid's stable order."""
        values = itertools.product(*(a.values for a in self.axes))
        return [dict(zip(self.names, combo, strict=True)) for combo in values]

    def as_dict(self) -> dict[str, list[GridValue]]:
        return {a.name: list(a.values) for a in self.axes}


def combination_key(params: Mapping[str, GridValue]) -> str:
    """A short stable name for a combination (file names of a resumable sweep)."""
    return sha256_hex({k: repr(v) for k, v in sorted(params.items())})[:16]
