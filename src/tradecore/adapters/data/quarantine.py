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

import csv
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np

from tradecore.domain.market.bar_quality import RULES, Action, Screening

QUARANTINE_FILE = "quarantine.csv"
_COLUMNS = ("open", "high", "low", "close", "volume")
_HEADER = ("symbol", "timestamp", "rule", "action", *_COLUMNS, "source", "line")


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
        """Write every suspect row to ``path`` (the header only when none).

        Written with the standard ``csv`` module: arrow's array constructors go
        through its pandas shim, and a replay must not import pandas.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(_HEADER)
            for part in self._parts:
                stamps = np.datetime_as_string(
                    part.timestamps.view("datetime64[ns]"), unit="s"
                ).tolist()
                columns = [column.tolist() for column in part.values]
                for i, rule in enumerate(part.rules.tolist()):
                    action = Action.QUARANTINE if part.quarantined[i] else Action.FLAG
                    writer.writerow(
                        [
                            part.symbol,
                            stamps[i] + "Z",
                            RULES[rule].value,
                            action.value,
                            *(repr(float(column[i])) for column in columns),
                            part.source,
                            int(part.lines[i]),
                        ]
                    )
        return path


def _iso(ns: int) -> str:
    return str(np.datetime64(ns, "ns").astype("datetime64[s]")) + "Z"
