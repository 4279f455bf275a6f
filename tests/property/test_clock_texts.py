"""Stamps spelled with the kept clock times are numpy's spelling, call after call.

``stamp_texts.second_texts`` spells each second of the day once per run and keeps
it by separator (``_CLOCKS``), forgetting a separator's when they would pass
``_CLOCKS_KEPT``. For any stamps (any second of the day, before 1970 and up to
where int64 ns end, NaT) and any separator, in any order of calls, with the kept
times cold, warm or just forgotten, the texts must be what numpy spells.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradecore.adapters.report import stamp_texts
from tradecore.adapters.report.stamp_texts import second_texts

_STAMPS = st.lists(
    st.one_of(
        st.integers(0, 2**63 - 1),
        st.integers(0, 3 * 86_400).map(lambda s: s * 1_000_000_000),
        st.integers(-(2**63), -1),  # before 1970, NaT: numpy's own spelling
    ),
    max_size=30,
)
_SEPARATORS = st.sampled_from(["T", " ", "", "T ", "\n"])


def _numpy_seconds(stamps: np.ndarray, sep: str) -> list[str]:
    text = np.datetime_as_string(stamps.view("datetime64[ns]"), unit="s")
    return [t.replace("T", sep, 1) if sep != "T" else t for t in text.tolist()]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(_STAMPS, _SEPARATORS), min_size=1, max_size=6),
    st.integers(1, 40),
)
def test_kept_clock_times_spell_as_numpy(
    calls: list[tuple[list[int], str]], kept: int
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stamp_texts, "_CLOCKS", {})
        patch.setattr(stamp_texts, "_CLOCKS_KEPT", kept)
        for values, sep in calls:
            stamps = np.array(values, dtype=np.int64)
            assert second_texts(stamps, sep) == _numpy_seconds(stamps, sep)
