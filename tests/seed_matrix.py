"""The seed matrix the determinism tests run over (``nox -s seeds``, CI).

The byte-identity tests (tests/integration/test_replay.py, tests/property/
test_sim_determinism.py) take their seeds, symbol sets and ``PYTHONHASHSEED`` values
from here. A plain ``pytest`` run uses each test's own single case, so the default
suite stays as fast as it was; ``nox -s seeds`` sets the environment below to a
matrix and every combination must still give byte-identical output across hash
seeds:

* ``TRADECORE_TEST_SEEDS``: comma-separated integers (``"7,11,2024"``).
* ``TRADECORE_TEST_SYMBOL_SETS``: sets separated by ``;``, symbols by ``,``
  (``"AAA,BBB;SPY,QQQ,IWM"``).
* ``TRADECORE_TEST_HASH_SEEDS``: the ``PYTHONHASHSEED`` values each case's processes
  run under, at least two (``"0,1,4242"``).

A malformed value fails at collection with one line naming the variable.
"""

from __future__ import annotations

import os
import re

SEEDS_ENV = "TRADECORE_TEST_SEEDS"
SYMBOL_SETS_ENV = "TRADECORE_TEST_SYMBOL_SETS"
HASH_SEEDS_ENV = "TRADECORE_TEST_HASH_SEEDS"

_SYMBOL = re.compile(r"^[A-Z][A-Z0-9.]{0,9}$")


class SeedMatrixError(ValueError):
    """A seed-matrix variable that does not parse."""


def _items(name: str, raw: str, sep: str) -> list[str]:
    items = [x.strip() for x in raw.split(sep)]
    if not all(items):
        raise SeedMatrixError(f"{name}={raw!r}: an empty item")
    return items


def _integers(name: str, raw: str) -> list[int]:
    items = _items(name, raw, ",")
    try:
        values = [int(x) for x in items]
    except ValueError:
        raise SeedMatrixError(f"{name}={raw!r}: not comma-separated integers") from None
    if any(v < 0 for v in values):
        raise SeedMatrixError(f"{name}={raw!r}: seeds are >= 0")
    return values


def seeds(default: int, environ: dict[str, str] | None = None) -> list[int]:
    """The seeds to run: ``TRADECORE_TEST_SEEDS``, else ``[default]``."""
    raw = (os.environ if environ is None else environ).get(SEEDS_ENV)
    return [default] if raw is None else _integers(SEEDS_ENV, raw)


def symbol_sets(
    default: tuple[str, ...], environ: dict[str, str] | None = None
) -> list[tuple[str, ...]]:
    """The symbol sets to run: ``TRADECORE_TEST_SYMBOL_SETS``, else ``[default]``."""
    raw = (os.environ if environ is None else environ).get(SYMBOL_SETS_ENV)
    if raw is None:
        return [default]
    sets = [
        tuple(_items(SYMBOL_SETS_ENV, s, ","))
        for s in _items(SYMBOL_SETS_ENV, raw, ";")
    ]
    for symbols in sets:
        bad = [s for s in symbols if not _SYMBOL.match(s)]
        if bad or len(set(symbols)) != len(symbols):
            raise SeedMatrixError(
                f"{SYMBOL_SETS_ENV}={raw!r}: {bad or symbols} (upper-case tickers, "
                "each once per set)"
            )
    return sets


def hash_seeds(
    default: tuple[str, ...], environ: dict[str, str] | None = None
) -> tuple[str, ...]:
    """``PYTHONHASHSEED`` values: ``TRADECORE_TEST_HASH_SEEDS``, else ``default``."""
    raw = (os.environ if environ is None else environ).get(HASH_SEEDS_ENV)
    if raw is None:
        return default
    values = _integers(HASH_SEEDS_ENV, raw)
    if len(set(values)) < 2 or max(values) > 4294967295:
        raise SeedMatrixError(
            f"{HASH_SEEDS_ENV}={raw!r}: at least two distinct values in 0..4294967295"
        )
    return tuple(str(v) for v in values)


def case_id(seed: int, symbols: tuple[str, ...]) -> str:
    """A readable pytest id: ``seed7-AAA+BBB``."""
    return f"seed{seed}-{'+'.join(symbols)}"
