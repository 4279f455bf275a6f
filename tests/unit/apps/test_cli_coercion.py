"""The quick (pydantic-free) coercion answers exactly as typer's own (issue 18).

Every parameter of both whole apps, every group included, is coerced both ways on
values of its kind, good and bad: the same value (and type) or the same error.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
import typer
from typer.core import TyperGroup
from typer.main import get_command

from tradecore.apps.live import main as live
from tradecore.apps.replay import main as replay
from tradecore.apps.wiring.cli_coercion import QuickCoercion, _converter


def every_parameter() -> Iterator[tuple[str, Any, Any]]:
    """(command path, click command, parameter) over both apps, groups included."""
    for main in (live, replay):
        root = get_command(main.app)
        stack: list[tuple[str, Any]] = [(main.PROG_NAME, root)]
        while stack:
            path, command = stack.pop()
            ctx = typer.Context(command)
            for param in command.get_params(ctx):
                yield path, command, param
            if isinstance(command, TyperGroup):
                stack += [(f"{path} {n}", c) for n, c in command.commands.items()]


def samples(annotation: Any, here: Path) -> list[Any]:
    """Values of ``annotation``'s kind as click hands them over, good and bad."""
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        one = samples(item, here)
        return [tuple(one[:2]), [], tuple(one)]
    if annotation is str:
        return ["abc", "", " x ", "fast=3"]
    if annotation is int:
        return ["0", "7", "-3", "10000000", " 7", "07", "1.0", "x", 5]
    if annotation is float:
        return ["1.5", "-0.25", "3", "1e3", " 2", "nan", "x", 2, 2.5]
    if annotation is bool:
        return [True, False, "true"]
    if annotation is Path:
        return ["x/y", ".", str(here), str(here / "missing"), "-", here]
    if get_origin(annotation) is Literal:
        values = [str(v) for v in get_args(annotation)]
        return [*values, values[0].upper(), "no-such-choice"]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        values = [str(m.value) for m in annotation]
        return [*values, values[0].upper(), "no-such-choice", next(iter(annotation))]
    return []


def outcome(coerce: Any, value: Any, param: Any, ctx: Any) -> tuple[Any, ...]:
    """The coerced value's type and repr (nan equals nan), or the error's type and
    message."""
    try:
        result = coerce(value, param=param, ctx=ctx)
    except Exception as error:  # the comparison is the point: any error counts
        return ("error", type(error), str(error))
    return ("value", type(result), repr(result))


PARAMETERS = [
    pytest.param(command, param, id=f"{path} {param.name}")
    for path, command, param in every_parameter()
    if _converter(param.type_descriptor) is not None
]


@pytest.mark.parametrize(("command", "param"), PARAMETERS)
def test_quick_coercion_matches_typer_on_every_plain_parameter(
    command: Any, param: Any, tmp_path: Path
) -> None:
    ctx = typer.Context(command)
    descriptor = param.type_descriptor
    values = [None, *samples(descriptor.annotation, tmp_path)]
    assert len(values) > 1, f"no samples for {descriptor.annotation}"
    convert = _converter(descriptor)
    assert convert is not None
    for value in values:
        param._runtime_param = None
        typers = outcome(param.get_runtime_param().coerce, value, param, ctx)
        param._runtime_param = None
        quick = outcome(QuickCoercion(convert).coerce, value, param, ctx)
        assert quick == typers, f"{value!r}"


def test_most_parameters_are_quick() -> None:
    """The point of the module: the run command's parameters all coerce quickly."""
    run = get_command(replay.app).commands["run"]
    ctx = typer.Context(run)
    slow = [
        p.name for p in run.get_params(ctx) if _converter(p.type_descriptor) is None
    ]
    assert slow == []
