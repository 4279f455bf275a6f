"""MkDocs hook: the configuration and CLI reference pages, generated at build time.

``mkdocs.yml`` names this file under ``hooks:``. The pages are made from the code
(``gen_config_reference.render``, ``gen_cli_reference.render``) on every build and
never stored, so they cannot go stale.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.structure.files import File, Files

#: Generated page (under docs/) -> the generator module in tools/.
PAGES = {
    "reference/config.md": "gen_config_reference",
    "reference/cli.md": "gen_cli_reference",
}


def _generator(name: str) -> ModuleType:
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_files(files: Files, config: Any) -> Files:
    """Add each generated page to the site's files."""
    for uri, name in PAGES.items():
        files.append(File.generated(config, uri, content=_generator(name).render()))
    return files
