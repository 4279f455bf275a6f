"""Leakage: where a computation used data from after the time it stands for.

The check (strategies: their decisions; feature sets: their matrix) runs on the data
truncated at several cut points and compares everything up to each cut with the run
on all the data. A point-in-time computation gives the same values either way; the
first difference is the first place it used the future. This module holds the result
types both checks share.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from tradecore.domain.hashing import canonical_bytes


@attrs.frozen(kw_only=True, slots=True)
class Leak:
    """The first value that changed when later data was removed."""

    #: The cut: data after this timestamp (ns since epoch, UTC) was removed.
    cut_ns: int
    #: The bar (ns) and symbol whose value differs.
    timestamp_ns: int
    symbol: str
    #: What differs: a feature name, or ``"decision"`` for a strategy's targets.
    what: str
    #: The value with all the data, and with the truncated data (as text).
    full: str
    truncated: str

    def describe(self) -> str:
        """One line naming the first bar and symbol where the future was used."""
        return (
            f"{self.what} of {self.symbol} at {_iso(self.timestamp_ns)} "
            f"changed when data after {_iso(self.cut_ns)} was removed "
            f"({self.full} with all data, {self.truncated} without): it used the future"
        )


@attrs.frozen(kw_only=True, slots=True)
class LeakageReport:
    """What a leakage check compared, and the first leak (``None``: none found)."""

    #: The cut points checked (ns), in time order.
    cuts_ns: tuple[int, ...]
    #: What was checked: ``"strategy:<name>"`` or ``"features:<schema hash>"``.
    subject: str
    leak: Leak | None = None

    @property
    def passed(self) -> bool:
        """No cut changed anything before it."""
        return self.leak is None

    def to_dict(self) -> dict[str, object]:
        """JSON primitives (model cards, gate results, manifests)."""
        return {
            "subject": self.subject,
            "passed": self.passed,
            "cuts_ns": list(self.cuts_ns),
            "leak": None if self.leak is None else attrs.asdict(self.leak),
        }

    def digest_bytes(self) -> bytes:
        """The canonical bytes of :meth:`to_dict` (what a manifest binds)."""
        return canonical_bytes(self.to_dict())


def _iso(ns: int) -> str:
    """``ns`` since the epoch as an ISO UTC time (to the microsecond)."""
    return (
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=ns // 1000)
    ).isoformat()
