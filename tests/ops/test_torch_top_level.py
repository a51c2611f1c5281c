"""PyTorch's top-level names, checked against torch: the dtype names, finfo/iinfo, promote_types/result_type/
can_cast, set_grad_enabled, inference_mode, set_anomaly_enabled, is_tensor and its kin, numel, broadcast_shapes,
set_printoptions, seed/initial_seed/get_rng_state/set_rng_state, Tensor.to(dtype), scalar_tensor, as_tensor,
asarray, logspace, permute, detach and rsub."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd import printing
from torch_agreement import agree, pair, same

DTYPES = [("float16", "half"), ("float32", "float"), ("float64", "double"), ("int8", None), ("int16", "short"),
          ("int32", "int"), ("int64", "long"), ("uint8", None), ("uint16", None), ("uint32", None), ("uint64", None),
          ("bool", None), ("complex64", "cfloat"), ("complex128", "cdouble")]
TORCH = {np.dtype(n): getattr(torch, n) for n, _ in DTYPES}


# ------------------------------------------------------------------ dtype names
@pytest.mark.parametrize("name,alias", DTYPES)
def test_dtype_names_are_numpy_dtypes_named_as_torch(name, alias):
    dtype = getattr(mg, name)
    assert isinstance(dtype, np.dtype) and dtype == np.dtype(name)
    assert getattr(torch, name) == TORCH[dtype]
    if alias:
        assert getattr(mg, alias) == dtype and getattr(torch, alias) == getattr(torch, name)


@pytest.mark.parametrize("name", ["float16", "float64", "int32", "uint8", "bool", "complex64", "cdouble"])
def test_creation_to_and_astype_accept_the_names(name):
    dtype = getattr(mg, name)
    assert mg.tensor([1, 0], dtype=dtype).dtype == dtype
    assert mg.zeros(2, dtype=dtype).dtype == dtype
    assert mg.full((2,), 1, dtype=dtype).dtype == dtype
    x = mg.tensor([1.5, 0.0])
    assert x.to(dtype).dtype == dtype and x.astype(dtype).dtype == dtype
    assert x.to(dtype=dtype).dtype == dtype and x.to("cpu", dtype).dtype == dtype


def test_to_keeps_itself_or_casts_differentiably():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert x.to(mg.float32) is x and x.to("cpu") is x and x.to(x) is x
    assert x.to(copy=True) is not x
    y = x.to(mg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    assert x.to(mg.tensor([1], dtype=mg.int16)).dtype == np.int16
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        x.to("tpu")


def test_star_import_leaves_the_builtins_alone():
    namespace = {}
    exec("from minigrad import *", namespace)
    assert "float" not in namespace and "int" not in namespace and "bool" not in namespace
    assert namespace["float32"] == np.float32 and namespace["long"] == np.int64
    assert "selu" in namespace and "normal" in namespace and "tensor" in namespace
    assert mg.float == np.float32 and mg.int == np.int32 and mg.bool == np.bool_   # as attributes they exist


def test_import_minigrad_does_not_load_nn_for_the_functional_names():
    code = ("import sys, minigrad; print('minigrad.nn' in sys.modules); minigrad.selu; "
            "print('minigrad.nn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


# ------------------------------------------------------------------ finfo, iinfo, promotion
@pytest.mark.parametrize("name", ["float16", "float32", "float64", "complex64", "complex128"])
def test_finfo_matches_torch(name):
    ours, theirs = mg.finfo(getattr(mg, name)), torch.finfo(getattr(torch, name))
    for attr in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert repr(ours) == repr(theirs)


def test_finfo_default_and_refusals():
    assert mg.finfo().dtype == torch.finfo().dtype == "float32"
    assert mg.get_default_dtype() == np.float32 and torch.get_default_dtype() == torch.float32
    with pytest.raises(TypeError, match="floating point"):
        mg.finfo(mg.int32)
    with pytest.raises(TypeError, match="integer"):
        mg.iinfo(mg.float32)
    with pytest.raises(TypeError, match="expected a dtype"):
        mg.finfo("nonsense")


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    ours, theirs = mg.iinfo(getattr(mg, name)), torch.iinfo(getattr(torch, name))
    for attr in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attr) == getattr(theirs, attr), attr


ALL = [n for n, _ in DTYPES]


@pytest.mark.parametrize("a", ALL)
def test_promote_types_and_can_cast_match_torch_on_every_pair(a):
    for b in ALL:
        try:
            expected = torch.promote_types(getattr(torch, a), getattr(torch, b))
        except RuntimeError:
            with pytest.raises(TypeError, match="uint16, uint32 and uint64"):
                mg.promote_types(getattr(mg, a), getattr(mg, b))
        else:
            assert TORCH[mg.promote_types(getattr(mg, a), b)] == expected, (a, b)
        assert mg.can_cast(a, getattr(mg, b)) == torch.can_cast(getattr(torch, a), getattr(torch, b)), (a, b)


RESULT_CASES = [
    (([1, 2], "int64"), 1.0), (([1, 2], "int8"), ((5,), "int64")), (((1.0,), "float64"), ([1.0], "float32")),
    (([1], "uint8"), -1), (([True], "bool"), 2), (([1.0], "float16"), ((1.0,), "float64")),
    (((1,), "int8"), ((1.0,), "float32")), (2, 3.0), (True, 2), (([1], "int16"), ([1], "uint8")),
    (((1,), "int32"), True), (([1.0], "float32"), 2.5), (((1,), "int64"), ((2,), "uint8")),
    (([1], "int64"), ((1j,), "complex128")), (([1.0], "float32"), ((1j,), "complex128")),
    (([1.0], "float64"), ((1j,), "complex64")), (([1], "int64"), 1j), (([1.0], "float64"), 1j),
    (([1j], "complex64"), 2.0), (([True], "bool"), 1j), (([1j], "complex64"), ([1.0], "float64")),
]


def _operand(spec, lib):
    """A number stays a number; (values, dtype) with a list is a 1-D tensor, with a tuple a 0-d tensor."""
    if not isinstance(spec, tuple):
        return spec
    values, dtype = spec
    data = np.array(values[0] if isinstance(values, tuple) else values, dtype=dtype)
    return mg.tensor(data, dtype=dtype) if lib == "mg" else torch.tensor(data)


@pytest.mark.parametrize("a,b", RESULT_CASES)
def test_result_type_matches_torch(a, b):
    ours = mg.result_type(_operand(a, "mg"), _operand(b, "mg"))
    assert TORCH[ours] == torch.result_type(_operand(a, "torch"), _operand(b, "torch"))


def test_result_type_refuses_what_is_not_a_number():
    with pytest.raises(TypeError, match="result_type"):
        mg.result_type(mg.tensor([1.0]), "a")


# ------------------------------------------------------------------ grad modes
def test_set_grad_enabled_as_function_context_and_decorator():
    x = mg.tensor([1.0], requires_grad=True)
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert mg.is_grad_enabled()
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with mg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()

    @mg.set_grad_enabled(False)
    def f():
        return (x * 2).requires_grad

    assert mg.is_grad_enabled()   # decorating changes nothing
    assert f() is False and mg.is_grad_enabled()
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    with pytest.raises(TypeError, match="must be a bool"):
        mg.set_grad_enabled(1)


def test_set_grad_enabled_decorates_a_generator():
    @mg.set_grad_enabled(False)
    def gen():
        yield mg.is_grad_enabled()
        yield mg.is_grad_enabled()

    it = gen()
    assert next(it) is False and mg.is_grad_enabled() and next(it) is False


def test_inference_mode_matches_torch():
    x = mg.tensor([1.0], requires_grad=True)
    for lib in (mg, torch):
        assert not lib.is_inference_mode_enabled()
        with lib.inference_mode():
            assert not lib.is_grad_enabled() and lib.is_inference_mode_enabled()
            with lib.inference_mode(False):
                assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
            assert not lib.is_grad_enabled()
        with lib.no_grad(), lib.inference_mode(False):
            assert lib.is_grad_enabled()
        assert lib.is_grad_enabled() and not lib.is_inference_mode_enabled()
    with mg.inference_mode():
        y = x * 2
    assert not y.requires_grad and (y * x).requires_grad   # an ordinary tensor (PyTorch would refuse it here)

    @mg.inference_mode
    def bare():
        return mg.is_inference_mode_enabled(), (x * 2).requires_grad

    @mg.inference_mode()
    def called():
        return mg.is_inference_mode_enabled()

    assert bare() == (True, False) and called() is True and not mg.is_inference_mode_enabled()


def test_enable_grad_inside_inference_mode_records_nothing_as_torch():
    # enable_grad there used to record again: a backward inside inference_mode put gradients into x.
    for lib in (mg, torch):
        x = lib.ones(3, requires_grad=True)
        with lib.inference_mode():
            with lib.enable_grad():
                assert lib.is_grad_enabled() and lib.is_inference_mode_enabled()
                y = x * 2
                assert not y.requires_grad and y.grad_fn is None
                with lib.no_grad():
                    assert not lib.is_grad_enabled()
                assert lib.is_grad_enabled()
            assert not lib.is_grad_enabled()
            with lib.set_grad_enabled(True):
                assert lib.is_grad_enabled() and not (x * 2).requires_grad
            with lib.inference_mode(False), lib.enable_grad():
                assert (x * 2).requires_grad
        assert lib.is_grad_enabled() and (x * 2).requires_grad and x.grad is None
    with mg.no_grad(), mg.inference_mode(), mg.enable_grad():
        pass
    assert mg.is_grad_enabled()
    with mg.inference_mode():   # torch.func's transforms differentiate under inference_mode, as before
        assert mg.func.grad(lambda t: (t * t).sum())(mg.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    with pytest.raises(TypeError, match="must be a bool"):
        mg.inference_mode("yes")


def test_set_anomaly_enabled():
    assert not mg.is_anomaly_enabled()
    mg.set_anomaly_enabled(True)
    try:
        assert mg.is_anomaly_enabled()
        x = mg.tensor([0.0], requires_grad=True)
        with pytest.raises(Exception, match="(?i)nan|inf"), np.errstate(invalid="ignore"):
            mg.log(x * 0 - 1).sum().backward()
    finally:
        mg.set_anomaly_enabled(False)
    assert not mg.is_anomaly_enabled()
    with pytest.raises(TypeError, match="must be a bool"):
        mg.set_anomaly_enabled(None)


# ------------------------------------------------------------------ questions about tensors
def test_is_tensor_floating_complex_same_size_numel_like_torch():
    for data, dtype in [([1.0, 2.0], "float64"), ([1, 2], "int64"), ([[True]], "bool")]:
        x, t = mg.tensor(data, dtype=dtype), torch.tensor(np.array(data, dtype=dtype))
        assert mg.is_tensor(x) and torch.is_tensor(t)
        assert mg.is_floating_point(x) == torch.is_floating_point(t)
        assert mg.is_complex(x) == torch.is_complex(t) is False
        assert mg.numel(x) == torch.numel(t)
        assert mg.is_same_size(x, x) and not mg.is_same_size(x, mg.zeros(3, 3))
    assert not mg.is_tensor([1.0]) and not torch.is_tensor([1.0])
    assert mg.is_tensor(mg.nn.Parameter(mg.zeros(2)))
    for fn in (mg.is_floating_point, mg.is_complex, mg.numel):
        with pytest.raises(TypeError, match="must be Tensor, not list"):
            fn([1.0])
    with pytest.raises(TypeError, match="'other' .* must be Tensor"):
        mg.is_same_size(mg.zeros(2), [1, 2])


def test_is_nonzero_like_torch():
    for values in ([0.5], [[0.0]], [False], [3]):
        assert mg.is_nonzero(mg.tensor(values)) == torch.is_nonzero(torch.tensor(values))
    for values, message in (([1.0, 2.0], "more than one value"), ([], "no values")):
        with pytest.raises(RuntimeError, match=message):
            torch.is_nonzero(torch.tensor(values))
        with pytest.raises(RuntimeError, match=message):
            mg.is_nonzero(mg.tensor(values))


@pytest.mark.parametrize("shapes", [((2, 1), (3,)), (2, (3, 1)), (), ((0, 1), (3,)), ((4, 1, 2), (1, 3, 1), ())])
def test_broadcast_shapes_matches_torch(shapes):
    assert mg.broadcast_shapes(*shapes) == tuple(torch.broadcast_shapes(*shapes))


def test_broadcast_shapes_refusals():
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match=r"\(3,\) \(argument 1\)"):
        mg.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match="negative"):
        mg.broadcast_shapes((-1,), (3,))
    with pytest.raises(TypeError, match="ints"):
        mg.broadcast_shapes((2.0,))


# ------------------------------------------------------------------ printing
@pytest.fixture
def print_defaults():
    yield
    mg.set_printoptions(profile="default")


def test_set_printoptions_changes_repr(print_defaults):
    x = mg.tensor([1.123456789, 2e-5, 3000.0])
    default = repr(x)
    mg.set_printoptions(precision=2)
    assert repr(x) == "tensor([1.12e+00, 2.00e-05, 3.00e+03])"
    mg.set_printoptions(sci_mode=False)
    assert repr(x) == "tensor([   1.12,    0.00, 3000.00])"
    torch.set_printoptions(precision=2, sci_mode=False)
    try:
        assert repr(torch.tensor([1.123456789, 2e-5, 3000.0])) == repr(x)
    finally:
        torch.set_printoptions(profile="default")
    mg.set_printoptions(threshold=5, edgeitems=2)
    assert repr(mg.arange(10)) == "tensor([0, 1, ..., 8, 9])"
    mg.set_printoptions(profile="full")
    assert "..." not in repr(mg.arange(2000))
    mg.set_printoptions(profile="default")
    assert repr(x) == default


def test_set_printoptions_refusals(print_defaults):
    with pytest.raises(ValueError, match="precision"):
        mg.set_printoptions(precision=-1)
    with pytest.raises(ValueError, match="profile"):
        mg.set_printoptions(profile="long")
    with pytest.raises(TypeError, match="sci_mode"):
        mg.set_printoptions(sci_mode="yes")
    assert printing.OPTIONS == {}


# ------------------------------------------------------------------ the generator's seed and state
def test_seed_and_initial_seed():
    mg.manual_seed(1234)
    assert mg.initial_seed() == 1234
    s = mg.seed()
    assert isinstance(s, int) and 0 <= s < 2 ** 64 and mg.initial_seed() == s
    a = mg.rand(3)
    mg.manual_seed(s)
    np.testing.assert_array_equal(mg.rand(3).numpy(), a.numpy())


def test_manual_seed_returns_the_default_generator_as_torch():
    g, tg = mg.manual_seed(7), torch.manual_seed(7)
    assert isinstance(tg, torch.Generator) and tg is torch.default_generator
    assert isinstance(g, mg.Generator) and g is mg.default_generator and g is mg.manual_seed(8)
    assert g.initial_seed() == mg.initial_seed() == 8
    mg.manual_seed(3)
    a = mg.rand(4).numpy()
    g.manual_seed(3)   # seeding the returned generator seeds what rand draws from
    np.testing.assert_array_equal(mg.rand(4).numpy(), a)
    assert mg.initial_seed() == 3


def test_rng_state_round_trip():
    mg.manual_seed(5)
    mg.randn(3)   # a float32 normal draw leaves a buffered uint32 in the state
    state = mg.get_rng_state()
    assert state.dtype == np.uint8 and state.ndim == 1 and state.dtype == torch.get_rng_state().numpy().dtype
    a, b = mg.rand(4), mg.randint(0, 100, (3,))
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.rand(4).numpy(), a.numpy())
    np.testing.assert_array_equal(mg.randint(0, 100, (3,)).numpy(), b.numpy())
    assert mg.get_rng_state().shape == state.shape


def test_set_rng_state_refusals():
    with pytest.raises(TypeError, match="uint8 Tensor"):
        mg.set_rng_state(mg.zeros(37))
    with pytest.raises(TypeError, match="uint8 Tensor"):
        mg.set_rng_state(np.zeros(37, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"\(37,\)"):
        mg.set_rng_state(mg.zeros(36, dtype=mg.uint8))


# ------------------------------------------------------------------ creation
def test_scalar_tensor_like_torch():
    for value, dtype in [(3, None), (True, None), (2.5, "float64"), (7, "int64")]:
        ours = mg.scalar_tensor(value, dtype=dtype)
        theirs = torch.scalar_tensor(value, dtype=None if dtype is None else getattr(torch, dtype))
        assert ours.shape == () and TORCH[ours.dtype] == theirs.dtype and ours.item() == theirs.item()
    with pytest.raises(TypeError, match="number"):
        mg.scalar_tensor([1.0])


def test_as_tensor_and_asarray_share_memory_like_torch():
    a = np.array([1.0, 2.0])
    ours, theirs = mg.as_tensor(a), torch.as_tensor(a)
    a[0] = 9.0
    assert ours.dtype == np.float64 and ours.numpy()[0] == theirs.numpy()[0] == 9.0
    assert mg.as_tensor([1, 2]).dtype == np.int64 and mg.as_tensor([1.0]).dtype == np.float32
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert mg.as_tensor(x) is x and mg.asarray(x) is x
    c = mg.asarray(a, copy=True)
    a[1] = -1.0
    assert c.numpy()[1] == 2.0 and mg.asarray(a).numpy()[1] == -1.0
    with pytest.raises(ValueError, match="needs a copy"):
        mg.asarray(a, dtype=mg.float32, copy=False)
    with pytest.raises(ValueError):
        torch.asarray(a, dtype=torch.float32, copy=False)
    with pytest.raises(ValueError, match="cannot be shared"):
        mg.asarray([1.0], copy=False)
    assert mg.asarray([1.0], requires_grad=True).requires_grad


def test_as_tensor_of_a_tensor_stays_in_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.as_tensor(x, dtype=mg.float64)
    assert y.dtype == np.float64 and y.requires_grad
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    assert not mg.asarray(x, requires_grad=False).requires_grad


@pytest.mark.parametrize("args,kwargs", [((0, 2, 3), {}), ((0, -1, 4), dict(base=2)), ((1, 3, 5), dict(base=3.5)),
                                         ((2, 2, 1), {}), ((0, 1, 0), {}), ((0, 2, 3), dict(dtype="float64"))])
def test_logspace_matches_torch(args, kwargs):
    theirs = torch.logspace(*args, **{k: getattr(torch, v) if k == "dtype" else v for k, v in kwargs.items()})
    ours = mg.logspace(*args, **kwargs)
    assert TORCH[ours.dtype] == theirs.dtype and ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6 if ours.dtype == np.float32 else 1e-14)
    with pytest.raises(ValueError, match="steps"):
        mg.logspace(0, 1, -1)


# ------------------------------------------------------------------ permute, detach, rsub
def test_permute_and_detach_like_torch():
    data = np.arange(24.0).reshape(2, 3, 4)
    x, t = pair(data)
    same(mg.permute(x, (2, 0, 1)), torch.permute(t, (2, 0, 1)))
    agree(lambda a: mg.permute(a, [1, 2, 0]), lambda a: torch.permute(a, [1, 2, 0]), [data])
    with pytest.raises(TypeError):
        torch.permute(t, 2, 0, 1)
    with pytest.raises(TypeError, match="positional"):
        mg.permute(x, 2, 0, 1)
    with pytest.raises(TypeError, match="dims must be a tuple"):
        mg.permute(x, 2)
    d = mg.detach(x)
    assert not d.requires_grad and d.is_leaf and np.shares_memory(d.numpy(), x.numpy())
    with pytest.raises(TypeError, match="must be Tensor"):
        mg.detach(data)


def test_rsub_matches_torch():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3,))
    agree(mg.rsub, torch.rsub, [a, b])
    agree(lambda x, y: mg.rsub(x, y, alpha=-2.5), lambda x, y: torch.rsub(x, y, alpha=-2.5), [a, b])
    x, t = pair(a)
    same(mg.rsub(x, 4.0, alpha=2), torch.rsub(t, 4.0, alpha=2))
    ints = mg.tensor([1, 2])
    np.testing.assert_array_equal(mg.rsub(ints, 5, alpha=2).numpy(), torch.rsub(torch.tensor([1, 2]), 5, alpha=2))
    with pytest.raises(RuntimeError):
        torch.rsub(torch.tensor([1, 2]), 5, alpha=0.5)
    with pytest.raises(RuntimeError, match="rsub: for integer tensors"):   # sub's rule, torch's RuntimeError
        mg.rsub(ints, 5, alpha=0.5)


@pytest.mark.parametrize("other", [lambda L: 1j, lambda L: L.tensor(1j), lambda L: L.tensor(1j, dtype=L.complex128)],
                         ids=["python complex", "0-d complex64", "0-d complex128"])
def test_float16_with_a_complex_scalar_is_complex64_where_torch_has_complex32(other):
    """The documented difference (docs/autodiff.md, section 12): minigrad, like NumPy, has no complex32."""
    half, thalf = mg.tensor([1.0], dtype=mg.float16), torch.tensor([1.0], dtype=torch.float16)
    assert mg.result_type(half, other(mg)) == mg.complex64
    assert torch.result_type(thalf, other(torch)) == torch.complex32
    assert mg.promote_types(mg.float16, mg.complex64) == mg.complex64
    assert torch.promote_types(torch.float16, torch.complex64) == torch.complex64
