"""A decision key's session date is spelled from the kept text of its date.

``sqlite_rows._key_text`` keeps the ``isoformat`` of each session date it spells
(``_DATES``, cleared when full): for any dates, in any order and repeated, and
however full the table is, the key's text equals ``codec.to_json``'s.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import key as make_key
from tradecore.adapters.sqlstore import codec, sqlite_rows


@settings(max_examples=200)
@given(
    days=st.lists(st.dates(min_value=date(1, 1, 1)), min_size=1, max_size=6),
    full=st.booleans(),
)
def test_a_key_text_spells_its_date_as_the_encoder(
    days: list[date], full: bool
) -> None:
    if full:  # the next new date empties the table first
        kept = (date.fromordinal(n + 1) for n in range(sqlite_rows._STAMPS_KEPT))
        sqlite_rows._DATES.update((d, d.isoformat()) for d in kept)
    for day in days + days[::-1]:
        key = make_key(session_date=day)
        assert sqlite_rows._key_text(key) == codec.to_json(key)
    sqlite_rows._DATES.clear()
