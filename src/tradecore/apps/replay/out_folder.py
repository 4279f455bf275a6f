"""A replay's output folder: open its store, know a finished run, replace one.

A folder holding a finished replay is refused unless the caller says ``replace``
(``--force``, or the demo's own default); one holding an unfinished replay is resumed
with ``resume``. Replacing deletes only the files a replay writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from tradecore.adapters.sqlstore import Durability, open_store
from tradecore.adapters.sqlstore.write_behind import WriteBehindStore
from tradecore.apps.replay.run_manifest import MANIFEST_FILE
from tradecore.apps.wiring.cost_models import MARKS_FILE
from tradecore.domain.errors import ConfigurationError

STORE_FILE = "replay.db"
#: Scratch folder of a running replay: its bars on memory-mapped files.
SPILL_FOLDER = ".bars"


def open_replay_store(
    folder: Path, resume: bool, replace: bool, clock: Callable[[], datetime]
) -> WriteBehindStore:
    """The replay's own store in ``folder``, stamping what it records (audit entries,
    control states) with ``clock``: the simulated clock, so a replay's store holds no
    wall-clock time and two runs of the same inputs record the same rows."""
    if resume and replace:
        raise ConfigurationError("give at most one of --resume and --force")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STORE_FILE
    if path.exists() and not resume:
        if not replace:
            raise ConfigurationError(_held_message(folder))
        _remove_replay(folder)
    # A new store is created at head from the tables (no migrations to run); one
    # being resumed is migrated as before.
    fresh = not path.exists()
    sql = open_store(
        f"sqlite:///{path}",
        durability=Durability.NORMAL,
        upgrade=True,
        fresh=fresh,
        clock=clock,
    )
    return WriteBehindStore(sql)


#: Every file a replay writes into its ``out`` folder (the store and its SQLite
#: side files, the report, the manifest); ``replace`` deletes these and nothing else.
REPLAY_FILES = (
    STORE_FILE,
    f"{STORE_FILE}-wal",
    f"{STORE_FILE}-shm",
    f"{STORE_FILE}-journal",
    "summary.json",
    "run.json",
    "equity.csv",
    "fills.csv",
    "decisions.csv",
    "outcomes.csv",
    "report.html",
    "config.json",
    MANIFEST_FILE,
    MARKS_FILE,
    "quarantine.csv",
)


def is_finished(folder: Path) -> bool:
    """Whether ``folder`` holds a finished replay (its last two files are written)."""
    return all((folder / name).exists() for name in (MANIFEST_FILE, MARKS_FILE))


def _held_message(folder: Path) -> str:
    if is_finished(folder):
        return (
            f"{folder} already holds a finished replay; pass --force to replace it "
            "or choose another --out"
        )
    return (
        f"{folder} already holds an unfinished replay ({STORE_FILE}); pass --resume "
        "to finish it, --force to replace it, or choose another --out"
    )


def _remove_replay(folder: Path) -> None:
    for name in REPLAY_FILES:
        (folder / name).unlink(missing_ok=True)
