"""Elementwise update work spread over a few threads, in large contiguous chunks.

NumPy's ufuncs run on one core, but they release the GIL inside every call on
a large array, so threads that each update their own contiguous chunk of a
parameter (and of its optimizer state) run truly in parallel. PyTorch's
optimizers use every core this way; minigrad's did not: an Adam step over 1M
float32 parameters took 2.9 ms on one thread, 1.7 ms on two (PyTorch 1.2 ms).

Chunks must be large: a ufunc call costs about a microsecond whatever its
size, and handing work to a thread costs tens of microseconds, so 64K-element
blocks gained only 10%. Arrays below ``MIN_PARALLEL_SIZE`` elements stay on
the calling thread, and a parallel update is cut into at most two chunks per
thread, each at least ``MIN_CHUNK`` elements long.

The results are bit-identical for any thread count: an update applies the
same IEEE operations to each element whatever chunk it falls in (no
reductions run through here), so only the order in which elements are
visited changes.

The number of threads (the calling thread included) comes from, first to last:
:func:`set_num_threads`; ``$MINIGRAD_NUM_THREADS``; ``$OMP_NUM_THREADS`` (the
variable PyTorch's CPU threads and OpenBLAS also obey, often set to 1 to share
a machine); else the cores this process may run on (``os.sched_getaffinity``),
divided among the MPI ranks on this node when launched by ``mpiexec`` (Open
MPI's or MPICH's rank-count variables; 1 thread when the local count is
unknown). With 1 thread nothing is chunked: the update function runs once on
the whole arrays, exactly as before this module existed.

Oversubscription: the pool's threads only run NumPy ufuncs (never a BLAS call),
and the thread that asked for the work waits for it, so BLAS's threads and the
pool never compute at the same time; at any moment at most
max(BLAS threads, pool threads) threads are busy. Whether the pool pays is
measured, not assumed: other processes may hold the cores, and a BLAS library's
threads keep spinning on them for a while after each matrix product (on a
shared 2-core machine a 784 000-element SGD update inside an MNIST training
step took 233 to 254 us on one thread and 325 to 359 us on two). So each large
update is timed both ways and runs the way that measured faster (``ADAPTIVE``,
``_choose``).

The pool is created on first use, and a forked child (multiprocessing
workers, ``DataLoader`` workers) drops its parent's pool, whose threads did not
survive the fork, and builds its own when needed. CuPy arrays never come here: one GPU kernel already
covers the whole array.
"""
from __future__ import annotations

import itertools
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from minigrad.scalars import is_integer

# A hand-off to a pool thread and back costs about 25 us; at 256K float32 elements an Adam
# update takes about 400 us, so the hand-off is under a tenth of it. Measured on a shared
# 2-core VM (docs/performance.md), a second thread lost 1.6x at 64K elements, 1.2x at
# 256K and 1.1x at 1M: smaller arrays would only lose more.
MIN_PARALLEL_SIZE = 1 << 18
MIN_CHUNK = 1 << 17
# Chunk boundaries fall on multiples of this many elements (4 KiB of float32), so
# two threads never write to the same cache line.
_ALIGN = 1024

# Whether a large update runs in parallel is decided by timing it both ways, per update
# function, size and dtype (``_choose``): the calling thread alone first, then the pool (each
# twice, the first call untimed), then the faster of the two (a moving average of each). The
# slower one is timed again, so that a change of load is noticed, once the calls since it
# last ran have taken EXPLORE times what it costs over the faster: re-timing costs at most
# 1/EXPLORE of the time, and two ways close in time are compared often. (Every 32nd call
# instead cost SGD's 1M-parameter step 5% on a 2-core VM: 146 us alone, 388 on the pool.)
# The pool counts as faster only when its average is under POOL_PAYS times the calling thread's: a hand-off that
# a busy core delays costs far more than the same delay alone (a pool call after PyTorch's step, whose OpenMP
# threads still spin, took 0.6 to 4 ms against 0.36 alone), so a near tie goes to the calling thread, and is
# re-timed as rarely as a difference of POOL_PAYS. Twelve alternating runs of the 1M-parameter SGD, momentum and
# Nesterov rows against b6eb52f (one thread), medians: 1.03 to 1.06, 1.00 to 1.11 and 1.01 to 1.06 with the
# plain faster-of-two rule; with this one 1.035, 1.028 and 0.982, and over three such sets pooled 1.026, 1.024
# and 1.003 (docs/performance.md, session 36).
# ADAPTIVE = False always uses the pool (the tests of the chunking).
ADAPTIVE = True
EXPLORE = 100
POOL_PAYS = 0.9
# (update's code, array size, dtype) -> [seconds alone, seconds on the pool (moving averages;
# None before a way's first call, 0.0 after it), calls since the slower way last ran]. Not
# thread-safe: updates from several threads at once would time each other's contention (the
# optimizers call it from one thread).
_timings = {}
_clock = time.perf_counter

_ENV = "MINIGRAD_NUM_THREADS"
_num_threads = None          # set_num_threads's value, else None: read the environment
_default = None              # default_num_threads(), once read
_pool = None                 # ThreadPoolExecutor of num_threads - 1 workers, made on first use
_pool_size = 0
_lock = threading.Lock()


class _Worker(threading.local):
    """Per thread: whether it is running an update that ``elementwise`` split or timed alone (then an elementwise
    call inside that update is not split again). A class default, as a missing thread-local attribute read through
    ``getattr(..., False)`` cost 270 ns."""
    active = False


_in_worker = _Worker()


def _local_mpi_ranks():
    """The number of MPI ranks on this node under mpiexec: a count, 0 if unknown, None outside MPI."""
    for var in ("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "MV2_COMM_WORLD_LOCAL_SIZE",
                "SLURM_NTASKS_PER_NODE"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    if any(var in os.environ for var in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "PMI_RANK")):
        return 0
    return None


def _positive_int_from_env(var):
    value = os.environ.get(var, "").strip()
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"${var} must be a positive integer, got {value!r}")
    return n


def default_num_threads() -> int:
    """The thread count without :func:`set_num_threads`: see the module's docstring for the order."""
    n = _positive_int_from_env(_ENV)
    if n is not None:
        return n
    omp = os.environ.get("OMP_NUM_THREADS", "").strip().split(",")[0]
    if omp.isdigit() and int(omp) > 0:
        return int(omp)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # no sched_getaffinity (macOS, Windows)
        cores = os.cpu_count() or 1
    ranks = _local_mpi_ranks()
    if ranks is None:
        return max(1, cores)
    if ranks == 0:
        return 1
    # mpiexec may bind each rank to its own cores (then the affinity already says so) or not.
    return max(1, min(cores, (os.cpu_count() or 1) // ranks))


def get_num_threads() -> int:
    """The number of threads elementwise updates use, the calling thread included."""
    global _default
    if _num_threads is not None:
        return _num_threads
    if _default is None:   # read once: the environment is not re-read on every update
        _default = default_num_threads()
    return _default


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (the calling thread included) for large elementwise updates; 1 turns threading off.

    ``set_num_threads(None)`` goes back to the default (``$MINIGRAD_NUM_THREADS``, ...).
    """
    global _num_threads
    if n is not None:
        if not is_integer(n) or n < 1:
            raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
        n = int(n)
    global _default
    _num_threads, _default = n, None   # the pool stays: a smaller count submits to fewer of its workers
    _timings.clear()                   # times on the pool were for the old count


def _shutdown_pool():
    global _pool, _pool_size
    if _pool is not None:
        _pool.shutdown(wait=False)
    _pool, _pool_size = None, 0


def _forget_pool_after_fork():
    # The child has only the forking thread: the parent's workers are gone, and so may be
    # the lock's owner. Start afresh; the next parallel update builds a new pool.
    global _pool, _pool_size, _lock, _default
    _pool, _pool_size, _default = None, 0, None
    _lock = threading.Lock()
    _timings.clear()   # the child may read another thread count, and its pool is not the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


def _get_pool(workers):
    global _pool, _pool_size
    with _lock:
        if _pool is None or _pool_size < workers:
            _shutdown_pool()
            _pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="minigrad-elementwise")
            _pool_size = workers
        return _pool


def _chunk_bounds(size, threads):
    """Start/stop offsets of at most two chunks per thread, each >= MIN_CHUNK and aligned to _ALIGN."""
    chunks = max(1, min(2 * threads, size // MIN_CHUNK))
    step = -(-size // chunks)
    step = -(-step // _ALIGN) * _ALIGN
    return [(start, min(start + step, size)) for start in range(0, size, step)]


# Marks the arrays an update does not take: ``elementwise`` names its arguments instead of taking ``*arrays``
# because CPython 3.11 runs a call to a function with ``*args``, and a call ``f(*arrays)``, through a slower
# generic path. On the tiny step (2-16-16-1 net, six small parameters) this cut the SGD step from 139,772 to
# 127,850 instructions (callgrind, python -m benchmarks.instructions).
_ABSENT = object()


def elementwise(update, a, b=_ABSENT, c=_ABSENT, d=_ABSENT, e=_ABSENT):
    """Run ``update(a, b, ...)`` on the one to five arrays given, in parallel over contiguous chunks when that pays.

    ``update`` must be elementwise: called on the same slice ``a[i:j]`` of every
    array (all of one shape), it reads and writes only those slices, so the
    chunks are independent and the result does not depend on how they are cut.
    ``None`` entries are passed through as ``None``, 0-d arrays as 1-element views. The arrays are split when
    there are several threads, they are C-contiguous NumPy arrays of one shape
    with at least ``MIN_PARALLEL_SIZE`` elements, and this call is not already
    inside an update that elementwise split or timed alone, and (with ``ADAPTIVE``) the pool has
    measured faster than this thread alone for this update and size; otherwise
    ``update`` runs once, here, on the whole arrays. An exception in any chunk
    is raised here, after every chunk has finished.
    """
    if a.size < MIN_PARALLEL_SIZE and a.ndim:   # the common case: small (0-d arrays take 1-element views below)
        if b is _ABSENT:
            update(a)
        elif c is _ABSENT:
            update(a, b)
        elif d is _ABSENT:
            update(a, b, c)
        elif e is _ABSENT:
            update(a, b, c, d)
        else:
            update(a, b, c, d, e)
        return
    _split(update, *[x for x in (a, b, c, d, e) if x is not _ABSENT])


def _split(update, *arrays):
    """``elementwise`` for a 0-d or a large first array."""
    first = arrays[0]
    if first.ndim == 0:
        # a ufunc of 0-d arrays returns a scalar, which the updates' out= and in-place steps cannot take:
        # they get 1-element views instead (writes to a view reach the 0-d array)
        update(*(None if a is None else a.reshape(1) for a in arrays))
        return
    if type(first) is not np.ndarray:   # CuPy: one kernel already covers the whole array
        update(*arrays)
        return
    threads = get_num_threads()
    if threads == 1 or _in_worker.active or first.size // MIN_CHUNK < 2:   # _chunk_bounds' one chunk: no sharing
        update(*arrays)
        return
    for a in arrays:
        if a is not None and (type(a) is not np.ndarray or a.shape != first.shape or not a.flags.c_contiguous):
            update(*arrays)
            return
    timing = _timing_of(update, first) if ADAPTIVE else None
    if timing is not None and not _choose(timing):
        t0 = _clock()
        _in_worker.active = True   # as in a chunk: an elementwise call inside update (axpy's) is not split either,
        try:                       # so that this way's time is the calling thread's alone
            update(*arrays)
        finally:
            _in_worker.active = False
        _record(timing, 0, _clock() - t0)
        return
    bounds = _chunk_bounds(first.size, threads)   # (after the choice: 0.9 us, a fifth of an update's overhead)
    flat = [None if a is None else a.reshape(-1) for a in arrays]   # views: every array is contiguous
    counter = itertools.count()

    def run_chunks():
        # Each runner takes the next chunk not yet taken, so a late or slowed thread takes fewer.
        _in_worker.active = True
        try:
            while True:
                i = next(counter)
                if i >= len(bounds):
                    return
                start, stop = bounds[i]
                update(*(None if a is None else a[start:stop] for a in flat))
        finally:
            _in_worker.active = False

    pool = _get_pool(threads - 1)
    t0 = _clock()
    futures = [pool.submit(run_chunks) for _ in range(min(threads, len(bounds)) - 1)]
    error = None
    try:
        run_chunks()
    except BaseException as exc:  # noqa: BLE001  (re-raised once the workers are done with the arrays)
        error = exc
    for future in futures:
        try:
            future.result()
        except BaseException as exc:  # noqa: BLE001
            error = error or exc
    if error is not None:
        raise error
    if timing is not None:
        _record(timing, 1, _clock() - t0)


def _timing_of(update, array):
    """The timings of ``update`` on arrays like ``array``: [seconds alone, seconds on the pool, calls since the
    slower way last ran]."""
    # The optimizers make a new update closure per step (per group or per parameter): its code object is
    # the update's identity.
    key = (getattr(update, "__code__", None) or type(update), array.size, array.dtype)
    timing = _timings.get(key)
    if timing is None:
        timing = _timings[key] = [None, None, 0]
    return timing


def _choose(timing):
    """Whether this call runs on the pool: a way not yet timed, else the faster (the pool only by POOL_PAYS), or
    the other once the calls since it last ran (``timing[2]``) have taken EXPLORE times their time difference."""
    alone, pooled, since = timing
    timing[2] = since + 1
    if not alone or not pooled:   # a way not timed yet: None, or 0.0 after its first call (_record)
        return bool(alone)
    faster = pooled < POOL_PAYS * alone
    # the other way's turn; a near tie counts as POOL_PAYS's difference, so that its re-timing stays as rare
    if since * min(alone, pooled) >= EXPLORE * max(abs(alone - pooled), (1 - POOL_PAYS) * alone):
        timing[2] = 0
        return not faster
    return faster


def _record(timing, way, seconds):
    """Fold one call's time into the average of its way (0 alone, 1 on the pool); each new call weighs 1/4.

    A way's first call only marks it (0.0): it starts the pool's threads and touches memory for the first time, and
    SGD's first pool call took 858 us against 388 later, which the slower way's rare re-timing would take hundreds of
    calls to average out.
    """
    old = timing[way]
    timing[way] = 0.0 if old is None else seconds if not old else old + 0.25 * (seconds - old)
