"""The contract parity table: case x adapter, pass / fail / skip.

``nox -s contract`` ends with this table so a reader sees at a glance that every
adapter of a port passes the same cases (a case's id is the first word of its
docstring, e.g. ``BRK-07``; the adapter is the test class, with its parameters).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pytest

_CASE = re.compile(r"^(?P<id>[A-Z]+-\d+)")
_where: dict[str, tuple[str, str]] = {}  # nodeid -> (case id, adapter)
_outcome: dict[str, dict[str, str]] = defaultdict(dict)  # case -> adapter -> outcome
_SYMBOL = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}
#: The fixture whose parameter is a variant of the adapter (e.g. its fill model).
_VARIANT_FIXTURE = "make_broker"


def remember(items: list[pytest.Item]) -> None:
    """Note the case id and adapter of every collected contract test."""
    for item in items:
        cls = getattr(item, "cls", None)
        doc = (getattr(item, "obj", None).__doc__ or "").strip()
        found = _CASE.match(doc)
        if cls is None or found is None:
            continue
        params = getattr(item, "callspec", None)
        suffix = ""
        variant = None if params is None else params.params.get(_VARIANT_FIXTURE)
        if variant is not None:
            suffix = f"[{variant}]"
        _where[item.nodeid] = (found["id"], cls.__name__.removeprefix("Test") + suffix)


def record(report: pytest.TestReport) -> None:
    """Keep the worst outcome per (case, adapter)."""
    where = _where.get(report.nodeid)
    if where is None or (
        report.when != "call" and not report.failed and not report.skipped
    ):
        return
    case, adapter = where
    previous = _outcome[case].get(adapter)
    if previous != "FAIL" and not (previous == "pass" and report.skipped):
        _outcome[case][adapter] = _SYMBOL[report.outcome]


def render() -> list[str]:
    """The table, one line per case, grouped by port (the case id's prefix)."""
    if not _outcome:
        return []
    lines: list[str] = []
    by_port: dict[str, list[str]] = defaultdict(list)
    for case in _outcome:
        by_port[case.split("-")[0]].append(case)
    for port, cases in sorted(by_port.items()):
        adapters = sorted({a for c in cases for a in _outcome[c]})
        width = max(len(a) for a in adapters) + 2
        lines.append(f"{port:<8}" + "".join(f"{a:<{width}}" for a in adapters))
        for case in sorted(cases, key=lambda c: int(c.split("-")[1])):
            row = _outcome[case]
            lines.append(
                f"{case:<8}" + "".join(f"{row.get(a, '-'):<{width}}" for a in adapters)
            )
        lines.append("")
    return lines
