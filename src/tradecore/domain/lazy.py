"""Package attributes imported on first use (PEP 562 module ``__getattr__``).

``import tradecore`` and every ``import tradecore.domain.x`` run the package
``__init__`` first; when it imported every module it re-exports, a console command
paid for all of them (issue 18: start-up). A package using this keeps its imports
under ``if TYPE_CHECKING:`` (what type checkers and readers see) and names the same
origins in a table; ``tests/unit/test_lazy_exports.py`` holds the two equal.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

#: A package's ``__getattr__`` and ``__dir__``.
Attributes = tuple[Callable[[str], object], Callable[[], list[str]]]


def lazy_attributes(package: str, origins: Mapping[str, tuple[str, ...]]) -> Attributes:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names load lazily.

    Args:
        package: the package's ``__name__``.
        origins: module name (absolute) -> the names the package re-exports from it.

    The first access imports the origin module and stores the value in the package,
    so later accesses are plain attribute reads. A name not in ``origins`` raises
    ``AttributeError``, which lets ``from package import submodule`` import it.
    """
    origin_of = {name: module for module, names in origins.items() for name in names}

    def __getattr__(name: str) -> object:
        module = origin_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *origin_of})

    return __getattr__, __dir__


def is_loaded_instance(value: object, module: str, name: str) -> bool:
    """Whether ``value`` is an instance of class ``name`` of ``module``, without
    importing ``module``.

    Why: a command that only checks whether its input is of a class another
    feature defines (is the data a lake's selection?) should not import that
    feature to ask. No instance can exist before its class's module has run, so a
    module absent from ``sys.modules`` answers "no" for free.
    """
    loaded = sys.modules.get(module)
    if loaded is None:
        return False
    cls = getattr(loaded, name)
    assert isinstance(cls, type), f"{module}.{name} is not a class"
    return isinstance(value, cls)
