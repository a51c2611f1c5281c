"""Threaded elementwise updates: bit-identical for any thread count, and the pool's rules."""
import os
import sys
import threading
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim
from minigrad.optim import threads

# Every first-order optimizer, with the options that change its update lines.
CONFIGS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adagrad", dict(lr=0.05, lr_decay=0.01, weight_decay=0.01, initial_accumulator_value=0.1)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, maximize=True)),
    ("Adadelta", dict(lr=1.0, weight_decay=0.01)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True, weight_decay=0.01)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.1)),
    ("Adamax", dict(lr=2e-3, weight_decay=0.01)),
    ("NAdam", dict(lr=2e-3, weight_decay=0.01)),
    ("NAdam", dict(lr=2e-3, weight_decay=0.01, decoupled_weight_decay=True)),
    ("RAdam", dict(lr=1e-2)),   # 8 steps: the plain momentum steps, then the rectified ones from step 6
    ("RAdam", dict(lr=1e-2, weight_decay=0.01, decoupled_weight_decay=True)),
    ("Rprop", dict(lr=0.05)),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.1), maximize=True)),
    ("ASGD", dict(lr=0.05)),
    ("ASGD", dict(lr=0.05, lambd=0.01, t0=3, weight_decay=0.01)),   # averaging from step 5 of 8
    ("ASGD", dict(lr=0.05, t0=0, maximize=True)),
]
STEPS = 8


@pytest.fixture(autouse=True)
def always_the_pool(monkeypatch):
    """The chunking itself is under test here: no update may run whole because the pool timed slower."""
    monkeypatch.setattr(threads, "ADAPTIVE", False)


@pytest.fixture
def spy_chunks(monkeypatch):
    """Records the chunk bounds of every parallel update (proof that the threaded path ran)."""
    calls = []
    real = threads._chunk_bounds

    def recording(size, n):
        bounds = real(size, n)
        calls.append(bounds)
        return bounds
    monkeypatch.setattr(threads, "_chunk_bounds", recording)
    yield calls
    threads.set_num_threads(None)


def _run(cls, kwargs, shapes, n_threads, dtype=np.float32):
    """STEPS steps from fixed data with ``n_threads`` threads: the final parameters and state arrays."""
    threads.set_num_threads(n_threads)
    rng = np.random.default_rng(0)
    params = [mg.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True) for s in shapes]
    opt = getattr(optim, cls)(params, **kwargs)
    for _ in range(STEPS):
        for p in params:
            p.grad = mg.tensor(rng.standard_normal(p.shape).astype(dtype))
        opt.step()
    arrays = [p.data.copy() for p in params]
    for p in params:
        arrays += [v.copy() for v in opt.state.get(p, {}).values() if isinstance(v, np.ndarray)]
    return arrays


@pytest.mark.parametrize("cls,kwargs", CONFIGS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(CONFIGS)])
@pytest.mark.parametrize("align", [1, 1024])
def test_every_optimizer_is_bit_identical_for_1_2_and_3_threads(monkeypatch, spy_chunks, cls, kwargs, align):
    # Small thresholds so that sizes that do not divide evenly are cut into many chunks
    # (align=1 puts chunk starts at odd offsets, where SIMD loops start unaligned).
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 1000)
    monkeypatch.setattr(threads, "MIN_CHUNK", 700)
    monkeypatch.setattr(threads, "_ALIGN", align)
    shapes = [(97, 103), (7,), (1001,)]          # 9991 and 1001 elements: prime-ish; 7 stays whole
    expected = _run(cls, kwargs, shapes, 1)
    assert spy_chunks == []                       # one thread: never chunked
    for n in (2, 3):
        got = _run(cls, kwargs, shapes, n)
        assert len(got) == len(expected)
        for a, b in zip(got, expected):
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
    assert any(len(b) > 2 and b[-1][1] - b[-1][0] != b[0][1] - b[0][0] for b in spy_chunks)


@pytest.mark.parametrize("cls,kwargs", [("Adam", dict(lr=1e-2)), ("SGD", dict(lr=0.05, momentum=0.9))])
def test_bit_identical_at_the_real_threshold(spy_chunks, cls, kwargs):
    shapes = [(threads.MIN_PARALLEL_SIZE + 4099,), (3, 5)]
    expected = _run(cls, kwargs, shapes, 1)
    for n in (2, 3):
        got = _run(cls, kwargs, shapes, n)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(got, expected))
    assert len(spy_chunks) == 2 * STEPS           # only the big parameter, once a step, for 2 and 3 threads


def test_chunks_run_on_several_threads_and_cover_the_array_once(monkeypatch):
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 10)
    monkeypatch.setattr(threads, "MIN_CHUNK", 10)
    monkeypatch.setattr(threads, "_ALIGN", 1)
    threads.set_num_threads(3)
    second_thread_ran = threading.Event()
    seen = []

    def update(x, y):
        seen.append((threading.get_ident(), x.size))
        if len(seen) == 1:     # the first chunk waits until another thread takes a chunk
            assert second_thread_ran.wait(30)
        elif seen[-1][0] != seen[0][0]:
            second_thread_ran.set()
        x += y

    x, y = np.zeros(1001, np.float32), np.arange(1001, dtype=np.float32)
    try:
        threads.elementwise(update, x, y)
    finally:
        threads.set_num_threads(None)
    np.testing.assert_array_equal(x, y)
    assert len({ident for ident, _ in seen}) >= 2
    assert sum(size for _, size in seen) == 1001 and len(seen) == 6   # two chunks per thread


def _calls(n_threads, *arrays, min_size=10):
    """The argument tuples ``update`` received."""
    received = []
    threads.set_num_threads(n_threads)
    old = threads.MIN_PARALLEL_SIZE, threads.MIN_CHUNK
    threads.MIN_PARALLEL_SIZE, threads.MIN_CHUNK = min_size, 1
    try:
        threads.elementwise(lambda *a: received.append(a), *arrays)
    finally:
        threads.MIN_PARALLEL_SIZE, threads.MIN_CHUNK = old
        threads.set_num_threads(None)
    return received


def test_what_stays_on_the_calling_thread_in_one_call_on_the_whole_arrays():
    big = np.zeros(5000, np.float32)
    cases = [
        _calls(1, big, big.copy()),                           # one thread: today's code path
        _calls(4, big, big.copy(), min_size=10_000),          # below the size threshold
        _calls(4, big, np.zeros((5000, 2), np.float32)[:, 0]),  # a strided view
        _calls(4, np.zeros((50, 100), np.float32).T, big),    # Fortran order
        _calls(4, big, np.zeros(4999, np.float32)),           # shapes differ
        _calls(4, big.view(np.memmap), big),                  # not a plain ndarray (CuPy's arrays neither)
    ]
    for received in cases:
        assert len(received) == 1
    assert received[0][1] is big and cases[0][0][0] is big   # the very same arrays, no views


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(7,), ()])
def test_update_gets_every_array_it_was_given_in_order(count, shape):
    # elementwise spells out its five parameters (its small path calls update without *args): with a small
    # array, and with a 0-d one (1-element views), update gets exactly the arrays given, None included
    arrays = [np.full(shape, i, np.float32) for i in range(count)]
    if count > 2:
        arrays[1] = None
    (received,) = _calls(1, *arrays, min_size=10_000)
    assert len(received) == count
    for got, given in zip(received, arrays):
        if given is None:
            assert got is None
        elif shape:
            assert got is given
        else:
            assert got.shape == (1,) and np.shares_memory(got, given)


def test_none_operands_pass_through_to_every_chunk():
    received = _calls(2, np.zeros(5000, np.float32), None)
    assert len(received) > 1 and all(args[1] is None for args in received)


def test_an_error_in_a_chunk_is_raised_after_every_chunk_finished(monkeypatch):
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 10)
    monkeypatch.setattr(threads, "MIN_CHUNK", 100)
    threads.set_num_threads(2)
    done = []

    def update(x):
        if x[0] == 0:
            raise FloatingPointError("first chunk")
        done.append(x.size)

    try:
        with pytest.raises(FloatingPointError, match="first chunk"):
            threads.elementwise(update, np.arange(4096, dtype=np.float32))
    finally:
        threads.set_num_threads(None)
    assert sum(done) == 4096 - 1024   # four chunks of 1024; every other chunk still ran


def test_a_nested_call_from_a_chunk_runs_in_place(monkeypatch):
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 10)
    monkeypatch.setattr(threads, "MIN_CHUNK", 10)
    threads.set_num_threads(2)
    inner_calls = []

    def outer(x):
        threads.elementwise(lambda y: inner_calls.append(y.size), x)

    try:
        threads.elementwise(outer, np.zeros(4096, np.float32))
    finally:
        threads.set_num_threads(None)
    assert sorted(inner_calls) == [1024] * 4   # each chunk's inner call ran whole, not split again


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_num_threads_rejects_bad_values(bad):
    with pytest.raises(ValueError, match=f"set_num_threads: expected a positive integer, got {bad!r}"):
        mg.set_num_threads(bad)


def test_set_num_threads_and_get_num_threads_from_the_top_level():
    try:
        mg.set_num_threads(3)
        assert mg.get_num_threads() == 3
        mg.set_num_threads(np.int64(1))
        assert mg.get_num_threads() == 1
    finally:
        mg.set_num_threads(None)
    assert mg.get_num_threads() == threads.default_num_threads()


_THREAD_VARS = ("MINIGRAD_NUM_THREADS", "OMP_NUM_THREADS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS",
                "MV2_COMM_WORLD_LOCAL_SIZE", "SLURM_NTASKS_PER_NODE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE",
                "PMIX_RANK", "PMI_RANK")


@pytest.fixture
def clean_env(monkeypatch):
    for var in _THREAD_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    return monkeypatch


def test_default_is_the_cores_available(clean_env):
    assert threads.default_num_threads() == 6


def test_environment_variables_in_order(clean_env):
    clean_env.setenv("OMP_NUM_THREADS", "2")
    assert threads.default_num_threads() == 2
    clean_env.setenv("MINIGRAD_NUM_THREADS", "5")
    assert threads.default_num_threads() == 5
    clean_env.setenv("MINIGRAD_NUM_THREADS", "0")
    with pytest.raises(ValueError, match=r"\$MINIGRAD_NUM_THREADS must be a positive integer, got '0'"):
        threads.default_num_threads()


def test_mpi_ranks_share_the_cores(clean_env):
    clean_env.setenv("OMPI_COMM_WORLD_LOCAL_SIZE", "4")
    assert threads.default_num_threads() == 2        # 8 cores / 4 ranks on this node
    clean_env.delenv("OMPI_COMM_WORLD_LOCAL_SIZE")
    clean_env.setenv("PMI_RANK", "0")                # launched by mpiexec, local count unknown
    assert threads.default_num_threads() == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX-only")
def test_the_pool_works_in_a_forked_child(monkeypatch):
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 10)
    monkeypatch.setattr(threads, "MIN_CHUNK", 10)
    threads.set_num_threads(2)
    try:
        x = np.zeros(4096, np.float32)
        threads.elementwise(lambda a: a.__iadd__(1), x)        # the parent's pool now exists
        assert threads._pool is not None and threads._timings == {}   # (the fixture forces the pool)
        threads._timings["parent"] = [1.0, 2.0, 3]
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the parent's worker thread is gone; a fresh pool must serve
            ok = 0
            try:
                idents = set()
                y = np.zeros(4096, np.float32)

                def update(a):
                    idents.add(threading.get_ident())
                    a += 2
                fresh = threads._pool is None and not threads._timings   # nor the parent's timings
                threads.elementwise(update, y)
                ok = int(fresh and bool((y == 2).all()))
            finally:
                os.write(write, bytes([ok]))
                os._exit(0)
        os.close(write)
        answer = os.read(read, 1)
        os.waitpid(pid, 0)
        assert answer == b"\x01"
        np.testing.assert_array_equal(x, 1)
    finally:
        threads.set_num_threads(None)


def test_import_minigrad_does_not_start_threads():
    code = ("import threading, minigrad; n = threading.active_count(); "
            "assert minigrad.get_num_threads() >= 1; assert threading.active_count() == n == 1")
    import subprocess
    subprocess.run([sys.executable, "-c", code], check=True, cwd=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))))


def _timed_updates(monkeypatch, slow_side, slowdown=10.0):
    """Small sizes on 2 threads, on a fake clock: a call made the ``slow_side`` way ('pool' or 'alone') takes
    ``slowdown`` times longer.

    Each call makes a new closure, as the optimizers do every step.
    """
    monkeypatch.setattr(threads, "ADAPTIVE", True)
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 10)
    monkeypatch.setattr(threads, "MIN_CHUNK", 10)
    monkeypatch.setattr(threads, "_ALIGN", 1)
    monkeypatch.setattr(threads, "EXPLORE", 0.5)   # the slower way again once the faster has run 4.5x its extra
    monkeypatch.setattr(threads, "_timings", {})
    now = [0.0]
    monkeypatch.setattr(threads, "_clock", lambda: now[0])
    threads.set_num_threads(2)
    x = np.zeros(1000, np.float32)

    def call():
        sizes = []

        def update(chunk):
            way = "alone" if chunk.size == x.size else "pool"
            sizes.append(chunk.size)
            now[0] += (slowdown if way == slow_side else 1.0) * chunk.size / x.size

        threads.elementwise(update, x)
        assert sum(sizes) == x.size
        return "alone" if sizes == [x.size] else "pool"
    return call


@pytest.mark.parametrize("slow_side, ways", [
    # timed alone, then on the pool, each after an untimed first call; then the faster way (a call takes 1), with
    # the slower one (10) timed again once the calls since it last ran have taken EXPLORE (0.5) times its extra 9
    ("pool", ["alone"] * 2 + ["pool"] * 2 + ["alone"] + ["pool"] + ["alone"] * 5 + ["pool", "alone"]),
    ("alone", ["alone"] * 2 + ["pool"] * 2 + ["pool"] + ["alone"] + ["pool"] * 5 + ["alone", "pool"]),
])
def test_a_large_update_runs_the_way_that_timed_faster(monkeypatch, slow_side, ways):
    call = _timed_updates(monkeypatch, slow_side)
    try:
        assert [call() for _ in range(len(ways))] == ways
        assert len(threads._timings) == 1   # one entry for the update's code, not one per closure
    finally:
        threads.set_num_threads(None)


def test_the_slower_way_is_timed_again_more_often_the_closer_the_two_ways_are(monkeypatch):
    # extra 1 instead of 9: the slower way (pool) again once the calls since it ran have taken 0.5, each other call
    call = _timed_updates(monkeypatch, "pool", slowdown=2.0)
    try:
        assert [call() for _ in range(9)] == ["alone", "alone", "pool", "pool", "pool", "alone", "pool", "alone", "pool"]
    finally:
        threads.set_num_threads(None)


def test_a_pool_that_is_not_clearly_faster_leaves_the_update_to_the_calling_thread(monkeypatch):
    # the pool at 0.95 of the time alone: under POOL_PAYS (0.9) it would be chosen, so only its re-timing runs it
    call = _timed_updates(monkeypatch, "alone", slowdown=1 / 0.95)
    monkeypatch.setattr(threads, "EXPLORE", 50)
    try:
        ways = [call() for _ in range(20)]
        # timed alone, then on the pool; then alone, the pool re-timed once the calls since it last ran have taken
        # EXPLORE (50) times 0.1 (the near tie counts as POOL_PAYS's difference): every 7th call
        assert ways == ["alone"] * 2 + ["pool"] * 2 + ["alone"] * 2 + ["pool"] + ["alone"] * 6 + ["pool"] + ["alone"] * 6
        monkeypatch.setattr(threads, "POOL_PAYS", 1.0)   # the plain faster-of-two rule: the pool after its timing
        threads._timings.clear()
        assert [call() for _ in range(8)].count("pool") > 4
    finally:
        threads.set_num_threads(None)


def test_timings_are_kept_per_size_and_dtype_and_average_each_call_in_at_a_quarter(monkeypatch):
    call = _timed_updates(monkeypatch, "pool")
    try:
        call()
        ((key, (alone, pooled, calls)),) = threads._timings.items()
        assert (alone, pooled) == (0.0, None)   # a way's first call is not timed
        call(), call(), call()
        ((key, (alone, pooled, calls)),) = threads._timings.items()
        assert (key[1], key[2], alone, pooled, calls) == (1000, np.float32, 1.0, 10.0, 4)
        threads._record(threads._timings[key], 0, 3.0)
        assert threads._timings[key][0] == 1.5
        def nothing(a):
            pass
        for shape, dtype in [(1000, np.float32), (1000, np.float64), (999, np.float32), (1000, np.float32)]:
            threads.elementwise(nothing, np.zeros(shape, dtype))
        assert len(threads._timings) == 4   # the first update's, then nothing's for three kinds of array
    finally:
        threads.set_num_threads(None)


def test_set_num_threads_forgets_the_timings(monkeypatch):
    call = _timed_updates(monkeypatch, slow_side="pool")
    try:
        call(), call()
        assert threads._timings
        threads.set_num_threads(3)
        assert threads._timings == {}
    finally:
        threads.set_num_threads(None)
