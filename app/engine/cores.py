"""The large products of a layer, cut in pieces that may run on several cores at once.

NumPy releases the GIL inside BLAS, so threads multiply in parallel. A large product is always
cut the same way, by examples, one piece per core, so its bits never depend on which thread
computed what (a sum over examples adds the pieces' partial sums in piece order). Whether
the pool's threads join in is measured, not assumed: on a quiet machine they nearly halve
the time; when other work holds the cores, a helper that is late or preempted mid-piece
makes the caller wait, so the engine keeps a running time per multiply-add for each way,
takes the faster, and tries the other every EXPLORE-th product to follow the machine's
load. A helper only takes pieces nobody has started: the caller never waits for a thread
that has not begun.
"""

import contextlib
import itertools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

Array = np.ndarray
# A product of at least this many multiply-adds (~0.1 ms on one core) is cut: handing a
# piece to another thread costs some 10-20 µs.
SPLIT_WORK = 1_000_000
CORES = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1, 4)
EXPLORE = 16
# The pool's threads give way to any other work that wants a core (another board's step, the
# web process's sockets): they only hurry a product along when a core would idle otherwise.
HELPER_NICE = 10
HELPERS: bool | None = None  # None: measured; True or False: always or never (benchmarks)
# (kind of product, helped or not) → recent seconds per multiply-add; each kind apart, as a
# product of another shape runs at another pace and would bias the comparison
_pace: dict[tuple[str, bool], float] = {}
_counts: "dict[str, itertools.count[int]]" = {}
_pool: tuple[int, ThreadPoolExecutor] | None = None  # (the pid that made it, the pool)


def _executor() -> ThreadPoolExecutor:
    global _pool
    if _pool is None or _pool[0] != os.getpid():  # a forked child has none of the threads
        _pool = (os.getpid(), ThreadPoolExecutor(CORES - 1, thread_name_prefix="engine",
                                                  initializer=give_way))
    return _pool[1]


def give_way(nice: int = HELPER_NICE) -> None:
    """The calling thread's nice value at least `nice` (Linux: each thread has its own, and
    a thread or process it starts inherits it); where it cannot be set, as it was."""
    if hasattr(os, "setpriority"):
        me = threading.get_native_id()
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, me, max(nice, os.getpriority(os.PRIO_PROCESS, me)))


def helped_now(kind: str) -> bool:
    """Whether the pool joins the next product of this kind: the faster way lately, the
    other way every EXPLORE-th time (and each way once before any comparison)."""
    if HELPERS is not None:
        return HELPERS
    helped, alone = _pace.get((kind, True)), _pace.get((kind, False))
    if helped is None or alone is None:
        return helped is None
    count = _counts.setdefault(kind, itertools.count())
    return (helped < alone) != (next(count) % EXPLORE == 0)


def record(kind: str, helped: bool, seconds: float, work: int) -> None:
    pace, old = seconds / work, _pace.get((kind, helped))
    _pace[kind, helped] = pace if old is None else old + 0.25 * (pace - old)


def cut(size: int) -> list[slice]:
    """range(size) in CORES pieces, as even as they come."""
    bounds = [size * i // CORES for i in range(CORES + 1)]
    return [slice(a, b) for a, b in itertools.pairwise(bounds) if b > a]


def run_split(kind: str, job: Callable[[int], object], pieces: int, work: int) -> None:
    """job(i) for every piece i < pieces, on this thread and, when that has lately been
    faster for products of this kind, the pool's; `work`: the multiply-adds, for the pace."""
    claim, lock = itertools.count(), threading.Lock()
    done = [threading.Event() for _ in range(pieces)]
    errors: list[BaseException] = []

    def take() -> None:
        while True:
            with lock:
                i = next(claim)
            if i >= pieces:
                return
            try:
                job(i)
            except BaseException as exc:  # re-raised on the calling thread
                errors.append(exc)
            finally:
                done[i].set()

    helped, start = helped_now(kind), time.perf_counter()
    if helped:
        pool = _executor()
        for _ in range(pieces - 1):
            pool.submit(take)
    take()
    for event in done:
        event.wait()
    record(kind, helped, time.perf_counter() - start, work)
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
    work = n * w.size
    if not split_pays(work):
        zt = np.dot(w, a.T)  # not `@`: matmul's gufunc costs ~0.5 µs more a call
        zt += b[:, None]
        return zt.T
    zt, pieces = np.empty((w.shape[0], n)), cut(n)

    def examples(i: int) -> None:
        s = pieces[i]
        np.matmul(w, a[s].T, out=zt[:, s])
        zt[:, s] += b[:, None]

    run_split("affine", examples, len(pieces), work)
    return zt.T


def outer_sum(d: Array, a: Array, out: Array | None = None) -> Array:
    """dᵀ a: (n, n_out)ᵀ (n, n_in) → (n_out, n_in), summed over the n examples. A large product
    is cut by examples: each piece's partial sum, then their sum in piece order (cutting by
    inputs instead costs some 10% more on one core: BLAS reads x's columns in strips).
    Written into `out` (C order) if given: the same sums, bit for bit."""
    work = d.size * a.shape[1]
    if not split_pays(work):
        return np.dot(d.T, a, out=out)
    pieces = cut(d.shape[0])
    parts = np.empty((len(pieces), d.shape[1], a.shape[1]))
    run_split("outer_sum", lambda i: np.matmul(d[pieces[i]].T, a[pieces[i]], out=parts[i]),
              len(pieces), work)
    return np.add.reduce(parts, axis=0, out=out)
