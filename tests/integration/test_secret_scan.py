"""The secret scan (tools/secret_scan.py, CI) fails on a key planted in a scratch branch.

A clone of this repository gets a branch with a fake Alpaca secret and an AWS-style
key id committed in a new source file; scanning it must fail and name the file and
line, never the value. The same scan over the untouched clone passes (its fixtures'
fake keys are in ``.secrets.baseline``), still passes after lines move above a
baselined fixture, and passes when the planted line carries the allowlist pragma.
The planted values are assembled at run time, so this file holds none to flag.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOL = REPO / "tools" / "secret_scan.py"
#: A tracked file whose (fake, RFC 8032 test-vector) keys the baseline holds.
BASELINED = "tests/contract/signer_contract.py"
PLANTED = "src/tradecore/planted_credentials.py"
KEY_ID = "AKIA" + "7RGPQ2ZL4MXW3TBN"
SECRET = "kR4v" + "9sLq2ZxT8mWc1NbY6pHe3JdUoA5fGi7"  # pragma: allowlist secret
PRAGMA = "  # pragma: allowlist" + " secret"


def _git(clone: Path, *args: str) -> None:
    identity = ("-c", "user.name=scan test", "-c", "user.email=scan@example.invalid")
    subprocess.run(
        ["git", *identity, *args], cwd=clone, check=True, capture_output=True
    )


def _scan(clone: Path, *files: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOL), "--root", str(clone), *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    target = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--shared", str(REPO), str(target)],
        check=True,
        capture_output=True,
    )
    return target


def _plant(clone: Path, suffix: str = "") -> None:
    _git(clone, "checkout", "-q", "-b", "scratch/planted-key")
    (clone / PLANTED).write_text(
        '"""Credentials someone pasted in."""\n\n'
        f'AWS_ACCESS_KEY_ID = "{KEY_ID}"{suffix}\n'
        f'APCA_API_SECRET_KEY = "{SECRET}"{suffix}\n'
    )
    _git(clone, "add", PLANTED)
    _git(clone, "commit", "-q", "-m", "planted key")


def test_a_planted_key_fails_the_scan_naming_file_and_line(clone: Path) -> None:
    clean = _scan(clone, BASELINED)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "no new secret" in clean.stdout
    _plant(clone)
    planted = _scan(clone, BASELINED, PLANTED)
    assert planted.returncode == 1, planted.stdout + planted.stderr
    assert f"{PLANTED}:3: AWS Access Key" in planted.stdout
    assert f"{PLANTED}:4: Secret Keyword" in planted.stdout
    flagged = [x for x in planted.stdout.splitlines() if x.startswith(PLANTED)]
    assert f"2 files, {len(flagged)} new, 16 known" in planted.stdout
    assert KEY_ID not in planted.stdout + planted.stderr
    assert SECRET not in planted.stdout + planted.stderr


def test_the_allowlist_pragma_marks_a_fake_key(clone: Path) -> None:
    _plant(clone, suffix=PRAGMA)
    scan = _scan(clone, PLANTED)
    assert scan.returncode == 0, scan.stdout + scan.stderr


def test_baselined_findings_may_move_lines(clone: Path) -> None:
    path = clone / BASELINED
    path.write_text("# moved\n" * 7 + path.read_text())
    scan = _scan(clone, BASELINED)
    assert scan.returncode == 0, scan.stdout + scan.stderr
    assert "16 known findings" in scan.stdout


def test_a_missing_baseline_is_its_own_error(clone: Path) -> None:
    (clone / ".secrets.baseline").unlink()
    scan = _scan(clone, BASELINED)
    assert scan.returncode == 2
    assert "no baseline" in scan.stderr


def test_new_untracked_files_are_scanned_ignored_ones_are_not(
    clone: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(REPO / "tools"))
    scan_module = importlib.import_module("secret_scan")
    (clone / "notes.txt").write_text("new, not yet added\n")
    (clone / ".venv").mkdir()
    (clone / ".venv" / "leak.py").write_text("ignored by .gitignore\n")
    listed = scan_module.listed_files(clone)
    assert "notes.txt" in listed
    assert BASELINED in listed
    assert not [x for x in listed if x.startswith(".venv/")]
    assert ".secrets.baseline" not in listed
