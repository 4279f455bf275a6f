"""Strict structuring of configuration values: every value is checked for its type.

cattrs' defaults convert generously: ``str(5)`` for a string field, ``float(True)``
for a number, and - the dangerous one - ``tuple("AAPL")`` for a list of symbols,
which turned ``restricted_symbols = "AAPL"`` into ``("A", "L", "P")`` and let AAPL
trade. The hooks here accept a value only when it already has the field's type
(a TOML string for a string, an array for a list, a table for a table, ``true`` /
``false`` for a flag). Numbers may also be given as their decimal text, because the
environment and the command line only carry text.

A refused value raises :class:`ConfigValueError`, whose message shows the value and
what was expected; the settings loader adds the key.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import (
    homogenous_tuple_structure_factory,
    is_mapping,
    is_sequence,
    list_structure_factory,
    mapping_structure_factory,
)

_SHOWN = 60


class ConfigValueError(ValueError):
    """A configuration value of the wrong type."""

    def __init__(self, value: object, expected: str) -> None:
        """Say what ``value`` was and what was ``expected`` instead."""
        super().__init__(f"= {show(value)}: expected {expected}")


def show(value: object) -> str:
    """Return ``value``'s repr, cut short (a config value may be huge)."""
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _kind_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, list | tuple):
        return "a list"
    return type(value).__name__


def _str(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ConfigValueError(value, f"a string, not {_kind_name(value)}")
    return value


def _int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ConfigValueError(value, "a whole number")


def _float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ConfigValueError(value, "a number")


def _bool(value: Any, _: type) -> bool:
    if not isinstance(value, bool):
        raise ConfigValueError(value, "true or false")
    return value


def _enum(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(repr(member.value) for member in kind)
        raise ConfigValueError(value, f"one of {known}") from None


def _is_homogeneous_sequence(kind: Any) -> bool:
    if not is_sequence(kind):
        return False
    args = get_args(kind)
    if get_origin(kind) is tuple:
        return len(args) == 2 and args[1] is Ellipsis
    return True


def _sequence_factory(
    converter: cattrs.Converter,
) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(kind: Any) -> Callable[[Any, Any], Any]:
        origin = get_origin(kind) or kind
        inner = (
            homogenous_tuple_structure_factory(kind, converter)
            if origin is tuple or not issubclass(origin, list)
            else list_structure_factory(kind, converter)
        )

        def structure(value: Any, cl: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise ConfigValueError(
                    value, f'a list (e.g. ["a", "b"]), not {_kind_name(value)}'
                )
            return inner(value, cl)

        return structure

    return factory


def _mapping_factory(
    converter: cattrs.Converter,
) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(kind: Any) -> Callable[[Any, Any], Any]:
        inner = mapping_structure_factory(kind, converter)

        def structure(value: Any, cl: Any) -> Any:
            if not isinstance(value, Mapping):
                raise ConfigValueError(value, f"a table, not {_kind_name(value)}")
            return inner(value, cl)

        return structure

    return factory


def _table_factory(
    converter: cattrs.Converter,
) -> Callable[[Any], Callable[[Any, Any], Any]]:
    def factory(kind: Any) -> Callable[[Any, Any], Any]:
        # Generated on the table's first value, not when the enclosing table's hook
        # is: a section the configuration leaves out keeps its defaults and is never
        # structured, and generating the hooks of every section cost a replay's
        # start-up about 0.03 s.
        inner: Callable[[Any, Any], Any] | None = None

        def structure(value: Any, cl: Any) -> Any:
            nonlocal inner
            if not isinstance(value, Mapping):
                raise ConfigValueError(value, f"a table, not {_kind_name(value)}")
            if inner is None:
                inner = converter.gen_structure_attrs_fromdict(kind)
            return inner(value, cl)

        return structure

    return factory


def register_strict_hooks(converter: cattrs.Converter) -> None:
    """Make ``converter`` refuse every value that does not have its field's type."""
    for kind, hook in ((str, _str), (int, _int), (float, _float), (bool, _bool)):
        converter.register_structure_hook(kind, hook)
    # After ``str`` and ``int``, whose hooks would otherwise catch StrEnum/IntEnum.
    for enum_kind in (enum.Enum, enum.StrEnum, enum.IntEnum):
        converter.register_structure_hook(enum_kind, _enum)
    converter.register_structure_hook_factory(
        _is_homogeneous_sequence, _sequence_factory(converter)
    )
    converter.register_structure_hook_factory(is_mapping, _mapping_factory(converter))
    converter.register_structure_hook_factory(
        lambda kind: attrs.has(kind) and isinstance(kind, type),
        _table_factory(converter),
    )
