"""Developer sessions: tests, contract, property, lint, typecheck, bench, docs.

Each session installs the project into its own virtualenv (``nox -R`` reuses them).
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the default test suite (the README's test command)."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def contract(session: nox.Session) -> None:
    """Run every port's contract suite against every adapter."""
    session.install("-e", ".[test]")
    session.run("pytest", "tests/contract", "-m", "not bench", "-v", *session.posargs)


@nox.session
def property(session: nox.Session) -> None:
    """Run the hypothesis suites with the thorough profile, slow cases included."""
    session.install("-e", ".[test]")
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
    session.install("-e", ".[test]")
    session.run("pytest", "-m", "slow", *session.posargs)


@nox.session
def rl(session: nox.Session) -> None:
    """RL training tests (stable-baselines3 on CPU torch): pytest -m rl.

    torch is pinned first: pip resolves ``torch==2.13.0`` to the CPU wheel, where a
    bare ``stable-baselines3`` would pull torch's multi-GB CUDA build.
    """
    session.install("torch==2.13.0")
    session.install("-e", ".[test,rl]")
    session.run("pytest", "-m", "rl", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The docs site built with warnings as errors, then the tutorial notebooks run.

    ``mkdocs build --strict`` (the config and CLI references are generated from the
    code by the hook in ``tools/gen_reference_pages.py``); ``pytest --nbmake`` executes
    every notebook in ``docs/tutorials`` top to bottom, so a tutorial that no longer
    runs fails here, not in a reader's hands. ``-- --no-notebooks`` builds only.
    """
    session.install("-e", ".[docs]")
    env = {"NO_MKDOCS_2_WARNING": "1"}  # material's banner about its successor
    session.run("mkdocs", "build", "--strict", "--site-dir", "site", env=env)
    if "--no-notebooks" not in session.posargs:
        session.run("pytest", "--nbmake", "docs/tutorials", "-p", "no:cacheprovider")


@nox.session
def chaos(session: nox.Session) -> None:
    """Crash and fault campaign on SQLite and Postgres; prints the invariants table.

    ``nox -s chaos -- --crashes 50 --stores sqlite`` for a shorter one.
    """
    session.install("-e", ".[test]")
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
    session.install("-e", ".[test,bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)
