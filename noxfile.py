"""Developer sessions: tests, contract, property, lint, typecheck, bench, docs, and the
supply-chain gates: lock, security, sbom, audit, seeds.

Each session installs into its own virtualenv (``nox -R`` reuses them), from the lock
files in ``requirements/`` (hashed pins; ``nox -s lock`` refreshes them) and then the
project itself without dependencies. CI runs some sessions in environments it has
already built from the same locks: ``nox --no-venv --no-install -s NAME``.
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True

ROOT = Path(__file__).parent
#: The interpreter and platform the locks are for: CI's (python3.11, x86_64 Linux).
LOCK_TARGET = ("--python-version", "3.11", "--python-platform", "x86_64-manylinux_2_28")
#: Lock name -> what ``uv pip compile`` resolves for it. The rl lock takes torch's CPU
#: build from the local wheel folder pip is configured with here (/opt/wheels); a bare
#: stable-baselines3 would pull the multi-GB CUDA build from PyPI.
LOCK_INPUTS = {
    "test": ("pyproject.toml", "--extra", "test"),
    "rl": (
        "pyproject.toml", "requirements/torch-cpu.in", "--extra", "test", "--extra",
        "rl", "--find-links", "/opt/wheels", "--emit-find-links",
    ),
    "docs": ("pyproject.toml", "--extra", "docs"),
    "bench": ("pyproject.toml", "--extra", "bench"),
    "security": ("--group", "pyproject.toml:security"),
}  # fmt: skip
#: The seed matrix ``nox -s seeds`` runs (tests/seed_matrix.py reads these).
SEED_MATRIX = {
    "TRADECORE_TEST_SEEDS": "7,11,2024",
    "TRADECORE_TEST_SYMBOL_SETS": "AAA,BBB;SPY,QQQ,IWM",
    "TRADECORE_TEST_HASH_SEEDS": "0,4242",
}
SEED_TESTS = (
    "tests/property/test_sim_determinism.py",
    "tests/integration/test_replay.py::"
    "test_two_runs_in_processes_with_different_hash_seeds_are_byte_identical",
)


def install_locked(session: nox.Session, lock: str) -> None:
    """The pins of ``requirements/{lock}.lock`` (hash-checked), then tradecore alone."""
    session.install("-r", f"requirements/{lock}.lock")
    session.install("--no-deps", "-e", ".")


@nox.session
def tests(session: nox.Session) -> None:
    """Run the default test suite (the README's test command)."""
    install_locked(session, "test")
    session.run("pytest", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """Run every port's contract suite against every adapter."""
    install_locked(session, "test")
    session.run("pytest", "tests/contract", "-m", "not bench", "-v", *session.posargs)


@nox.session
def property(session: nox.Session) -> None:
    """Run the hypothesis suites with the thorough profile, slow cases included."""
    install_locked(session, "test")
    session.run(
        "pytest",
        "tests/property",
        "-m",
        "not bench",
        "--hypothesis-profile=thorough",
        *session.posargs,
    )


@nox.session
def slow(session: nox.Session) -> None:
    """Run the long-running suites marked ``slow``."""
    install_locked(session, "test")
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def heavy(session: nox.Session) -> None:
    """Run the whole-process integration tests marked ``heavy``.

    Each takes ten seconds or more (several real processes, servers, a browser), so
    they are kept out of the default ``pytest`` run, which stays under about ten
    minutes on two cores; CI runs this session after it (``.ci/run``).
    """
    install_locked(session, "test")
    session.run("pytest", "-m", "heavy", *session.posargs)


@nox.session
def rl(session: nox.Session) -> None:
    """RL training tests (stable-baselines3 on CPU torch): pytest -m rl.

    requirements/rl.lock pins torch's CPU wheel (``torch==2.13.0+cpu``, from the local
    wheel folder the lock names), where a bare ``stable-baselines3`` would pull torch's
    multi-GB CUDA build.
    """
    install_locked(session, "rl")
    session.run("pytest", "-m", "rl", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The docs site built with warnings as errors, then the tutorial notebooks run.

    ``mkdocs build --strict`` (the config and CLI references are generated from the
    code by the hook in ``tools/gen_reference_pages.py``); ``pytest --nbmake`` executes
    every notebook in ``docs/tutorials`` top to bottom, so a tutorial that no longer
    runs fails here, not in a reader's hands. ``-- --no-notebooks`` builds only.
    """
    install_locked(session, "docs")
    env = {"NO_MKDOCS_2_WARNING": "1"}  # material's banner about its successor
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", env=env)
    if "--no-notebooks" not in session.posargs:
        session.run("pytest", "--nbmake", "docs/tutorials", "-p", "no:cacheprovider")


@nox.session
def chaos(session: nox.Session) -> None:
    """Crash and fault campaign on SQLite and Postgres; prints the invariants table.

    ``nox -s chaos -- --crashes 50 --stores sqlite`` for a shorter one.
    """
    install_locked(session, "test")
    session.run("python", "-m", "tests.chaos", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff (lint + format check) and the import-linter layer contracts."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy: strict on domain/ and ports/, typed defs everywhere."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks: print figures and ratios against floors measured in the same run."""
    install_locked(session, "bench")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def lock(session: nox.Session) -> None:
    """Re-resolve requirements/*.lock from pyproject's ranges (uv pip compile, hashed).

    Pins still allowed by the ranges are kept; ``nox -s lock -- --upgrade`` takes the
    newest releases, ``-- --upgrade-package numpy`` one package. Commit the locks.
    """
    session.install("-r", "requirements/security.lock")
    for name, inputs in LOCK_INPUTS.items():
        session.run(
            "uv", "pip", "compile", *inputs, *LOCK_TARGET, "--generate-hashes",
            "--quiet", "--custom-compile-command", "nox -s lock",
            "-o", f"requirements/{name}.lock", *session.posargs,
        )  # fmt: skip


@nox.session
def security(session: nox.Session) -> None:
    """Static analysis and the secret scan: bandit, ruff's S rules, detect-secrets.

    bandit reads ``[tool.bandit]`` in pyproject.toml; the secret scan fails on any
    finding ``.secrets.baseline`` does not hold (tools/secret_scan.py).
    """
    session.install("-r", "requirements/security.lock")
    session.run("bandit", "-c", "pyproject.toml", "-r", "src", "-q")
    session.run("ruff", "check", "src", "--select", "S", "--ignore", "S101")
    session.run("python", "tools/secret_scan.py")


@nox.session
def sbom(session: nox.Session) -> None:
    """CycloneDX SBOM of the locked test environment: artifacts/sbom.cdx.json.

    Builds that environment from requirements/test.lock (``-- --lock
    requirements/rl.lock`` for another) in the session's temporary folder, or
    describes one already built (``-- --python .venv/bin/python``, as CI does), then
    checks the SBOM lists exactly the lock's pins (tools/sbom.py).
    """
    session.install("-r", "requirements/security.lock")
    args = list(session.posargs)
    if "--python" not in args:
        lock = (
            args[args.index("--lock") + 1]
            if "--lock" in args
            else "requirements/test.lock"
        )
        target = Path(session.create_tmp()) / "locked-env"
        session.run("python", "-m", "venv", "--clear", str(target))
        python = str(target / "bin" / "python")
        pip = (python, "-m", "pip", "install", "--quiet")
        session.run(*pip, "-r", lock, external=True)
        session.run(*pip, "--no-deps", "-e", ".", external=True)
        args += ["--python", python]
    session.run("python", "tools/sbom.py", *args)


@nox.session
def audit(session: nox.Session) -> None:
    """pip-audit over every lock, counting what it could and could not check.

    ``nox -s audit -- --strict`` exits 2 unless every pinned package was checked
    (tools/audit.py); without it, a "NOT CHECKED" line says so and it exits 0.
    Known vulnerabilities always exit 1.
    """
    session.install("-r", "requirements/security.lock")
    session.run("python", "tools/audit.py", *session.posargs)


@nox.session
def seeds(session: nox.Session) -> None:
    """The determinism tests over seeds x symbol sets x PYTHONHASHSEED values.

    The replay CLI's outputs and the simulator's event log must be byte-identical
    across hash seeds for every case of ``SEED_MATRIX`` (tests/seed_matrix.py).
    """
    install_locked(session, "test")
    session.run(
        "pytest",
        *SEED_TESTS,
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env=SEED_MATRIX,
    )
