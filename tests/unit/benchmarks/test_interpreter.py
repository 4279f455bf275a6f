"""The benchmarks' interpreter line says whether CPython was built with PGO and LTO."""

from benchmarks.interpreter import interpreter_line


def test_a_plain_source_build_is_named_as_such() -> None:
    line = interpreter_line("'--prefix=/root/.pyenv/versions/3.11.7' '--enable-shared'")
    assert "built without PGO or LTO" in line
    assert "plain source build" in line


def test_an_optimized_build_names_both_optimizations() -> None:
    line = interpreter_line("'--enable-optimizations' '--with-lto' '--enable-shared'")
    assert line.endswith("built with PGO and LTO")


def test_a_half_optimized_build_names_what_it_lacks() -> None:
    line = interpreter_line("'--enable-optimizations'")
    assert line.endswith("built with PGO, without LTO")


def test_the_running_interpreter_is_named() -> None:
    assert interpreter_line().startswith("interpreter: CPython 3.")
