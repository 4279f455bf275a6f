"""Feature sets: declaration checks, the schema hash, the matrix, TOML, labels."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.domain.features.support import CALENDAR, bars, every_kind
from tradecore.domain.errors import InvalidInput
from tradecore.domain.features import (
    FeatureSet,
    FeatureSpec,
    Label,
    labelled,
    parse_features,
    to_toml,
)
from tradecore.domain.features.kinds import KINDS, FeatureKind, unit_ranks
from tradecore.domain.market.bar_frame import data_fingerprint
from tradecore.domain.market.technical import rsi_array


def test_schema_lists_resolved_params_and_versions() -> None:
    fs = FeatureSet([FeatureSpec("r", "return", {"n": 5}), FeatureSpec("rsi", "rsi")])
    schema = fs.schema()
    assert schema["format"] == "tradecore.featureset/1"
    assert schema["features"] == [
        {"name": "r", "kind": "return", "version": 1, "params": {"log": False, "n": 5}},
        {"name": "rsi", "kind": "rsi", "version": 1, "params": {"period": 14}},
    ]


def test_schema_hash_is_stable_and_tracks_every_part() -> None:
    base = FeatureSet([FeatureSpec("r", "return", {"n": 5})])
    same = FeatureSet([FeatureSpec("r", "return", {"n": 5, "log": False})])
    assert base.schema_hash() == same.schema_hash()  # defaults spelled out or not
    assert len(base.schema_hash()) == 64
    others = [
        FeatureSet([FeatureSpec("r", "return", {"n": 6})]),
        FeatureSet([FeatureSpec("r2", "return", {"n": 5})]),
        FeatureSet([FeatureSpec("r", "return", {"n": 5, "log": True})]),
    ]
    assert len({base.schema_hash(), *(o.schema_hash() for o in others)}) == 4


def test_a_kind_version_bump_changes_the_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    before = FeatureSet([FeatureSpec("rsi", "rsi")]).schema_hash()
    monkeypatch.setattr(KINDS["rsi"], "version", 2)
    assert FeatureSet([FeatureSpec("rsi", "rsi")]).schema_hash() != before


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ([FeatureSpec("a", "nope")], "unknown; known:"),
        ([FeatureSpec("a", "rsi", {"period": "14"})], "expected int, got str"),
        ([FeatureSpec("a", "rsi", {"period": True})], "expected int, got bool"),
        ([FeatureSpec("a", "rsi", {"length": 3})], "no such parameter; known: period"),
        ([FeatureSpec("a", "rsi"), FeatureSpec("a", "atr")], "declared twice"),
        ([FeatureSpec("a", "xs_rank")], "parameter is required"),
        ([FeatureSpec("a", "xs_rank", {"of": "b"})], "earlier per-symbol feature"),
        ([], "at least one feature"),
    ],
)
def test_bad_declarations_name_the_problem(
    specs: list[FeatureSpec], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        FeatureSet(specs)


def test_matrix_rows_by_time_then_symbol_with_fingerprint() -> None:
    frames = bars(("BBB", "AAA"), 50)
    fs = every_kind()
    m = fs.matrix(frames, CALENDAR)
    assert len(m) == 100
    assert m.values.shape == (100, len(fs.names))
    assert (np.diff(m.timestamps) >= 0).all()
    assert list(m.symbols[:2]) == ["AAA", "BBB"]
    assert m.dataset_fingerprint == data_fingerprint(frames)
    assert m.schema_hash == fs.schema_hash()
    aaa = frames[1]
    np.testing.assert_array_equal(
        m.column("rsi")[m.symbols == "AAA"], rsi_array(aaa.close, 5)
    )


def test_calendar_features_count_early_closes() -> None:
    # 2026-11-27 (day after Thanksgiving) closes at 13:00 New York (18:00 UTC).
    from datetime import UTC, datetime

    frames = bars(("AAA",), 5, start=datetime(2026, 11, 27, 14, 30, tzinfo=UTC))
    fs = FeatureSet(
        [
            FeatureSpec("o", "minutes_since_open"),
            FeatureSpec("c", "minutes_to_close"),
            FeatureSpec("d", "day_of_week"),
        ]
    )
    m = fs.matrix(frames, CALENDAR)
    assert m.values[0].tolist() == [0.0, 210.0, 4.0]
    assert m.values[4].tolist() == [4.0, 206.0, 4.0]


def test_unit_ranks_average_ties_and_skip_nan() -> None:
    ranks = unit_ranks(np.array([3.0, np.nan, 1.0, 3.0, 2.0]))
    np.testing.assert_array_equal(ranks, [5 / 6, np.nan, 0.0, 5 / 6, 1 / 3])
    assert unit_ranks(np.array([7.0])).tolist() == [0.5]


def test_toml_round_trip_keeps_the_schema_hash() -> None:
    fs = every_kind()
    text = to_toml(fs)
    assert parse_features(text).schema_hash() == fs.schema_hash()
    assert "[[feature]]" in text
    assert 'kind = "xs_rank"' in text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[feature]]\nname = "a"\nkind = "warp"\n',
            "feature 'a' kind='warp': unknown; known: atr",
        ),
        ('[[feature]]\nname = "a"\nkind = "rsi"\nperiod = "x"\n', "expected int"),
        (
            '[[feature]]\nname = "a"\nkind = "rsi"\n[[feature]]\nname = "a"\nkind = "atr"\n',
            "declared twice",
        ),
        ('[[feature]]\nkind = "rsi"\n', "needs name and kind"),
        ("name = 3\n", "declares no"),
        ("[[feature]\n", "not valid TOML"),
    ],
)
def test_bad_toml_gives_one_clear_error(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_features(text, "f.toml")
    assert "\n" not in str(caught.value)


def test_forward_return_labels_and_intervals() -> None:
    frames = bars(("AAA", "BBB"), 40)
    fs = FeatureSet([FeatureSpec("r", "return", {"n": 2})])
    data = labelled(fs.matrix(frames), frames, Label.parse("forward_return:3"))
    # Per symbol: 2 warm-up rows and the last 3 (no full label) are dropped.
    assert len(data) == 2 * (40 - 2 - 3)
    aaa = frames[0]
    first = np.flatnonzero(data.symbols == "AAA")[0]
    assert data.t0[first] == aaa.timestamps[2]
    assert data.t1[first] == aaa.timestamps[5]
    expected = aaa.close[5] / aaa.close[2] - 1
    assert data.forward_return[first] == expected
    assert data.y[first] == int(expected > 0)
    assert (np.diff(data.t0) >= 0).all()


@pytest.mark.parametrize(
    "text", ["forward_return", "forward_return:0", "vol:3", "forward_return:x"]
)
def test_bad_labels_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        Label.parse(text)


def test_a_custom_kind_registers_and_computes() -> None:
    from tradecore.domain.features.kinds import register_kind

    class Double(FeatureKind):
        kind = "test_double_close"

        def vectorised(self, bars):  # type: ignore[no-untyped-def]
            return bars.close * 2

        def online(self):  # type: ignore[no-untyped-def]
            return lambda bar: bar.close * 2

    register_kind(Double)
    try:
        frames = bars(("AAA",), 10)
        m = FeatureSet([FeatureSpec("d", "test_double_close")]).matrix(frames)
        np.testing.assert_array_equal(m.column("d"), frames[0].close * 2)
        with pytest.raises(InvalidInput, match="already registered"):
            register_kind(type("Other", (FeatureKind,), {"kind": "test_double_close"}))
    finally:
        KINDS.pop("test_double_close")
