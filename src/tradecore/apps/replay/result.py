"""A finished replay as a notebook sees it: pandas views, charts, report, lifecycle.

Why a class with a lifecycle: a replay's records live in its SQLite store. With
``out=`` that folder is the user's and stays. Without it the store sits in a scratch
folder (``tc-replay-*`` under the system temp dir) that this result owns: it is
removed by :meth:`ReplayResult.close`, by leaving a ``with`` block, or when the
result is garbage-collected (:func:`weakref.finalize`, which also runs at
interpreter exit). A notebook that calls ``tc.replay`` fifty times no longer leaves
fifty stores behind.

pandas and plotly are imported only when a frame or chart is asked for, so
``import tradecore`` and the CLI work without them.
"""

from __future__ import annotations

import shutil
import weakref
from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tradecore.adapters.report.content import (
    STATISTICS,
    ReportContent,
    build_content,
)
from tradecore.adapters.report.writer import MAX_PLOT_POINTS, write_report
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.execution.tca import ExecutionAnalysis
from tradecore.domain.market.bar_frame import BarFrame

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

Rows = Sequence[Mapping[str, object]]


class ReplayResult:
    """A finished replay: summary, typed tables, charts and the report.

    ``equity`` (a Series on a UTC ``DatetimeIndex``), ``stats`` (a Series),
    ``trades``, ``fills``, ``orders``, ``decisions``, ``outcomes`` (DataFrames; see
    :mod:`tradecore.adapters.report.frames` for the dtypes) need pandas; the
    ``*_rows`` sequences, ``equity_values``, ``equity_curve()`` and ``blotter()``
    do not.
    """

    def __init__(
        self,
        *,
        summary: Mapping[str, object],
        timestamps_ns: NDArray[np.int64],
        equity_values: NDArray[np.float64],
        fill_rows: Rows,
        decision_rows: Rows,
        outcome_rows: Rows,
        order_rows: Rows = (),
        out: Path | None = None,
        bars: Sequence[BarFrame] = (),
        tca: Sequence[ExecutionAnalysis] = (),
        run_info: Mapping[str, object] | None = None,
        title: str = "Replay report",
        scratch: Path | None = None,
        about: Mapping[str, str] | None = None,
    ) -> None:
        """Wrap a replay's outputs; ``scratch`` is a folder this result deletes."""
        self.summary = summary
        self.timestamps_ns = timestamps_ns
        self.equity_values = equity_values
        self.fill_rows = fill_rows
        self.decision_rows = decision_rows
        self.outcome_rows = outcome_rows
        self.order_rows = order_rows
        self.out = out
        self._bars = bars
        self._tca = tca
        self._about = dict(about or {})
        self._run_info = dict(run_info or {})
        self._title = title
        self._scratch = scratch
        # The callback holds the path, never the result (or it would never be freed).
        self._finalizer = (
            weakref.finalize(self, shutil.rmtree, str(scratch), ignore_errors=True)
            if scratch is not None
            else None
        )

    # -- lifecycle -------------------------------------------------------------

    def close(self) -> None:
        """Remove the scratch store (a run without ``out``); frames already made stay."""
        if self._finalizer is not None:
            self._finalizer()

    @property
    def closed(self) -> bool:
        """Whether the scratch store was removed (never, for a run with ``out``)."""
        return self._finalizer is not None and not self._finalizer.alive

    def __enter__(self) -> ReplayResult:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        if self.closed:
            raise ConfigurationError(
                "this replay result is closed: its temporary store was removed "
                "(pass out= to tc.replay to keep a run's records)"
            )

    # -- plain Python views (no pandas) ---------------------------------------

    def equity_curve(self) -> dict[str, object]:
        """Columns ``timestamp`` (datetime64[ns] UTC values) and ``equity``."""
        return {
            "timestamp": self.timestamps_ns.astype("datetime64[ns]"),
            "equity": self.equity_values,
        }

    def blotter(self) -> list[Mapping[str, object]]:
        """The fills, one dict per row."""
        self._open()
        return list(self.fill_rows)

    # -- pandas views -----------------------------------------------------------

    @cached_property
    def _content(self) -> ReportContent:
        self._open()
        return build_content(
            self.summary, self.timestamps_ns, self.equity_values, self.fill_rows,
            self._bars, max_points=MAX_PLOT_POINTS,
        )  # fmt: skip

    @cached_property
    def equity(self) -> pd.Series:
        """The equity curve: float64 on a UTC ``DatetimeIndex``."""
        from tradecore.adapters.report.frames import equity_series

        return equity_series(self.timestamps_ns, self.equity_values)

    @cached_property
    def stats(self) -> pd.Series:
        """Every statistic of the report (the summary's, plus total return, longest
        drawdown, DSR), by name: the report's statistics table order, then the rest."""
        from tradecore.adapters.report.frames import stats_series

        found = self._content.statistics
        first = [key for key, _, _ in STATISTICS if key in found]
        rest = [key for key in found if key not in first]
        return stats_series({key: found[key] for key in [*first, *rest]})

    @cached_property
    def trades(self) -> pd.DataFrame:
        """The FIFO round trips, with return, duration, MAE and MFE (float64)."""
        from tradecore.adapters.report.frames import trades_frame

        return trades_frame(self._content.trips)

    def _table(self, name: str, rows: Rows) -> pd.DataFrame:
        from tradecore.adapters.report.frames import table_frame

        self._open()
        return table_frame(name, rows)

    @cached_property
    def fills(self) -> pd.DataFrame:
        """The fills: UTC ``filled_at``; exact Decimal ``qty``, ``price``, ``fee``."""
        return self._table("fills", self.fill_rows)

    @cached_property
    def orders(self) -> pd.DataFrame:
        """The orders (intents): status, parsed ``spec``, Decimal fill totals."""
        return self._table("orders", self.order_rows)

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """The decision records: UTC ``decided_at``, ``details`` parsed to dicts."""
        return self._table("decisions", self.decision_rows)

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        """What became of each decision: UTC ``recorded_at``."""
        return self._table("outcomes", self.outcome_rows)

    # -- charts and report --------------------------------------------------------

    def charts(self) -> dict[str, Any]:
        """The report's charts by name (``equity``, ``drawdown``, ``price-SYMBOL``,
        ``calendar-returns``, ``rolling``, ``distribution``, ``symbol-pnl``,
        ``exposure``), as plotly Figures."""
        import plotly.graph_objects as go

        return {name: go.Figure(spec) for name, spec in self._content.charts.items()}

    def plot(self, chart: str = "equity") -> Any:
        """One of the report's charts as a plotly Figure (shown inline in Jupyter).

        Raises:
            ConfigurationError: no chart of that name in this run.
        """
        import plotly.graph_objects as go

        specs = self._content.charts
        if chart not in specs:
            known = ", ".join(specs) or "none"
            raise ConfigurationError(f"no chart {chart!r}; this run has: {known}")
        return go.Figure(specs[chart])

    def report(self, path: str | Path) -> Path:
        """Write the report folder (report.html, summary.json, CSVs) to ``path``.

        Returns the path of ``report.html``.
        """
        self._open()
        files = write_report(
            path, self.summary, (self.timestamps_ns, self.equity_values),
            self.fill_rows, self.decision_rows, self.outcome_rows, self._run_info,
            title=self._title, tca=self._tca, bars=self._bars, about=self._about,
        )  # fmt: skip
        return files["report.html"]

    def __repr__(self) -> str:
        where = self.out if self.out is not None else "temporary store"
        state = ", closed" if self.closed else ""
        return f"<ReplayResult {self._title!r} {len(self.equity_values):,} points, {where}{state}>"
