"""README.md runs as written: every ```bash and ```python block, in order (issue 15).

How the blocks run, as a new user would run them after the quick start's install:

* The working directory is one temporary folder holding a copy of the repository's
  files (what ``git ls-files`` lists, tracked or new; a fresh clone). Every block
  starts there.
* Shell blocks (```bash, also ```sh / ```shell) run in README order, each in its own
  ``bash`` with ``set -euo pipefail``. What a block exports or unsets (the README's
  own environment lines) carries into the next block, as in one terminal.
* Python blocks (```python, also ```py) run in README order in one interpreter
  process sharing one namespace, after the shell blocks, in the same folder.
* The environment is this test's interpreter's: its ``bin`` folder first on PATH (the
  installation the quick start does is already done), no ``TRADECORE_*`` / ``APCA_*``
  variables from outside except ``TRADECORE_DEV_KEY_DIR`` and
  ``TRADECORE_CACHE_DIR``, which keep the development signing key and cached
  calendar schedules out of the user's folders (tests/conftest.py).
* A block that fails, runs longer than ``BLOCK_TIMEOUT_S`` or leaves a process
  running (start long-running servers in the background and ``kill`` them in the
  same block) fails this test, which names the block (its index among the README's
  runnable blocks, its line and first line) and shows its stderr.

Skipping a block: put this HTML comment on the line right before its opening fence,
with the reason after the dash (an em dash, a hyphen or a colon)::

    <!-- readme-test: skip — installation; CI has installed the project -->

A skip without a reason, or any other ``readme-test:`` comment, fails the test.
Only what cannot run inside the suite is skipped (at most ``MAX_SKIPS`` blocks): the
quick start's installation and ``pytest`` itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import attrs
import pytest

from tests.isolation import TEST_DIRS_ENV

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
#: The quick start's installation and the test suite itself.
MAX_SKIPS = 2
BLOCK_TIMEOUT_S = 120
SHELLS = ("bash", "sh", "shell")
PYTHONS = ("python", "py")
#: Variables a user's fresh shell would not have; kept: the dev-key folder.
FOREIGN_ENV = re.compile(r"^(TRADECORE_|APCA_)")
KEEP_ENV = TEST_DIRS_ENV

_FENCE = re.compile(r"^```(\S*)\s*$")
_DIRECTIVE = re.compile(r"^\s*<!--\s*readme-test:(?P<rest>.*?)-->\s*$")
_SKIP = re.compile(r"^\s*skip\s*(?:[—–:-]+\s*(?P<reason>.*?))?\s*$")


@attrs.frozen
class Block:
    """One fenced code block of the README."""

    index: int  # among the runnable (shell and Python) blocks, from 1
    line: int  # of the opening fence, from 1
    language: str
    source: str
    skip_reason: str | None

    @property
    def name(self) -> str:
        first = next((x for x in self.source.splitlines() if x.strip()), "")
        return f"README block {self.index} ({self.language}, line {self.line}): {first}"


class ReadmeError(Exception):
    """The README breaks the block conventions this test reads."""


def readme_blocks(text: str) -> list[Block]:
    """The README's shell and Python blocks, in order, with their skip reasons.

    Raises:
        ReadmeError: a ``readme-test`` comment that is not a skip with a reason, or
            that is not right before a shell or Python block; an unclosed fence.
    """
    lines = text.splitlines()
    blocks: list[Block] = []
    pending: tuple[int, str] | None = None  # (line, reason) of a skip comment
    i = 0
    while i < len(lines):
        directive = _DIRECTIVE.match(lines[i])
        fence = _FENCE.match(lines[i])
        if directive:
            skip = _SKIP.match(directive["rest"])
            if not skip:
                raise ReadmeError(
                    f"line {i + 1}: unknown readme-test comment {lines[i].strip()!r}"
                )
            if not skip["reason"]:
                raise ReadmeError(
                    f"line {i + 1}: a skipped block needs a reason: "
                    "<!-- readme-test: skip — why -->"
                )
            pending = (i + 1, skip["reason"])
        elif fence:
            language, start = fence[1].lower(), i
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                i += 1
            if i == len(lines):
                raise ReadmeError(f"line {start + 1}: code block never closed")
            runnable = language in SHELLS + PYTHONS
            if pending and not runnable:
                raise ReadmeError(
                    f"line {pending[0]}: readme-test skip before a {language!r} "
                    "block, which never runs anyway"
                )
            if runnable:
                blocks.append(
                    Block(
                        index=len(blocks) + 1,
                        line=start + 1,
                        language="bash" if language in SHELLS else "python",
                        source="\n".join(lines[start + 1 : i]) + "\n",
                        skip_reason=pending[1] if pending else None,
                    )
                )
            pending = None
        elif lines[i].strip() and pending:
            raise ReadmeError(
                f"line {pending[0]}: a readme-test skip must be right before a block"
            )
        i += 1
    if pending:
        raise ReadmeError(f"line {pending[0]}: a readme-test skip before no block")
    return blocks


def _copy_clone(into: Path) -> None:
    """Copy what a clone holds (tracked and new files, not ignored ones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    )
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = REPO / name
        if source.is_file():  # a file deleted but not yet committed is not listed
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)


def _fresh_env() -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k in KEEP_ENV or not FOREIGN_ENV.match(k)
    }
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["VIRTUAL_ENV"] = str(Path(sys.executable).parent.parent)
    env.pop("PYTHONPATH", None)
    return env


def _leftover(group: int) -> bool:
    """Whether any process of ``group`` still runs, after a short grace period."""
    deadline = time.monotonic() + 5
    while True:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        if time.monotonic() > deadline:
            return True
        time.sleep(0.1)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)


_DUMP_ENV = 'import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], "w"))'


def _run_shell(block: Block, cwd: Path, env: dict[str, str]) -> dict[str, str]:
    """Run one shell block; return the environment it leaves for the next one."""
    env_file = cwd.parent / f"env-after-{block.index}.json"
    script = (
        "set -euo pipefail\n"
        f"{block.source}"
        f"{shlex.quote(sys.executable)} -c {shlex.quote(_DUMP_ENV)} "
        f"{shlex.quote(str(env_file))}\n"
    )
    # Output goes to files, not pipes: a background process the block forgot to stop
    # would hold a pipe open; here the block ends when its bash does, and the
    # leftover is reported.
    out_file, err_file = (
        cwd.parent / f"block-{block.index}.{x}" for x in ("out", "err")
    )
    with out_file.open("w") as out, err_file.open("w") as err:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        try:
            process.wait(timeout=BLOCK_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            _kill_group(process.pid)
            process.wait()
            pytest.fail(
                f"{block.name}\ntook longer than {BLOCK_TIMEOUT_S} s (bound it: "
                "--max-cycles, a background server killed in the block)\n"
                f"--- stderr (end) ---\n{err_file.read_text()[-3000:]}",
                pytrace=False,
            )
    left_running = _leftover(process.pid)
    _kill_group(process.pid)
    if process.returncode != 0:
        pytest.fail(
            f"{block.name}\nexited {process.returncode}\n"
            f"--- stderr (end) ---\n{err_file.read_text()[-6000:]}\n"
            f"--- stdout (end) ---\n{out_file.read_text()[-2000:]}",
            pytrace=False,
        )
    if left_running:
        pytest.fail(
            f"{block.name}\nleft a process running: stop what it starts in the "
            "same block (e.g. `kill $PID`)",
            pytrace=False,
        )
    return dict(json.loads(env_file.read_text()))


_PYTHON_DRIVER = """
import json, sys, traceback
blocks = json.load(open(sys.argv[1]))
namespace = {"__name__": "__main__"}
for index, name, source in blocks:
    try:
        exec(compile(source, name, "exec"), namespace)
    except BaseException:
        traceback.print_exc()
        print(index)
        sys.exit(1)
"""


def _run_python(blocks: list[Block], cwd: Path, env: dict[str, str]) -> None:
    """Run the Python blocks in one interpreter; fail naming the block that broke."""
    listing = cwd.parent / "python-blocks.json"
    listing.write_text(json.dumps([[b.index, b.name, b.source] for b in blocks]))
    try:
        result = subprocess.run(
            [sys.executable, "-c", _PYTHON_DRIVER, str(listing)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=BLOCK_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the Python blocks took longer than {BLOCK_TIMEOUT_S} s")
    if result.returncode != 0:
        failed = result.stdout.strip().splitlines()[-1:] or ["?"]
        broke = next((b for b in blocks if str(b.index) == failed[0]), None)
        name = broke.name if broke else "the Python blocks (before any block ran)"
        pytest.fail(
            f"{name}\nraised\n--- stderr (end) ---\n{result.stderr[-6000:]}",
            pytrace=False,
        )


def test_every_readme_block_runs_as_written(tmp_path: Path) -> None:
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    skipped = [b for b in blocks if b.skip_reason is not None]
    assert len(skipped) <= MAX_SKIPS, [b.name for b in skipped]
    for tool in ("bash", "curl"):
        assert shutil.which(tool), f"the README's shell blocks need {tool}"
    clone = tmp_path / "clone"
    clone.mkdir()
    _copy_clone(clone)
    env = _fresh_env()
    for block in blocks:
        if block.language == "bash" and block.skip_reason is None:
            env = _run_shell(block, clone, env)
    python = [b for b in blocks if b.language == "python" and b.skip_reason is None]
    _run_python(python, clone, env)


def test_the_quick_start_names_the_main_job_and_the_tests() -> None:
    blocks = readme_blocks(README.read_text(encoding="utf-8"))
    first = [b.source.strip() for b in blocks[:3]]
    assert "tradecore-replay run --demo --out out" in first
    assert "pytest" in first


def test_readme_links_stay_in_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    assert "../" not in text
    links = re.findall(r"\]\(([^)]+)\)", text)
    assert "docs/architecture.md" in links
    assert "docs/where-things-are.md" in links
    assert not [x for x in links if x.startswith("/")], links


@pytest.mark.parametrize(
    ("readme", "problem"),
    [
        ("<!-- readme-test: skip -->\n```bash\nls\n```\n", "needs a reason"),
        ("<!-- readme-test: skip — -->\n```bash\nls\n```\n", "needs a reason"),
        ("<!-- readme-test: skpi — typo -->\n```bash\nls\n```\n", "unknown"),
        (
            "<!-- readme-test: skip — why -->\n\ntext\n```bash\nls\n```\n",
            "right before",
        ),
        ("<!-- readme-test: skip — why -->\n```text\nls\n```\n", "never runs"),
        ("```bash\nls\n", "never closed"),
    ],
)
def test_the_conventions_are_enforced(readme: str, problem: str) -> None:
    with pytest.raises(ReadmeError, match=problem):
        readme_blocks(readme)


def test_blocks_are_read_with_their_skip_reasons() -> None:
    blocks = readme_blocks(
        "# t\n<!-- readme-test: skip — installation -->\n```bash\npip install x\n```\n"
        "text\n```python\nx = 1\n```\n```toml\n[a]\n```\n```sh\nls\n```\n"
    )
    assert [(b.index, b.line, b.language, b.skip_reason) for b in blocks] == [
        (1, 3, "bash", "installation"),
        (2, 7, "python", None),
        (3, 13, "bash", None),
    ]
    assert blocks[0].name == "README block 1 (bash, line 3): pip install x"
