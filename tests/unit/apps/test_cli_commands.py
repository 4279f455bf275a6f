"""The console apps register only the command a command line runs (issue 18)."""

from __future__ import annotations

import gc
from types import ModuleType

import pytest
from typer.testing import CliRunner

from tradecore.apps.live import main as live
from tradecore.apps.replay import main as replay
from tradecore.apps.wiring.commands import (
    commands_to_register,
    imports_without_collection,
    lists_commands_only,
)

ALL = ("db", "run", "cost-model")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--data", "db"], ("run",)),
        (["--config", "run", "db", "upgrade"], ("db",)),  # run is --config's value
        (["--config=x.toml", "cost-model", "show"], ("cost-model",)),
        (["--version"], ALL),
        (["--help"], ALL),
        ([], ALL),
        (["-h"], ALL),
        (["no-such-command"], ALL),  # click names the error with every command known
        (["version"], ALL),
    ],
)
def test_the_command_is_the_first_argument_that_is_no_option(
    argv: list[str], expected: tuple[str, ...]
) -> None:
    chosen = commands_to_register(
        argv, ALL, value_options=("--config",), prog_name="tradecore-live"
    )
    assert tuple(chosen) == expected


def test_shell_completion_registers_every_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_TRADECORE_LIVE_COMPLETE", "bash_complete")
    chosen = commands_to_register(["run"], ALL, prog_name="tradecore-live")
    assert tuple(chosen) == ALL


def test_an_app_of_one_command_runs_it_and_still_has_version() -> None:
    app = replay.build_app(["keys"])
    result = CliRunner().invoke(app, ["keys", "--help"])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(app, ["version"]).exit_code == 0


@pytest.mark.parametrize("main", [live, replay])
def test_the_whole_app_lists_every_command(main: ModuleType) -> None:
    result = CliRunner().invoke(main.app, ["--help"])
    assert result.exit_code == 0, result.output
    listed = set(result.output.split())
    assert {*main.COMMANDS, "version"} <= listed


@pytest.mark.parametrize("main", [live, replay])
@pytest.mark.parametrize("argv", [["--help"], [], ["-h"]])
def test_the_help_listing_prints_what_the_whole_app_prints(
    main: ModuleType, argv: list[str]
) -> None:
    """The summaries table stands for the commands in the app's own help: it must
    print exactly what the whole app (every command imported) prints."""
    listing = CliRunner().invoke(main.CLI.build_listing(), argv)
    whole = CliRunner().invoke(main.app, argv)
    assert (listing.exit_code, listing.output) == (whole.exit_code, whole.output)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], True),
        (["--help"], True),
        (["-v", "-h"], True),
        (["--config", "run", "--help"], True),  # run is --config's value
        (["--version"], True),
        (["run", "--help"], False),
        (["-v"], False),  # the root callback then asks for a command
        (["no-such-command", "--help"], False),
    ],
)
def test_only_the_app_s_own_help_and_version_use_the_listing(
    argv: list[str], expected: bool
) -> None:
    assert (
        lists_commands_only(argv, value_options=("--config",), prog_name="tradecore-x")
        is expected
    )


def test_shell_completion_never_uses_the_listing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("_TRADECORE_LIVE_COMPLETE", "bash_complete")
    assert not lists_commands_only([], prog_name="tradecore-live")


def _restore_collector(enabled: bool) -> None:
    """Undo what a test of the collector pause did to this (the test) process."""
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.parametrize("enabled", [True, False])
def test_imports_run_without_the_collector_and_what_they_built_is_frozen(
    enabled: bool,
) -> None:
    was = gc.isenabled()
    gc.unfreeze()
    (gc.enable if enabled else gc.disable)()
    try:
        with imports_without_collection():
            paused = gc.isenabled()
            built = [object] * 3  # a tracked object made "at import"
        frozen = gc.get_freeze_count()
        after = gc.isenabled()
        tracked_young = any(x is built for x in gc.get_objects())
    finally:
        _restore_collector(was)
    assert not paused
    assert after is enabled  # a collector the caller disabled stays disabled
    assert frozen > 0
    assert not tracked_young  # frozen objects are no longer in any generation


def test_the_collector_is_resumed_when_an_import_fails() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        with pytest.raises(ImportError), imports_without_collection():
            raise ImportError("a command module failed to import")
        after = gc.isenabled()
    finally:
        _restore_collector(was)
    assert after
