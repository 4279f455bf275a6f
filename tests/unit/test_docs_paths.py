"""The architecture page and the map name only files and folders that exist.

A moved or renamed module must take its documentation with it: every path-looking
token in backticks (one with a slash, or a file name ending in .py/.md/.toml) in
the pages of :data:`DOCS` is looked up from the repository root and from
``src/tradecore``; in a table row a bare module name (``engine.py``) is also
looked up in the row's package (its first ``dir/`` token).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Each page, and how many paths it names at least (it really names the code).
DOCS = {
    "docs/architecture.md": 100,
    "docs/where-things-are.md": 100,
    "docs/performance.md": 10,
    "docs/ALPACA-FIDELITY.md": 15,
}
_TOKEN = re.compile(r"`([^`\n]+)`")
_FILE = re.compile(r"\.(py|md|toml|mako)$")


def _path_tokens(line: str) -> tuple[list[str], str | None]:
    tokens = [t.strip() for t in _TOKEN.findall(line)]
    package = next((t for t in tokens if t.endswith("/") and "/" in t[:-1]), None)
    paths = [
        t.split("(")[0]
        for t in tokens
        if " " not in t
        and not t.startswith(("/", "http", "<", "-", "$"))
        and ("/" in t or _FILE.search(t))
    ]
    return paths, package


def _exists(path: str, package: str | None) -> bool:
    bases = [REPO, REPO / "src" / "tradecore"]
    if package and "/" not in path.rstrip("/"):
        bases += [REPO / package, REPO / "src" / "tradecore" / package]
    return any((base / path).exists() for base in bases)


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_path_in_the_doc_exists(doc: str) -> None:
    missing, checked = [], 0
    for number, line in enumerate((REPO / doc).read_text().splitlines(), 1):
        paths, package = _path_tokens(line)
        checked += len(paths)
        missing += [f"{doc}:{number}: {p}" for p in paths if not _exists(p, package)]
    assert checked > DOCS[doc]
    assert missing == []
