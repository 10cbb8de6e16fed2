"""The large products of a layer, split across the machine's cores.

NumPy releases the GIL inside BLAS, so threads multiply in parallel. A product is cut into
pieces that the calling thread and the pool's threads claim one at a time: when the other
cores are busy (another board training, a test run) the caller simply does more pieces
itself and never waits for a thread that has not started. No cut splits a sum: every
entry of the result is the same sum over the same terms as unsplit.
"""

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

Array = np.ndarray
# A product of at least this many multiply-adds (~0.1 ms on one core) is split: handing a
# piece to another thread costs some 10-20 µs.
SPLIT_WORK = 1_000_000
CORES = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1, 4)
PIECES_PER_CORE = 2  # small enough to even out a late start, large enough for BLAS
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (the pid that made it, the pool)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None or _pool[0] != os.getpid():  # a forked child has none of the threads
        _pool = (os.getpid(), ThreadPoolExecutor(CORES - 1, thread_name_prefix="engine"))
    return _pool[1]


def run_split(job: Callable[[slice], object], size: int) -> None:
    """job(piece) for every piece of range(size), on this thread and the pool's."""
    k = CORES * PIECES_PER_CORE
    cuts = [size * i // k for i in range(k + 1)]
    pieces = [slice(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    claim, lock = itertools.count(), threading.Lock()
    done = [threading.Event() for _ in pieces]
    errors: list[BaseException] = []

    def work() -> None:
        while True:
            with lock:
                i = next(claim)
            if i >= len(pieces):
                return
            try:
                job(pieces[i])
            except BaseException as exc:  # re-raised on the calling thread
                errors.append(exc)
            finally:
                done[i].set()

    pool = _executor()
    for _ in range(CORES - 1):
        pool.submit(work)
    work()
    for event in done:
        event.wait()
    if errors:
        raise errors[0]


def split_pays(work: int) -> bool:
    return CORES > 1 and work >= SPLIT_WORK


def affine(a: Array, w: Array, b: Array) -> Array:
    """a wᵀ + b: (n, n_in) (n_out, n_in)ᵀ + (n_out,) → (n, n_out), held column by column (F
    order, (w aᵀ)ᵀ): BLAS writes it faster, and a sum or max across a narrow layer (softmax)
    then runs along contiguous columns, some 15× faster. A large product is split by
    examples."""
    n = a.shape[0]
    if not split_pays(n * w.size):
        zt = w @ a.T
        zt += b[:, None]
        return zt.T
    zt = np.empty((w.shape[0], n))

    def examples(s: slice) -> None:
        np.matmul(w, a[s].T, out=zt[:, s])
        zt[:, s] += b[:, None]

    run_split(examples, n)
    return zt.T


def outer_sum(d: Array, a: Array) -> Array:
    """dᵀ a: (n, n_out)ᵀ (n, n_in) → (n_out, n_in), summed over the n examples; a large
    product is split by inputs (columns of a), each entry still one sum over all examples."""
    if not split_pays(d.size * a.shape[1]):
        return d.T @ a
    g = np.empty((d.shape[1], a.shape[1]))
    run_split(lambda s: np.matmul(d.T, a[:, s], out=g[:, s]), a.shape[1])
    return g
