"""Complex values: computed as torch computes them, and never differentiated through.

A Python complex number meeting a real tensor was cast to the tensor's real dtype, losing its imaginary part with
only NumPy's ComplexWarning (``1j * x`` was 0, ``x + 1j`` was x), and ``.real``/``.conj()`` of a complex tensor
returned it unchanged. The ops' derivatives are written for real values, so a gradient through complex values
would be the conjugate of torch's from some ops and torch's from others: backward refuses it, by name.
"""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg

TORCH = {np.float32: torch.float32, np.float64: torch.float64}


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("make", [lambda x: 1j * x, lambda x: x * (1 + 1j), lambda x: x + 1j, lambda x: 2j - x,
                                  lambda x: x / (1 - 2j)],
                         ids=["1j*x", "x*(1+1j)", "x+1j", "2j-x", "x/(1-2j)"])
def test_a_complex_number_with_a_real_tensor_is_complex_as_torch(dtype, make):
    x = np.array([2.0, -3.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no ComplexWarning: nothing is discarded
        ours = make(mg.tensor(x, dtype=dtype))
    _same(ours, make(torch.tensor(x, dtype=TORCH[dtype])))


def test_a_numpy_complex_scalar_or_array_keeps_its_imaginary_part():
    # a NumPy complex scalar joins as a Python complex does (torch 2.13 casts it to the tensor's real dtype)
    ours = mg.tensor([1.0, 2.0]) - np.complex64(1j)
    assert ours.dtype == np.complex64
    np.testing.assert_array_equal(ours.numpy(), np.array([1 - 1j, 2 - 1j], dtype=np.complex64))
    # an array is a tensor operand: mixed real and complex dtypes are refused, as float32 and float64 are
    with pytest.raises(TypeError, match=r"^add: operands have different floating dtypes \(float32 and complex64\)"):
        mg.tensor([1.0, 2.0]) + np.array([1j, -2j])


def test_real_imag_and_conj_of_a_complex_tensor_as_torch():
    values = np.array([1 + 2j, 3 - 4j, -0.5j])
    z, tz = mg.tensor(values), torch.tensor(values, dtype=torch.complex64)
    _same(z.real, tz.real)
    _same(z.imag, tz.imag)
    _same(z.conj(), tz.conj().resolve_conj())
    x = mg.tensor([1.0, 2.0])
    assert x.real is x and x.conj() is x   # a real tensor's, as torch's
    with pytest.raises(RuntimeError, match=r"^imag is not implemented for tensors with non-complex dtypes \(got "
                                           r"float32\)$"):
        x.imag
    with pytest.raises(RuntimeError, match=r"imag is not implemented for tensors with non-complex dtypes"):
        torch.tensor([1.0]).imag


def test_gradients_through_complex_values_are_refused_by_name():
    x = mg.tensor([2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^backward: a float32 tensor \(shape \(2,\)\) cast to complex64 would be "
                                           r"differentiated through complex values, which minigrad does not do"):
        (x * (1 + 1j)).abs().sum().backward()
    assert x.grad is None
    z = mg.tensor(np.array([1 + 2j]), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^backward: a complex tensor \(shape \(1,\), complex64\) would be "
                                           r"differentiated through complex values"):
        (z * z).abs().sum().backward()
    with pytest.raises(RuntimeError, match=r"^backward: a complex tensor \(shape \(1,\), complex64\)"):
        mg.autograd.grad((z * z).abs().sum(), z)
    with pytest.raises(RuntimeError, match=r"^real: this complex tensor \(shape \(1,\), complex64\) requires grad"):
        z.real
    with mg.no_grad():
        assert z.real.numpy().tolist() == [1.0]
    # a real path is differentiated as before, beside a complex constant
    (x * 2.0).sum().backward()
    assert x.grad.numpy().tolist() == [2.0, 2.0]


@pytest.mark.parametrize("compare", [lambda a, b: a < b, lambda a, b: a <= b, lambda a, b: a > b, lambda a, b: a >= b,
                                     lambda a, b: b < a, lambda a, b: a.lt(b), lambda a, b: a.ge(b)],
                         ids=["<", "<=", ">", ">=", "reflected <", "lt", "ge"])
@pytest.mark.parametrize("other", [2, 1j, "tensor"])
def test_ordering_comparisons_of_complex_tensors_are_refused_as_torch(compare, other):
    """NumPy orders complex numbers by real part, then imaginary part: tensor([1j, 3]) < 2 was [True, False], where
    torch has no order for them ("lt_cpu" not implemented for 'ComplexFloat')."""
    x = np.array([1j, 3], dtype=np.complex64)
    theirs_other = torch.tensor([2 + 1j, 1], dtype=torch.complex64) if other == "tensor" else other
    ours_other = mg.tensor([2 + 1j, 1], dtype=mg.complex64) if other == "tensor" else other
    with pytest.raises((RuntimeError, TypeError)):
        compare(torch.tensor(x), theirs_other)
    with pytest.raises(TypeError, match=r"^(less|less_equal|greater|greater_equal): complex numbers have no order, "
                                        r"got dtypes complex64 and complex64 \(shapes \(2,\) and \((2,)?\)\); compare "
                                        r"their \.real or \.abs\(\)$"):
        compare(mg.tensor(x), ours_other)
    _same(mg.tensor(x) == mg.tensor(x), torch.tensor(x) == torch.tensor(x))   # equality stays
    _same(mg.tensor(x).real < 2, torch.tensor(x).real < 2)


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("value", [1j, 2 - 1j, 1 + 0j, np.complex64(3j)])
def test_masked_fill_and_index_fill_of_a_complex_tensor_take_a_complex_value_as_torch(dtype, value):
    """zeros(3, dtype=complex64).masked_fill(mask, 1j) was "masked_fill: value must be a number or a 0-d tensor, got
    complex" (so was index_fill): a Python complex number was not taken as a number."""
    mask, index = [True, False, True], [0, 2]
    ours = mg.zeros(3, dtype=getattr(mg, dtype))
    theirs = torch.zeros(3, dtype=getattr(torch, dtype))
    _same(ours.masked_fill(mg.tensor(mask), value), theirs.masked_fill(torch.tensor(mask), complex(value)))
    _same(ours.index_fill(0, mg.tensor(index), value), theirs.index_fill(0, torch.tensor(index), complex(value)))
    real, treal = mg.zeros(3), torch.zeros(3)
    if complex(value).imag == 0:   # 1 + 0j into a real tensor is its real part, as torch takes it
        _same(real.masked_fill(mg.tensor(mask), value), treal.masked_fill(torch.tensor(mask), complex(value)))
    else:
        with pytest.raises(RuntimeError):
            treal.masked_fill(torch.tensor(mask), complex(value))
        with pytest.raises(RuntimeError, match=r"^masked_fill: the complex value .* does not fit dtype float32"):
            real.masked_fill(mg.tensor(mask), value)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_cfloat_and_cdouble_cast_as_torch(dtype):
    """x.cfloat() and x.cdouble() were AttributeErrors."""
    a = np.array([1, 0, 3]).astype(dtype)
    x, tx = mg.tensor(a, dtype=getattr(mg, dtype)), torch.tensor(a)
    _same(x.cfloat(), tx.cfloat())
    _same(x.cdouble(), tx.cdouble())
    c = x.cfloat()
    assert c.cfloat() is c


ORDERING_OPS = {
    "maximum": lambda L, x: L.maximum(x, x * 0), "minimum": lambda L, x: L.minimum(x, x * 0),
    "fmax": lambda L, x: L.fmax(x, x * 0), "fmin": lambda L, x: L.fmin(x, x * 0),
    "sort": lambda L, x: L.sort(x, dim=0), "argsort": lambda L, x: L.argsort(x, dim=0), "topk": lambda L, x: L.topk(x, 1),
    "median": lambda L, x: x.median(), "nanmedian": lambda L, x: x.nanmedian(), "kthvalue": lambda L, x: x.kthvalue(1),
    "cummax": lambda L, x: L.cummax(x, 0), "cummin": lambda L, x: L.cummin(x, 0), "heaviside": lambda L, x: L.heaviside(x, x),
}


@pytest.mark.parametrize("name", list(ORDERING_OPS))
def test_ops_that_order_values_refuse_complex_tensors_as_torch(name):
    """maximum, sort, topk, median, cummax, heaviside, ... of a complex tensor gave NumPy's order (real part, then
    imaginary part) silently: maximum([1j, -1+3j], 0) was [1j, 0j]; torch has no order for complex numbers."""
    x = np.array([1j, 2, -1 + 3j], dtype=np.complex64)
    with pytest.raises((RuntimeError, NotImplementedError)):
        ORDERING_OPS[name](torch, torch.tensor(x))
    op = "sort" if name == "msort" else name
    with pytest.raises(TypeError, match=rf"^{op}: complex numbers have no order, got dtype complex64 \(shape \(3,\)\)"):
        ORDERING_OPS[name](mg, mg.tensor(x))
    real = np.array([1.0, 3.0, 2.0], dtype=np.float32)   # real tensors are unchanged
    ours, theirs = ORDERING_OPS[name](mg, mg.tensor(real)), ORDERING_OPS[name](torch, torch.tensor(real))
    ours, theirs = (ours[0], theirs[0]) if isinstance(ours, tuple) else (ours, theirs)
    _same(ours, theirs)


@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("correction", [0, 1])
def test_the_variance_of_complex_values_is_real_as_torchs(name, correction, device):
    # The mean of |d|^2, not of d * d: var([1j, 1, 2+1j]) was 0.444+0j (complex), torch's is 0.889 (real)
    z = np.array([[1j, 1, 2 + 1j], [3, 1 - 1j, 0]], dtype=np.complex64)
    ours = getattr(mg, name)(mg.tensor(z, device=device), dim=1, correction=correction)
    theirs = getattr(torch, name)(torch.tensor(z), dim=1, correction=correction)
    assert ours.dtype == np.float32 and str(theirs.dtype) == "torch.float32"
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


_ORDERING_REDUCTIONS = {
    "max": lambda lib, z: z.max(), "max(dim)": lambda lib, z: z.max(dim=0), "min": lambda lib, z: z.min(),
    "amax": lambda lib, z: lib.amax(z), "amin": lambda lib, z: lib.amin(z), "aminmax": lambda lib, z: lib.aminmax(z),
    "argmax": lambda lib, z: z.argmax(), "argmin": lambda lib, z: z.argmin(), "mode": lambda lib, z: lib.mode(z),
    "clamp": lambda lib, z: z.clamp(0, 1), "clip": lambda lib, z: lib.clip(z, 0, 1),
    "hardtanh": lambda lib, z: lib.nn.functional.hardtanh(z), "unique": lambda lib, z: lib.unique(z),
    "unique_consecutive": lambda lib, z: lib.unique_consecutive(z),
    "searchsorted": lambda lib, z: lib.searchsorted(z, z), "bucketize": lambda lib, z: lib.bucketize(z, z),
}


@pytest.mark.parametrize("name", list(_ORDERING_REDUCTIONS))
def test_reductions_and_searches_that_order_values_refuse_complex_tensors_as_torch(name, device):
    # They used NumPy's order (real part, then imaginary part): tensor([1j, 2, 3]).max() was 3+0j and clamp(0, 1)
    # kept 1j; torch has no order for complex numbers and refuses each ("not implemented for 'ComplexFloat'")
    z = np.array([1j, 2, 3], dtype=np.complex64)
    with pytest.raises((RuntimeError, TypeError)):
        _ORDERING_REDUCTIONS[name](torch, torch.tensor(z))
    op = name.split("(")[0]
    with pytest.raises(TypeError, match=rf"^({op}|clamp): complex numbers have no order, got dtype complex64"):
        _ORDERING_REDUCTIONS[name](mg, mg.tensor(z, device=device))


_ORDERING_ACTIVATIONS = {
    "relu": lambda lib, z: lib.relu(z), "relu (F)": lambda lib, z: lib.nn.functional.relu(z),
    "relu (layer)": lambda lib, z: lib.nn.ReLU()(z),
    "leaky_relu": lambda lib, z: lib.nn.functional.leaky_relu(z, 0.1), "elu": lambda lib, z: lib.nn.functional.elu(z),
    "gelu": lambda lib, z: lib.nn.functional.gelu(z),
    "threshold": lambda lib, z: lib.nn.functional.threshold(z, 0.1, 0.0),
    "softplus": lambda lib, z: lib.nn.functional.softplus(z), "mish": lambda lib, z: lib.nn.functional.mish(z),
    "prelu": lambda lib, z: lib.nn.functional.prelu(z, lib.full((1,), 0.25, dtype=z.dtype)),
}


@pytest.mark.parametrize("name", list(_ORDERING_ACTIVATIONS))
def test_activations_that_compare_with_zero_refuse_complex_tensors_as_torch(name):
    """relu([1+2j, -1+5j]) gave [1+2j, 0] (NumPy's order: real part first), leaky_relu, elu and threshold scaled or
    replaced by the real part's sign, gelu took a complex erf; torch refuses all of them. softplus and mish raised
    NumPy's TypeError (ufunc 'logaddexp' not supported), prelu one naming 'greater'."""
    z = np.array([1 + 2j, -1 + 5j, -3 - 1j], dtype=np.complex64)
    with pytest.raises((RuntimeError, NotImplementedError)):
        _ORDERING_ACTIVATIONS[name](torch, torch.tensor(z))
    op = name.split(" ")[0]
    with pytest.raises(TypeError, match=rf"^{op}: complex numbers have no order, got dtype complex64"):
        _ORDERING_ACTIVATIONS[name](mg, mg.tensor(z))
    real = np.array([1.5, -2.0, 0.25], dtype=np.float32)   # real tensors are unchanged (gelu's erf: to 1 ulp)
    activation = _ORDERING_ACTIVATIONS[name]
    ours, theirs = activation(mg, mg.tensor(real)), activation(torch, torch.tensor(real))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-7, atol=0)
