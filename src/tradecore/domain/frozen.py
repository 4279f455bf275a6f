"""Copying and building frozen attrs values cheaply: validate only what changes.

``attrs.evolve`` re-runs every validator of the class. A value object was validated
when it was built, so a copy that changes two fields only needs those two checked —
for an :class:`~tradecore.domain.orders.intent.OrderIntent`, which moves through several
states per order, that is most of the cost of an order's bookkeeping.

:func:`trusted_builder` builds values from values already validated (the venue's
events and fills from its own orders, a ledger's next holding from a valid fill),
running no validator: as :meth:`BarFrame.bar` builds bars from validated columns.

Both fill the new value's fields through a *builder twin* of its class where they
can (:func:`_builder_twin`): setting a field through a frozen class means a
method call per field (its ``__setattr__`` refuses), about a thousand machine
instructions each, twenty-odd for an intent; a plain attribute store is a few
hundred. The value is then given its own class back, so no twin ever escapes.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

T = TypeVar("T")


_Layout = tuple[Any, frozenset[str], dict[str, Any]]  # copier; names; validated
_LAYOUTS: dict[type, _Layout] = {}


def _layout(cls: type) -> _Layout:
    found = _LAYOUTS.get(cls)
    if found is None:
        found = _LAYOUTS[cls] = _build_layout(cls)
    return found


def _build_layout(cls: type) -> _Layout:
    fields = attrs.fields(cls)
    if hasattr(cls, "__attrs_post_init__") or any(f.converter for f in fields):
        raise TypeError(f"replace() cannot copy {cls.__name__}: it converts on init")
    names = tuple(f.name for f in fields)
    checked = {f.name: f for f in fields if f.validator is not None}
    return _copier(cls, names), frozenset(names), checked


def _copier(cls: type, names: tuple[str, ...]) -> Any:
    """Compile ``copy(obj, changes)`` for ``cls``: one line per field, no loop.

    A generated function (as attrs generates ``__init__``) copies every field by
    attribute access, then sets the changed ones from ``changes`` (a copy changes
    two or three of an intent's twenty-odd fields: setting those twice is cheaper
    than asking ``changes`` about every field). It is about three times faster than
    a loop over the names, and an intent is copied on every transition of every
    order. The helpers come in as defaults: local names, read faster than globals.
    """
    twin = _builder_twin(cls)
    if twin is not None:
        lines = [
            "def copy(obj, changes, *, new_object=new_object, twin=twin, cls=cls):",
            "    new = new_object(twin)",
        ]
        lines += [f"    new.{n} = obj.{n}" for n in names]
        lines.append("    for name, value in changes.items():")
        lines.append("        setattr(new, name, value)")
        lines.append("    new.__class__ = cls")
        lines.append("    return new")
        scope: dict[str, Any] = {"new_object": object.__new__, "twin": twin, "cls": cls}
        exec("\n".join(lines), scope)  # noqa: S102 - code built from attrs field names  # nosec B102
        return scope["copy"]
    helpers = ["new_object=new_object", "cls=cls", "setters=setters"]
    helpers += [f"set_{i}=set_{i}" for i in range(len(names))]
    lines = [f"def copy(obj, changes, *, {', '.join(helpers)}):"]
    lines.append("    new = new_object(cls)")
    lines += [f"    set_{i}(new, obj.{n})" for i, n in enumerate(names)]
    lines.append("    for name, value in changes.items():")
    lines.append("        setters[name](new, value)")
    lines.append("    return new")
    setters = {n: _slot_setter(cls, n) for n in names}
    scope = {"new_object": object.__new__, "cls": cls, "setters": setters}
    scope.update({f"set_{i}": setters[n] for i, n in enumerate(names)})
    exec("\n".join(lines), scope)  # noqa: S102 - code built from attrs field names  # nosec B102
    return scope["copy"]


_TWINS: dict[type, type | None] = {}


def _builder_twin(cls: type) -> type | None:
    """A subclass of slotted ``cls`` whose instances set fields as plain objects do.

    Its ``__setattr__`` and ``__delattr__`` are ``object``'s (a frozen class
    overrides both, which makes every store a call) and it adds no slot, so its
    layout is ``cls``'s: a value filled in as a twin takes ``cls`` as its class
    (``__class__`` assignment, which Python allows between such layouts) and is
    then exactly what ``cls`` would have built. ``None`` for a class with an
    instance ``__dict__`` or whose twin Python refuses: those are set field by
    field through their slots (:func:`_slot_setter`).
    """
    if cls in _TWINS:
        return _TWINS[cls]
    twin: type | None = None
    if "__slots__" in vars(cls) and not cls.__dictoffset__:
        try:
            twin = type(
                f"_Building{cls.__name__}",
                (cls,),
                {
                    "__slots__": (),
                    "__setattr__": object.__setattr__,
                    "__delattr__": object.__delattr__,
                    "__module__": __name__,
                },
            )
            probe: Any = object.__new__(twin)
            probe.__class__ = cls  # refused (TypeError) unless the layouts agree
        except TypeError:
            twin = None
    _TWINS[cls] = twin
    return twin


def replace(obj: T, **changes: Any) -> T:
    """Return a copy of ``obj`` with ``changes``, running only their validators.

    Same result as ``attrs.evolve`` for a valid ``obj``: every changed field passes
    its validator (raising :class:`~tradecore.domain.errors.InvalidInput` as the
    constructor would), and unknown field names raise ``TypeError``.
    """
    cls = type(obj)
    copy, names, checked = _LAYOUTS.get(cls) or _layout(cls)
    for name, value in changes.items():
        field = checked.get(name)
        if field is not None:
            field.validator(obj, field, value)
        elif name not in names:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
    return copy(obj, changes)  # type: ignore[no-any-return]


def trusted_replace(obj: T, **changes: Any) -> T:
    """Return a copy of ``obj`` with ``changes``, running no validator.

    For a change the caller built from values already validated, in a way that
    keeps them valid (an intent's next status from the transition table, a sum of
    non-negative quantities, the later of two UTC instants): :func:`replace`
    without its checks, the same value. Names must be fields of ``obj``'s class.
    """
    copy = (_LAYOUTS.get(type(obj)) or _layout(type(obj)))[0]
    return copy(obj, changes)  # type: ignore[no-any-return]


def trusted_copier(cls: type[T], *changed: str) -> Callable[..., T]:
    """Return ``copy(obj, *values)``: :func:`trusted_replace` of ``obj`` with the
    fields ``changed`` set to ``values`` (in that order), running no validator.

    For a copy made on every order with the same fields changed (an intent's
    status and time, a store's version): the function is generated for those
    fields, so it takes no keyword dictionary, looks up no layout and sets each
    field once, by a plain store (about 3 K instructions of an intent copy's 8 K).
    The callers promise what :func:`trusted_replace`'s do.

    Raises:
        TypeError: a name is not a field of ``cls``, is named twice, or ``cls``
            cannot be copied by :func:`replace`.
    """
    names = _layout(cls)[1]
    if not changed or len(set(changed)) != len(changed) or not set(changed) <= names:
        raise TypeError(f"{cls.__name__} cannot copy with changes {changed!r}")
    twin = _builder_twin(cls)
    if twin is None:  # set through the slots, as trusted_replace does
        copier = _layout(cls)[0]

        def copy_by_slots(obj: T, *values: Any) -> T:
            return copier(obj, dict(zip(changed, values, strict=True)))  # type: ignore[no-any-return]

        return copy_by_slots
    params = ", ".join(f"_v{i}" for i in range(len(changed)))
    lines = [f"def copy(obj, {params}, *, _new=_new, _twin=_twin, cls=cls):"]
    lines.append("    new = _new(_twin)")
    kept = [f.name for f in attrs.fields(cls) if f.name not in changed]  # type: ignore[arg-type]
    lines += [f"    new.{n} = obj.{n}" for n in kept]
    lines += [f"    new.{n} = _v{i}" for i, n in enumerate(changed)]
    lines.append("    new.__class__ = cls")
    lines.append("    return new")
    scope: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "cls": cls}
    exec("\n".join(lines), scope)  # noqa: S102 - code built from attrs field names  # nosec B102
    return scope["copy"]  # type: ignore[no-any-return]


def trusted_builder(cls: type[T]) -> Callable[..., T]:
    """Return a keyword-only constructor of ``cls`` that runs no validator or hook.

    The callers promise values the validators (and ``__attrs_post_init__``) accept.
    Generated once per class as straight-line code, as attrs generates ``__init__``.

    A field whose default is a factory must be given (the builder runs no code
    per field, which it is here to avoid).

    Raises:
        TypeError: a field with a converter, or named like one of the builder's
            own names.
    """
    fields = attrs.fields(cls)  # type: ignore[arg-type]
    twin = _builder_twin(cls)
    scope: dict[str, Any] = {"_new": object.__new__, "cls": cls, "_twin": twin}
    params, helpers, body = [], ["_new=_new", "cls=cls", "_twin=_twin"], []
    for field in fields:
        name = field.name
        clash = name in ("cls", "obj") or name.startswith("_")  # the builder's own
        factory = isinstance(field.default, attrs.Factory)  # type: ignore[arg-type]
        if clash or field.converter is not None:
            raise TypeError(f"trusted_builder cannot build {cls.__name__}.{name}")
        if field.default is attrs.NOTHING or factory:  # a factory's field: required
            params.append(name)
        else:
            scope[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        if twin is not None:
            body.append(f"    obj.{name} = {name}\n")
        else:
            scope[f"_set_{name}"] = _slot_setter(cls, name)
            helpers.append(f"_set_{name}=_set_{name}")
            body.append(f"    _set_{name}(obj, {name})\n")
    if twin is not None:
        body.append("    obj.__class__ = cls\n")
    # The helpers come in as defaults: local names, read faster than globals.
    source = (
        f"def build(*, {', '.join(params + helpers)}):\n"
        f"    obj = _new({'cls' if twin is None else '_twin'})\n"
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
