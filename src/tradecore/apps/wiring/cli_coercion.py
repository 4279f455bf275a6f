"""Plain command-line values coerced without pydantic (issue 18: start-up).

typer (0.29) coerces every parameter's value through a pydantic ``TypeAdapter``
built on first use, and importing pydantic was about a tenth of a replay's start-up.
Nearly all our parameters are plain: a ``str``, an ``int`` or ``float`` without
bounds, a ``bool``, a ``Path``, a ``Literal`` or ``Enum`` choice, or a ``list`` of
these, and their values arrive as the strings click parsed. For those,
:func:`quicken` gives the parameter a coercion returning what typer's adapter
returns (typer's own path and choice functions do the checks; a unit test compares
the two on every parameter of both apps), and hands any other value, such as a bad
one whose error message typer words, to typer's own coercion. Parameters of any
other kind, or a typer without these internals, keep typer's coercion untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import typer
from typer.core import TyperCommand, TyperGroup

try:  # typer internals: without them every parameter keeps typer's coercion
    from typer import _param_types as typer_checks
except ImportError:  # pragma: no cover - another typer
    typer_checks = None  # type: ignore[assignment]

#: Returned by a quick conversion that cannot vouch for typer's answer.
UNSURE: Any = object()
#: Integers and decimals spelled the one way both Python and pydantic read alike.
_INT = re.compile(r"-?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")

#: A quick conversion of one value: the coerced value, or UNSURE.
Convert = Callable[[Any, Any, Any], Any]


def quicken(params: Iterable[Any]) -> None:
    """Give each plain parameter of a command a coercion that needs no pydantic."""
    if typer_checks is None:
        return  # pragma: no cover - another typer
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or not hasattr(param, "_runtime_param"):
            continue  # pragma: no cover - another typer
        convert = _converter(descriptor)
        if convert is not None and param._runtime_param is None:
            param._runtime_param = QuickCoercion(convert)


class QuickCoercion:
    """A parameter's coercion: the quick conversion, else typer's own."""

    def __init__(self, convert: Convert) -> None:
        """Coerce with ``convert``; what it is unsure of goes to typer."""
        self._convert = convert

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """Typer's ``RuntimeParam.coerce``: ``None`` and multi-value rules first."""
        multiple = param.multiple or param.nargs == -1
        if value is None:
            return () if multiple else None
        if not (multiple and isinstance(value, str)):
            result = self._convert(value, param, ctx)
            if result is not UNSURE:
                return result
        param._runtime_param = None  # typer builds its adapter (and words errors)
        return param.get_runtime_param().coerce(value, param=param, ctx=ctx)


def _converter(descriptor: Any) -> Convert | None:
    """The quick conversion for a parameter's type, or None (typer's coercion)."""
    info = descriptor.parameter_info
    if descriptor.file_annotation is not None or info.parser is not None:
        return None
    if getattr(info, "click_type", None) is not None:
        return None
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        leaf = _leaf(item, info)
        return None if leaf is None else _each(leaf)
    return _leaf(annotation, info)


def _each(leaf: Convert) -> Convert:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        items = value if isinstance(value, list | tuple) else [value]
        converted = [leaf(item, param, ctx) for item in items]
        return UNSURE if any(x is UNSURE for x in converted) else converted

    return convert


def _leaf(annotation: Any, info: Any) -> Convert | None:
    """The quick conversion of one value of ``annotation``, or None."""
    bounded = info.min is not None or info.max is not None
    if annotation is str:
        return _as_str
    if annotation is bool:
        return _as_bool
    if annotation is int and not bounded:
        return _as_int
    if annotation is float and not bounded:
        return _as_float
    if annotation is Path and info.path_type is None:
        return _path(info)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(list(annotation), info.case_sensitive)
    if get_origin(annotation) is Literal:
        return _choice(list(get_args(annotation)), info.case_sensitive)
    return None


def _as_str(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is str else UNSURE


def _as_bool(value: Any, param: Any, ctx: Any) -> Any:
    return value if type(value) is bool else UNSURE


def _as_int(value: Any, param: Any, ctx: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str and _INT.fullmatch(value):
        return int(value)
    return UNSURE


def _as_float(value: Any, param: Any, ctx: Any) -> Any:
    if type(value) in (int, float):
        return float(value)
    if type(value) is str and _FLOAT.fullmatch(value):
        return float(value)
    return UNSURE


def _path(info: Any) -> Convert:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        if type(value) is str:
            value = Path(value)
        if not isinstance(value, Path):
            return UNSURE
        try:  # typer's own checks (exists, file_okay, ...), given a Path
            return typer_checks.coerce_cli_path(
                value, info, path_type=Path, param=param, ctx=ctx
            )
        except typer.BadParameter:
            return UNSURE

    return convert


def _choice(choices: list[Any], case_sensitive: bool) -> Convert:
    def convert(value: Any, param: Any, ctx: Any) -> Any:
        try:
            return typer_checks.coerce_cli_choice(
                value, choices=choices, case_sensitive=case_sensitive, ctx=ctx
            )
        except ValueError:
            return UNSURE

    return convert


class QuickCommand(TyperCommand):
    """A typer command whose plain parameters coerce without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Typer's parameters (help and completion options included), quickened."""
        params: list[Any] = super().get_params(ctx)
        quicken(params)
        return params


class QuickGroup(TyperGroup):
    """A typer group (an app's root) whose plain parameters coerce without pydantic."""

    def get_params(self, ctx: Any) -> list[Any]:
        """Typer's parameters (help and completion options included), quickened."""
        params: list[Any] = super().get_params(ctx)
        quicken(params)
        return params
