"""One BLAS thread for a command that runs on one thread: OpenBLAS's pool burns CPU.

Why: importing NumPy loads OpenBLAS, which starts a pool of one thread per core,
and those threads spin while they wait for work. A replay runs on one thread by
design (its results must not depend on scheduling) and its matrix products are
small, so the pool only costs CPU: a 100-bar replay on 2 cores took 0.54 s of CPU
with it and 0.42 s without (0.44 s wall either way; 5 runs each). OpenBLAS reads
its thread count once, when it loads, so this must run before NumPy is imported.
A user's own ``OPENBLAS_NUM_THREADS`` wins, and so does a NumPy already imported
(a notebook, a test): then nothing is changed.
"""

from __future__ import annotations

import os
import sys

#: The variable OpenBLAS (NumPy's and SciPy's bundled builds) reads its pool size from.
VARIABLE = "OPENBLAS_NUM_THREADS"


def one_blas_thread() -> bool:
    """Ask OpenBLAS for one thread if nobody chose and it has not loaded yet;
    return whether the setting was made."""
    if "numpy" in sys.modules or VARIABLE in os.environ:
        return False
    os.environ[VARIABLE] = "1"
    return True
