"""Building value objects from values the venue already holds validated.

The venue reports every ack and fill as an :class:`~tradecore.domain.orders.events.
OrderEvent` (with its :class:`~tradecore.domain.orders.executions.Fill`) built from its
own order: an id it made, a symbol and side from the spec that passed its validators
on the way in, a time from its clock, a quantity it matched (> 0) and a price from
``to_price`` (> 0). Running the classes' validators again on those values was a tenth
of the venue's cost per order, so the venue builds them with :func:`trusted_builder`,
as :meth:`BarFrame.bar` builds bars from validated columns. Objects built either way
are equal (the unit tests build both from the same values).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


def trusted_builder(cls: type[T]) -> Callable[..., T]:
    """Return a keyword-only constructor of ``cls`` that runs no validator or hook.

    The callers promise values the validators (and ``__attrs_post_init__``) accept.
    Generated once per class as straight-line code, as attrs generates ``__init__``.

    Raises:
        TypeError: a field with a converter or a factory default (the builder
            would have to run code per field, which it is here to avoid), or
            named like one of the builder's own names.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    scope: dict[str, Any] = {"_new": object.__new__, "cls": cls}
    params, helpers, body = [], ["_new=_new", "cls=cls"], []
    for field in fields:
        name = field.name
        clash = name in ("cls", "obj") or name.startswith("_")  # the builder's own
        factory = isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        if clash or factory or field.converter is not None:
            raise TypeError(f"trusted_builder cannot build {cls.__name__}.{name}")
        if field.default is attrs.NOTHING:
            params.append(name)
        else:
            scope[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        scope[f"_set_{name}"] = _slot_setter(cls, name)
        helpers.append(f"_set_{name}=_set_{name}")
        body.append(f"    _set_{name}(obj, {name})\n")
    # The helpers come in as defaults: local names, read faster than globals.
    source = (
        f"def build(*, {', '.join(params + helpers)}):\n    obj = _new(cls)\n"
        f"{''.join(body)}    return obj\n"
    )
    exec(source, scope)  # noqa: S102 - source built above from attrs field names  # nosec B102
    return scope["build"]  # type: ignore[no-any-return]


def _slot_setter(cls: type, name: str) -> Callable[[object, object], None]:
    """The setter of field ``name``: its slot's own, else ``object.__setattr__``'s.

    A slot's descriptor sets the value without looking the name up on the class
    first (half the time); a frozen class's ``__setattr__`` refuses either way,
    so both go around it.
    """
    slot = getattr(cls, name, None)
    if isinstance(slot, types.MemberDescriptorType):
        return slot.__set__

    def set_field(obj: object, value: object) -> None:
        object.__setattr__(obj, name, value)

    return set_field
