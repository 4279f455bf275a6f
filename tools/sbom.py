"""Write the CycloneDX SBOM of a locked environment, and check it is that environment.

``python tools/sbom.py --python ENV/bin/python [--lock requirements/test.lock]
[--out artifacts/sbom.cdx.json]`` (``nox -s sbom``, CI) runs ``cyclonedx-py
environment`` on the interpreter given (tradecore itself, from ``pyproject.toml``, is
the root component; ``--output-reproducible`` leaves out the timestamp and serial
number, so one environment gives one file), then compares its components with the
lock: every pin must be there at the locked version, and nothing else may be but the
environment's own installers (pip, setuptools, wheel). An SBOM that drifted from the
lock (a package installed by hand, a version the resolver changed) fails with one line
per difference, exit 1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lockfile import lock_pins, normalize  # tools/lockfile.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
#: A virtual environment's installers: present in every venv, pinned by no lock.
INSTALLERS = frozenset({"pip", "setuptools", "wheel"})


def components(sbom: Mapping[str, Any]) -> dict[str, str]:
    """``name -> version`` of the SBOM's components (the root component is not one)."""
    return {normalize(c["name"]): str(c.get("version", "")) for c in sbom["components"]}


def differences(
    pins: Mapping[str, str],
    found: Mapping[str, str],
    allowed: Iterable[str] = INSTALLERS,
) -> list[str]:
    """One line per way ``found`` (the SBOM) differs from ``pins`` (the lock)."""
    lines = [f"missing: {n}=={v} is locked but not installed" for n, v in pins.items()
             if n not in found]  # fmt: skip
    lines += [
        f"version: {n} is {found[n]} in the environment, {v} in the lock"
        for n, v in pins.items()
        if n in found and found[n] != v
    ]
    extra = set(found) - set(pins) - set(allowed)
    lines += [
        f"extra: {n}=={found[n]} is installed but not locked" for n in sorted(extra)
    ]
    return sorted(lines)


def write_sbom(python: str, out: Path) -> None:
    """Run cyclonedx-py on the environment of ``python``, writing ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        sys.executable, "-m", "cyclonedx_py", "environment",
        "--pyproject", str(ROOT / "pyproject.toml"), "--mc-type", "library",
        "--output-reproducible", "--of", "JSON", "-o", str(out), python,
    ]  # fmt: skip
    subprocess.run(argv, check=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--python", required=True, help="the locked environment's python"
    )
    parser.add_argument(
        "--lock", type=Path, default=ROOT / "requirements" / "test.lock"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "artifacts" / "sbom.cdx.json"
    )
    args = parser.parse_args(argv)
    write_sbom(args.python, args.out)
    sbom = json.loads(args.out.read_text())
    found = components(sbom)
    problems = differences(lock_pins(args.lock.read_text()), found)
    for line in problems:
        print(f"sbom: {line}")
    root = sbom["metadata"]["component"]
    match = f"{len(problems)} differences from" if problems else "matches"
    print(
        f"sbom: {args.out} (CycloneDX {sbom['specVersion']}): {root['name']} "
        f"{root.get('version', '')} and {len(found)} components; {match} {args.lock}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
