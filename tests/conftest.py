"""Shared test configuration: hypothesis profiles and service availability."""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

# dev: quick feedback. ci: deterministic (derandomized), more examples, no deadline
# (a loaded CI machine must not turn slowness into flakiness). thorough: nox -s property.
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=2000,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True, scope="session")
def _dev_key_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the development signing key out of the real user data directory.

    Every replay run signs its manifest, with the development key when none is
    configured; tests (and the processes they start, which inherit the variable)
    create that key in a temporary folder instead. Session-scoped, so it is in
    place before any module- or class-scoped fixture runs a replay.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRADECORE_DEV_KEY_DIR", str(tmp_path_factory.mktemp("dev-key")))
        yield


@pytest.fixture(autouse=True, scope="session")
def _cache_in_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep cached calendar schedules out of the real user cache folder.

    One folder for the session, inherited by the processes tests start: the first
    exchange calendar computes and stores its schedule, later ones read it.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRADECORE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--alpaca-paper``: run the paper-harness contract cases against Alpaca's paper API."""
    parser.addoption(
        "--alpaca-paper",
        action="store_true",
        default=False,
        help=(
            "run tests/contract/test_alpaca_paper.py against Alpaca's real paper API "
            "(needs APCA_API_KEY_ID and APCA_API_SECRET_KEY of a paper account); "
            "without it the same harness trades the emulator"
        ),
    )


# --- PostgreSQL -----------------------------------------------------------------------

POSTGRES_URL_ENV = "TRADECORE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _postgres_unavailable(server: str, reason: str) -> None:
    """Fail in CI (a missing service must not pass silently), skip elsewhere."""
    message = (
        f"PostgreSQL is not reachable at {server} (set {POSTGRES_URL_ENV} to "
        f"change it; default {DEFAULT_POSTGRES_URL}): {reason}"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true requires PostgreSQL. {message}", pytrace=False)
    pytest.skip(f"skipped: {message}")


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[Callable[[], str]]:
    """Create uniquely named PostgreSQL databases on demand; drop them at the end.

    Other engineers share the server, so each database is named
    ``tradecore_test_<pid>_<n>`` and only those this session created are dropped.
    """
    server = sa.make_url(os.environ.get(POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL))
    engine = sa.create_engine(
        server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as e:
        engine.dispose()
        _postgres_unavailable(
            server.render_as_string(hide_password=True),
            str(e.orig).strip().splitlines()[0],
        )
    created: list[str] = []
    counter = itertools.count(1)

    def create() -> str:
        name = f"tradecore_test_{os.getpid()}_{next(counter)}"
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        created.append(name)
        return server.set(database=name).render_as_string(hide_password=False)

    yield create
    with engine.connect() as conn:
        for name in created:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()
