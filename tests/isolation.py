"""The variables that keep a test's processes out of the real user folders.

``tests/conftest.py`` points both at temporary folders for the whole session. A test
that starts a process with an environment of its own (an operator's shell, a bare
``PATH``) passes them on, or the child signs with a development key in the real user
data folder and caches calendars and compiled attrs code in the real user cache.
"""

from __future__ import annotations

import os

#: Where the development signing key and the start-up caches go.
TEST_DIRS_ENV = ("TRADECORE_DEV_KEY_DIR", "TRADECORE_CACHE_DIR")


def isolated_dirs_env() -> dict[str, str]:
    """The :data:`TEST_DIRS_ENV` variables this process has, to pass to a child."""
    return {name: os.environ[name] for name in TEST_DIRS_ENV if name in os.environ}
