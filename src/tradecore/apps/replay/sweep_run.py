"""Run a parameter sweep: every combination of a grid through the same engine.

Each combination is one :func:`~tradecore.apps.replay.runner.replay` (realistic
fills by default, the same seed for every combination), run in this process, in a
local process pool (``workers``), or on an existing Dask cluster (``scheduler``).
Records are put back in the grid's order before anything is written, so the table
is byte-identical whichever executor ran it.

With an ``out`` folder the sweep is resumable: one small JSON file per finished
combination (written atomically, by this process) under ``out/trials``; a re-run
skips them. The folder belongs to one sweep, named by its fingerprint (the data's
fingerprint, the strategy, the grid, the fill model, the seed, the cash and the
calendar): a different sweep is refused unless ``replace``.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import multiprocessing
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from tradecore.apps.replay.sweep_task import (
    INVALID,
    OK,
    TrialTask,
    record_of,
    run_trial,
)
from tradecore.apps.wiring.strategy_loader import (
    StrategySpec,
    load_strategy,
    strategy_name,
)
from tradecore.domain.errors import ConfigurationError, TradecoreError
from tradecore.domain.hashing import sha256_hex
from tradecore.domain.market.bar_frame import BarFrame, data_fingerprint
from tradecore.domain.market.calendar import MarketCalendar
from tradecore.domain.research.grid import ParameterGrid, combination_key
from tradecore.domain.research.trials import (
    SelectionVerdict,
    TrialSharpe,
    best_index,
    selection_verdict,
)

#: The metrics a sweep can rank by (summary fields), and whether higher is better.
METRICS: dict[str, bool] = {
    "sharpe": True,
    "sharpe_daily": True,
    "sortino": True,
    "calmar": True,
    "cagr": True,
    "final_equity": True,
    "realized_pnl": True,
    "psr": True,
    "psr_daily": True,
    "win_rate": True,
    "profit_factor": True,
    "max_drawdown": False,
    "annualized_volatility": False,
}
TRIALS_FOLDER = "trials"
#: How long to wait for a Dask scheduler to answer (seconds).
SCHEDULER_TIMEOUT = 20.0
FINGERPRINT_FILE = "sweep-fingerprint.json"


@attrs.frozen(kw_only=True)
class SweepSettings:
    """What every trial of a sweep shares (besides the data)."""

    strategy: StrategySpec
    grid: ParameterGrid
    metric: str = "sharpe"
    fill_model: str = "realistic"
    seed: int = 7
    cash: str = "1000000"
    calendar: str | MarketCalendar = "XNYS"
    signing: Any = None
    extra: dict[str, Any] = attrs.field(factory=dict)

    def check(self) -> None:
        """Refuse an unknown metric or a grid parameter the strategy does not take.

        Raises:
            ConfigurationError: either.
        """
        if self.metric not in METRICS:
            raise ConfigurationError(
                f"unknown metric {self.metric!r}; known: {', '.join(METRICS)}"
            )
        known = _strategy_parameters(self.strategy)
        if known is None:
            return
        unknown = [n for n in self.grid.names if n not in known]
        if unknown:
            raise ConfigurationError(
                f"strategy {strategy_name(self.strategy)!r} has no parameter "
                f"{', '.join(unknown)}; known: {', '.join(known) or '(none)'}"
            )


@attrs.frozen(kw_only=True)
class SweepOutcome:
    """A finished sweep: one record per combination, in grid order, and the verdict."""

    settings: SweepSettings
    records: list[dict[str, Any]]
    #: How many combinations were replayed by this call (the rest were resumed).
    replayed: int
    best: dict[str, Any] | None
    verdict: SelectionVerdict
    fingerprint: str


def _strategy_parameters(spec: StrategySpec) -> list[str] | None:
    """The strategy's constructor parameters; None if it cannot be built without
    arguments (then each combination is checked as it is built)."""
    try:
        kind = spec if isinstance(spec, type) else type(load_strategy(spec, {}))
    except ConfigurationError as e:
        if "could not be built" not in str(e):
            raise  # unknown strategy, not a strategy class: say so now
        return None
    except TradecoreError:  # its own check refuses the defaults
        return None
    return [p for p in inspect.signature(kind).parameters if p != "self"]


def data_identity(data: object) -> str:
    """A fingerprint of the data a sweep runs on (files' bytes, or the bars')."""
    if isinstance(data, str | Path):
        return _files_fingerprint(Path(data))
    if isinstance(data, list | tuple) and all(isinstance(f, BarFrame) for f in data):
        return data_fingerprint(list(data))
    load = getattr(data, "load", None)
    if callable(load):  # a lake selection: the bars it reads
        return data_fingerprint(load())
    return _pandas_fingerprint(data)


def _files_fingerprint(path: Path) -> str:
    if not path.exists():
        raise ConfigurationError(f"--data {path}: no such file or folder")
    files = (
        [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    )
    digest = hashlib.sha256()
    for file in files:
        digest.update(
            str(file.relative_to(path) if path.is_dir() else file.name).encode()
        )
        with file.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _pandas_fingerprint(data: object) -> str:
    import pandas as pd  # type: ignore[import-untyped]

    frames = data.items() if isinstance(data, Mapping) else [("", data)]
    digest = hashlib.sha256()
    for name, frame in sorted(frames, key=lambda kv: str(kv[0])):
        if not isinstance(frame, pd.DataFrame):
            raise ConfigurationError(
                f"cannot sweep data of type {type(frame).__name__}: give bar files, "
                "BarFrames, a lake selection or pandas DataFrames"
            )
        digest.update(str(name).encode())
        digest.update(",".join(map(str, frame.columns)).encode())
        digest.update(
            pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes()
        )
    return digest.hexdigest()


def sweep_fingerprint(data_fp: str, settings: SweepSettings) -> str:
    """Names the trials a folder holds: same fingerprint, same trial results."""
    calendar = settings.calendar
    return sha256_hex(
        {
            "data": data_fp,
            "strategy": strategy_name(settings.strategy),
            "grid": {
                k: [repr(v) for v in vs] for k, vs in settings.grid.as_dict().items()
            },
            "fill_model": settings.fill_model,
            "seed": settings.seed,
            "cash": str(Decimal(settings.cash)),
            "calendar": calendar if isinstance(calendar, str) else calendar.name,
            "extra": {k: repr(v) for k, v in sorted(settings.extra.items())},
        }
    )


def _tasks(settings: SweepSettings) -> list[TrialTask]:
    return [
        TrialTask(
            index=i,
            params=params,
            strategy=settings.strategy,
            fill_model=settings.fill_model,
            seed=settings.seed,
            cash=settings.cash,
            calendar=settings.calendar,
            signing=settings.signing,
            extra=settings.extra,
        )
        for i, params in enumerate(settings.grid.combinations())
    ]


def _refused(task: TrialTask) -> dict[str, Any] | None:
    """The ``invalid`` record of a combination the strategy refuses, else None."""
    try:
        load_strategy(task.strategy, task.params)
    except TradecoreError as e:
        reason = " ".join(str(e).split())
        return record_of(task, None, None, reason=reason, status=INVALID)
    return None


class TrialFolder:
    """``out/trials``: one JSON record per finished combination, written atomically."""

    def __init__(self, out: Path, fingerprint: str, replace: bool) -> None:
        self.root = out / TRIALS_FOLDER
        marker = out / FINGERPRINT_FILE
        if marker.exists():
            held = json.loads(marker.read_text()).get("fingerprint")
            if held != fingerprint and not replace:
                raise ConfigurationError(
                    f"--out {out} holds a different sweep (other data, strategy, grid, "
                    "fill model or seed): give another folder or --replace"
                )
            if held != fingerprint or replace:
                shutil.rmtree(self.root, ignore_errors=True)
        elif self.root.exists() and not replace:
            raise ConfigurationError(
                f"--out {out} holds trials of an unknown sweep: give --replace"
            )
        elif replace:
            shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(marker, json.dumps({"fingerprint": fingerprint}, indent=2) + "\n")

    def path(self, task: TrialTask) -> Path:
        return self.root / f"{combination_key(task.params)}.json"

    def finished(self, task: TrialTask) -> dict[str, Any] | None:
        """The stored record of ``task``'s combination, if it finished."""
        path = self.path(task)
        if not path.exists():
            return None
        try:
            record = json.loads(path.read_text())
        except ValueError:  # unreadable: replay it again
            return None
        if record.get("params") != task.params or record.get("status") != OK:
            return None
        return {**record, "index": task.index}

    def keep(self, task: TrialTask, record: Mapping[str, Any]) -> None:
        if record.get("status") == OK:
            _atomic_write(self.path(task), json.dumps(record, sort_keys=True) + "\n")


def _atomic_write(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(text)
    os.replace(temp, path)


def run_sweep(
    data: object,
    settings: SweepSettings,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    out: Path | None = None,
    replace: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    constraint: Callable[[dict[str, Any]], bool] | None = None,
) -> SweepOutcome:
    """Run every combination of ``settings.grid`` over ``data``; see the module doc.

    ``constraint`` (the notebook's ``tc.optimize``) keeps a combination only when it
    returns true; one it refuses is recorded ``invalid`` ("refused by the
    constraint") and not replayed, like one the strategy refuses. It is applied
    before anything runs, so a resumed sweep with another constraint only changes
    which combinations are run, not their results.

    Raises:
        ConfigurationError: unknown metric or parameter, an ``out`` folder of another
            sweep without ``replace``, no Dask or no scheduler at ``scheduler``,
            ``workers`` below 1.
    """
    if workers < 1:
        raise ConfigurationError(f"--workers {workers}: must be >= 1")
    settings.check()
    fingerprint = sweep_fingerprint(data_identity(data), settings)
    folder = None if out is None else TrialFolder(out, fingerprint, replace)
    records: dict[int, dict[str, Any]] = {}
    pending: list[TrialTask] = []
    for task in _tasks(settings):
        done = (
            _refused(task)
            or _constrained(task, constraint)
            or (folder.finished(task) if folder else None)
        )
        if done is None:
            pending.append(task)
        else:
            records[task.index] = done
    total = settings.grid.size
    if on_progress is not None:
        on_progress(len(records), total)

    def arrived(task: TrialTask, record: dict[str, Any]) -> None:
        records[task.index] = record
        if folder is not None:
            folder.keep(task, record)
        if on_progress is not None:
            on_progress(len(records), total)

    _execute(pending, data, workers, scheduler, arrived)
    ordered = [records[i] for i in sorted(records)]
    best, verdict = choose_best(ordered, settings.metric)
    return SweepOutcome(
        settings=settings,
        records=ordered,
        replayed=len(pending),
        best=best,
        verdict=verdict,
        fingerprint=fingerprint,
    )


def _constrained(
    task: TrialTask, constraint: Callable[[dict[str, Any]], bool] | None
) -> dict[str, Any] | None:
    """The ``invalid`` record of a combination ``constraint`` refuses, else None."""
    if constraint is None or constraint(dict(task.params)):
        return None
    return record_of(task, None, None, "refused by the constraint", INVALID)


def metric_value(record: Mapping[str, Any], metric: str) -> float:
    """The record's ``metric`` as a float (NaN when the trial did not run)."""
    if record.get("status") != OK:
        return math.nan
    value = record["metrics"].get(metric)
    return math.nan if value is None else float(value)


def choose_best(
    records: Sequence[Mapping[str, Any]], metric: str
) -> tuple[dict[str, Any] | None, SelectionVerdict]:
    """The best record by ``metric`` and the DSR of choosing it among the trials run."""
    index = best_index(
        [metric_value(r, metric) for r in records], higher_is_better=METRICS[metric]
    )
    best = None if index is None else dict(records[index])
    sharpes = [metric_value(r, "sharpe_per_period") for r in records]
    chosen = (
        TrialSharpe(sharpe=math.nan, n_obs=0, skew=math.nan, kurtosis=math.nan)
        if best is None
        else TrialSharpe(
            sharpe=float(best["metrics"]["sharpe_per_period"]),
            n_obs=int(best["metrics"]["n_obs"]),
            skew=float(best["metrics"]["skew"]),
            kurtosis=float(best["metrics"]["kurtosis"]),
        )
    )
    return best, selection_verdict(chosen, sharpes)


Arrived = Callable[[TrialTask, dict[str, Any]], None]


def _execute(
    tasks: Sequence[TrialTask],
    data: object,
    workers: int,
    scheduler: str | None,
    arrived: Arrived,
) -> None:
    if not tasks:
        return
    if scheduler is not None:
        _on_dask(tasks, data, scheduler, arrived)
    elif workers > 1:
        _in_pool(tasks, data, workers, arrived)
    else:
        for task in tasks:
            arrived(task, run_trial(task, data))


def _pool_context() -> multiprocessing.context.BaseContext:
    """forkserver where there is one (no inherited threads or locks), else spawn.

    The forkserver imports the engine once; each worker forked from it starts with
    the engine already imported instead of importing it again.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tradecore.apps.replay.runner"])
    return context


def _in_pool(
    tasks: Sequence[TrialTask], data: object, workers: int, arrived: Arrived
) -> None:
    with ProcessPoolExecutor(max_workers=workers, mp_context=_pool_context()) as pool:
        futures: dict[Future[dict[str, Any]], TrialTask] = {
            pool.submit(run_trial, task, data): task for task in tasks
        }
        try:
            for future in as_completed(futures):
                arrived(futures[future], future.result())
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _on_dask(
    tasks: Sequence[TrialTask], data: object, scheduler: str, arrived: Arrived
) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ConfigurationError(
            "--scheduler needs dask.distributed: pip install 'tradecore[dask]'"
        ) from None
    try:
        client = Client(scheduler, timeout=SCHEDULER_TIMEOUT, set_as_default=False)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError) as e:
        raise ConfigurationError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler ({e})"
        ) from None
    with client:
        # Files are read by each worker from the same path (a shared filesystem);
        # bars in memory go to every worker once.
        shared: Any = data
        if not isinstance(data, str | Path):
            shared = client.scatter([data], broadcast=True)[0]  # type: ignore[no-untyped-call]
        futures = {
            client.submit(run_trial, task, shared, pure=False): task for task in tasks
        }
        try:
            for future in dask_completed(list(futures), loop=client.loop):  # type: ignore[no-untyped-call]
                arrived(futures[future], future.result())
        except BaseException:
            client.cancel(list(futures))  # type: ignore[no-untyped-call]
            raise
