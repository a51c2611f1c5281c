"""The Tensor API: creation functions and dtype rules, attributes, conversions, devices, identity."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend

# ------------------------------------------------------------------ creation and dtype rules


def test_tensor_from_python_floats_is_float32(device):
    t = mg.tensor([[1.5, 2.0], [3.0, -4.25]], device=device)
    assert t.dtype == np.float32
    assert t.shape == (2, 2)
    np.testing.assert_array_equal(t.numpy(), np.array([[1.5, 2.0], [3.0, -4.25]], dtype=np.float32))


def test_tensor_from_float64_numpy_array_is_float32_and_a_copy(device):
    src = np.array([0.1, 0.2, 0.3])
    t = mg.tensor(src, device=device)
    assert t.dtype == np.float32
    np.testing.assert_array_equal(t.numpy(), src.astype(np.float32))
    src[0] = 99.0
    assert t.numpy()[0] == np.float32(0.1)


def test_tensor_python_scalar_is_zero_dim_float32(device):
    t = mg.tensor(2.5, device=device)
    assert t.shape == () and t.ndim == 0 and t.dtype == np.float32
    assert t.item() == 2.5


def test_tensor_ints_stay_int64_and_bools_stay_bool(device):
    i = mg.tensor([1, 2, 3], device=device)
    assert i.dtype == np.int64
    np.testing.assert_array_equal(i.numpy(), [1, 2, 3])
    assert mg.tensor(np.array([4, 5], dtype=np.int64), device=device).dtype == np.int64
    assert mg.tensor([True, False], device=device).dtype == np.bool_


def test_tensor_explicit_dtype_wins(device):
    t = mg.tensor([1.0, 2.0], dtype="float64", device=device)
    assert t.dtype == np.float64
    assert mg.tensor(np.arange(3), dtype=np.float32, device=device).dtype == np.float32
    assert mg.tensor([1.7, 2.2], dtype="int64", device=device).dtype == np.int64


def test_tensor_requires_grad_flag(device):
    t = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    assert t.requires_grad and t.is_leaf and t.grad is None


def test_zeros_ones_full(device):
    z = mg.zeros(2, 3, device=device)
    assert z.shape == (2, 3) and z.dtype == np.float32
    np.testing.assert_array_equal(z.numpy(), np.zeros((2, 3), np.float32))
    o = mg.ones((3,), device=device)
    np.testing.assert_array_equal(o.numpy(), np.ones(3, np.float32))
    f = mg.full((2, 2), 7.5, device=device)
    assert f.dtype == np.float32
    np.testing.assert_array_equal(f.numpy(), np.full((2, 2), 7.5, np.float32))
    assert mg.zeros(2, dtype="float64", device=device).dtype == np.float64
    assert mg.full(3, 2, dtype="int64", device=device).dtype == np.int64


def test_zeros_rejects_negative_shape():
    with pytest.raises(ValueError, match="non-negative"):
        mg.zeros(2, -1)


def test_arange(device):
    a = mg.arange(5, device=device)
    assert a.dtype == np.int64
    np.testing.assert_array_equal(a.numpy(), np.arange(5))
    b = mg.arange(1, 10, 3, device=device)
    np.testing.assert_array_equal(b.numpy(), [1, 4, 7])
    c = mg.arange(0.0, 1.0, 0.25, device=device)
    assert c.dtype == np.float32
    np.testing.assert_allclose(c.numpy(), [0.0, 0.25, 0.5, 0.75])


def test_eye(device):
    e = mg.eye(3, device=device)
    assert e.dtype == np.float32
    np.testing.assert_array_equal(e.numpy(), np.eye(3, dtype=np.float32))
    np.testing.assert_array_equal(mg.eye(2, 4, device=device).numpy(), np.eye(2, 4))


def test_rand_and_randn_shapes_ranges_and_dtype(device):
    u = mg.rand(200, 3, device=device)
    assert u.shape == (200, 3) and u.dtype == np.float32
    assert u.numpy().min() >= 0.0 and u.numpy().max() < 1.0
    n = mg.randn(4000, device=device)
    assert n.dtype == np.float32
    assert abs(float(n.numpy().mean())) < 0.1
    assert abs(float(n.numpy().std()) - 1.0) < 0.1
    assert mg.randn(2, dtype="float64", device=device).dtype == np.float64


def test_manual_seed_reproducibility(device):
    mg.manual_seed(123)
    a, b = mg.randn(5, device=device).numpy(), mg.rand(2, 2, device=device).numpy()
    mg.manual_seed(123)
    c, d = mg.randn(5, device=device).numpy(), mg.rand(2, 2, device=device).numpy()
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(b, d)
    mg.manual_seed(124)
    assert not np.array_equal(a, mg.randn(5, device=device).numpy())


def test_zeros_like_ones_like_keep_shape_dtype_device(device):
    t = mg.tensor([[1, 2, 3]], device=device)
    z = mg.zeros_like(t)
    assert z.shape == (1, 3) and z.dtype == np.int64 and z.device == t.device
    np.testing.assert_array_equal(z.numpy(), [[0, 0, 0]])
    f = mg.tensor([1.0, 2.0], dtype="float64", device=device)
    o = mg.ones_like(f)
    assert o.dtype == np.float64
    np.testing.assert_array_equal(o.numpy(), [1.0, 1.0])


# ------------------------------------------------------------------ attributes and conversions


def test_attributes(device):
    t = mg.tensor(np.arange(6.0).reshape(2, 3), device=device)
    assert t.shape == (2, 3)
    assert t.ndim == 2
    assert t.size == 6
    assert t.dtype == np.float32
    assert t.device == ("cpu" if device == "cpu" else "cuda:0")
    assert len(t) == 2
    assert t.is_leaf and not t.requires_grad and t.grad is None
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(t.T.numpy(), np.arange(6.0).reshape(2, 3).T)
    assert backend.get_array_module(t.data) is backend.xp_for(backend.normalize_device(device))


@pytest.mark.parametrize("data, element, expected", [
    ([[1, 2], [3, 4]], 2, True), ([[1, 2], [3, 4]], 5, False), ([[1, 2], [3, 4]], 2.0, True),
    ([[1, 2], [3, 4]], 2.5, False), (5, 5, True), (5, 4, False), ([], 1, False), ([[1.0, 3.0]], 3, True),
])
def test_in_asks_whether_any_entry_equals_as_torch(device, data, element, expected):
    """``2 in t`` of a 2-D tensor was NumPy's "truth value of an array with more than one element is ambiguous"
    (Python iterated the rows), of a 0-d one "len() of a 0-d tensor"; torch answers (t == 2).any()."""
    import torch
    t = mg.tensor(data, device=device)
    assert (element in t) is expected
    assert (element in torch.tensor(data)) is expected
    assert (mg.tensor([element], device=device) in t) is expected
    with pytest.raises(TypeError, match=r"^Tensor.__contains__ takes a Tensor or a number, got str 'a'$"):
        "a" in t


def test_len_of_zero_dim_raises():
    with pytest.raises(TypeError, match="0-d"):
        len(mg.tensor(1.0))


def test_numpy_returns_host_array(device):
    t = mg.tensor([1.0, 2.0], device=device)
    a = t.numpy()
    assert isinstance(a, np.ndarray)
    np.testing.assert_array_equal(a, [1.0, 2.0])


def test_item(device):
    assert mg.tensor([[3.5]], device=device).item() == 3.5
    assert isinstance(mg.tensor([7], device=device).item(), int)


def test_item_of_many_elements_raises():
    with pytest.raises(ValueError, match=r"item\(\): tensor has 3 elements"):
        mg.tensor([1.0, 2.0, 3.0]).item()


def test_complex_float_and_int_of_complex_and_real_tensors_are_torchs(device):
    """complex(t) of a complex tensor failed (Python fell back to __float__, which NumPy refuses for complex), and
    float(t)/int(t) of a complex tensor with no imaginary part too; torch gives the number."""
    torch = pytest.importorskip("torch")
    for value in (2.5 + 0j, 1 + 1j, 2.5, True):
        ours, theirs = mg.tensor([value], device=device), torch.tensor([value])
        assert complex(ours) == complex(theirs) and type(complex(ours)) is complex
    ours, theirs = mg.tensor(2.9 + 0j, device=device), torch.tensor(2.9 + 0j)
    assert float(ours) == float(theirs) and int(ours) == int(theirs) == 2 and type(float(ours)) is float
    with pytest.raises(RuntimeError, match="without overflow"):
        float(torch.tensor(1 + 1j))
    for name, convert in (("float", float), ("int", int)):
        with pytest.raises(TypeError, match=rf"^{name}\(\): the tensor holds the complex number \(1\+1j\); its "
                                            r"imaginary part would be dropped \(torch refuses it too\); "
                                            r"take .real first$"):
            convert(mg.tensor(1 + 1j, device=device))
    with pytest.raises(TypeError, match=r"^complex\(\): only one-element tensors can be converted to Python scalars, "
                                        r"got shape \(2,\)$"):
        complex(mg.tensor([1.0, 2.0], device=device))


def test_float_and_int_of_a_one_element_tensor_of_any_shape_are_its_number_as_torchs(device):
    """float(t)/int(t) of a (1,) or (1, 1) tensor (a batch of one's output, `float(model(x))`) are torch's number;
    NumPy 2 refuses float() of an array with dims, so they used to raise NumPy's 0-d-only TypeError."""
    torch = pytest.importorskip("torch")
    for values in ([2.75], [[-3.5]], [[[7.0]]]):
        ours, theirs = mg.tensor(values, device=device), torch.tensor(values)
        assert float(ours) == float(theirs) and type(float(ours)) is float
        assert int(ours) == int(theirs) and type(int(ours)) is int
    assert int(mg.tensor([[9]], device=device)) == 9 and float(mg.tensor([True], device=device)) == 1.0
    with pytest.raises(TypeError, match=r"^float\(\): only one-element tensors can be converted to Python scalars, "
                                        r"got shape \(2,\)$"):
        float(mg.tensor([1.0, 2.0], device=device))
    with pytest.raises(TypeError, match=r"^int\(\): only one-element tensors can be converted to Python scalars, "
                                        r"got shape \(0,\)$"):
        int(mg.tensor([], device=device))


def test_detach_shares_data_and_drops_history(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    y = x * 2.0
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.creator is None
    assert d.data is y.data
    np.testing.assert_array_equal(d.numpy(), [2.0, 4.0])


def test_requires_grad_(device):
    t = mg.tensor([1.0], device=device)
    assert t.requires_grad_() is t
    assert t.requires_grad
    t.requires_grad_(False)
    assert not t.requires_grad


@pytest.mark.parametrize("flag", ["False", 0, 1, None])
def test_requires_grad_refuses_a_non_bool_as_torch(flag):
    # "False" is truthy: it made the tensor require grad; torch refuses anything but a bool
    t = mg.tensor([1.0])
    with pytest.raises(TypeError, match=r"Tensor.requires_grad_: requires_grad must be a bool, got "):
        t.requires_grad_(flag)
    assert not t.requires_grad
    assert t.requires_grad_(np.bool_(True)).requires_grad


def test_requires_grad_false_on_non_leaf_raises():
    y = mg.tensor([1.0], requires_grad=True) * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def _set_requires_grad(t, form, flag):
    if form == "attribute":
        t.requires_grad = flag
    else:
        t.requires_grad_(flag)


@pytest.mark.parametrize("form", ["attribute", "requires_grad_"])
@pytest.mark.parametrize("make", ["op output", "view of op output"])
def test_requires_grad_false_on_a_non_leaf_is_refused_as_torch(form, make):
    # y.requires_grad = False was accepted silently: y left its graph's gradient flow without a word
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2.0 if make == "op output" else (x * 2.0)[1:]
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables.*"
                                               "var_no_grad = var.detach()"):
            _set_requires_grad(y, form, False)
        assert y.requires_grad and not y.is_leaf
    y.sum().backward()   # the graph is untouched
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 2.0, 2.0] if make != "op output" else [2.0, 2.0, 2.0])


def test_requires_grad_true_on_a_non_leaf_refused_as_attribute_allowed_by_method_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        y = lib.tensor([1.0, 2.0], requires_grad=True) * 2.0
        with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables") as err:
            y.requires_grad = True
        assert "detach" not in str(err.value)   # torch's hint is for False only
        assert y.requires_grad_(True) is y and y.requires_grad_() is y
        assert y.requires_grad and not y.is_leaf
    assert "Mul" in str(err.value) and "(2,)" in str(err.value)   # minigrad's names the op and the shape


@pytest.mark.parametrize("form", ["attribute", "requires_grad_"])
def test_requires_grad_set_on_leaves_as_torch(form):
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        _set_requires_grad(x, form, False)
        assert not x.requires_grad and x.is_leaf
        _set_requires_grad(x, form, True)
        assert x.requires_grad and x.is_leaf
        with lib.no_grad():   # made under no_grad: a leaf
            y = x * 2.0
        _set_requires_grad(y, form, False)
        assert not y.requires_grad and y.is_leaf
        _set_requires_grad(y, form, True)
        (y * 3.0).sum().backward()
        np.testing.assert_array_equal(np.asarray(y.grad.tolist()), [3.0, 3.0])
        d = (x * 2.0).detach()
        _set_requires_grad(d, form, True)
        assert d.requires_grad and d.is_leaf


def test_requires_grad_attribute_refuses_a_non_bool_and_an_integer_dtype():
    # both were stored as given: requires_grad = 1 read back as 1, an int64 tensor "required grad"; then both were
    # refused with TypeError, where torch's setter raises RuntimeError
    torch = pytest.importorskip("torch")
    t, tt = mg.tensor([1.0]), torch.tensor([1.0])
    for flag in (1, 0, "False", None):
        with pytest.raises(RuntimeError, match="requires_grad must be a bool"):
            tt.requires_grad = flag
        with pytest.raises(RuntimeError, match=r"Tensor.requires_grad: must be set to a bool, got "):
            t.requires_grad = flag
    assert not t.requires_grad and t.requires_grad is False
    t.requires_grad = np.bool_(True)
    assert t.requires_grad is True
    i, ti = mg.tensor([1, 2]), torch.tensor([1, 2])
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        ti.requires_grad = True
    with pytest.raises(RuntimeError, match="only floating-point and complex tensors can require grad; this tensor has dtype int64"):
        i.requires_grad = True
    i.requires_grad = False
    ti.requires_grad = False
    assert not i.requires_grad and not ti.requires_grad


@pytest.mark.parametrize("data", [[1, 2], [True, False]])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    # a RuntimeError as torch's, from the constructor and from requires_grad_() (minigrad's was a TypeError)
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        with pytest.raises(RuntimeError, match="(?i)only (Tensors of )?floating[ -]point"):
            lib.tensor(data, requires_grad=True)
        t = lib.tensor(data)
        with pytest.raises(RuntimeError, match="(?i)only (Tensors of )?floating[ -]point"):
            t.requires_grad_()
        assert not t.requires_grad
    with pytest.raises(RuntimeError, match=f"only floating-point and complex tensors can require grad; this tensor has dtype "
                                           f"{t.dtype}"):
        t.requires_grad_()


@pytest.mark.parametrize("make", ["arange", "zeros", "randint", "Parameter"])
def test_creation_with_requires_grad_of_an_integer_dtype_raises_runtime_error_as_torch(make):
    torch = pytest.importorskip("torch")
    for lib in (torch, mg):
        build = {"arange": lambda: lib.arange(3, requires_grad=True),
                 "zeros": lambda: lib.zeros(2, dtype=lib.int32, requires_grad=True),
                 "randint": lambda: lib.randint(3, (2,), requires_grad=True),
                 "Parameter": lambda: lib.nn.Parameter(lib.tensor([1, 2]))}[make]
        with pytest.raises(RuntimeError, match="(?i)only (Tensors of )?floating[ -]point"):
            build()


def test_to_cpu_is_identity_on_cpu():
    t = mg.tensor([1.0, 2.0])
    assert t.to("cpu") is t
    assert t.cpu() is t


def test_to_unknown_device_raises():
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        mg.tensor([1.0]).to("tpu")


def test_astype(device):
    t = mg.tensor([1.5, -2.5], device=device)
    d = t.astype("float64")
    assert d.dtype == np.float64
    np.testing.assert_array_equal(d.numpy(), [1.5, -2.5])
    i = t.astype(np.int64)
    assert i.dtype == np.int64
    np.testing.assert_array_equal(i.numpy(), [1, -2])
    assert t.astype("float32") is t


def test_astype_is_differentiable(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    (x.astype("float64") * 3.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_repr():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"   # as torch: no dtype for int64
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(mg.tensor([1.0], requires_grad=True) * 2.0) == "tensor([2.], grad_fn=<Mul>)"
    assert repr(mg.tensor([0.5], dtype="float64")) == "tensor([0.5], dtype=float64)"


# ------------------------------------------------------------------ devices


def test_repr_of_an_empty_tensor_names_its_shape_and_dtype_as_torch():
    torch = pytest.importorskip("torch")
    cases = [((0,), "float32"), ((0, 2), "float32"), ((2, 0), "float32"), ((0, 2, 3), "float32"),
             ((0, 2), "float64"), ((0,), "int64"), ((0, 2), "int64"), ((0, 2), "bool")]
    for shape, dtype in cases:
        mine = repr(mg.zeros(*shape, dtype=dtype))
        theirs = repr(torch.zeros(*shape, dtype=getattr(torch, dtype))).replace("torch.", "")
        assert mine == theirs, (shape, dtype, mine, theirs)
    assert repr(mg.zeros(0, 2)) == "tensor([], size=(0, 2))"
    assert repr(mg.zeros(0, 2, requires_grad=True) * 2) == "tensor([], size=(0, 2), grad_fn=<Mul>)"
    assert repr(mg.zeros(0, 2, dtype="int64")) == "tensor([], size=(0, 2), dtype=int64)"


def test_default_device_from_environment(monkeypatch):
    monkeypatch.setenv("MINIGRAD_DEVICE", "cpu")
    assert backend.default_device() == "cpu"
    assert mg.zeros(2).device == "cpu"
    assert mg.tensor([1.0]).device == "cpu"
    monkeypatch.setenv("MINIGRAD_DEVICE", " CPU ")
    assert mg.ones(1).device == "cpu"
    monkeypatch.delenv("MINIGRAD_DEVICE")
    assert backend.default_device() == "cpu"


def test_default_device_unknown_value_raises(monkeypatch):
    monkeypatch.setenv("MINIGRAD_DEVICE", "tpu")
    with pytest.raises(ValueError, match="Unknown device 'tpu'"):
        mg.zeros(2)


@pytest.mark.skipif(mg.cuda.is_available(), reason="checks the error shown when CuPy is missing")
def test_cuda_without_cupy_says_what_to_install():
    with pytest.raises(RuntimeError, match=r"pip install minigrad\[cuda12\]"):
        mg.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CuPy"):
        mg.tensor([1.0]).to("cuda")


@pytest.mark.skipif(mg.cuda.is_available(), reason="checks the error shown when CuPy is missing")
def test_cuda_default_device_without_cupy_raises(monkeypatch):
    monkeypatch.setenv("MINIGRAD_DEVICE", "cuda")
    with pytest.raises(RuntimeError, match="Install it with"):
        mg.zeros(2)


def test_transfer_round_trip_is_differentiable(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(device)
    assert y.device == backend.normalize_device(device)
    (y * y).sum().backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0])


# ------------------------------------------------------------------ identity and comparisons


def test_hashable_by_identity_with_elementwise_eq(device):
    a = mg.tensor([1.0, 2.0], device=device)
    b = mg.tensor([1.0, 2.0], device=device)
    eq = a == b
    assert isinstance(eq, mg.Tensor) and eq.dtype == np.bool_
    np.testing.assert_array_equal(eq.numpy(), [True, True])
    table = {a: "a", b: "b"}
    assert len(table) == 2 and table[a] == "a" and table[b] == "b"
    assert len({a, b, a}) == 2
    assert hash(a) == hash(a) and hash(a) != hash(b)
    np.testing.assert_array_equal((a != mg.tensor([1.0, 0.0], device=device)).numpy(), [False, True])


def test_equality_with_none_or_a_string_is_pythons_identity_answer_as_torch(device):
    """x == None raised "Tensor: cannot hold an array of dtype object", so x in [None, x], [None, x].index(x) and
    [x].count(None) raised too; torch's x == None is False and x != None True (so is a string's)."""
    import torch
    x, tx = mg.tensor([1.0, 2.0], device=device), torch.tensor([1.0, 2.0])
    for ours, theirs in [(x, tx)]:
        assert (ours == None) is (theirs == None) is False   # noqa: E711
        assert (ours != None) is (theirs != None) is True   # noqa: E711
        assert (None == ours) is False and (None != ours) is True   # noqa: E711
        assert (ours == "a") is (theirs == "a") is False
        assert (ours != "a") is True
        assert (ours in [None, ours]) and not (None in [ours]) and [None, ours].index(ours) == 1
        assert [ours].count(None) == [theirs].count(None) == 0
    np.testing.assert_array_equal((x == 1).numpy(), [True, False])   # numbers stay elementwise


def test_setitem_on_tensor_requiring_grad_raises_outside_no_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place"):
        x[0] = 5.0
    with mg.no_grad():
        x[0] = 5.0
    np.testing.assert_array_equal(x.numpy(), [5.0, 2.0])


@pytest.mark.parametrize("value, dtype", [(["a", "b"], "<U1"), ([b"a"], "|S1"),
                                          (np.array([{}, 1], dtype=object), "object")])
def test_a_tensor_of_strings_or_objects_is_refused(value, dtype):
    with pytest.raises(TypeError, match=rf"^Tensor: cannot hold an array of dtype {re.escape(dtype)} "):
        mg.Tensor(value)


def test_augmented_assignment_under_no_grad_updates_the_parameter_in_place():
    # PyTorch's hand-written SGD step; before, p -= ... only rebound the loop variable and nothing changed.
    model = mg.nn.Linear(3, 2, dtype="float64")
    model(mg.tensor(np.ones((4, 3)), dtype="float64")).sum().backward()
    before = [p.numpy().copy() for p in model.parameters()]
    with mg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), old - 0.1 * p.grad.numpy())


@pytest.mark.parametrize("symbol, apply", [("+=", lambda t, v: t.__iadd__(v)), ("-=", lambda t, v: t.__isub__(v)),
                                           ("*=", lambda t, v: t.__imul__(v)), ("/=", lambda t, v: t.__itruediv__(v))])
def test_augmented_assignment_writes_into_the_same_memory_and_stamps_it(symbol, apply):
    x = mg.tensor([2.0, 4.0])
    alias, memory = x, x.data
    out = apply(x, mg.tensor([2.0, 2.0]))
    expected = {"+=": [4.0, 6.0], "-=": [0.0, 2.0], "*=": [4.0, 8.0], "/=": [1.0, 2.0]}[symbol]
    assert out is alias and out.data is memory and out.dtype == np.float32
    np.testing.assert_array_equal(alias.numpy(), expected)
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    with mg.no_grad():
        apply(w, 1.0)
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        loss.backward()


def test_augmented_assignment_while_recording():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^x \+= y on a leaf tensor that requires grad \(shape \(2,\)\)"):
        w += 1.0
    total = mg.tensor(0.0)
    for k in (1.0, 2.0):
        total += (w * k).sum()   # a running loss: recorded as total = total + ..., as before
    total.backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 3.0])


@pytest.mark.parametrize("x, y, kind, message", [
    (np.array([1, 2]), 0.5, TypeError, r"x \+= y: cannot update x \(shape \(2,\), dtype int64, cpu\) in place with "
                                       r"y \(float 0.5\): Cannot cast"),
    (np.array([1.0, 2.0]), np.ones(3), ValueError, r"x \+= y: cannot update x \(shape \(2,\), dtype float64, cpu\) "
                                                  r"in place with y \(shape \(3,\) and dtype float64\)"),
])
def test_augmented_assignment_that_cannot_keep_x_is_one_clear_error(x, y, kind, message):
    t = mg.Tensor(x)
    with pytest.raises(kind, match=message):
        t += y


def test_augmented_assignment_keeps_x_shape_and_dtype_whether_or_not_a_graph_is_recorded():
    h = mg.tensor([1.0, 2.0, 3.0], requires_grad=True) * 1.0   # a non-leaf: recorded as h = h + y
    with pytest.raises(ValueError, match=r"^x \+= y: the result has shape \(2, 3\), not x's \(3,\)"):
        h += mg.ones(2, 3)
    with mg.no_grad():
        x = mg.tensor([1.0, 2.0])
        with pytest.raises(TypeError, match=r"^x \+= y: x has dtype float32 and y float64"):
            x += np.array([1.0, 1.0])   # refused as the ops refuse it, not rounded silently
        x += np.float64(0.5)            # a scalar joins like a Python number
    np.testing.assert_array_equal(x.numpy(), [1.5, 2.5])
    small = mg.Tensor(np.array([250], dtype=np.uint8))
    with pytest.raises(OverflowError, match=r"^x \+= y: cannot update x \(shape \(1,\), dtype uint8"):
        small += 300


@pytest.mark.parametrize("symbol", ["+=", "-=", "*=", "&=", "|=", "^=", "<<="])
def test_augmented_assignment_writes_a_signed_result_into_an_unsigned_x_as_torch(symbol):
    # NumPy's same_kind casting refused uint8 += int16 ("Cannot cast ufunc 'add' output"), where torch wraps the
    # result into uint8, as minigrad's in-place methods (x.add_(y)) already did
    torch = pytest.importorskip("torch")
    x, y = np.array([1, 2, 3], dtype=np.uint8), np.array([-3, 300, 5], dtype=np.int16)
    m, t = mg.tensor(x, dtype="uint8"), torch.tensor(x)
    memory = m.data
    ns = {"m": m, "my": mg.tensor(y, dtype="int16"), "t": t, "ty": torch.tensor(y)}
    exec(f"m {symbol} my\nt {symbol} ty", ns)
    assert ns["m"].data is memory and ns["m"].dtype == np.uint8
    assert ns["m"].tolist() == ns["t"].tolist()


@pytest.mark.parametrize("y", [np.array([2, -3], dtype=np.int8), np.array(-2), np.array([2, 3], dtype=np.int32)])
def test_true_division_assignment_of_an_unsigned_x_by_signed_integers_is_refused_as_in_torch(y):
    # the wrapping cast for uint8 += int16 also wrote the float quotient truncated into x ([7, 200] /= [2, -3]
    # gave [3, 0] silently); torch: "result type Float can't be cast to the desired output type Byte"
    x = mg.tensor([7, 200], dtype="uint8")
    with pytest.raises(TypeError, match=r"^x /= y: cannot update x \(shape \(2,\), dtype uint8.*float64.*uint8"):
        x /= mg.tensor(y, dtype=y.dtype.name)
    assert x.tolist() == [7, 200]


@pytest.mark.parametrize("symbol", ["//=", "%=", "**="])
def test_floor_division_modulo_and_power_assignments_write_in_place_with_torchs_cast_rule(symbol):
    # these used to fall back to x = x // y: a new tensor of the promoted dtype (int8 //= int64 gave int64, an int
    # tensor %= 2.5 a float one, bool **= 2 int64), the alias left with the old values
    torch = pytest.importorskip("torch")

    def apply(x, y):
        ns = {"x": x, "y": y}
        exec(f"x {symbol} y", ns)
        return ns["x"]

    for left, right in [("int8", "int64"), ("uint8", "int8"), ("int32", 2), ("float32", 2.5), ("float32", "int64")]:
        values = np.array([7, 2, 9, 100])
        t, m = torch.tensor(values.astype(left)), mg.tensor(values.astype(left), dtype=left)
        if isinstance(right, str):
            ty, my = torch.tensor(np.array([2, 3, 4, 1]).astype(right)), mg.tensor(np.array([2, 3, 4, 1]), dtype=right)
        else:
            ty = my = right
        alias, memory = m, m.data
        out = apply(m, my)
        expected = apply(t, ty)
        assert out is alias and out.data is memory and out.dtype == np.dtype(left)
        np.testing.assert_array_equal(out.numpy(), expected.numpy())
    for left, right in [("int64", 2.5), ("int32", mg.tensor([2.0, 1.0])), ("bool", 2)]:
        m = mg.tensor(np.array([3, 1]).astype(left), dtype=left)
        with pytest.raises(TypeError, match=rf"^x {re.escape(symbol)} y: the result has dtype \w+, which cannot be "
                                            rf"written into x of dtype {left}"):
            apply(m, right)
        assert m.tolist() == np.array([3, 1]).astype(left).tolist()


def test_floor_division_assignment_by_an_integer_zero_raises_as_the_op_does():
    x = mg.tensor([4, 2])
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        x //= 0
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        x %= mg.tensor([1, 0])
    assert x.tolist() == [4, 2]


def test_power_assignment_is_recorded_as_a_new_node_as_plus_equals_is():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^x \*\*= y on a leaf tensor that requires grad \(shape \(2,\)\)"):
        w **= 2
    h = w * 1.0
    h **= 3
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 12.0])
    with mg.no_grad():
        w //= 2.0
        w %= 0.75
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.25])
