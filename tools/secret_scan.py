"""Scan the repository for secrets; fail on any the committed baseline does not hold.

``python tools/secret_scan.py`` (``nox -s security``, CI) runs detect-secrets with the
plugins and filters recorded in ``.secrets.baseline`` over every file git lists (tracked
and new, not ignored), from the repository root. A finding is *known* when the baseline
holds the same file, secret type and secret hash; the line is not compared, so code
moving around a reviewed fixture never fails the scan (detect-secrets' own pre-commit
hook rewrites the baseline and exits 3 when only line numbers moved). Anything else is
*new*: each is printed as ``path:line: type`` (never the value) and the exit code is 1.

A fake key in a test is either marked on its line with ``# pragma: allowlist secret``
or reviewed into the baseline: ``detect-secrets scan --baseline .secrets.baseline``
then ``detect-secrets audit .secrets.baseline`` (docs/supply-chain.md).

Exit codes: 0 no new secret, 1 new secrets found, 2 the baseline is missing or
unreadable.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from detect_secrets.core import baseline as ds_baseline
from detect_secrets.core.secrets_collection import SecretsCollection

BASELINE = ".secrets.baseline"


def listed_files(root: Path) -> list[str]:
    """What git lists under ``root``: tracked files and new ones not ignored."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    names = sorted({n for n in out.split("\0") if n})
    return [n for n in names if (root / n).is_file() and n != BASELINE]


def new_findings(
    root: Path, files: Iterable[str], baseline_path: Path
) -> tuple[list[tuple[str, int, str]], int]:
    """Findings in ``files`` the baseline does not hold, and how many it does.

    Loading the baseline also configures detect-secrets' plugins and filters (its
    ``exclude-files`` pattern among them) as recorded there, so the scan is the one
    the baseline was made with.
    """
    known = ds_baseline.load(ds_baseline.load_from_file(str(baseline_path)))
    # detect-secrets compares file names as given: scan from the root, with the
    # relative names the baseline records.
    os.chdir(root)
    found = SecretsCollection()
    found.scan_files(*files)
    new = found - known
    rows = sorted((name, secret.line_number or 0, secret.type) for name, secret in new)
    return rows, sum(1 for _ in found) - len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="paths from the root (default: all)")
    parser.add_argument("--root", type=Path, default=Path.cwd())
    parser.add_argument("--baseline", default=BASELINE)
    args = parser.parse_args(argv)
    root = args.root.resolve()
    baseline_path = root / args.baseline
    if not baseline_path.is_file():
        print(f"secret scan: no baseline at {baseline_path}", file=sys.stderr)
        return 2
    files = list(args.files) or listed_files(root)
    try:
        rows, known = new_findings(root, files, baseline_path)
    except (ds_baseline.UnableToReadBaselineError, KeyError) as e:
        print(
            f"secret scan: unreadable baseline {baseline_path}: {e!r}", file=sys.stderr
        )
        return 2
    for name, line, kind in rows:
        print(f"{name}:{line}: {kind} (not in {args.baseline})")
    verdict = f"{len(rows)} new" if rows else "no new secret"
    print(
        f"secret scan: {len(files)} files, {verdict}, {known} known findings "
        f"in {args.baseline}"
    )
    return 1 if rows else 0


if __name__ == "__main__":
    sys.exit(main())
