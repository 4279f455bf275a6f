"""Packages that re-export names lazily (issue 18: start-up) still export them all.

Each such package keeps its imports under ``if TYPE_CHECKING:`` (what mypy and
readers see) and the same origins in ``_ORIGINS`` (what runs): these tests hold the
two equal, and every exported name to the object its module defines.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys
from types import ModuleType

import pytest

import tradecore

LAZY_PACKAGES = (
    "tradecore.domain",
    "tradecore.domain.features",
    "tradecore.domain.portfolio",
    "tradecore.domain.regimes",
    "tradecore.domain.risk.breakers",
    "tradecore.ports",
    "tradecore.adapters.alerts",
    "tradecore.adapters.calendar",
    "tradecore.adapters.data",
    "tradecore.adapters.report",
    "tradecore.adapters.signing",
    "tradecore.adapters.sim",
    "tradecore.adapters.sqlstore",
)


def type_checking_imports(package: ModuleType) -> dict[str, tuple[str, ...]]:
    """The ``from module import names`` statements under ``if TYPE_CHECKING:``."""
    tree = ast.parse(inspect.getsource(package))
    guarded = [
        node
        for node in tree.body
        if isinstance(node, ast.If)
        and isinstance(node.test, ast.Name)
        and node.test.id == "TYPE_CHECKING"
    ]
    assert len(guarded) == 1, "one `if TYPE_CHECKING:` block of re-exports"
    imports: dict[str, tuple[str, ...]] = {}
    for node in guarded[0].body:
        assert isinstance(node, ast.ImportFrom)
        assert node.module is not None
        names = tuple(alias.asname or alias.name for alias in node.names)
        imports[node.module] = imports.get(node.module, ()) + names
    return imports


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_the_runtime_origins_are_the_imports_type_checkers_see(name: str) -> None:
    package = importlib.import_module(name)
    assert type_checking_imports(package) == package._ORIGINS


@pytest.mark.parametrize("name", LAZY_PACKAGES)
def test_every_exported_name_is_its_module_s_object(name: str) -> None:
    package = importlib.import_module(name)
    origins = package._ORIGINS
    exported = sorted(n for names in origins.values() for n in names)
    assert sorted(package.__all__) == exported
    for module, names in origins.items():
        for attribute in names:
            expected = getattr(importlib.import_module(module), attribute)
            assert getattr(package, attribute) is expected, f"{name}.{attribute}"
            assert attribute in dir(package)


def test_an_unknown_name_is_an_attribute_error_and_submodules_still_import() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = tradecore.domain.no_such_name  # type: ignore[attr-defined]
    from tradecore.domain import validation

    assert validation.__name__ == "tradecore.domain.validation"


def test_the_notebook_api_keeps_every_name() -> None:
    for name in tradecore.__all__:
        assert getattr(tradecore, name) is not None, name
    assert tradecore.OrderIntent is tradecore.domain.OrderIntent
    assert tradecore.features.__name__ == "tradecore.features"
    assert set(tradecore.__all__) <= set(dir(tradecore))


def test_importing_tradecore_imports_none_of_the_modules_it_exports() -> None:
    """Only the lazy packages and the regime-fitter registration (a name resolves
    in every process importing tradecore, as when ``tc.features`` was eager)."""
    probe = (
        "import sys, tradecore\n"
        "from tradecore.domain.regimes.fitter import _FACTORIES\n"
        "print(sorted(m for m in sys.modules if m.startswith('tradecore')))\n"
        "print(sorted(_FACTORIES))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    modules, fitters = (ast.literal_eval(line) for line in done.stdout.splitlines())
    assert set(modules) <= {
        "tradecore",
        "tradecore.apps",
        "tradecore.apps.wiring",
        "tradecore.apps.wiring.regime_fitters",
        "tradecore.domain",
        "tradecore.domain.errors",
        "tradecore.domain.lazy",
        "tradecore.domain.regimes",
        "tradecore.domain.regimes.fitter",
        "tradecore.ports",
        "tradecore.ports.regimes",
    }
    assert fitters == ["hmmlearn"]


def test_a_feature_module_alone_still_knows_the_regime_kind() -> None:
    """The ``regime`` kind registers itself on import: the lazy package still
    imports it, so a fresh process parsing features knows it."""
    probe = "import tradecore.domain.features.kinds as k; print('regime' in k.KINDS)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True"
