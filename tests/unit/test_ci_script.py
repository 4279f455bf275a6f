"""The CI entry point's environments: each upgrades its pip before it installs a lock.

A venv starts with the pip that CPython's ensurepip bundles (23.2.1 on 3.11.7). That
pip reads an extra of a hashed pin (pip-audit's ``CacheControl[filecache]>=0.13.0``)
as unpinned: once cachecontrol 0.15.0 was released it took that instead of the
lock's 0.14.4 and refused the whole security install, failing CI after 92 s
(2026-12-07).
"""

from __future__ import annotations

import re
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"
_VENV = re.compile(r"-m venv (\S+)")
_PIP_INSTALL = re.compile(r"\bpip install\b")


def _commands() -> list[str]:
    lines = CI_RUN.read_text(encoding="utf-8").splitlines()
    return [
        line.strip()
        for line in lines
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _first_install_after_each_venv() -> dict[str, str]:
    """Each venv the script makes → the first ``pip install`` command after it."""
    firsts: dict[str, str] = {}
    current: str | None = None
    for command in _commands():
        made = _VENV.search(command)
        if made:
            current = made.group(1)
            continue
        if current is not None and _PIP_INSTALL.search(command):
            firsts[current] = command
            current = None
    return firsts


def test_the_script_makes_the_test_and_the_tool_environments() -> None:
    assert set(_first_install_after_each_venv()) == {".venv", ".nox/supply-tools"}


def test_every_environment_upgrades_pip_before_installing_a_lock() -> None:
    for venv, command in _first_install_after_each_venv().items():
        assert "--upgrade pip" in command, f"{venv}: first install is {command!r}"
        assert "-r " not in command, f"{venv}: a lock is installed by the old pip"
