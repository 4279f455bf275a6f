"""attrs' generated methods, compiled once and read back from a cache file.

Why: every ``@attrs.frozen`` class writes the source of its ``__init__``,
``__repr__``, ``__eq__`` and ``__hash__`` and compiles it when the class is built.
A replay builds about 240 such classes while its command imports, and those
compiles were about a sixth of the instructions of a short replay's whole process.
The source attrs writes depends only on the class, so the code object compiled
from it can be kept, as Python keeps a module's bytecode in ``__pycache__``.

How: while a console command's modules are imported (:func:`cached_attrs_code`),
attrs' one compile-and-run step (``attr._make._compile_and_eval``) looks the
script up by the sha256 of its file name and text; a miss compiles it exactly as
attrs does (same flags) and is added. Afterwards, if anything was missing, the
file is rewritten with the code this command used: the file follows the command
and never grows with old versions of the classes. The code run is the code attrs
would have compiled from the same text, so behaviour does not change.

Where: ``$TRADECORE_CACHE_DIR/attrs-code/``, else the user cache folder
(``~/.cache/tradecore/attrs-code`` on Linux), one file per command and Python
bytecode version. Delete the folder to clear it.

Failures never fail a run: an unreadable, corrupt or foreign file means "compile",
a file that cannot be written is skipped (both logged at debug level). Files are
written to a temporary name and renamed into place. Only the console does this:
a notebook or a test building the app compiles as attrs does. If attrs no longer
has the step this replaces, nothing is patched.
"""

from __future__ import annotations
import __future__

import contextlib
import hashlib
import importlib.util
import logging
import marshal
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

#: Environment variable naming the cache folder (its ``attrs-code`` subfolder is used).
CACHE_DIR_ENV = "TRADECORE_CACHE_DIR"
#: The attrs function replaced while imports run.
PATCHED_NAME = "_compile_and_eval"

log = logging.getLogger(__name__)

Compiled = dict[bytes, CodeType]


def cache_dir() -> Path:
    """Return the folder of cached code (``TRADECORE_CACHE_DIR`` first)."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured) / "attrs-code"
    import platformdirs  # small, but only the cache needs it

    root = platformdirs.user_cache_dir("tradecore", appauthor=False)
    return Path(root) / "attrs-code"


def cache_file(command: str) -> Path:
    """The file of ``command``'s code for this Python's bytecode version."""
    magic = importlib.util.MAGIC_NUMBER.hex()
    return cache_dir() / f"{command}-{magic}.marshal"


def script_key(script: str, filename: str) -> bytes:
    """What a compiled script is found by: the sha256 of its file name and text."""
    return hashlib.sha256(f"{filename}\0{script}".encode()).digest()


def load(path: Path) -> Compiled:
    """The code stored at ``path``; empty when missing or unusable."""
    try:
        # The user's own cache folder, trusted as Python trusts its __pycache__.
        stored = marshal.loads(path.read_bytes())  # noqa: S302
    except FileNotFoundError:
        return {}
    except Exception as e:  # any unreadable file means "compile", never a failure
        log.debug("attrs code cache %s unusable: %s", path, e)
        return {}
    if not isinstance(stored, dict) or not all(
        isinstance(k, bytes) and isinstance(v, CodeType) for k, v in stored.items()
    ):
        log.debug("attrs code cache %s holds something else", path)
        return {}
    return stored


def store(path: Path, compiled: Mapping[bytes, CodeType]) -> None:
    """Write ``compiled`` to ``path`` atomically; a failure is logged, never raised."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(marshal.dumps(dict(compiled)))
        os.replace(temporary, path)
    except OSError as e:
        log.debug("attrs code cache %s not written: %s", path, e)
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)


class CodeLookup:
    """attrs' compile-and-run step, answering from known code before compiling.

    ``used`` collects the code of every script run (found or compiled), and
    ``missed`` says whether any had to be compiled.
    """

    def __init__(self, known: Mapping[bytes, CodeType], flags: int) -> None:
        """Start from ``known`` code; compile misses with the future ``flags``
        attrs' own module compiles with."""
        self._known = known
        self._flags = flags
        self.used: Compiled = {}
        self.missed = False

    def __call__(
        self,
        script: str,
        globs: dict[str, Any] | None,
        locs: Mapping[str, object] | None = None,
        filename: str = "",
    ) -> None:
        """Run ``script`` as attrs' ``_compile_and_eval`` does, compiled once."""
        key = script_key(script, filename)
        code = self._known.get(key)
        if code is None:
            code = compile(script, filename, "exec", self._flags, dont_inherit=True)
            self.missed = True
        self.used[key] = code
        eval(code, globs, locs)  # noqa: S307 - attrs' own generated methods


def attrs_future_flags(module: object) -> int:
    """The ``from __future__`` compiler flags in force in ``module``'s source.

    ``compile`` called from attrs inherits them (its module postpones annotations,
    so the generated methods' annotations are strings): a miss must match.
    """
    flags = 0
    for name in __future__.all_feature_names:
        feature: object = getattr(__future__, name)
        if getattr(module, name, None) is feature:
            flag: int = getattr(feature, "compiler_flag", 0)
            flags |= flag
    return flags


@contextlib.contextmanager
def cached_attrs_code(command: str) -> Iterator[None]:
    """Build attrs classes with ``command``'s cached code while the block runs.

    The block is the command's imports; afterwards attrs compiles as it did, and the
    cache file is rewritten if any script had to be compiled.
    """
    try:
        from attr import _make
    except ImportError:  # pragma: no cover - attrs is a dependency
        yield
        return
    original: Callable[..., None] | None = getattr(_make, PATCHED_NAME, None)
    if original is None:
        yield
        return
    path = cache_file(command)
    lookup = CodeLookup(load(path), attrs_future_flags(_make))
    setattr(_make, PATCHED_NAME, lookup)
    try:
        yield
    finally:
        setattr(_make, PATCHED_NAME, original)
    if lookup.missed:
        store(path, lookup.used)
