"""The run's data spec: written by run, read back by promote, refused when malformed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tradecore.apps.replay.research_data import DATA_SPEC_FILE, DataSpec
from tradecore.domain.errors import ConfigurationError


def test_a_spec_round_trips_through_its_file(tmp_path: Path) -> None:
    spec = DataSpec(data="/bars", quality_rule=["jump_sigmas=8"], tz="America/New_York")
    spec.write(tmp_path)
    assert DataSpec.read(tmp_path) == spec


def test_exactly_one_source_is_required() -> None:
    with pytest.raises(ConfigurationError, match="exactly one of"):
        DataSpec(demo=True, data="/bars")
    with pytest.raises(ConfigurationError, match="exactly one of"):
        DataSpec()


def test_a_missing_spec_says_to_give_the_data_again(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="give the run's data options"):
        DataSpec.read(tmp_path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"demo": true, "where": 1}', "unknown keys \\['where'\\]"),
    ],
)
def test_a_malformed_spec_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / DATA_SPEC_FILE).write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        DataSpec.read(tmp_path)


def test_the_file_is_plain_json(tmp_path: Path) -> None:
    DataSpec(demo=True).write(tmp_path)
    assert json.loads((tmp_path / DATA_SPEC_FILE).read_text())["demo"] is True
