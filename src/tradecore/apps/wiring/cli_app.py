"""The one way tradecore builds a typer app: plain help, exit codes in every epilog.

typer renders help through rich by default, and rich reads ``[model]`` in a help
string as a markup tag and drops it ("default: [model] manifest" printed as
"default:  manifest"); it also prints a ``<bool>`` metavar after every flag. Our
help names TOML sections in brackets all the time, so every app and sub-app is
built with ``rich_markup_mode=None`` (click's plain formatter: text as written,
flags without a metavar), and every command's epilog lists the exit codes of
:mod:`tradecore.apps.wiring.errors`, so a script author reads them where they look.
Commands and groups coerce their plain parameters without pydantic
(:mod:`tradecore.apps.wiring.cli_coercion`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from tradecore.apps.wiring.cli_coercion import QuickCommand, QuickGroup
from tradecore.apps.wiring.errors import exit_codes_epilog
from tradecore.domain.errors import ConfigurationError

#: ``-h`` as well as ``--help`` on every command.
CONTEXT_SETTINGS: dict[str, Any] = {"help_option_names": ["-h", "--help"]}


class CliTyper(typer.Typer):
    """A :class:`typer.Typer` with tradecore's help conventions as defaults."""

    def __init__(self, **kwargs: Any) -> None:
        """Plain help, ``-h``, and the exit-code epilog, unless the caller says otherwise."""
        kwargs.setdefault("rich_markup_mode", None)
        kwargs.setdefault("context_settings", CONTEXT_SETTINGS)
        kwargs.setdefault("epilog", exit_codes_epilog())
        kwargs.setdefault("cls", QuickGroup)
        super().__init__(**kwargs)

    def command(  # type: ignore[override]
        self, name: str | None = None, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a command whose help ends with the exit codes."""
        kwargs.setdefault("epilog", exit_codes_epilog())
        kwargs.setdefault("cls", QuickCommand)
        return super().command(name, **kwargs)


def renamed_option(
    new: str, value: Path | None, old: str, old_value: Path | None
) -> Path | None:
    """The value of an option renamed from ``old`` to ``new`` (the old name hidden).

    Both apps call a folder of bar files ``--data``; ``tradecore-live run`` and
    ``tradecore-replay parity`` called it ``--bars``, and scripts using that keep
    working. Given both names with different values, neither is guessed.

    Raises:
        ConfigurationError: both names given, with different values.
    """
    if value is not None and old_value is not None and value != old_value:
        raise ConfigurationError(f"{new} and {old} (its old name) differ: give one")
    return value if value is not None else old_value
