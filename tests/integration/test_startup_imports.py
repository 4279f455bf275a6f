"""Start-up imports only what the command uses (issue 18: <= 0.5 s start-up).

No timing here, ever: each test runs a fresh interpreter and asserts which heavy
libraries ended up in ``sys.modules``; the start-up times themselves are measured by
``python -m benchmarks startup``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tradecore.adapters.data import write_bar_files
from tradecore.domain.market.datagen import generate_bars

#: Libraries no replay start-up needs (a new replay store is created without
#: Alembic; only a resumed one is migrated).
HEAVY = ("alembic", "scipy", "pandas", "exchange_calendars", "alpaca")

_PROBE = """
import atexit, sys
heavy = {heavy!r}
def report():
    found = sorted(
        m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy)
    )
    print("HEAVY-MODULES:" + ",".join(found), file=sys.stderr)
atexit.register(report)
{body}
"""


def heavy_modules(
    body: str, *, heavy: tuple[str, ...] = HEAVY, env: dict[str, str] | None = None
) -> tuple[str, str]:
    """Run ``body`` in a fresh interpreter; return (heavy modules loaded, stderr)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=heavy, body=body)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("HEAVY-MODULES:"))
    return line.removeprefix("HEAVY-MODULES:"), done.stderr


def _console(app: str, *args: str) -> str:
    """Python that runs a console script's entry point as the shell would."""
    argv = [f"tradecore-{app}", *args]
    return (
        f"import sys; sys.argv = {argv!r}\n"
        f"from tradecore.apps.{app}.main import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n"
    )


def test_importing_the_replay_run_command_loads_no_heavy_library() -> None:
    found, _ = heavy_modules("import tradecore.apps.replay.run")
    assert found == "", f"imported: {found}"


@pytest.mark.parametrize(
    ("app", "args"),
    [
        ("replay", ("run", "--help")),
        ("replay", ("manifest", "--help")),
        ("replay", ("--version",)),
        ("live", ("db", "--help")),
        ("live", ("run", "--help")),
        ("live", ("status", "--help")),
    ],
)
def test_command_help_loads_no_heavy_library(app: str, args: tuple[str, ...]) -> None:
    found, _ = heavy_modules(_console(app, *args))
    assert found == "", f"imported: {found}"


#: What the apps' own help and --version never import: every command module and the
#: libraries a command runs on (they print a listing built from a summary table).
LISTING_HEAVY = (
    "numpy",
    "sqlalchemy",
    "pyarrow",
    "pydantic",
    "tradecore.apps.replay.run",
    "tradecore.apps.live.run",
    "tradecore.apps.ops",
    "tradecore.apps.config",
    "tradecore.features",
)


@pytest.mark.parametrize(
    ("app", "args"),
    [
        ("replay", ("--help",)),
        ("replay", ()),
        ("replay", ("--version",)),
        ("live", ("--help",)),
        ("live", ("-h",)),
        ("live", ("--version",)),
    ],
)
def test_the_apps_own_help_and_version_import_no_command(
    app: str, args: tuple[str, ...]
) -> None:
    body = _console(app, *args) if args else _console_no_args(app)
    found, _ = heavy_modules(body, heavy=LISTING_HEAVY)
    assert found == "", f"imported: {found}"


def _console_no_args(app: str) -> str:
    """The console script run bare: it prints its help and exits 2 (click's rule)."""
    return (
        f"import sys; sys.argv = ['tradecore-{app}']\n"
        f"from tradecore.apps.{app}.main import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    assert e.code == 2, e.code\n"
    )


#: The lake's modules: a replay of bar files imports none of them (``--lake`` does).
LAKE_MODULES = (
    "tradecore.adapters.data.lake",
    "tradecore.adapters.data._lake_manifest",
    "tradecore.adapters.data._lake_universe",
    "tradecore.adapters.data.lake_recorder",
    "tradecore.adapters.data.lake_recordings",
    "tradecore.adapters.data.lake_verify",
    "tradecore.services.data.lake_fetch",
    "tradecore.apps.replay.data",
    "tradecore.domain.market.lake",
)


def test_a_warm_cache_replay_loads_neither_pandas_nor_the_calendar_library(
    tmp_path: Path,
) -> None:
    """The second replay of a Parquet folder reads its XNYS schedule from the cache.

    Neither replay imports Alembic (its new store is created from the tables), rich
    (stderr is a pipe here: no progress bar to draw), pydantic (plain options are
    coerced without it), ``pyarrow.compute`` (the columns are read as stored),
    plotly (the report reads plotly.js from its folder), the PostgreSQL dialect,
    the portfolio report, the e-mail and webhook alert sinks, the notebook modules
    (features, research) or, without ``[regime]``, the feature machinery; nor the
    lake's modules (the data are files), ``numpy.random`` (ideal fills draw no
    latency), ``tomllib`` (no config file), the promotion gate or, without
    ``[execution]``, the cost-model pinning and calibration; nor ``numpy.ma`` (the
    data-quality gate's median and the replay loop's frames are taken from
    integers) or ``email.parser`` (the calendar cache key reads library versions
    from their ``METADATA`` headers).
    """
    frames = generate_bars(
        ["AAPL"],
        100,
        start=datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
        interval=timedelta(minutes=1),
        seed=3,
    )
    write_bar_files(tmp_path / "data", frames, fmt="parquet")
    args = ["run", "--data", str(tmp_path / "data"), "--calendar", "XNYS"]
    args += ["--param", "fast=3", "--param", "slow=8", "--fill-model", "ideal"]
    heavy: tuple[str, ...] = ("pandas", "exchange_calendars", "pyarrow.dataset")
    heavy += ("scipy", "alpaca")
    heavy += ("pyarrow.compute",)  # nanosecond UTC Parquet columns need no cast
    heavy += ("plotly",)  # the report reads plotly.js from plotly's folder
    heavy += ("numpy.random",)  # ideal fills draw nothing (pandas, cold, imports it)
    # Medians and unique frames of integers; library versions read from METADATA
    # (pandas, cold, imports both).
    heavy += ("numpy.ma", "email.parser")
    heavy += ("alembic", "rich", "pydantic", "sqlalchemy.dialects.postgresql")
    heavy += (
        "tradecore.apps.replay.portfolio_report",
        "tradecore.apps.replay.demo_data",
    )
    heavy += ("smtplib", "http.client", "tradecore.features", "tradecore.research")
    heavy += ("tradecore.domain.features",)  # [regime] not enabled
    # Bar files, not a lake; ideal fills draw nothing; no config file; no promote.
    heavy += (*LAKE_MODULES, "tomllib")
    heavy += ("tradecore.domain.research.gate",)
    heavy += ("tradecore.apps.replay.costs",)  # [execution] not enabled
    heavy += ("statistics",)  # the summary's PSR takes the normal CDF's formula
    heavy += ("html",)  # the report escapes without html.entities' tables
    cache = {"TRADECORE_CACHE_DIR": str(tmp_path / "cache")}
    cold, _ = heavy_modules(
        _console("replay", *args, "--out", str(tmp_path / "cold")),
        heavy=heavy,
        env=cache,
    )
    assert "exchange_calendars" in cold.split(",")  # an empty cache: computed once
    unused = ("alembic", "rich", *heavy[heavy.index("pydantic") :])
    assert not [m for m in cold.split(",") if m.startswith(unused)], cold
    warm, stderr = heavy_modules(
        _console("replay", *args, "--out", str(tmp_path / "warm")),
        heavy=heavy,
        env=cache,
    )
    assert warm == "", f"imported: {warm}\n{stderr}"
    assert (tmp_path / "warm" / "summary.json").is_file()


@pytest.mark.parametrize("app", ["replay", "live"])
def test_the_console_freezes_what_the_command_imported(app: str) -> None:
    """The entry point imports the command with the collector paused, then freezes
    those objects (``imports_without_collection``) and resumes the collector."""
    body = (
        "import gc\n"
        "assert gc.get_freeze_count() == 0\n"
        + _console(app, "run", "--help")
        + "print(f'FROZEN:{gc.get_freeze_count()}:{gc.isenabled()}', file=sys.stderr)\n"
    )
    _, stderr = heavy_modules(body)
    line = next(x for x in stderr.splitlines() if x.startswith("FROZEN:"))
    frozen, enabled = line.removeprefix("FROZEN:").split(":")
    assert int(frozen) > 10_000  # the command module and the libraries it imports
    assert enabled == "True"


def test_a_second_replay_builds_attrs_classes_from_cached_code(tmp_path: Path) -> None:
    """The console keeps attrs' generated methods in the cache folder: the first
    replay compiles and stores them, the second (another hash seed) compiles none."""
    frames = generate_bars(
        ["AAPL"],
        50,
        start=datetime(2026, 3, 2, 14, 30, tzinfo=UTC),
        interval=timedelta(minutes=1),
        seed=3,
    )
    write_bar_files(tmp_path / "data", frames, fmt="parquet")
    args = ["run", "--data", str(tmp_path / "data"), "--calendar", "XNYS"]
    args += ["--fill-model", "ideal"]
    counting = (
        "import attr._make, builtins\n"
        "compiled = []\n"
        "def counting(source, filename, *rest, **options):\n"
        "    if filename.startswith('<attrs generated'):\n"
        "        compiled.append(filename)\n"
        "    return builtins.compile(source, filename, *rest, **options)\n"
        "import tradecore.apps.wiring.attrs_code_cache as cache_module\n"
        "cache_module.compile = counting\n"
        "atexit.register(lambda: print(f'COMPILED:{len(compiled)}', file=sys.stderr))\n"
    )
    cache = {"TRADECORE_CACHE_DIR": str(tmp_path / "cache")}
    counts = []
    # Two hash seeds: the salt attrs writes into __hash__ differs between them.
    for out, seed in (("first", "1"), ("second", "2")):
        body = counting + _console("replay", *args, "--out", str(tmp_path / out))
        _, stderr = heavy_modules(body, env={**cache, "PYTHONHASHSEED": seed})
        line = next(x for x in stderr.splitlines() if x.startswith("COMPILED:"))
        counts.append(int(line.removeprefix("COMPILED:")))
    assert counts[0] > 100  # the run command's classes, compiled once
    assert counts[1] == 0
    assert [p.name for p in (tmp_path / "cache" / "attrs-code").iterdir()] == [
        f"tradecore-replay-run-{importlib.util.MAGIC_NUMBER.hex()}.marshal"
    ]


def test_screening_volume_spikes_loads_no_masked_arrays() -> None:
    """The bulk screen's volume-spike medians are taken without ``np.median``, whose
    NaN check on floats imports ``numpy.ma`` (about 2% of a short replay)."""
    body = (
        "import numpy as np\n"
        "from tradecore.domain.market.bar_quality import QualityRules, RULES\n"
        "from tradecore.domain.market.bar_quality import screen_bars\n"
        "n = 60\n"
        "stamps = np.arange(n, dtype=np.int64) * 60_000_000_000\n"
        "close = 100.0 + np.arange(n) % 2 * 0.01\n"
        "volume = np.linspace(1.0, 2.0, n)\n"
        "volume[40] = 1e6\n"  # a spike: its window's median is taken
        "done = screen_bars('AAA', stamps, close, close, close, close, volume,\n"
        "                   QualityRules())\n"
        "found = [(int(r), str(RULES[c])) for r, c in zip(done.rows, done.rules)]\n"
        "print(f'SUSPECT:{found}', file=sys.stderr)\n"
    )
    found, stderr = heavy_modules(body, heavy=("numpy.ma",))
    assert found == "", f"imported: {found}"
    assert "SUSPECT:[(40, 'volume_spike')]" in stderr


def test_the_run_command_s_annotations_are_objects_not_strings() -> None:
    """typer reads ``run``'s ~40 annotations at every start-up: built by the module's
    bytecode, not compiled from strings (run.py has no postponed annotations)."""
    from tradecore.apps.replay import run

    annotations = run.run.__annotations__
    assert len(annotations) > 30
    assert not [k for k, v in annotations.items() if isinstance(v, str)]


def test_downsampling_a_long_curve_loads_no_masked_arrays() -> None:
    """A long replay's report downsamples its curves without ``np.unique``, whose
    masked-array check imported ``numpy.ma`` (about 35 M instructions)."""
    body = (
        "import numpy as np\n"
        "from tradecore.adapters.report.downsample import minmax_indices\n"
        "picked = minmax_indices(np.sin(np.arange(50_000) / 700.0), 2_000)\n"
        "print(f'PICKED:{len(picked)}', file=sys.stderr)\n"
    )
    found, stderr = heavy_modules(body, heavy=("numpy.ma",))
    assert found == "", f"imported: {found}"
    assert "PICKED:" in stderr
