"""Audit the lock files with pip-audit, and say how much was actually checked.

``python tools/audit.py [--strict] [LOCK ...]`` (``nox -s audit``; default: every
``requirements/*.lock``) runs ``pip-audit -r LOCK --no-deps --disable-pip -f json``
for each lock and reads its JSON instead of its summary line. pip-audit prints
"No known vulnerabilities found" and exits 0 when it skipped every package, which is
what happens where its vulnerability service cannot be read (the PyPI JSON API's
per-release endpoint answering 404, OSV unreachable): a clean verdict on nothing.
Here every pinned package is counted as *checked* (the service answered for that
release), *not checked* (skipped, with pip-audit's reason, or absent from its
report) or *vulnerable*, and the verdict says which:

* ``VULNERABLE``: a checked package has a known vulnerability (exit 1).
* ``NOT CHECKED``: no package could be checked (exit 0 with that line; 2 under
  ``--strict``). pip-audit failing outright (no report) is this too.
* ``PARTIAL``: some checked and clean, some not (exit 0; 2 under ``--strict``).
* ``CLEAN``: every pinned package checked, no known vulnerability (exit 0).

The parsing and the decision are plain functions (``lock_pins``, ``classify``,
``verdict``) so tests/unit/test_audit_tool.py feeds them canned pip-audit reports.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockfile import lock_pins, normalize  # tools/lockfile.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
EXIT_OK, EXIT_VULNERABLE, EXIT_NOT_CHECKED = 0, 1, 2


@dataclass(frozen=True)
class Vulnerable:
    """One checked package with known vulnerabilities."""

    name: str
    version: str
    ids: tuple[str, ...]
    fixes: tuple[str, ...]


@dataclass(frozen=True)
class AuditResult:
    """What one lock's audit established, package by package."""

    lock: str
    pinned: int
    checked: tuple[str, ...] = ()
    vulnerable: tuple[Vulnerable, ...] = ()
    #: name -> why it was not checked.
    not_checked: Mapping[str, str] = field(default_factory=dict)
    #: pip-audit produced no report (it failed): its last error line.
    failure: str | None = None


def _short_reason(reason: str) -> str:
    """pip-audit's skip reason without the package (so reasons can be counted)."""
    return reason.split(":")[0].strip() or reason


def classify(
    lock: str,
    pins: Mapping[str, str],
    report: Mapping[str, Any] | None,
    failure: str = "",
) -> AuditResult:
    """Sort the pinned packages by what pip-audit's JSON ``report`` says of each.

    ``report`` is None when pip-audit wrote none (``failure`` says why): then nothing
    was checked. A pinned package the report does not mention was not checked.
    """
    if report is None:
        reason = f"pip-audit failed: {failure or 'no report'}"
        return AuditResult(
            lock, len(pins), not_checked=dict.fromkeys(pins, reason), failure=failure
        )
    checked: list[str] = []
    vulnerable: list[Vulnerable] = []
    not_checked: dict[str, str] = {}
    seen: set[str] = set()
    for dep in report.get("dependencies", []):
        name = normalize(str(dep.get("name", "")))
        seen.add(name)
        if name not in pins:
            continue  # not pinned here (pip-audit never adds any with --no-deps)
        if dep.get("skip_reason") or "version" not in dep:
            not_checked[name] = _short_reason(str(dep.get("skip_reason", "no version")))
            continue
        checked.append(name)
        vulns = dep.get("vulns") or []
        if vulns:
            ids = tuple(str(v.get("id", "?")) for v in vulns)
            fixes = tuple(
                sorted({str(f) for v in vulns for f in v.get("fix_versions", [])})
            )
            vulnerable.append(Vulnerable(name, str(dep["version"]), ids, fixes))
    for name in pins:
        if name not in seen:
            not_checked[name] = "absent from pip-audit's report"
    return AuditResult(
        lock, len(pins), tuple(sorted(checked)), tuple(vulnerable), not_checked
    )


def _not_checked_lines(not_checked: Mapping[str, str]) -> list[str]:
    """One line per reason a package was not checked, with the first names."""
    lines = []
    reasons = Counter(not_checked.values())
    for reason, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        names = sorted(n for n, r in not_checked.items() if r == reason)
        more = f", … {len(names) - 8} more" if len(names) > 8 else ""
        lines.append(f"  not checked ({count}): {reason}: {', '.join(names[:8])}{more}")
    return lines


def verdict(
    result: AuditResult, *, strict: bool, service: str
) -> tuple[list[str], int]:
    """The lines to print for one lock and its exit code."""
    lines: list[str] = []
    total, n_checked = result.pinned, len(result.checked)
    n_unchecked = len(result.not_checked)
    head = (
        f"{result.lock}: {total} pinned, {n_checked} checked against {service} "
        f"vulnerability data, {n_unchecked} not checked"
    )
    lines.append(head)
    lines += _not_checked_lines(result.not_checked)
    for v in result.vulnerable:
        fix = f"; fixed in {', '.join(v.fixes)}" if v.fixes else "; no fixed release"
        lines.append(f"  vulnerable: {v.name} {v.version}: {', '.join(v.ids)}{fix}")
    if result.vulnerable:
        lines.append(
            f"  VULNERABLE: {len(result.vulnerable)} of {n_checked} checked packages "
            "have known vulnerabilities"
        )
        return lines, EXIT_VULNERABLE
    if n_checked == 0:
        why = "pip-audit failed" if result.failure is not None else "no data"
        lines.append(
            f"  NOT CHECKED: none of the {total} packages could be checked ({why}); "
            "this is not a clean result"
        )
        return lines, EXIT_NOT_CHECKED if strict else EXIT_OK
    if n_unchecked:
        lines.append(
            f"  PARTIAL: no known vulnerability in the {n_checked} checked; "
            f"{n_unchecked} not checked"
        )
        return lines, EXIT_NOT_CHECKED if strict else EXIT_OK
    lines.append(f"  CLEAN: no known vulnerability in all {n_checked} pinned packages")
    return lines, EXIT_OK


def run_pip_audit(lock: Path, service: str) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report for ``lock`` (None if it wrote none) and its stderr tail."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        argv = [
            sys.executable, "-m", "pip_audit", "-r", str(lock), "--no-deps",
            "--disable-pip", "--progress-spinner", "off", "-s", service,
            "-f", "json", "-o", str(out),
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        tail = [x for x in done.stderr.strip().splitlines() if x.strip()]
        last = tail[-1][:300] if tail else f"exit {done.returncode}"
        try:
            return json.loads(out.read_text()), last
        except (OSError, ValueError):
            return None, last


def probe_pypi(name: str, version: str) -> str:
    """Why pip-audit's PyPI service found "nothing": ask the two JSON endpoints.

    pip-audit reads ``/pypi/NAME/VERSION/json`` (whose ``vulnerabilities`` list is
    that release's); a 404 there while ``/pypi/NAME/json`` answers means the package
    exists and its per-release vulnerability data is what could not be read.
    """
    codes = []
    for path in (f"{name}/{version}/json", f"{name}/json"):
        url = f"https://pypi.org/pypi/{path}"
        try:
            with urllib.request.urlopen(url, timeout=15) as answer:
                codes.append(f"{url} -> {answer.status}")
        except urllib.error.HTTPError as e:
            codes.append(f"{url} -> {e.code}")
        except OSError as e:
            codes.append(f"{url} -> unreachable ({getattr(e, 'reason', e)})")
    return "probe: " + "; ".join(codes)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "locks", nargs="*", type=Path, help="default: requirements/*.lock"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 2 unless every package was checked"
    )
    parser.add_argument("--service", default="pypi", choices=["pypi", "osv", "esms"])
    args = parser.parse_args(argv)
    locks = args.locks or sorted((ROOT / "requirements").glob("*.lock"))
    worst = EXIT_OK
    totals = Counter[str]()
    # One pip-audit per lock, side by side: each spends its time waiting on the service.
    with ThreadPoolExecutor(max_workers=4) as pool:
        reports = list(pool.map(lambda lock: run_pip_audit(lock, args.service), locks))
    for lock, (report, failure) in zip(locks, reports, strict=True):
        pins = lock_pins(lock.read_text())
        name = lock.relative_to(ROOT) if lock.is_relative_to(ROOT) else lock
        result = classify(str(name), pins, report, failure)
        lines, code = verdict(result, strict=args.strict, service=args.service)
        print("\n".join(lines))
        totals.update(
            pinned=result.pinned,
            checked=len(result.checked),
            not_checked=len(result.not_checked),
            vulnerable=len(result.vulnerable),
        )
        worst = max(worst, code, key=lambda c: (c == EXIT_VULNERABLE, c))
    if totals["checked"] == 0 and args.service == "pypi" and pins:
        print(probe_pypi(*next(iter(pins.items()))))
    print(
        f"audit: {len(locks)} lock files, {totals['pinned']} pins, "
        f"{totals['checked']} checked, {totals['not_checked']} not checked, "
        f"{totals['vulnerable']} vulnerable"
        + ("" if totals["checked"] else " — NOTHING WAS CHECKED")
    )
    return worst


if __name__ == "__main__":
    sys.exit(main())
