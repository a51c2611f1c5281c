"""alpha in rsub and index_add as torch reads it.

rsub is other - alpha * input with sub's rule (``_args.alpha_check``): a Python bool alpha only for a bool result,
a float (a NumPy bool's 1.0 too) not for an integer result, RuntimeError both. index_add is not checked that way in
torch: a bool is 1 or 0 and alpha is cast to the input's dtype (a float truncated for an integer input, any nonzero
True for a bool one; NaN and inf refused for integers)."""
import warnings

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

ALPHAS = [True, False, np.True_, np.False_, 2, 1.0, 2.5, -2.5, 0.5, np.float32(2.0), np.int64(2), float("nan"),
          float("inf"), "a", None]


def _outcome(call):
    try:
        out = call()
    except Exception as exc:   # noqa: BLE001  (compared with torch's below)
        return type(exc).__name__, None
    return str(out.dtype).replace("torch.", ""), out.numpy()


def _same(theirs, ours):
    assert ours[0] == theirs[0], (theirs, ours)
    if theirs[1] is not None:
        np.testing.assert_array_equal(ours[1], theirs[1])


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("number_other", [False, True])
@pytest.mark.parametrize("alpha", ALPHAS, ids=repr)
def test_rsub_alpha_as_torch(alpha, dtype, number_other):
    def call(L):
        other = 5 if number_other else L.tensor(np.array([3, 4], dtype=dtype))
        return L.rsub(L.tensor(np.array([1, 2], dtype=dtype)), other, alpha=alpha)
    _same(_outcome(lambda: call(torch)), _outcome(lambda: call(mg)))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("alpha", ALPHAS, ids=repr)
def test_index_add_alpha_as_torch(alpha, dtype):
    def call(L):
        dt = getattr(L, dtype)
        return L.zeros(3, dtype=dt).index_add(0, L.tensor([0, 2, 0]), L.ones(3, dtype=dt), alpha=alpha)
    _same(_outcome(lambda: call(torch)), _outcome(lambda: call(mg)))


def test_the_review_cases():
    with pytest.raises(RuntimeError, match="bool alpha"):
        mg.rsub(mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0]), alpha=True)   # was [2, 2]
    with pytest.raises(RuntimeError, match="integer tensors"):
        mg.rsub(mg.tensor([1, 2]), mg.tensor([3, 4]), alpha=1.0)   # was a TypeError
    for alpha in (True, np.True_):
        np.testing.assert_array_equal(mg.zeros(2).index_add(0, mg.tensor([0, 1]), mg.ones(2), alpha=alpha).numpy(),
                                      [1.0, 1.0])   # was a TypeError


def test_rsub_gradient_with_alpha():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    o = mg.tensor([3.0, 4.0], requires_grad=True)
    mg.rsub(x, o, alpha=2.5).backward(mg.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [-2.5, -5.0])
    np.testing.assert_array_equal(o.grad.numpy(), [1.0, 2.0])


class _NoFormat:
    def __format__(self, spec):
        raise AssertionError("alpha_check formatted an operand's dtype without raising")


@pytest.mark.parametrize("value, result", [(True, "bool"), (False, "bool"), (2, "int64"), (2.5, "float32"),
                                           (1.0, "float64"), (3, "bool")])
def test_alpha_check_formats_the_operands_only_when_it_raises(value, result):
    from minigrad.ops._args import alpha_check
    alpha_check("add", "alpha", value, np.dtype(result), (_NoFormat(), _NoFormat()))


@pytest.mark.parametrize("dtype, article", [("int64", "an"), ("int8", "an"), ("uint8", "a"), ("float32", "a"),
                                            ("float16", "a")])
def test_alpha_check_message_article(dtype, article):
    t = mg.tensor([1, 2]).astype(dtype)
    with pytest.raises(RuntimeError, match=f"got alpha=True for {article} {dtype} result"):
        mg.add(t, t, alpha=True)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int64", "bool"])
@pytest.mark.parametrize("alpha", [300, 127, -128, -129, -1, -255, -256, 256, 2.5, -1.0, -0.5, float("nan"), 2 ** 63,
                                   2 ** 64, np.int64(-1)], ids=repr)
def test_index_add_alpha_in_the_input_dtype_as_torch(alpha, dtype):
    """alpha converted to x's dtype as torch converts a Scalar (``scalar_in_dtype``): uint8's -1 is 255, int8's 300
    and NaN are refused (RuntimeError), a bool input takes any nonzero as True."""
    def call(L):
        dt = getattr(L, dtype)
        return L.zeros(3, dtype=dt).index_add(0, L.tensor([0, 2, 0]), L.ones(3, dtype=dt), alpha=alpha)
    _same(_outcome(lambda: call(torch)), _outcome(lambda: call(mg)))


def test_index_add_review_cases():
    # int8 alpha=300 was an OverflowError naming mul; torch: "value cannot be converted to type int8_t without overflow"
    with pytest.raises(RuntimeError, match=r"^index_add \(alpha\): the value 300 is out of range for dtype int8 "
                                           r"\(-128 to 127\)"):
        mg.index_add(mg.zeros(3, dtype=mg.int8), 0, mg.tensor([0]), mg.ones(1, dtype=mg.int8), alpha=300)
    out = mg.index_add(mg.zeros(3, dtype=mg.uint8), 0, mg.tensor([0]), mg.ones(1, dtype=mg.uint8), alpha=-1)
    assert out.dtype == np.uint8 and out.tolist() == [255, 0, 0]


@pytest.mark.parametrize("dtype", ["float32", "float16", "float64", "complex64", "int64", "uint8", "bool"])
@pytest.mark.parametrize("alpha", [1e40, -1e40, 70000, 70000.0, 65504.0, 3.5e38, 1e309, 1 + 0j, 1 + 1j, 2.5 - 0j, 1e40j,
                                   np.complex128(2 + 0j), np.complex128(1 + 1j), 2 ** 63, 2 ** 64 - 1, 2 ** 64,
                                   -2 ** 63 - 1, float("inf"), float("nan")], ids=repr)
def test_index_add_alpha_against_a_float_or_complex_range_as_torch(alpha, dtype):
    """torch converts alpha to a floating input's dtype as a Scalar too: 1e40 for float32 and complex64 and 70000 for
    float16 are refused (RuntimeError), where minigrad computed inf; a complex alpha is a Scalar (1 + 0j its real
    part for a real input, 1 + 1j refused), where minigrad refused every complex alpha (TypeError) (review). (torch
    reads a NumPy complex64, no Python complex, by ``__float__``, dropping its imaginary part with a ComplexWarning:
    minigrad reads it as the complex number it is.)"""
    def call(L):
        dt = getattr(L, dtype)
        return L.zeros(3, dtype=dt).index_add(0, L.tensor([0, 2, 0]), L.ones(3, dtype=dt), alpha=alpha)
    expected = _outcome(lambda: call(torch))
    with warnings.catch_warnings():   # no overflow in NumPy's cast of alpha, no ComplexWarning
        warnings.filterwarnings("error", message="overflow encountered in cast")
        warnings.filterwarnings("error", category=np.exceptions.ComplexWarning)
        _same(expected, _outcome(lambda: call(mg)))


def test_index_add_alpha_review_cases_for_floats():
    x, index = mg.zeros(2), mg.tensor([0])
    with pytest.raises(RuntimeError, match=r"^index_add \(alpha\): the value 1e\+40 is out of range for dtype float32"):
        x.index_add(0, index, mg.ones(1), alpha=1e40)
    with pytest.raises(RuntimeError, match=r"^index_add \(alpha\): the value 70000 is out of range for dtype float16"):
        mg.zeros(2, dtype=mg.float16).index_add(0, index, mg.ones(1, dtype=mg.float16), alpha=70000)
    out = x.index_add(0, index, mg.ones(1), alpha=1 + 0j)
    assert out.dtype == np.float32 and out.tolist() == [1.0, 0.0]


def test_addr_beta_and_alpha_against_a_float_range_as_torch():
    """addr's Scalars go through the same conversion (scalar_in_dtype): torch refuses alpha=1e40 for float32."""
    for dtype, big in (("float32", 1e40), ("float16", 70000)):
        def call(L, **kw):
            dt = getattr(L, dtype)
            return L.addr(L.zeros(2, 2, dtype=dt), L.ones(2, dtype=dt), L.ones(2, dtype=dt), **kw)
        for kw in ({"alpha": big}, {"beta": big}, {"alpha": 2}):
            _same(_outcome(lambda: call(torch, **kw)), _outcome(lambda: call(mg, **kw)))


_BOOL_SUBTRACTIONS = {
    "rsub(mask, 1)": lambda L, b, i: L.rsub(b, 1),
    "rsub(ints, True)": lambda L, b, i: L.rsub(i, True),
    "rsub(mask, mask)": lambda L, b, i: L.rsub(b, b),
    "rsub(ints, mask)": lambda L, b, i: L.rsub(i, b),
    "rsub(mask, ints)": lambda L, b, i: L.rsub(b, i),
    "rsub(mask, 1, alpha=2)": lambda L, b, i: L.rsub(b, 1, alpha=2),
    "sub(mask, mask)": lambda L, b, i: L.sub(b, b),
    "sub(ints, mask)": lambda L, b, i: L.sub(i, b),
    "ints - True": lambda L, b, i: i - True,
    "1 - mask": lambda L, b, i: 1 - b,
    "ints.sub_(True)": lambda L, b, i: i.clone().sub_(True),
}


@pytest.mark.parametrize("case", sorted(_BOOL_SUBTRACTIONS))
def test_subtraction_with_a_bool_is_torchs_runtime_error(case):
    def call(L):
        return _BOOL_SUBTRACTIONS[case](L, L.tensor([True, False]), L.tensor([1, 2]))
    assert _outcome(lambda: call(torch)) == _outcome(lambda: call(mg)) == ("RuntimeError", None)


def test_rsub_with_a_bool_names_rsub_and_its_operands():
    # it said "sub: ..." with the operands reversed (TypeError; torch's RuntimeError)
    with pytest.raises(RuntimeError, match=r"^rsub: subtraction with a bool operand is not supported \(input a tensor "
                                           r"of dtype bool and shape \(1,\) and other 1\), as in torch"):
        mg.rsub(mg.tensor([True]), 1)
    with pytest.raises(RuntimeError, match=r"^rsub: cannot subtract bools \(input a tensor of dtype bool and shape "
                                           r"\(1,\) and other True\), as in torch"):
        mg.rsub(mg.tensor([True]), True)
    with pytest.raises(RuntimeError, match=r"^sub: cannot subtract bools \(a tensor of dtype bool"):
        mg.sub(mg.tensor([True]), mg.tensor([True]))
