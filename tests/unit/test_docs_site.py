"""The docs site's cheap invariants (the build itself runs in ``nox -s docs``).

- ``mkdocs.yml`` lists only pages that exist (or that the hook generates), and every
  page under ``docs/`` is in the nav;
- the tutorial notebooks are stored without outputs (clean diffs; CI runs them);
- the generated references cover the code: every config table and key, every
  command and option of both console apps.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import pytest
import typer
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
TUTORIALS = DOCS / "tutorials"


def _tool(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _nav_pages(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def _generated_pages() -> set[str]:
    """The hook's pages, read from its source (mkdocs is not a test dependency)."""
    source = (ROOT / "tools" / "gen_reference_pages.py").read_text()
    return {uri for uri in ("reference/config.md", "reference/cli.md") if uri in source}


@pytest.fixture(scope="module")
def nav() -> list[str]:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert config["strict"] is True
    assert config["theme"]["font"] is False  # no Google Fonts request
    return _nav_pages(config["nav"])


def test_nav_lists_only_pages_that_exist_or_are_generated(nav: list[str]) -> None:
    generated = _generated_pages()
    assert generated == {"reference/config.md", "reference/cli.md"}
    missing = [
        page for page in nav if page not in generated and not (DOCS / page).is_file()
    ]
    assert missing == []
    assert not any((DOCS / page).exists() for page in generated)  # never stored


def test_every_page_and_notebook_is_in_the_nav(nav: list[str]) -> None:
    pages = {
        path.relative_to(DOCS).as_posix()
        for pattern in ("**/*.md", "**/*.ipynb")
        for path in DOCS.glob(pattern)
        if ".ipynb_checkpoints" not in path.parts
    }
    assert pages - set(nav) == set()
    assert len(nav) == len(set(nav))


def test_changelog_page_includes_the_root_changelog() -> None:
    assert '--8<-- "CHANGELOG.md"' in (DOCS / "changelog.md").read_text()
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog")
    assert "## [Unreleased]" in changelog


def _notebooks() -> list[Path]:
    return sorted(TUTORIALS.glob("*.ipynb"))


def test_there_are_the_five_tutorials() -> None:
    names = [path.stem for path in _notebooks()]
    assert names == [
        "01-quick-start",
        "02-custom-strategy",
        "03-sweep-and-walkforward",
        "04-net-of-cost-and-tca",
        "05-live-on-the-emulator",
    ]


@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebooks_are_stored_without_outputs(path: Path) -> None:
    notebook = json.loads(path.read_text())
    dirty = [
        index
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code"
        and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert dirty == [], (
        f"{path.name}: cells {dirty} hold outputs; clear them "
        f"(jupyter nbconvert --clear-output --inplace {path.relative_to(ROOT)})"
    )
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


# --- the configuration reference -------------------------------------------------


@pytest.fixture(scope="module")
def config_page() -> str:
    return str(_tool("gen_config_reference").render())


def _attrs_classes(cls: type, seen: set[type]) -> None:
    """Every attrs class reachable from ``cls`` through its fields' types."""
    seen.add(cls)
    module = _tool("gen_config_reference")
    hints = module._resolved_hints(cls)
    for field in attrs.fields(cls):
        inner = module._attrs_class_in(hints[field.name])
        if inner is not None and inner[1] not in seen:
            _attrs_classes(inner[1], seen)


def test_config_reference_names_every_table_and_key(config_page: str) -> None:
    from tradecore.apps.config.settings import ENV_KEYS, Settings

    for field in attrs.fields(Settings):
        assert f"## `[{field.name}]`" in config_page
    classes: set[type] = set()
    _attrs_classes(Settings, classes)
    assert len(classes) > 20  # breakers, alerts' sinks, risk limits ... all reached
    module = _tool("gen_config_reference")
    for cls in classes - {Settings}:
        hints = module._resolved_hints(cls)
        for field in attrs.fields(cls):
            inner = module._attrs_class_in(hints[field.name])
            if inner is None or inner[0] == "array":  # a key (its own table aside)
                assert f"| `{field.name}` |" in config_page, (cls, field.name)
    for variable in ENV_KEYS:
        assert f"| `{variable}` |" in config_page


def test_config_reference_carries_docs_types_and_defaults(config_page: str) -> None:
    # a "#:" comment, a docstring "Attributes:" entry, a flattened table, an array
    assert (
        '| `durability` | `str` | `"full"` | SQLite commit durability: ``full`` (live) '
        "or ``normal`` (replays). |"
    ) in config_page
    risk = config_page.split("## `[risk]`", 1)[1].split("## ", 1)[0]
    assert "| `max_order_notional` | `Decimal | None` | `unset` | largest" in risk
    # a base class's Attributes (every breaker), a TOML example's comment
    daily_loss = config_page.split("## `[risk.breakers.daily_loss]`", 1)[1]
    assert (
        "| `auto_clear` | `bool` | `false` | recover after the quiet period"
        in daily_loss
    )
    assert "| `max_retries` | `int` | `3` | retries per decision" in config_page
    assert "## `[[alerts.routes]]`" in config_page
    assert "## `[risk.strategies.NAME]`" in config_page
    assert "## `[risk.breakers.daily_loss]`" in config_page
    assert "(absent: off)" in config_page


def test_every_config_key_says_what_it_does(config_page: str) -> None:
    # A key row ends in its "what" cell; "—" is what the generator writes when the
    # code gives the field no "#:" comment and no "Attributes:" entry.
    table = ""
    undocumented = []
    for line in config_page.splitlines():
        if line.startswith("## "):
            table = line.removeprefix("## ")
        elif line.startswith("| `") and line.rstrip().endswith("| — |"):
            undocumented.append(f"{table} {line.split('|')[1].strip()}")
    assert undocumented == []


def test_comment_docs_reads_the_block_above_a_field() -> None:
    module = _tool("gen_config_reference")

    @attrs.frozen
    class Example:
        plain: int = 1
        #: First line,
        #: second line.
        documented: str = "x"

    assert module.comment_docs(Example) == {"documented": "First line, second line."}


# --- the CLI reference -----------------------------------------------------------


@pytest.fixture(scope="module")
def cli_page() -> str:
    return str(_tool("gen_cli_reference").render())


@pytest.mark.parametrize(
    ("script", "module_name"),
    [
        ("tradecore-replay", "tradecore.apps.replay.main"),
        ("tradecore-live", "tradecore.apps.live.main"),
    ],
)
def test_cli_reference_names_every_command_and_option(
    cli_page: str, script: str, module_name: str
) -> None:
    assert _tool("gen_cli_reference").APPS[script] == module_name
    module = importlib.import_module(module_name)
    root = typer.main.get_command(module.CLI.full())
    walked = list(_tool("gen_cli_reference").walk(root, (script,)))
    assert {path[1] for path, _ in walked if len(path) > 1} >= set(module.COMMANDS)
    for path, command in walked:
        section = cli_page.split(f" `{' '.join(path)}`\n", 1)
        assert len(section) == 2, path
        body = section[1].split("\n#", 1)[0]
        for param in command.params:
            if not getattr(param, "hidden", False):
                assert any(opt in body for opt in param.opts), (path, param.name)


def test_cli_reference_escapes_help_for_markdown(cli_page: str) -> None:
    module = _tool("gen_cli_reference")
    assert module._text("a <path>\n  b | c") == "a &lt;path&gt; b \\| c"
    assert "| `--data <path>` | A bar file" in cli_page  # the metavar inside code
