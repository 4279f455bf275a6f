"""The feature leakage check: point-in-time sets pass, a peek at the next bar fails."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from tests.unit.domain.features.support import CALENDAR, bars, every_kind
from tradecore.domain.features import FeatureSet, FeatureSpec, feature_leakage
from tradecore.domain.features.kinds import (
    KINDS,
    BarPoint,
    FeatureKind,
    FloatArray,
    SeriesInput,
    Updater,
    register_kind,
)


class NextBarReturn(FeatureKind):
    """Deliberately leaky: the return from this close to the NEXT bar's close."""

    kind = "test_next_bar_return"

    def vectorised(self, bars: SeriesInput) -> FloatArray:
        out = np.full(len(bars.close), np.nan)
        out[:-1] = bars.close[1:] / bars.close[:-1] - 1
        return out

    def online(self) -> Updater:
        def update(bar: BarPoint) -> float:
            return np.nan  # it cannot know the future online

        return update


@pytest.fixture
def leaky() -> Iterator[None]:
    register_kind(NextBarReturn)
    yield
    KINDS.pop(NextBarReturn.kind)


def test_every_built_in_kind_is_point_in_time() -> None:
    frames = bars(n=300)
    report = feature_leakage(every_kind(), frames, CALENDAR)
    assert report.passed, report.leak
    assert len(report.cuts_ns) == 5
    assert report.subject == f"features:{every_kind().schema_hash()}"


def test_a_feature_reading_the_next_bar_is_caught(leaky: None) -> None:
    frames = bars(n=200)
    fs = FeatureSet(
        [FeatureSpec("r", "return", {"n": 1}), FeatureSpec("peek", NextBarReturn.kind)]
    )
    report = feature_leakage(fs, frames, CALENDAR)
    assert not report.passed
    assert report.leak is not None
    assert report.leak.what == "peek"
    assert report.leak.timestamp_ns == report.leak.cut_ns  # the last bar before the cut
    assert report.leak.truncated == "nan"
    assert "peek of AAA" in report.leak.describe()
    assert report.to_dict()["passed"] is False


def test_explicit_cuts_are_used() -> None:
    frames = bars(("AAA",), 50)
    cut = int(frames[0].timestamps[20])
    report = feature_leakage(every_kind(), frames, CALENDAR, cuts=[cut])
    assert report.cuts_ns == (cut,)
    assert report.passed
