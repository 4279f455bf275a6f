"""One sweep trial: a replay of one parameter combination, reduced to a small record.

This is what runs in a worker process or on a Dask worker, so it is import-light
(the engine is imported when the first trial runs, not when the task is unpickled)
and everything it takes and returns pickles: the task is plain data, the record a
dict of JSON values. The replay writes into a temporary folder of its own, removed
when the trial ends.
"""

from __future__ import annotations

import math
import tempfile
from decimal import Decimal
from typing import Any

import attrs

#: Summary fields a trial record keeps (besides the per-period Sharpe and moments).
KEPT = (
    "sharpe",
    "sharpe_daily",
    "sortino",
    "calmar",
    "cagr",
    "final_equity",
    "realized_pnl",
    "max_drawdown",
    "turnover",
    "annualized_volatility",
    "psr",
    "psr_daily",
    "win_rate",
    "profit_factor",
    "exposure",
    "fills",
    "round_trips",
    "skew",
    "kurtosis",
)
OK = "ok"
INVALID = "invalid"
ERROR = "error"


@attrs.frozen(kw_only=True)
class TrialTask:
    """One combination to replay, and the settings every trial of a sweep shares."""

    index: int
    params: dict[str, int | float | str]
    strategy: Any
    fill_model: str
    seed: int
    cash: str
    calendar: Any
    signing: Any = None
    #: The replay's keyword arguments beyond these (e.g. a stress scenario).
    extra: dict[str, Any] = attrs.field(factory=dict)


def _number(value: object) -> float | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return float(value)
    return math.nan


def record_of(
    task: TrialTask,
    summary: dict[str, Any] | None,
    equity: Any,
    reason: str = "",
    status: str | None = None,
) -> dict[str, Any]:
    """The trial's record: params, status and the kept metrics (JSON values)."""
    record: dict[str, Any] = {
        "index": task.index,
        "params": dict(task.params),
        "status": status or (OK if summary is not None else ERROR),
        "reason": reason,
    }
    if summary is None:
        return record
    from tradecore.domain.research.metrics import period_returns, sharpe_ratio

    returns = period_returns(equity)
    record["metrics"] = {key: _number(summary.get(key)) for key in KEPT}
    record["metrics"]["sharpe_per_period"] = sharpe_ratio(returns, 1.0)
    record["metrics"]["n_obs"] = len(returns)
    return record


def run_trial(task: TrialTask, data: Any) -> dict[str, Any]:
    """Replay ``task``'s combination over ``data``; never raises.

    Combinations the strategy refuses are found (and recorded ``invalid``) before
    any trial runs; a trial that fails here is recorded ``error`` with the one-line
    reason (a resumed sweep retries it).
    """
    from tradecore.apps.replay.runner import replay
    from tradecore.domain.errors import TradecoreError

    with tempfile.TemporaryDirectory(prefix="tc-sweep-") as folder:
        try:
            result = replay(
                data,
                task.strategy,
                task.params,
                fill_model=task.fill_model,
                cash=Decimal(task.cash),
                seed=task.seed,
                out=folder,
                replace=True,
                signing=task.signing,
                calendar=task.calendar,
                **task.extra,
                progress=False,
            )
        except Exception as e:  # recorded, not raised: one trial never stops a sweep
            reason = _line(e, kind=not isinstance(e, TradecoreError))
            return record_of(task, None, None, reason=reason)
        return record_of(task, dict(result.summary), result.equity_values)


def _line(error: BaseException, *, kind: bool = False) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if kind else text
