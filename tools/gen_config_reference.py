"""Write the configuration reference (Markdown) from the typed config classes.

Walks :class:`tradecore.apps.config.settings.Settings` and every attrs class it
holds, and lists each TOML table with its keys, types, defaults and docs. A key's
doc is the ``#:`` comment above its field (the Sphinx convention the config modules
use), else its entry in the class docstring's ``Attributes:`` section.

The docs site generates the page at build time (``tools/gen_reference_pages.py``,
an mkdocs hook), so it cannot go stale; ``python tools/gen_config_reference.py``
prints it.
"""

from __future__ import annotations

import ast
import enum
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import textwrap
import typing
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import attrs

#: Attributes whose keys the loader reads from the parent table itself
#: (``[risk] max_order_notional``, not ``[risk.limits]``; see
#: ``tradecore.apps.config.risk.register_hooks``).
FLATTENED = {("risk", "limits")}

_ATTR_LINE = re.compile(
    r"^(?P<names>[A-Za-z_][\w ]*(?:/\s*[A-Za-z_]\w*)*):\s*(?P<text>.*)$"
)


@attrs.frozen
class Key:
    """One key of a table: name, type as written in the source, default, doc."""

    name: str
    type: str
    default: str
    doc: str


@attrs.frozen
class Table:
    """One TOML table: its dotted name, what it is, and its keys."""

    name: str
    summary: str
    keys: tuple[Key, ...]


def comment_docs(cls: type) -> dict[str, str]:
    """The ``#:`` comment block above each annotated field of ``cls``."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    lines = source.splitlines()
    class_node = ast.parse(source).body[0]
    docs: dict[str, str] = {}
    for node in getattr(class_node, "body", []):
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        block: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].strip().startswith("#:"):
            block.insert(0, lines[row].strip()[2:].strip())
            row -= 1
        if block:
            docs[node.target.id] = " ".join(block)
    return docs


def docstring_docs(cls: type) -> dict[str, str]:
    """Entries of the Google-style ``Attributes:`` section of ``cls``'s docstring."""
    section = (inspect.getdoc(cls) or "").split("Attributes:\n", 1)
    if len(section) < 2:
        return {}
    entries: list[tuple[list[str], list[str]]] = []
    for line in section[1].splitlines():
        if line and not line.startswith(" "):
            break  # the next section
        match = _ATTR_LINE.match(line.strip())
        if match and not line.startswith("     "):
            names = [name.strip() for name in match["names"].split("/")]
            entries.append((names, [match["text"]]))
        elif entries and line.strip():
            entries[-1][1].append(line.strip())
    return {name: " ".join(text) for names, text in entries for name in names}


def own_docs(cls: type) -> dict[str, str]:
    """The docs ``cls`` itself gives its fields: ``#:`` comments over ``Attributes:``."""
    return {**docstring_docs(cls), **comment_docs(cls)}


def mentioned_docs(cls: type) -> dict[str, str]:
    """For a field named in the class docstring (````max_loss````), that sentence."""
    doc = (inspect.getdoc(cls) or "").split("Attributes:", 1)[0]
    sentences = re.split(r"(?<=[.;])\s+", " ".join(doc.split()))
    docs: dict[str, str] = {}
    for field in attrs.fields(cls):
        said = [text for text in sentences if f"``{field.name}``" in text]
        if said:
            docs[field.name] = said[0]
    return docs


def referenced_classes(cls: type) -> list[type]:
    """attrs classes the docstring names with ``:class:`` (whose knobs these are)."""
    found = []
    for dotted in re.findall(r":class:`~?([\w.]+)`", inspect.getdoc(cls) or ""):
        module_name, _, name = dotted.rpartition(".")
        try:
            target = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError, ValueError):
            continue
        if attrs.has(target):
            found.append(target)
    return found


@functools.cache
def example_docs() -> dict[str, dict[str, str]]:
    """Trailing comments of the TOML examples in the config modules' docstrings:
    ``{table: {key: comment}}`` (``max_retries = 3  # retries per decision``)."""
    import tradecore.apps.config as package

    found: dict[str, dict[str, str]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        table = ""
        for line in (module.__doc__ or "").splitlines():
            header = re.match(r"^\s*\[([\w.]+)\]", line)
            if header:
                table = header[1]
                continue
            entry = re.match(r"^\s*(\w+)\s*=[^#]*#\s*(.+)$", line)
            if table and entry:
                found.setdefault(table, {})[entry[1]] = entry[2].strip()
    return found


def field_docs(cls: type, table: str) -> dict[str, str]:
    """Each field's doc, from the most to the least specific source: the field's
    ``#:`` comment or ``Attributes:`` entry (on the class or a base class), then
    those of a class the docstring names as the source of its knobs, then the
    comment beside the key in a config module's TOML example, then the sentence of
    the class docstring that names the field."""
    docs = mentioned_docs(cls)
    docs.update(example_docs().get(table, {}))
    for source in referenced_classes(cls):
        docs.update(own_docs(source))
    for base in reversed(cls.__mro__):
        if attrs.has(base):
            docs.update(own_docs(base))
    return docs


def summary_of(cls: type) -> str:
    """The first paragraph of the class docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def spell(value: Any) -> str:
    """A default as it would be written in the TOML file."""
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return spell(value.value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, tuple | list | frozenset | set):
        items = sorted(value, key=str) if isinstance(value, frozenset | set) else value
        return "[" + ", ".join(spell(item) for item in items) + "]"
    if isinstance(value, Mapping):
        return "{}" if not value else "{...}"
    if attrs.has(type(value)):
        fields = attrs.asdict(value, recurse=False)
        return "{" + ", ".join(f"{k} = {spell(v)}" for k, v in fields.items()) + "}"
    return str(value)


def default_of(field: attrs.Attribute[Any]) -> str:
    """The default of ``field``: its value, a factory's product, or "required"."""
    default = field.default
    if default is attrs.NOTHING:
        return "required"
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            return "computed"
        default = default.factory()
    if attrs.has(type(default)):
        return "(table)"
    return spell(default)


def spell_type(hint: object) -> str:
    """A field's type as its annotation reads (``Decimal | None``), whether attrs
    still holds the annotation's text or a caller (cattrs) already resolved it to
    objects, which print with their modules (``decimal.Decimal | None``)."""
    if isinstance(hint, str):
        text = hint
    elif isinstance(hint, type):
        text = hint.__name__
    else:
        text = str(hint)
    return re.sub(r"\b(?:[a-z_]\w*\.)+([A-Za-z_]\w*)", r"\1", text)


def _resolved_hints(cls: type) -> dict[str, Any]:
    """Each field's type, evaluated in its module (``None`` where a name is only
    imported for type checking: such a field is a plain key)."""
    namespace = vars(sys.modules[cls.__module__])
    hints: dict[str, Any] = {}
    for field in attrs.fields(cls):
        hint = field.type
        if isinstance(hint, str):
            try:
                hint = eval(hint, dict(namespace))  # noqa: S307 - our own annotations
            except NameError:
                hint = None
        hints[field.name] = hint
    return hints


def _attrs_class_in(hint: Any) -> tuple[str, type] | None:
    """("table" | "optional" | "mapping" | "array", cls) when ``hint`` holds an attrs class."""
    if attrs.has(hint):
        return ("table", hint)
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) == 1 and attrs.has(inner[0]):
            return ("optional", inner[0])
    if (
        origin is tuple
        and len(args) == 2
        and args[1] is Ellipsis
        and attrs.has(args[0])
    ):
        return ("array", args[0])
    mapping = origin is not None and issubclass(origin, Mapping) and len(args) == 2
    if mapping and attrs.has(args[1]):
        return ("mapping", args[1])
    return None


def tables(cls: type, path: tuple[str, ...] = ()) -> Iterator[Table]:
    """Every table of ``cls`` (at ``path``), depth first, in field order."""
    hints = _resolved_hints(cls)
    docs = field_docs(cls, ".".join(part for part in path if part != "*flat*"))
    keys: list[Key] = []
    nested: list[tuple[str, str, type]] = []
    flattened: list[type] = []
    for field in attrs.fields(cls):
        inner = _attrs_class_in(hints[field.name])
        if inner is not None and (*path, field.name) in FLATTENED:
            flattened.append(inner[1])
            continue
        if inner is not None and inner[0] == "array":
            keys.append(
                Key(
                    field.name,
                    f"array of [[{'.'.join((*path, field.name))}]] tables",
                    default_of(field),
                    docs.get(field.name, ""),
                )
            )
            nested.append((field.name, inner[0], inner[1]))
            continue
        if inner is not None:
            nested.append((field.name, inner[0], inner[1]))
            continue
        keys.append(
            Key(
                field.name,
                spell_type(field.type),
                default_of(field),
                docs.get(field.name, ""),
            )
        )
    for inner_cls in flattened:
        keys.extend(next(iter(tables(inner_cls, (*path, "*flat*")))).keys)
    if path:
        yield Table(".".join(path), summary_of(cls), tuple(keys))
    elif keys:
        raise ValueError(f"top-level keys outside any table: {keys}")
    for name, kind, inner_cls in nested:
        sub = (*path, name)
        note = {"optional": " (absent: off)", "mapping": "", "table": "", "array": ""}[
            kind
        ]
        if kind == "mapping":
            sub = (*sub, "NAME")
        for table in tables(inner_cls, sub):
            if table.name == ".".join(sub) and note:
                table = attrs.evolve(table, summary=f"{table.summary}{note}")
            yield table


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _code_cell(text: str) -> str:
    """Code in a table cell: Python-Markdown's tables keep a pipe inside backticks
    (an escaped one would show its backslash)."""
    return "`" + text.replace("\n", " ") + "`"


def render() -> str:
    """The whole reference page, Markdown."""
    from tradecore.apps.config.settings import ENV_KEYS, Settings

    out = [
        "# Configuration reference",
        "",
        "<!-- Generated by tools/gen_config_reference.py from the typed config in",
        "src/tradecore/apps/config/ at docs build time: edit the classes, not this page. -->",
        "",
        "Every key below may be set in the `--config` TOML file, and the ones listed",
        "under *Environment* also by a `TRADECORE_*` variable; the same key given",
        "different values by two sources is an error naming both. Unknown keys are",
        "errors. `tradecore-live --config FILE config show` prints the effective",
        "configuration (secrets as `***`) and its hash.",
        "",
    ]
    all_tables = list(tables(Settings))
    arrays = {
        f"{table.name}.{key.name}"
        for table in all_tables
        for key in table.keys
        if key.type.startswith("array of")
    }
    for table in all_tables:
        brackets = "[[{}]]" if table.name in arrays else "[{}]"
        out += [f"## `{brackets.format(table.name)}`", ""]
        if table.summary:
            out += [table.summary, ""]
        if not table.keys:
            out += ["*(only sub-tables)*", ""]
            continue
        out += ["| key | type | default | what |", "|---|---|---|---|"]
        out += [
            f"| `{k.name}` | {_code_cell(k.type)} | {_code_cell(k.default)} "
            f"| {_cell(k.doc) or '—'} |"
            for k in table.keys
        ]
        out.append("")
    out += ["## Environment", "", "| variable | key |", "|---|---|"]
    out += [f"| `{name}` | `{key}` |" for name, key in ENV_KEYS.items()]
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
