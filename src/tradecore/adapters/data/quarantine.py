"""The quarantine: rows the data-quality gate took out of the data (or flagged).

Kept as columns (one small array set per symbol and source), so a file with many
bad rows costs no Python per row until the quarantine file is written. The file,
``quarantine.csv`` in a run's output folder, has one row per suspect bar::

    symbol,timestamp,rule,action,open,high,low,close,volume,source,line

``action`` is ``quarantine`` (the row is not in the data the replay saw) or ``flag``
(it is, and is listed for a look); ``source`` and ``line`` say where it came from
(a file and its line, or a DataFrame and its 1-based row).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

from tradecore.domain.market.bar_quality import RULES, Action, Screening

QUARANTINE_FILE = "quarantine.csv"
_COLUMNS = ("open", "high", "low", "close", "volume")


@attrs.frozen(eq=False)
class _Part:
    symbol: str
    source: str
    unit: str
    lines: np.ndarray
    timestamps: np.ndarray
    rules: np.ndarray
    quarantined: np.ndarray
    values: tuple[np.ndarray, ...]


class Quarantine:
    """Every suspect row of a load, by symbol and source, with the rule it broke."""

    def __init__(self) -> None:
        """Start empty."""
        self._parts: list[_Part] = []

    def add(
        self,
        symbol: str,
        source: str,
        unit: str,
        lines: np.ndarray,
        timestamps: np.ndarray,
        values: Sequence[np.ndarray],
        screening: Screening,
    ) -> None:
        """Record ``screening``'s suspect rows of one symbol's columns.

        ``lines`` gives each row's line (or record) number in ``source``; ``values``
        are the open, high, low, close and volume columns the screening saw.
        """
        if not len(screening):
            return
        rows = screening.rows
        self._parts.append(
            _Part(
                symbol=symbol,
                source=source,
                unit=unit,
                lines=lines[rows],
                timestamps=timestamps[rows],
                rules=screening.rules,
                quarantined=screening.quarantined,
                values=tuple(np.asarray(column)[rows] for column in values),
            )
        )

    def __len__(self) -> int:
        return sum(len(part.rules) for part in self._parts)

    @property
    def quarantined(self) -> int:
        """How many rows were taken out of the data."""
        return sum(int(part.quarantined.sum()) for part in self._parts)

    @property
    def flagged(self) -> int:
        """How many rows were kept but listed."""
        return len(self) - self.quarantined

    def counts(self) -> dict[str, object]:
        """Counts for the run's summary: totals, and by rule and by symbol."""
        by_rule: Counter[str] = Counter()
        by_symbol: Counter[str] = Counter()
        flagged: Counter[str] = Counter()
        for part in self._parts:
            codes, seen = np.unique(part.rules[part.quarantined], return_counts=True)
            for code, n in zip(codes.tolist(), seen.tolist(), strict=True):
                by_rule[RULES[code].value] += n
            by_symbol[part.symbol] += int(part.quarantined.sum())
            codes, seen = np.unique(part.rules[~part.quarantined], return_counts=True)
            for code, n in zip(codes.tolist(), seen.tolist(), strict=True):
                flagged[RULES[code].value] += n
        return {
            "quarantined": self.quarantined,
            "flagged": self.flagged,
            "quarantined_by_rule": dict(sorted(by_rule.items())),
            "quarantined_by_symbol": {k: v for k, v in sorted(by_symbol.items()) if v},
            "flagged_by_rule": dict(sorted(flagged.items())),
        }

    def problems(self, limit: int) -> list[str]:
        """One line per quarantined row (the first ``limit``), for ``--strict``."""
        lines: list[str] = []
        for part in self._parts:
            for i in np.flatnonzero(part.quarantined)[: limit - len(lines)]:
                values = ", ".join(
                    f"{name} {float(column[i])!r}"
                    for name, column in zip(_COLUMNS, part.values, strict=True)
                )
                lines.append(
                    f"{part.source} {part.unit} {int(part.lines[i])}: {part.symbol} "
                    f"{_iso(int(part.timestamps[i]))} {RULES[part.rules[i]].value} "
                    f"({values})"
                )
            if len(lines) >= limit:
                break
        return lines

    def write_csv(self, path: Path) -> Path:
        """Write every suspect row to ``path`` (the header only when none)."""
        parts = self._parts
        stamps = np.concatenate([np.empty(0, np.int64), *(p.timestamps for p in parts)])
        text = np.char.add(
            np.datetime_as_string(stamps.view("datetime64[ns]"), unit="s"), "Z"
        )
        table = pa.table(
            {
                "symbol": _repeat([p.symbol for p in parts], parts),
                "timestamp": pa.array(text.astype(str), pa.string()),
                "rule": pa.array(
                    [RULES[c].value for p in parts for c in p.rules.tolist()],
                    pa.string(),
                ),
                "action": pa.array(
                    [
                        (Action.QUARANTINE if q else Action.FLAG).value
                        for p in parts
                        for q in p.quarantined.tolist()
                    ],
                    pa.string(),
                ),
                **{
                    name: pa.array(
                        np.concatenate(
                            [np.empty(0), *(p.values[k] for p in parts)]
                        ).astype(np.float64)
                    )
                    for k, name in enumerate(_COLUMNS)
                },
                "source": _repeat([p.source for p in parts], parts),
                "line": pa.array(
                    np.concatenate([np.empty(0, np.int64), *(p.lines for p in parts)])
                ),
            }
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        pa_csv.write_csv(table, path)
        return path


def _repeat(values: list[str], parts: Sequence[_Part]) -> pa.Array:
    return pa.array(
        [v for v, p in zip(values, parts, strict=True) for _ in range(len(p.rules))],
        pa.string(),
    )


def _iso(ns: int) -> str:
    return str(np.datetime64(ns, "ns").astype("datetime64[s]")) + "Z"
