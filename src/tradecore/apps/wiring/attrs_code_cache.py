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
and never grows with old versions of the classes. One part of a script changes
with the process's hash seed: the salt attrs writes into ``__hash__``
(:func:`class_salt`). It is left out of the key and the found code gets this
process's salt (:func:`resalted`), so the code run is what attrs compiles here:
the same bytecode, constants and line numbers; only the column span recorded for
the salt constant itself may differ (it is as wide as the number), and no
traceback can point at a constant being loaded. The file never holds a process's
salt (a ``hash()`` value): stored code holds :data:`SALT_MARK` in its place.

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
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

from tradecore.adapters.cache_files import write_cache_file

#: Environment variable naming the cache folder (its ``attrs-code`` subfolder is used).
CACHE_DIR_ENV = "TRADECORE_CACHE_DIR"
#: The attrs function replaced while imports run.
PATCHED_NAME = "_compile_and_eval"

#: What stored code holds where attrs wrote the process's ``__hash__`` salt: a
#: fixed number (no ``hash()`` value is persisted), put back by :func:`resalted`.
#: Any 64-bit constant works; attrs' generated methods hold no other wide ints.
SALT_MARK = 0x7A17_C0DE_5A17_C0DE

log = logging.getLogger(__name__)

#: A compiled script and the per-class hash salt written into it (``None``: none).
Entry = tuple[CodeType, int | None]
Compiled = dict[bytes, Entry]

_METHODS_FILE = "<attrs generated methods "


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


def unsalted_key(
    script: str, filename: str, salt: int | None
) -> tuple[bytes, int | None]:
    """The key of ``script`` with its ``__hash__`` salt left out, and that salt
    (``None`` when the script holds none)."""
    salt_line = f" {salt},\n"
    if salt is None or salt_line not in script:
        return script_key(script, filename), None
    return script_key(script.replace(salt_line, " SALT,\n", 1), filename), salt


def class_salt(filename: str) -> int | None:
    """The salt attrs writes into the ``__hash__`` of the class a script is for.

    attrs starts each instance's hash tuple with ``hash()`` of a name made from the
    class (``<attrs generated hash module.Class>``), so classes with equal fields
    hash apart. That ``hash()`` of a string changes with every process's hash
    seed, so the script's text does too: the salt is taken out of the key and put
    back into the code (:func:`resalted`). It is never stored as anything but the
    constant the stored code holds.
    """
    if not filename.startswith(_METHODS_FILE):
        return None
    name = filename[len(_METHODS_FILE) : -1]
    base, dash, count = name.rpartition("-")  # attrs' "-1" for a repeated name
    if dash and count.isdigit():
        name = base
    return hash(f"<attrs generated hash {name}>")


def resalted(code: CodeType, old: int, new: int) -> CodeType:
    """``code`` with the salt constant ``old`` replaced by ``new``, nested code too
    (only the code objects that hold it are rebuilt)."""
    consts = list(code.co_consts)
    changed = False
    for at, const in enumerate(consts):
        if type(const) is int and const == old:
            consts[at], changed = new, True
        elif isinstance(const, CodeType):
            rebuilt = resalted(const, old, new)
            if rebuilt is not const:
                consts[at], changed = rebuilt, True
    return code.replace(co_consts=tuple(consts)) if changed else code


def load(path: Path) -> Compiled:
    """The code stored at ``path``; empty when missing or unusable."""
    try:
        # The user's own cache folder, trusted as Python trusts its __pycache__.
        stored = marshal.loads(path.read_bytes())  # noqa: S302  # nosec B302
    except FileNotFoundError:
        return {}
    except Exception as e:  # any unreadable file means "compile", never a failure
        log.debug("attrs code cache %s unusable: %s", path, e)
        return {}
    if not isinstance(stored, dict) or not all(map(_is_entry, stored.items())):
        log.debug("attrs code cache %s holds something else", path)
        return {}
    return stored


def _is_entry(item: tuple[object, object]) -> bool:
    key, value = item
    return (
        isinstance(key, bytes)
        and isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], CodeType)
        and (value[1] is None or type(value[1]) is int)
    )


def store(path: Path, compiled: Mapping[bytes, Entry]) -> None:
    """Write ``compiled`` to ``path`` atomically; a failure is logged, never raised."""
    data = marshal.dumps(dict(compiled))
    write_cache_file(path, lambda handle: handle.write(data), log, "attrs code cache")


class CodeLookup:
    """attrs' compile-and-run step, answering from known code before compiling.

    ``used`` collects the code of every script run (found or compiled), and
    ``missed`` says whether any had to be compiled.
    """

    def __init__(self, known: Mapping[bytes, Entry], flags: int) -> None:
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
        eval(self.code(script, filename), globs, locs)  # noqa: S307 - attrs' own  # nosec B307

    def code(self, script: str, filename: str) -> CodeType:
        """The code of ``script``: known (with this process's salt) or compiled."""
        key, salt = unsalted_key(script, filename, class_salt(filename))
        known = self._known.get(key)
        code: CodeType
        if known is None:
            code = compile(script, filename, "exec", self._flags, dont_inherit=True)
            self.missed = True
        else:
            code, stored_salt = known
            if salt is not None and stored_salt is not None and stored_salt != salt:
                code = resalted(code, stored_salt, salt)
        self.used[key] = (code, salt)
        return code


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
        store(path, marked(lookup.used))


def marked(compiled: Mapping[bytes, Entry]) -> Compiled:
    """``compiled`` with each salt replaced by :data:`SALT_MARK`, as it is stored."""
    return {
        key: (code, None)
        if salt is None
        else (resalted(code, salt, SALT_MARK), SALT_MARK)
        for key, (code, salt) in compiled.items()
    }
