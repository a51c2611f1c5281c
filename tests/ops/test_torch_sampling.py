"""PyTorch's random sampling: minigrad.normal (every overload), bernoulli, multinomial, poisson and the Tensor methods
bernoulli/bernoulli_, exponential_, geometric_, log_normal_, cauchy_, random_, multinomial.

The values come from minigrad's generator, never equal to torch's, so each distribution is checked statistically
with a fixed seed: a sample mean within 5 standard errors of the true mean (the standard error from the
distribution's own variance, so a wrong mean or scale fails), against shapes, dtypes and refusals compared with torch.
A refused call must leave the generator where it was."""
import numpy as np
import pytest
import torch

import minigrad as mg

N = 100_000
Z = 5.0   # standard errors allowed: a correct sampler fails one check in about 1.7 million


def close_mean(samples, mean, var, axis=0):
    """The sample mean along ``axis`` is within Z standard errors sqrt(var / n) of ``mean``."""
    samples = np.asarray(samples, dtype=np.float64)
    n = samples.shape[axis]
    err = np.abs(samples.mean(axis=axis) - mean)
    assert np.all(err <= Z * np.sqrt(np.asarray(var) / n) + 1e-12), (samples.mean(axis=axis), mean)


def close_var(samples, var, kurtosis_excess=0.0):
    """The sample variance is within Z standard errors of ``var``: Var(s^2) ~ var^2 (2 + excess kurtosis) / n."""
    samples = np.asarray(samples, dtype=np.float64)
    n = samples.shape[0]
    se = np.asarray(var) * np.sqrt((2.0 + kurtosis_excess) / n)
    assert np.all(np.abs(samples.var(axis=0) - var) <= Z * se), (samples.var(axis=0), var)


def unmoved(call, exc, match=None):
    """``call`` raises ``exc`` and leaves the generator's state as it was."""
    before = mg.get_rng_state().numpy()
    with pytest.raises(exc, match=match):
        call()
    np.testing.assert_array_equal(mg.get_rng_state().numpy(), before)


# ------------------------------------------------------------------ normal
def test_normal_of_numbers_and_size():
    mg.manual_seed(0)
    x = mg.normal(2.0, 3.0, (N,))
    assert x.dtype == np.float32 and x.shape == (N,) and not x.requires_grad
    assert torch.normal(2.0, 3.0, (N,)).dtype == torch.float32
    close_mean(x.numpy(), 2.0, 9.0)
    close_var(x.numpy(), 9.0)
    y = mg.normal(-1, 0.5, size=(N // 10, 2), dtype=mg.float64, requires_grad=True)
    assert y.dtype == np.float64 and y.shape == (N // 10, 2) and y.requires_grad and y.is_leaf
    close_mean(y.numpy(), -1.0, 0.25)
    assert mg.normal(0.0, 1.0, 3).shape == (3,) and mg.normal(0.0, 1.0, ()).shape == ()


def test_normal_of_tensors_per_entry_and_broadcast():
    mg.manual_seed(1)
    mean = mg.tensor([-5.0, 0.0, 5.0], dtype=mg.float64)
    std = mg.tensor([[0.0, 1.0, 10.0]] * (N // 10), dtype=mg.float64)
    x = mg.normal(mean, std)
    assert x.shape == (N // 10, 3) and x.dtype == np.float64
    assert tuple(torch.normal(torch.tensor(mean.numpy()), torch.tensor(std.numpy())).shape) == x.shape
    assert np.all(x.numpy()[:, 0] == -5.0)   # std 0: exactly the mean
    close_mean(x.numpy()[:, 1:], [0.0, 5.0], [1.0, 100.0])
    close_var(x.numpy()[:, 1:], [1.0, 100.0])


def test_normal_tensor_and_number_overloads_keep_the_tensors_dtype():
    mg.manual_seed(2)
    for dtype in (mg.float32, mg.float64, mg.float16):
        m = mg.full((N // 10,), 3.0, dtype=dtype)
        a, b = mg.normal(m), mg.normal(m, 2.0)
        c = mg.normal(1.5, mg.full((N // 10,), 0.5, dtype=dtype))
        tdtype = getattr(torch, dtype.name)
        assert torch.normal(torch.zeros(2, dtype=tdtype)).dtype == tdtype
        for sample, mean, var in ((a, 3.0, 1.0), (b, 3.0, 4.0), (c, 1.5, 0.25)):
            assert sample.dtype == dtype and sample.shape == (N // 10,)
            close_mean(sample.numpy(), mean, var + (0.0 if dtype != mg.float16 else 1e-3))


def test_normal_of_tensors_that_require_grad_is_a_constant():
    m = mg.zeros(3, requires_grad=True)
    assert not mg.normal(m, 1.0).requires_grad   # torch's requires grad but its gradient is zero
    t = torch.zeros(3, requires_grad=True)
    y = torch.normal(t, 1.0)
    y.sum().backward()
    assert np.all(t.grad.numpy() == 0)


def test_normal_refusals_leave_the_generator_alone():
    with pytest.raises(RuntimeError, match="std >= 0.0"):
        torch.normal(torch.zeros(2), -1.0)
    unmoved(lambda: mg.normal(mg.zeros(2), -1.0), RuntimeError, "std >= 0.0")
    unmoved(lambda: mg.normal(mg.zeros(2), mg.tensor([1.0, -1.0])), RuntimeError, "all elements of std >= 0.0")
    unmoved(lambda: mg.normal(0.0, -1.0, (2,)), RuntimeError, "std >= 0.0")
    unmoved(lambda: mg.normal(mg.zeros(2), mg.tensor([1.0, float("nan")])), RuntimeError, "std")
    with pytest.raises(TypeError):
        torch.normal(0.0, 1.0)
    unmoved(lambda: mg.normal(0.0, 1.0), TypeError, "size is required")
    with pytest.raises(NotImplementedError):
        torch.normal(torch.zeros(2, dtype=torch.int64), 1.0)
    unmoved(lambda: mg.normal(mg.zeros(2, dtype=mg.int64), 1.0), TypeError, "floating-point")
    unmoved(lambda: mg.normal(mg.zeros(2), mg.ones(2, dtype=mg.float64)), TypeError, "different dtypes")
    unmoved(lambda: mg.normal(mg.zeros(2), 1.0, (3,)), TypeError, "number mean and std only")
    unmoved(lambda: mg.normal(0.0, 1.0, (2,), dtype=mg.int32), TypeError, "floating")
    unmoved(lambda: mg.normal(0.0, 1.0, (2,), generator=object()), TypeError, "Generator")
    unmoved(lambda: mg.normal(mg.zeros(2), mg.ones(3)), ValueError)


def test_a_generator_object_is_drawn_from_instead():
    mg.manual_seed(0)
    before = mg.get_rng_state().numpy()
    draws = []
    for _ in range(2):
        g = mg.Generator().manual_seed(3)
        draws.append([mg.normal(mg.zeros(4), 1.0, generator=g).numpy(), mg.normal(0.0, 1.0, (3,), generator=g).numpy(),
                      mg.bernoulli(mg.full((4,), 0.5), generator=g).numpy(),
                      mg.poisson(mg.ones(3), generator=g).numpy(),
                      mg.multinomial(mg.ones(5), 3, generator=g).numpy(),
                      mg.zeros(3).exponential_(generator=g).numpy(), mg.zeros(3).geometric_(0.5, generator=g).numpy(),
                      mg.zeros(3).log_normal_(generator=g).numpy(), mg.zeros(3).cauchy_(generator=g).numpy(),
                      mg.zeros(3).random_(9, generator=g).numpy(), mg.zeros(3).bernoulli_(generator=g).numpy(),
                      mg.rand(2, 3, generator=g).numpy(), mg.randn((4,), generator=g).numpy(),
                      mg.randint(0, 9, (5,), generator=g).numpy(), mg.randperm(6, generator=g).numpy(),
                      mg.zeros(3).uniform_(-1, 1, generator=g).numpy(), mg.zeros(3).normal_(2, 3, generator=g).numpy()])
    for a, b in zip(*draws):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(mg.get_rng_state().numpy(), before)   # minigrad's own generator did not move
    with pytest.raises(TypeError, match="minigrad.Generator or None"):
        mg.poisson(mg.ones(2), generator=np.random.RandomState(0))
    with pytest.raises(TypeError, match="^randperm: generator must be a minigrad.Generator or None, got RandomState$"):
        mg.randperm(3, generator=np.random.RandomState(0))


def test_normal_is_reproducible_from_a_seed():
    mg.manual_seed(7)
    a = mg.normal(mg.zeros(5), 2.0).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(mg.normal(mg.zeros(5), 2.0).numpy(), a)


# ------------------------------------------------------------------ bernoulli
def test_bernoulli_of_probabilities():
    mg.manual_seed(3)
    p = mg.tensor(np.tile([0.0, 0.3, 1.0, 0.9], (N // 4, 1)), dtype=mg.float64)
    x = mg.bernoulli(p)
    assert x.dtype == np.float64 and x.shape == p.shape and torch.bernoulli(torch.tensor(p.numpy())).dtype == \
        torch.float64
    v = x.numpy()
    assert set(np.unique(v)) <= {0.0, 1.0} and np.all(v[:, 0] == 0) and np.all(v[:, 2] == 1)
    close_mean(v[:, [1, 3]], [0.3, 0.9], [0.21, 0.09])
    y = mg.bernoulli(mg.zeros(N, dtype=mg.float32), 0.25)
    assert y.dtype == np.float32
    close_mean(y.numpy(), 0.25, 0.1875)
    z = mg.zeros(3, dtype=mg.int64).bernoulli(0.5)
    assert z.dtype == np.int64 and torch.bernoulli(torch.zeros(3, dtype=torch.int64), 0.5).dtype == torch.int64
    assert not mg.bernoulli(mg.full((3,), 0.5, requires_grad=True)).requires_grad


def test_bernoulli_refusals():
    with pytest.raises(RuntimeError):
        torch.bernoulli(torch.tensor([0.5, 1.5]))
    unmoved(lambda: mg.bernoulli(mg.tensor([0.5, 1.5])), RuntimeError, r"\[0, 1\]")
    unmoved(lambda: mg.bernoulli(mg.tensor([0.5, float("nan")])), RuntimeError, r"\[0, 1\]")
    with pytest.raises(RuntimeError, match="p to be in"):
        torch.bernoulli(torch.zeros(2), 1.3)
    unmoved(lambda: mg.bernoulli(mg.zeros(2), 1.3), RuntimeError, "p to be in")
    with pytest.raises(NotImplementedError):
        torch.bernoulli(torch.tensor([0, 1]))
    unmoved(lambda: mg.bernoulli(mg.tensor([0, 1])), TypeError, "floating-point")
    unmoved(lambda: mg.bernoulli([0.5]), TypeError, "must be a Tensor")


# ------------------------------------------------------------------ multinomial
WEIGHTS = np.array([1.0, 2.0, 0.0, 3.0, 4.0])


def test_multinomial_with_replacement():
    mg.manual_seed(4)
    x = mg.multinomial(mg.tensor(WEIGHTS), N, replacement=True)
    assert x.dtype == np.int64 and x.shape == (N,)
    assert torch.multinomial(torch.tensor(WEIGHTS), 5, True).dtype == torch.int64
    counts = np.bincount(x.numpy(), minlength=5)
    assert counts[2] == 0
    p = WEIGHTS / WEIGHTS.sum()
    assert np.all(np.abs(counts / N - p) <= Z * np.sqrt(p * (1 - p) / N))


def test_multinomial_rows_are_separate_distributions():
    mg.manual_seed(5)
    w = mg.tensor([[0.0, 0.0, 1.0], [5.0, 5.0, 0.0], [1e-300, 0.0, 1e-300]], dtype=mg.float64)
    x = mg.multinomial(w, 20_000, True).numpy()
    assert x.shape == (3, 20_000) and tuple(torch.multinomial(torch.tensor(w.numpy()), 4, True).shape) == (3, 4)
    assert np.all(x[0] == 2) and set(np.unique(x[1])) == {0, 1} and set(np.unique(x[2])) == {0, 2}
    close_mean((x[1] == 0)[:, None], 0.5, 0.25)
    huge = mg.multinomial(mg.tensor([1e308, 1e308, 0.0], dtype=mg.float64), 1000, True).numpy()   # no overflow
    assert set(np.unique(huge)) == {0, 1}


def test_multinomial_without_replacement_draws_sequentially():
    mg.manual_seed(6)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    rows = 40_000
    x = mg.multinomial(mg.tensor(np.tile(w, (rows, 1))), 2).numpy()
    assert x.shape == (rows, 2) and np.all(x[:, 0] != x[:, 1])
    p = w / w.sum()
    first = np.bincount(x[:, 0], minlength=4) / rows
    # the second draw: P(j) = sum over i != j of p_i p_j / (1 - p_i)
    second_p = np.array([sum(p[i] * p[j] / (1 - p[i]) for i in range(4) if i != j) for j in range(4)])
    second = np.bincount(x[:, 1], minlength=4) / rows
    for freq, q in ((first, p), (second, second_p)):
        assert np.all(np.abs(freq - q) <= Z * np.sqrt(q * (1 - q) / rows)), (freq, q)
    perm = mg.multinomial(mg.tensor(w), 4).numpy()
    assert sorted(perm) == [0, 1, 2, 3]
    only_positive = mg.multinomial(mg.tensor(np.tile([1.0, 0.0, 1.0], (100, 1))), 2).numpy()
    assert np.all(np.sort(only_positive, axis=1) == [0, 2])
    assert mg.tensor(w).multinomial(3).shape == (3,)
    # more samples than positive weights: the zero-weight categories come last, as torch's CPU kernel gives them
    ours = mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 3).numpy()
    theirs = torch.multinomial(torch.tensor([0.0, 1.0, 0.0]), 3).numpy()
    assert ours[0] == theirs[0] == 1 and sorted(ours) == sorted(theirs) == [0, 1, 2]


MULTINOMIAL_REFUSALS = [
    (lambda lib: lib.multinomial(lib.tensor([1.0, 1.0]), 3), RuntimeError, "n_sample > prob_dist.size"),
    (lambda lib: lib.multinomial(lib.tensor([1.0, -1.0]), 1), RuntimeError, "element < 0"),
    (lambda lib: lib.multinomial(lib.tensor([0.0, 0.0]), 1, True), RuntimeError, "sum of probabilities <= 0"),
    (lambda lib: lib.multinomial(lib.tensor([float("inf"), 0.0]), 1, True), RuntimeError, "inf"),
    (lambda lib: lib.multinomial(lib.tensor([float("nan"), 1.0]), 1, True), RuntimeError, "nan"),
    (lambda lib: lib.multinomial(lib.tensor([1, 1]), 1, True), RuntimeError, "floating-point dtypes"),
    (lambda lib: lib.multinomial(lib.ones(2, 2, 2), 1, True), RuntimeError, "1 or 2 dim"),
    (lambda lib: lib.multinomial(lib.ones(2), 0, True), RuntimeError, "n_sample <= 0"),
]


@pytest.mark.parametrize("call,exc,match", MULTINOMIAL_REFUSALS)
def test_multinomial_refusals_match_torch(call, exc, match):
    with pytest.raises(exc, match=match):
        call(torch)
    unmoved(lambda: call(mg), exc, match)


# ------------------------------------------------------------------ poisson
def test_poisson():
    mg.manual_seed(8)
    rates = np.array([0.0, 0.5, 4.0, 50.0])
    x = mg.poisson(mg.tensor(np.tile(rates, (N // 4, 1)), dtype=mg.float64))
    assert x.dtype == np.float64 and torch.poisson(torch.tensor([1.0], dtype=torch.float64)).dtype == torch.float64
    v = x.numpy()
    assert np.all(v[:, 0] == 0) and np.all(v == np.round(v)) and np.all(v >= 0)
    close_mean(v[:, 1:], rates[1:], rates[1:])
    close_var(v[:, 1:], rates[1:], kurtosis_excess=1 / rates[1:])
    assert mg.poisson(mg.ones(2)).dtype == np.float32
    with pytest.raises(RuntimeError, match="non-negative"):
        torch.poisson(torch.tensor([-1.0]))
    unmoved(lambda: mg.poisson(mg.tensor([1.0, -1.0])), RuntimeError, "non-negative")
    with pytest.raises(NotImplementedError):
        torch.poisson(torch.tensor([1]))
    unmoved(lambda: mg.poisson(mg.tensor([1])), TypeError, "floating-point")


# ------------------------------------------------------------------ the in-place fills
def test_exponential_():
    mg.manual_seed(9)
    x = mg.zeros(N)
    assert x.exponential_(2.0) is x and x.dtype == np.float32
    v = x.numpy()
    assert np.all(v >= 0)
    close_mean(v, 0.5, 0.25)
    close_var(v, 0.25, kurtosis_excess=6.0)
    close_mean(mg.zeros(N, dtype=mg.float64).exponential_().numpy(), 1.0, 1.0)
    for bad in (0, -1):
        with pytest.raises(RuntimeError, match="lambda > 0.0"):
            torch.zeros(3).exponential_(bad)
        unmoved(lambda: mg.zeros(3).exponential_(bad), RuntimeError, "lambda > 0.0")
    with pytest.raises(RuntimeError, match="floating point"):
        torch.zeros(3, dtype=torch.int64).exponential_()
    unmoved(lambda: mg.zeros(3, dtype=mg.int64).exponential_(), RuntimeError, "floating-point")


def test_geometric_():
    mg.manual_seed(10)
    x = mg.zeros(N, dtype=mg.int64).geometric_(0.3)
    v = x.numpy()
    assert x.dtype == np.int64 and v.min() >= 1
    close_mean(v, 1 / 0.3, 0.7 / 0.09)
    assert np.isclose((v == 1).mean(), 0.3, atol=Z * np.sqrt(0.21 / N))
    assert torch.zeros(3, dtype=torch.int64).geometric_(0.5).dtype == torch.int64
    for bad in (0, 1, 1.5):
        with pytest.raises(RuntimeError, match=r"p to be in \(0, 1\)"):
            torch.zeros(3).geometric_(bad)
        unmoved(lambda: mg.zeros(3).geometric_(bad), RuntimeError, r"p to be in \(0, 1\)")


def test_log_normal_():
    mg.manual_seed(11)
    v = mg.zeros(N, dtype=mg.float64).log_normal_(1.0, 0.5).numpy()
    assert np.all(v > 0)
    close_mean(np.log(v), 1.0, 0.25)
    close_var(np.log(v), 0.25)
    close_mean(v, np.exp(1.0 + 0.125), (np.exp(0.25) - 1) * np.exp(2.25))
    assert np.all(mg.zeros(10).log_normal_().numpy() > 0)
    for bad in (0, -1):
        with pytest.raises(RuntimeError, match="std > 0.0"):
            torch.zeros(3).log_normal_(1, bad)
        unmoved(lambda: mg.zeros(3).log_normal_(1, bad), RuntimeError, "std > 0.0")
    unmoved(lambda: mg.zeros(3, dtype=mg.int64).log_normal_(), RuntimeError, "floating-point")


def test_cauchy_():
    mg.manual_seed(12)
    v = mg.zeros(N, dtype=mg.float64).cauchy_(1.0, 2.0).numpy()
    # no mean: the median and the quartiles (median -+ sigma) are checked
    inside = np.abs(v - 1.0) < 2.0
    assert abs(inside.mean() - 0.5) <= Z * np.sqrt(0.25 / N)
    assert abs((v < 1.0).mean() - 0.5) <= Z * np.sqrt(0.25 / N)
    assert mg.zeros(3).cauchy_().dtype == np.float32
    for bad in (0, -1):
        with pytest.raises(RuntimeError, match="sigma > 0.0"):
            torch.zeros(3).cauchy_(0, bad)
        unmoved(lambda: mg.zeros(3).cauchy_(0, bad), RuntimeError, "sigma > 0.0")
    unmoved(lambda: mg.zeros(3, dtype=mg.int64).cauchy_(), RuntimeError, "floating-point")


def test_random_ranges_match_torch():
    mg.manual_seed(13)
    v = mg.zeros(N).random_(3).numpy()
    assert set(np.unique(v)) == {0.0, 1.0, 2.0}
    close_mean((v == 1)[:, None], 1 / 3, 2 / 9)
    assert set(np.unique(mg.zeros(1000).random_(2, 4).numpy())) == {2.0, 3.0}
    assert set(np.unique(mg.zeros(1000, dtype=mg.int64).random_(-3, -1).numpy())) == {-3, -2}
    u8 = mg.zeros(N, dtype=mg.uint8).random_().numpy()
    assert u8.min() == 0 and u8.max() == 255
    close_mean(u8, 127.5, (256 ** 2 - 1) / 12)
    f32 = mg.zeros(N).random_().numpy()
    assert np.all(f32 == np.round(f32)) and f32.max() <= 2 ** 24 and f32.max() > 2 ** 23
    f16 = mg.zeros(1000, dtype=mg.float16).random_().numpy()
    assert f16.max() <= 2 ** 11 and np.all(f16 == np.round(f16))
    i64 = mg.zeros(1000, dtype=mg.int64).random_().numpy()
    assert i64.min() >= 0 and i64.max() > 2 ** 62
    b = mg.zeros(1000, dtype=mg.bool).random_().numpy()
    assert b.dtype == np.bool_ and set(np.unique(b)) == {False, True}
    assert mg.zeros(3, dtype=mg.int64).random_(**{"from": 5}).numpy().min() >= 5


def test_random_refusals_match_torch():
    for args, match in [((3, 3), "from=3 >= to=3"), ((-1,), "from=0 >= to=-1")]:
        with pytest.raises(RuntimeError, match=match):
            torch.zeros(3).random_(*args)
        unmoved(lambda: mg.zeros(3).random_(*args), RuntimeError, match)
    with pytest.raises(RuntimeError, match="out of bounds"):
        torch.zeros(3, dtype=torch.uint8).random_(0, 300)
    unmoved(lambda: mg.zeros(3, dtype=mg.uint8).random_(0, 300), RuntimeError, "out of bounds for uint8")
    unmoved(lambda: mg.zeros(3, dtype=mg.uint8).random_(-1, 3), RuntimeError, "out of bounds for uint8")
    unmoved(lambda: mg.zeros(3).random_(1.5), TypeError, "must be an int")
    unmoved(lambda: mg.zeros(3).random_(1, 2, 3), TypeError, "random_")


def test_bernoulli_():
    mg.manual_seed(14)
    x = mg.zeros(N // 4, 4)
    assert x.bernoulli_(mg.tensor([0.0, 0.2, 1.0, 0.5])) is x
    v = x.numpy()
    assert np.all(v[:, 0] == 0) and np.all(v[:, 2] == 1)
    close_mean(v[:, [1, 3]], [0.2, 0.5], [0.16, 0.25])
    i = mg.zeros(N, dtype=mg.int32).bernoulli_()
    close_mean(i.numpy(), 0.5, 0.25)
    with pytest.raises(RuntimeError):
        torch.zeros(3).bernoulli_(torch.tensor([0.1, 0.2]))
    unmoved(lambda: mg.zeros(3).bernoulli_(mg.tensor([0.1, 0.2])), RuntimeError, "does not broadcast")
    unmoved(lambda: mg.zeros(3).bernoulli_(1.5), RuntimeError, r"p to be in \[0, 1\]")


def test_fills_refuse_a_tensor_that_requires_grad_but_not_under_no_grad():
    with pytest.raises(RuntimeError, match="leaf Variable"):
        torch.zeros(3, requires_grad=True).bernoulli_()
    for fill in (lambda t: t.bernoulli_(), lambda t: t.exponential_(), lambda t: t.geometric_(0.5),
                 lambda t: t.log_normal_(), lambda t: t.cauchy_(), lambda t: t.random_(5)):
        x = mg.zeros(3, requires_grad=True)
        unmoved(lambda: fill(x), RuntimeError, "requires grad")
        with mg.no_grad():
            assert fill(x) is x
    x = mg.zeros(3, requires_grad=True)
    y = x * x
    with mg.no_grad():
        x.exponential_()
    with pytest.raises(RuntimeError, match="modified in place"):
        y.sum().backward()   # the write is stamped: a graph that reads x's values refuses to backward
