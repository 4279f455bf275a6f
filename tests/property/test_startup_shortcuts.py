"""Start-up shortcuts against the library calls they stand for.

Each one skips an import a short replay paid for (``numpy.ma``, ``email.parser``,
``statistics``, ``html``) and must answer exactly what the call it replaces
answers: the median of integer gaps and the volume-spike windows' medians
(``numpy.ma``), the report's downsampled indices (``numpy.ma``, ``np.unique``), the
standard normal CDF (``statistics``), the report's HTML escape (``html``), the
frames present, the version header.
"""

from __future__ import annotations

import email
import html
import math
from statistics import NormalDist

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tradecore.adapters.calendar.schedule_cache import header_version
from tradecore.adapters.report.downsample import sorted_unique
from tradecore.adapters.report.escaping import escape
from tradecore.domain.market.bar_quality import median_gap, window_medians
from tradecore.domain.research.statistics import normal_cdf
from tradecore.services.trading.replay import frames_present

_INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_STAMPS = st.lists(_INT64, min_size=1, max_size=60).map(
    lambda xs: np.asarray(xs, dtype=np.int64)
)


@given(_STAMPS, st.booleans())
def test_the_median_of_integer_gaps_is_the_float_median(
    gaps: np.ndarray, near: bool
) -> None:
    if near:  # bar intervals: small, many repeats
        gaps = gaps % 5_000 * 60_000_000_000
    want = np.median(gaps.astype(np.float64))
    got = median_gap(gaps)
    assert type(got) is float
    assert got == float(want) or (np.isnan(got) and np.isnan(want))


#: Sound volumes (finite, >= 0) with ties and zeros of both signs, as the gate sees.
_VOLUMES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, 5.0, 1e9]),
    st.floats(0.0, 1e12, allow_nan=False, allow_infinity=False),
)


@given(st.integers(1, 25), st.integers(0, 6), st.data())
def test_window_medians_are_numpy_s_medians(
    width: int, rows: int, data: st.DataObject
) -> None:
    values = data.draw(st.lists(_VOLUMES, min_size=width * rows, max_size=width * rows))
    windows = np.asarray(values, dtype=np.float64).reshape(rows, width)
    got = window_medians(windows)
    assert got.dtype == np.float64
    assert got.tolist() == np.median(windows, axis=1).tolist()


@given(st.one_of(st.floats(), st.floats(-40.0, 40.0)))
def test_the_normal_cdf_is_the_standard_library_s(x: float) -> None:
    want = NormalDist().cdf(x)
    got = normal_cdf(x)
    assert got == want or (math.isnan(got) and math.isnan(want))


@given(st.text() | st.text(alphabet="&<>\"'a;#x27"))
def test_the_report_s_escape_is_the_standard_library_s(text: str) -> None:
    assert escape(text) == html.escape(text)


@given(_STAMPS | st.lists(st.integers(0, 30), max_size=60).map(np.asarray))
def test_sorted_unique_is_numpy_s_unique(values: np.ndarray) -> None:
    values = values.astype(np.int64)
    got = sorted_unique(values)
    assert got.dtype == np.int64
    assert got.tolist() == np.unique(values).tolist()
    assert sorted_unique(values[:0]).tolist() == []


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=80))
def test_frames_present_are_numpy_s_unique_frames(indexes: list[int]) -> None:
    frame_index = np.asarray(indexes, dtype=np.int32)
    assert frames_present(frame_index) == np.unique(frame_index).tolist()


_NAMES = st.sampled_from(
    ["Metadata-Version", "Name", "Version", "version", "VERSION", "Summary", "X-Y"]
)
_VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r"),
    max_size=12,
)
_LINES = st.one_of(
    st.tuples(_NAMES, _VALUES).map(lambda nv: f"{nv[0]}:{nv[1]}"),
    st.tuples(_NAMES, _VALUES).map(lambda nv: f"{nv[0]}: {nv[1]}"),
    _VALUES.map(lambda v: f" {v}"),  # a continuation line
    _VALUES,  # anything, a blank line included
)


@given(st.lists(_LINES, max_size=8), st.sampled_from(["", "\n", "\n\nbody\n"]))
def test_the_version_header_is_what_email_reads(lines: list[str], tail: str) -> None:
    text = "\n".join(lines) + tail
    version = header_version(text)
    if version is not None:  # otherwise the caller asks importlib.metadata
        assert version == email.message_from_string(text)["Version"]


def test_a_plain_metadata_header_is_read() -> None:
    text = "Metadata-Version: 2.1\nName: pandas\nVersion: 3.1.1\n\nVersion: 9\n"
    assert header_version(text) == "3.1.1"
    assert header_version("Name: x\n\nVersion: 1\n") is None
    assert header_version("Version: 1\n  folded\n") is None
    assert header_version(None) is None
