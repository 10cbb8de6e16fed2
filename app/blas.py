"""One BLAS thread in every process that computes: the server, its workers and helper
processes, the benchmarks and the tests (which host the server in their own process).

Two reasons. Tiny matrices on a few cores: BLAS threads only contend (a 20×20 product took
3 ms with two threads fighting). And a large product's last bits depend on how many threads
BLAS cut it into, so a step taken again in another process (a shown step's arrows, read
where the player's step is shown) equals it to the bit only with the same count.

Imports nothing that imports NumPy: call `one_thread` before NumPy is first imported.
"""

import os
from collections.abc import MutableMapping

VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread(env: MutableMapping[str, str] = os.environ) -> None:
    """`env` (a process's environment, or one for a child) asks BLAS for one thread."""
    for var in VARIABLES:
        env[var] = "1"
