"""The cyclic garbage collector's young generation, spaced out for a batch run.

Why: a replay holds each order's records (intent, decision, outcome, fill: about a
dozen tracked objects an order) until its batch commits, and the report builds
tables of short-lived rows. At CPython's default young threshold (700 new objects)
a collection started every few orders, walked those objects as young and, once
they survived, again as middle-aged, and found nothing to free: reference counting
frees them when the batch commits. With a young threshold of 50,000 for the whole
run, a 10 x 5k replay costs about 27 K instructions an order less (cachegrind,
the same tree with and without it: 1,178 K to 1,151 K; widening it only while a
write-behind unit of work was open saved about 10 K). The collector still runs: cyclic garbage is freed at most
that many allocations later.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: The young generation's collection threshold during a batch run (CPython's
#: default is 700 objects).
YOUNG_THRESHOLD = 50_000


@contextmanager
def young_generation_widened(threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """Raise the collector's young-generation threshold to ``threshold`` while the
    block runs (a higher one is kept; the older generations' are left alone),
    then restore the thresholds found, however the block ends.

    Usable as a decorator. The thresholds are the interpreter's: a threaded
    program that changes them from several threads should not use this.
    """
    found = gc.get_threshold()
    if found[0] < threshold:
        gc.set_threshold(threshold, found[1], found[2])
    try:
        yield
    finally:
        gc.set_threshold(*found)
