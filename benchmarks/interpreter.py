"""Which build of CPython a benchmark ran on: its figures depend on it.

Python code runs about a quarter to a third faster on a CPython built with
profile-guided optimization (``--enable-optimizations``) and link-time optimization
(``--with-lto``), as Debian's and python.org's are, than on a plain source build
(pyenv's default). On the development machine of round 7, the same loop of calls,
small objects and decimals took 215-244 ms on pyenv's 3.11.7 and 161-166 ms on
Debian's 3.11.2. Every engine in a run shares the interpreter, but the peers whose
work is compiled (NautilusTrader, vectorbt) gain less from it than tradecore.
"""

from __future__ import annotations

import platform
import sysconfig

_OPTIMIZATIONS = {"PGO": "--enable-optimizations", "LTO": "--with-lto"}


def interpreter_line(config_args: str | None = None) -> str:
    """One line naming the interpreter and whether it was built with PGO and LTO.

    ``config_args`` is the build's ``./configure`` arguments (the running
    interpreter's when ``None``).
    """
    args = (
        sysconfig.get_config_var("CONFIG_ARGS") if config_args is None else config_args
    )
    args = args or ""
    found = [name for name, flag in _OPTIMIZATIONS.items() if flag in args]
    missing = [name for name in _OPTIMIZATIONS if name not in found]
    build = "built with " + " and ".join(found) if found else "built without"
    if found and missing:
        build += ", without " + " and ".join(missing)
    elif not found:
        build += (
            " " + " or ".join(missing) + " (a plain source build: slower Python code)"
        )
    return (
        f"interpreter: {platform.python_implementation()} "
        f"{platform.python_version()}, {build}"
    )
