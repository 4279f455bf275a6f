"""Settings loading: file, environment, CLI; conflicts and unknown keys are errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradecore.apps.config.settings import DEFAULT_DATABASE_URL, load_settings
from tradecore.domain.errors import ConfigurationError


def _toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tradecore.toml"
    path.write_text(text)
    return path


def test_defaults_to_the_embedded_sqlite_store() -> None:
    assert load_settings(None, {}, {}).store.url == DEFAULT_DATABASE_URL


def test_each_source_sets_the_url(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[store]\nurl = "sqlite:///a.db"\n')
    assert load_settings(path, {}, {}).store.url == "sqlite:///a.db"
    env = {"TRADECORE_DATABASE_URL": "sqlite:///b.db"}
    assert load_settings(None, env, {}).store.url == "sqlite:///b.db"
    cli = {"store.url": "sqlite:///c.db"}
    assert load_settings(None, {}, cli).store.url == "sqlite:///c.db"


def test_same_value_from_two_sources_is_fine(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[store]\nurl = "sqlite:///a.db"\n')
    env = {"TRADECORE_DATABASE_URL": "sqlite:///a.db"}
    assert load_settings(path, env, {}).store.url == "sqlite:///a.db"


def test_different_values_from_two_sources_name_both(tmp_path: Path) -> None:
    path = _toml(tmp_path, '[store]\nurl = "sqlite:///a.db"\n')
    env = {"TRADECORE_DATABASE_URL": "sqlite:///b.db"}
    with pytest.raises(ConfigurationError) as raised:
        load_settings(path, env, {})
    assert "config file" in str(raised.value)
    assert "TRADECORE_DATABASE_URL" in str(raised.value)


@pytest.mark.parametrize(
    "text",
    ['[store]\nurk = "x"\n', '[stor]\nurl = "x"\n', '[store]\ndurability = "fast"\n'],
)
def test_unknown_keys_and_bad_values_are_errors(tmp_path: Path, text: str) -> None:
    with pytest.raises(ConfigurationError, match="config"):
        load_settings(_toml(tmp_path, text), {}, {})


def test_unreadable_toml_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not valid TOML"):
        load_settings(_toml(tmp_path, "[store\n"), {}, {})
    with pytest.raises(ConfigurationError, match="config file"):
        load_settings(tmp_path / "missing.toml", {}, {})
