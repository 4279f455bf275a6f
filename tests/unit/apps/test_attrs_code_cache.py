"""attrs' generated methods read back from the console's code cache.

The code a cached class runs must be the code attrs compiles itself (same
bytecode, constants, names, flags and string annotations); a second build finds
every script; a damaged or unwritable cache means "compile", never a failure; and
attrs' own step is back in place after the block, also when an import fails.
"""

from __future__ import annotations
import __future__

import importlib.util
import marshal
from pathlib import Path
from types import CodeType
from typing import Any

import attrs
import pytest
from attr import _make

from tradecore.apps.wiring.attrs_code_cache import (
    PATCHED_NAME,
    SALT_MARK,
    CodeLookup,
    attrs_future_flags,
    cache_file,
    cached_attrs_code,
    class_salt,
    load,
    script_key,
    unsalted_key,
)

METHODS = ("__init__", "__repr__", "__eq__", "__hash__")


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRADECORE_CACHE_DIR", str(tmp_path))
    return tmp_path


def _build() -> type:
    """A frozen attrs class like tradecore's: validators, a converter, annotations."""

    @attrs.frozen(kw_only=True)
    class Sample:
        name: str = attrs.field(validator=attrs.validators.instance_of(str))
        qty: int = attrs.field(converter=int)
        tags: tuple[str, ...] = ()

    return Sample


def _codes(cls: type) -> dict[str, CodeType]:
    return {m: getattr(cls, m).__code__ for m in METHODS}


def _same_code(a: CodeType, b: CodeType) -> bool:
    fields = ("co_code", "co_consts", "co_names", "co_varnames", "co_flags")
    same = all(getattr(a, f) == getattr(b, f) for f in fields)
    return same and a.co_filename == b.co_filename and a.co_name == b.co_name


def test_cached_classes_run_the_code_attrs_compiles() -> None:
    plain = _build()
    with cached_attrs_code("test-cmd"):
        cold = _build()
    with cached_attrs_code("test-cmd"):
        warm = _build()
    for kind in (cold, warm):
        for name, code in _codes(kind).items():
            assert _same_code(code, _codes(plain)[name]), name
        assert kind.__init__.__annotations__ == plain.__init__.__annotations__
    assert warm(name="a", qty="3") == warm(name="a", qty=3)
    assert repr(warm(name="a", qty=1)) == "Sample(name='a', qty=1, tags=())"


def test_the_annotations_future_is_matched() -> None:
    flags = attrs_future_flags(_make)
    assert flags & __future__.annotations.compiler_flag


def test_a_second_build_compiles_nothing_and_the_file_follows_the_command(
    cache_dir: Path,
) -> None:
    with cached_attrs_code("test-cmd"):
        _build()
    path = cache_file("test-cmd")
    assert path.parent == cache_dir / "attrs-code"
    assert path.name.endswith(f"{importlib.util.MAGIC_NUMBER.hex()}.marshal")
    stored = load(path)
    assert len(stored) >= 1
    lookup = CodeLookup(stored, attrs_future_flags(_make))
    original = getattr(_make, PATCHED_NAME)
    setattr(_make, PATCHED_NAME, lookup)
    try:
        _build()
    finally:
        setattr(_make, PATCHED_NAME, original)
    assert not lookup.missed
    assert set(lookup.used) <= set(stored)


def test_an_unused_entry_is_dropped_when_the_file_is_rewritten() -> None:
    path = cache_file("test-cmd")
    stale = script_key("x = 1", "<attrs generated methods gone.Class>")
    path.parent.mkdir(parents=True)
    path.write_bytes(marshal.dumps({stale: (compile("x = 1", "<gone>", "exec"), None)}))
    with cached_attrs_code("test-cmd"):
        _build()
    assert stale not in load(path)


@pytest.mark.parametrize(
    "content",
    [b"not marshal data", marshal.dumps([1, 2]), marshal.dumps({b"k": "not code"})],
)
def test_a_damaged_file_means_compile(content: bytes) -> None:
    path = cache_file("test-cmd")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert load(path) == {}
    with cached_attrs_code("test-cmd"):
        cls = _build()
    assert cls(name="a", qty=2).qty == 2
    assert load(path)  # rewritten with what was compiled


def test_an_unwritable_folder_is_skipped(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = cache_dir / "file"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("TRADECORE_CACHE_DIR", str(blocker))
    with cached_attrs_code("test-cmd"):
        cls = _build()
    assert cls(name="a", qty=2).name == "a"


def test_attrs_own_step_is_restored_also_when_an_import_fails() -> None:
    original: Any = getattr(_make, PATCHED_NAME)
    during: list[object] = []

    def failing_import() -> None:
        during.append(getattr(_make, PATCHED_NAME))
        raise ImportError("a command module failed to import")

    with pytest.raises(ImportError), cached_attrs_code("test-cmd"):
        failing_import()
    assert isinstance(during[0], CodeLookup)
    assert getattr(_make, PATCHED_NAME) is original
    assert not cache_file("test-cmd").exists()  # nothing stored for a failed build


def _same_but_salt_columns(a: CodeType, b: CodeType) -> bool:
    """Equal code but for the column span of a constant (the salt's width)."""
    fields = ("co_code", "co_names", "co_varnames", "co_flags", "co_filename")
    fields += ("co_name", "co_qualname", "co_firstlineno", "co_exceptiontable")
    if any(getattr(a, f) != getattr(b, f) for f in fields):
        return False
    if list(a.co_lines()) != list(b.co_lines()) or len(a.co_consts) != len(b.co_consts):
        return False
    for x, y in zip(a.co_consts, b.co_consts, strict=True):
        nested = isinstance(x, CodeType) and isinstance(y, CodeType)
        if not (
            _same_but_salt_columns(x, y) if nested else x == y and type(x) is type(y)
        ):
            return False
    return True


def test_code_stored_under_another_hash_seed_gets_this_process_s_salt() -> None:
    scripts: list[tuple[str, str]] = []
    original = getattr(_make, PATCHED_NAME)

    def spy(script: str, globs: Any, locs: Any = None, filename: str = "") -> None:
        scripts.append((script, filename))
        original(script, globs, locs, filename)

    setattr(_make, PATCHED_NAME, spy)
    try:
        _build()
    finally:
        setattr(_make, PATCHED_NAME, original)
    ((script, filename),) = [s for s in scripts if "def __hash__" in s[0]]
    salt = class_salt(filename)
    assert f" {salt},\n" in script  # attrs' salt: hash() of the class's name
    flags = attrs_future_flags(_make)
    attrs_own = compile(script, filename, "exec", flags, dont_inherit=True)
    for other in (7, -(2**62) - 12345):  # another process's salt, narrower or wider
        foreign_script = script.replace(f" {salt},\n", f" {other},\n")
        foreign = compile(foreign_script, filename, "exec", flags, dont_inherit=True)
        key, stored_salt = unsalted_key(foreign_script, filename, other)
        assert stored_salt == other  # what the other process stored
        lookup = CodeLookup({key: (foreign, other)}, flags)
        found = lookup.code(script, filename)  # the key holds no salt: found
        assert not lookup.missed
        assert _same_but_salt_columns(found, attrs_own)
        assert found != foreign


def _int_consts(code: CodeType) -> set[int]:
    found = {c for c in code.co_consts if type(c) is int}
    for nested in code.co_consts:
        if isinstance(nested, CodeType):
            found |= _int_consts(nested)
    return found


def test_the_file_holds_the_mark_not_this_process_s_salt() -> None:
    with cached_attrs_code("test-cmd"):
        cls = _build()
    stored = load(cache_file("test-cmd"))
    salts = [salt for _, salt in stored.values() if salt is not None]
    assert salts
    assert set(salts) == {SALT_MARK}
    process_salt = class_salt(cls.__hash__.__code__.co_filename)
    assert process_salt is not None
    assert all(process_salt not in _int_consts(code) for code, _ in stored.values())
    with cached_attrs_code("test-cmd"):
        warm = _build()
    assert hash(warm(name="a", qty=1)) == hash(cls(name="a", qty=1))
