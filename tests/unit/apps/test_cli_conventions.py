"""Both console apps follow one set of CLI conventions (issue 24, "## CLIs").

Help is plain text (``[section]`` survives, flags carry no ``<bool>``), closed sets
are choices refused in one line, every command's help ends with the exit codes, and
the root ``--log-format``/``-v``/``-q`` options shape the log lines.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest
import typer
from typer.testing import CliRunner

from tradecore.adapters.logging_json import FORMATTERS
from tradecore.apps.config.settings import MARKET_CALENDARS, load_settings
from tradecore.apps.live import main as live
from tradecore.apps.replay import emulator
from tradecore.apps.replay import main as replay
from tradecore.apps.replay.runner import replay as replay_function
from tradecore.apps.wiring import choices, cli_logging, errors
from tradecore.apps.wiring.cli_app import renamed_option
from tradecore.domain.errors import ConfigurationError
from tradecore.domain.market.lake import ADJUSTMENTS, FEEDS

runner = CliRunner()

APPS = {"tradecore-live": live.app, "tradecore-replay": replay.app}


def _help(app: typer.Typer, *words: str) -> str:
    result = runner.invoke(app, [*words, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    return result.output


def _commands(group: typer.Typer) -> Iterator[tuple[str, ...]]:
    """Every command path of an app (``("db", "upgrade")``), through its groups."""
    from typer.main import get_command

    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        subcommands = getattr(command, "commands", None)
        if subcommands is not None:
            for name, sub in subcommands.items():
                yield from walk(sub, (*path, name))
        else:
            yield path

    yield from walk(get_command(group), ())


def test_help_shows_bracketed_section_names_literally() -> None:
    text = _help(live.app, "run")
    assert "[model] manifest" in text
    assert "[data] record_lake" in text


@pytest.mark.parametrize("name", sorted(APPS))
def test_no_command_shows_a_bool_metavar_and_each_lists_the_exit_codes(
    name: str,
) -> None:
    app = APPS[name]
    paths = list(_commands(app))
    assert len(paths) > 10
    for path in paths:
        text = _help(app, *path)
        assert "<bool>" not in text, path
        assert "Exit codes:" in text, path
        for code, meaning in errors.EXIT_CODE_MEANINGS:
            assert f"{code:>2}  {meaning}" in text, (path, code)


def test_the_epilog_names_every_exit_code_constant_once() -> None:
    constants = {
        value
        for key, value in vars(errors).items()
        if key.isupper() and isinstance(value, int)
    }
    listed = [code for code, _ in errors.EXIT_CODE_MEANINGS]
    assert sorted(listed) == sorted(constants)


@pytest.mark.parametrize(
    ("app", "words", "option", "listed"),
    [
        (replay.app, ["run"], "--fill-model", "'realistic', 'ideal'"),
        (replay.app, ["run"], "--calendar", "'XNYS', '24/7'"),
        (replay.app, ["run"], "--adjustment", "'raw', 'split', 'dividend', 'all'"),
        (replay.app, ["run"], "--shape", "'auto', 'tradecore'"),
        (replay.app, ["sweep", "--demo", "--grid", "fast=2,3"], "--metric", "'sharpe'"),
        (replay.app, ["emulator"], "--fill-model", "'realistic', 'ideal'"),
        (replay.app, ["data", "fetch"], "--feed", "'iex', 'sip', 'delayed_sip'"),
        (replay.app, ["train"], "--model", "'lightgbm'"),
        (live.app, ["run"], "--feed", "'files', 'alpaca', 'alpaca-stream'"),
    ],
)
def test_a_choice_refuses_a_bad_value_in_one_line_listing_the_choices(
    app: typer.Typer, words: list[str], option: str, listed: str
) -> None:
    result = runner.invoke(app, [*words, option, "nope"])
    assert result.exit_code == errors.USAGE, result.output
    lines = [line for line in result.output.splitlines() if "nope" in line]
    assert len(lines) == 1, result.output
    assert option in lines[0]
    assert listed in lines[0]
    assert "Traceback" not in result.output


def test_the_choices_are_the_sets_that_define_them() -> None:
    assert get_args(choices.Calendar) == MARKET_CALENDARS
    assert get_args(choices.DataFeed) == FEEDS
    assert get_args(choices.DataAdjustment) == ADJUSTMENTS
    assert set(get_args(cli_logging.LogFormat)) == set(FORMATTERS) == {"text", "json"}


def test_the_help_lists_a_choice_set() -> None:
    assert "<realistic|ideal>" in _help(replay.app, "run")
    assert "<text|json>" in _help(live.app)


def test_live_run_takes_data_as_replay_does_and_keeps_bars_hidden() -> None:
    text = _help(live.app, "run")
    assert "--data" in text
    assert "--bars" not in text
    assert "--data" in _help(replay.app, "run")
    assert "--data" in _help(replay.app, "parity")


def test_the_old_option_name_still_works_and_may_not_disagree() -> None:
    assert renamed_option("--data", None, "--bars", Path("b")) == Path("b")
    assert renamed_option("--data", Path("d"), "--bars", None) == Path("d")
    assert renamed_option("--data", Path("d"), "--bars", Path("d")) == Path("d")
    with pytest.raises(ConfigurationError, match="--data and --bars"):
        renamed_option("--data", Path("d"), "--bars", Path("b"))


def test_the_emulator_starts_with_the_replays_cash() -> None:
    import inspect

    replay_default = inspect.signature(replay_function).parameters["cash"].default
    assert emulator.DEFAULT_CASH == str(replay_default) == "1000000"
    assert "[default: 1000000]" in _help(replay.app, "emulator")


# --- logging -------------------------------------------------------------------------


@pytest.fixture
def clean_logging() -> Iterator[None]:
    yield
    cli_logging.remove_cli_logging()


def _log_lines(args: list[str], tmp_path: Path) -> list[str]:
    """Run ``config show`` with a flag overriding the file: its one info line."""
    config = tmp_path / "tc.toml"
    config.write_text(f'[store]\nurl = "sqlite:///{tmp_path / "a.db"}"\n')
    url = f"sqlite:///{tmp_path / 'b.db'}"
    result = runner.invoke(
        live.app,
        [*args, "--config", str(config), "--database-url", url, "config", "show"],
    )
    assert result.exit_code == 0, result.output
    return [line for line in result.stderr.splitlines() if "store.url" in line]


def test_a_flag_overrides_the_file_and_the_log_names_the_key_not_the_value(
    tmp_path: Path,
) -> None:
    lines = _log_lines(["--log-format", "json"], tmp_path)
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["level"] == "info"
    assert record["override"] == "store.url"
    assert "b.db" not in lines[0]
    assert "overrides config file" in record["message"]


def test_log_format_text_writes_a_readable_line(tmp_path: Path) -> None:
    (line,) = _log_lines(["--log-format", "text"], tmp_path)
    assert not line.startswith("{")
    assert " info " in line
    assert "store.url: the command-line option overrides config file" in line


def test_quiet_drops_info_lines_and_verbose_keeps_them(tmp_path: Path) -> None:
    assert _log_lines(["-q", "--log-format", "text"], tmp_path) == []
    assert len(_log_lines(["-v", "--log-format", "text"], tmp_path)) == 1


def test_verbosity_moves_the_levels(clean_logging: None) -> None:
    quiet = cli_logging.configure_cli_logging("text", 0, True)
    assert (quiet.own_level, quiet.library_level) == (logging.WARNING, logging.WARNING)
    normal = cli_logging.configure_cli_logging("json", 0, False)
    assert (normal.own_level, normal.library_level) == (logging.INFO, logging.WARNING)
    loud = cli_logging.configure_cli_logging(None, 2, False)
    assert (loud.own_level, loud.library_level) == (logging.DEBUG, logging.DEBUG)
    assert logging.getLogger("tradecore").level == logging.DEBUG
    cli_logging.remove_cli_logging()
    assert logging.getLogger("tradecore").level == logging.NOTSET


def test_text_is_the_default_on_a_terminal_only() -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    assert cli_logging.default_format(Tty()) == "text"  # type: ignore[arg-type]
    with open(__file__) as not_a_terminal:
        assert cli_logging.default_format(not_a_terminal) == "json"


def test_the_file_still_conflicts_with_the_environment(tmp_path: Path) -> None:
    config = tmp_path / "tc.toml"
    config.write_text('[store]\nurl = "sqlite:///a.db"\n')
    env = {"TRADECORE_DATABASE_URL": "sqlite:///b.db"}
    with pytest.raises(ConfigurationError, match="set twice"):
        load_settings(config, env, {})
    # A flag equal to the file is no override at all (and no log line).
    same = load_settings(config, {}, {"store.url": "sqlite:///a.db"})
    assert same.store.url == "sqlite:///a.db"
    assert load_settings(config, {}, {"store.url": "sqlite:///c.db"}).store.url == (
        "sqlite:///c.db"
    )
