"""torch's in-place Tensor methods (the generated ``x.op_(...)`` table, float_power_, cumsum_, fill_diagonal_, the
view-changing t_/transpose_/squeeze_/unsqueeze_/swapaxes_/swapdims_, detach_, apply_/map_), their aliases, and the
queries torch users type (grad_fn, output_nr, is_*, conj, H, layout, data_ptr, storage_offset, type): values and
dtypes against torch, torch's refusals, the rule for tensors that require grad and the write stamps."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg

RNG = np.random.default_rng(7)
X = RNG.uniform(-0.95, 0.95, (3, 4))          # inside every unary op's domain but the ones below
POS = RNG.uniform(0.05, 0.95, (3, 4))         # log, sqrt, logit: (0, 1)
Y = RNG.uniform(0.5, 2.0, (4,)) * np.array([1, -1, 1, -1])   # nonzero, both signs, broadcast over rows
M34, M45, M35, M24 = (RNG.standard_normal(s) for s in [(3, 4), (4, 5), (3, 5), (2, 4)])
B234, B245, B235 = (RNG.standard_normal(s) for s in [(2, 3, 4), (2, 4, 5), (2, 3, 5)])
POSITIVE = {"log_", "log2_", "log10_", "sqrt_", "rsqrt_", "logit_", "xlogy_"}


def a(array):
    """An array argument: becomes a minigrad or torch tensor of the input's kind."""
    return ("array", np.asarray(array))


# name -> (input, args, kwargs); every entry of Tensor._IN_PLACE_OF and the aliases must appear here.
CASES = {name: (X, (), {}) for name in [
    "abs_", "absolute_", "neg_", "negative_", "sign_", "sgn_", "exp_", "exp2_", "expm1_", "log1p_", "square_",
    "reciprocal_", "sin_", "cos_", "tan_", "asin_", "acos_", "atan_", "arcsin_", "arccos_", "arctan_", "sinh_",
    "cosh_", "tanh_", "asinh_", "atanh_", "arcsinh_", "arctanh_", "sinc_", "erf_", "erfc_", "erfinv_", "sigmoid_",
    "relu_", "deg2rad_", "rad2deg_", "floor_", "ceil_", "trunc_", "fix_", "frac_"]}
CASES.update({name: (POS, (), {}) for name in ["log_", "log2_", "log10_", "sqrt_", "rsqrt_", "logit_"]})
CASES.update({
    "acosh_": (X + 2.0, (), {}), "arccosh_": (X + 2.0, (), {}),
    "round_": (X * 10, (), {"decimals": 1}),
    "nan_to_num_": (np.array([[np.nan, np.inf, -np.inf, 1.5]]), (), {"nan": 2.0, "posinf": 9.0}),
    "true_divide_": (X, (a(Y),), {}), "pow_": (POS, (a(Y),), {}), "fmod_": (X * 5, (a(Y),), {}),
    "remainder_": (X * 5, (a(Y),), {}), "floor_divide_": (X * 5, (a(Y),), {}), "atan2_": (X, (a(Y),), {}),
    "arctan2_": (X, (a(Y),), {}), "hypot_": (X, (a(Y),), {}), "copysign_": (X, (a(Y),), {}),
    "xlogy_": (X, (a(np.abs(Y)),), {}), "lerp_": (X, (a(Y), 0.3), {}), "addcmul_": (X, (a(Y), a(X)), {"value": 0.5}),
    "addcdiv_": (X, (a(X), a(Y)), {"value": -2.0}), "clamp_min_": (X, (0.1,), {}), "clamp_max_": (X, (-0.2,), {}),
    "clip_": (X, (-0.3, 0.4), {}), "heaviside_": (np.array([[-1.0, 0.0, 2.0, 0.0]]), (a([0.5, 0.5, 0.5, 7.0]),), {}),
    "multiply_": (X, (a(Y),), {}), "subtract_": (X, (a(Y),), {"alpha": 2.0}),
    "divide_": (X * 5, (a(Y),), {"rounding_mode": "floor"}),
    "addmm_": (M35, (a(M34), a(M45)), {"beta": 0.5, "alpha": 2.0}), "addmv_": (M34[:, 0], (a(M34), a(Y)), {}),
    "addr_": (M34, (a(M35[:, 0]), a(Y)), {"alpha": -1.5}), "baddbmm_": (RNG.standard_normal((2, 3, 5)),
                                                                       (a(B234), a(B245)), {"beta": 2.0}),
    "addbmm_": (M35, (a(B234), a(B245)), {"alpha": 0.5}), "cumsum_": (X, (1,), {}), "cumprod_": (X, (0,), {}),
    "tril_": (M34, (1,), {}), "triu_": (M34, (-1,), {}),
    "scatter_add_": (M34, (1, a(np.array([[0, 1, 1], [3, 3, 3], [2, 0, 1]])), a(M35[:, :3])), {}),
})
# The special functions and the float-bit ones: values against torch to 1e-8 only, since torch's own kernels are off
# by up to 3e-10 there (torch.polygamma(1, 1.7) is 3.4e-10 from the exact value, minigrad's 1e-16).
SPECIAL = {
    "lgamma_": (X + 2.0, (), {}), "digamma_": (X + 2.0, (), {}), "polygamma_": (X + 2.0, (1,), {}),
    "mvlgamma_": (X + 3.0, (2,), {}), "i0_": (X, (), {}), "igamma_": (POS + 1.0, (a(np.abs(Y)),), {}),
    "igammac_": (POS + 1.0, (a(np.abs(Y)),), {}), "ldexp_": (X, (a(np.array([1, -2, 0, 3])),), {}),
    "nextafter_": (X, (a(Y),), {}),
}
for _name in ["eq_", "ne_", "lt_", "le_", "gt_", "ge_", "greater_", "greater_equal_", "less_", "less_equal_",
              "not_equal_"]:   # bool results written as 1 and 0, against a tensor with some equal entries
    CASES[_name] = (np.round(X * 2), (a(np.array([0.0, 1.0, -1.0, 0.0])),), {})
INT = {"bitwise_and_": (a([6, 3, -1]),), "bitwise_or_": (a([6, 3, -1]),), "bitwise_xor_": (a([6, 3, -1]),),
       "bitwise_not_": (), "bitwise_left_shift_": (a([1, 2, 0]),), "bitwise_right_shift_": (a([1, 2, 0]),),
       "gcd_": (a([4, 8, 9]),), "lcm_": (a([4, 8, 9]),)}
BOOL = {"logical_and_": (a([True, False, True]),), "logical_or_": (a([True, False, False]),),
        "logical_xor_": (a([True, False, True]),), "logical_not_": ()}


def _args(args, lib, dtype):
    def convert(v):
        if isinstance(v, tuple) and v[0] == "array":
            arr = v[1]
            if arr.dtype.kind == "f" and dtype in ("float32", "float64"):
                arr = arr.astype(dtype)
            if lib == "mg":   # mg.tensor reads a float64 array as float32 unless told its dtype
                return mg.tensor(arr, dtype=arr.dtype.name)
            return torch.tensor(arr)
        return v
    return [convert(v) for v in args]


def _both(name, data, args, kwargs, dtype="float64"):
    mine, theirs = mg.tensor(data.copy(), dtype=dtype), torch.tensor(data.copy().astype(dtype))
    out = getattr(mine, name)(*_args(args, "mg", dtype), **kwargs)
    tout = getattr(theirs, name)(*_args(args, "torch", dtype), **kwargs)
    assert out is mine and tout is theirs
    return mine, theirs


def test_every_generated_method_and_alias_has_a_case():
    generated = set(mg.Tensor._IN_PLACE_OF)
    assert generated <= set(CASES) | set(INT) | set(BOOL) | set(SPECIAL)
    for name in list(CASES) + list(INT) + list(BOOL) + list(SPECIAL):
        assert callable(getattr(mg.Tensor, name)) and hasattr(torch.Tensor, name)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_special_function_writes_match_torch_to_its_accuracy_and_float32_stays_float32(name):
    data, args, kwargs = SPECIAL[name]
    mine, theirs = _both(name, data, args, kwargs)
    assert mine.dtype == np.float64 and mine.shape == tuple(theirs.shape)
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-8, atol=1e-12)
    mine32, _ = _both(name, data, args, kwargs, dtype="float32")
    assert mine32.dtype == np.float32


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_match_torch_in_float64_and_float32_stays_float32(name):
    data, args, kwargs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mine, theirs = _both(name, data, args, kwargs)
        assert mine.dtype == np.float64 and mine.shape == tuple(theirs.shape)
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-13)
        mine32, theirs32 = _both(name, data, args, kwargs, dtype="float32")
    assert mine32.dtype == np.float32
    np.testing.assert_allclose(mine32.numpy(), theirs32.numpy(), rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("name", sorted(INT))
def test_bitwise_in_place_on_integers_matches_torch(name):
    mine, theirs = _both(name, np.array([5, -2, 12]), INT[name], {}, dtype="int64")
    assert mine.dtype == np.int64
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", sorted(BOOL))
def test_logical_in_place_on_bools_and_floats_matches_torch(name):
    mine, theirs = _both(name, np.array([True, True, False]), BOOL[name], {}, dtype="bool")
    assert mine.dtype == np.bool_
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    args = (a([0.0, 0.0, 3.0]),) if BOOL[name] else ()   # any dtype read as truth values, 1 and 0 written back
    mine, theirs = _both(name, np.array([1.5, 0.0, -2.0]), args, {})
    assert mine.dtype == np.float64
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


# Where minigrad's out-of-place op answers differently (docs/autodiff.md section 15), its in-place form does too.
KNOWN_DIFFERENCES = {("bool", "abs_"), ("bool", "absolute_"), ("bool", "sign_"),
                     ("bool", "sgn_")}


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_integer_and_bool_tensors_are_refused_exactly_where_torch_refuses_the_result(dtype):
    # torch writes a result only into a dtype it can cast to: never float into an integer, nothing but bool into bool
    data = np.array([[1, 2, 3], [4, 5, 6]]) if dtype != "bool" else np.array([[True, False], [False, True]])
    unary = [n for n, (_, args, _) in CASES.items() if not args and n != "nan_to_num_"] + ["bitwise_not_",
                                                                                            "logical_not_"]
    refused = []
    for name in unary:
        mine, theirs = mg.tensor(data.copy()).astype(dtype), torch.tensor(data.copy()).to(getattr(torch, dtype))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                getattr(theirs, name)()
                torch_error = None
            except (RuntimeError, NotImplementedError) as exc:
                torch_error = exc
            try:
                getattr(mine, name)()
                mg_error = None
            except (RuntimeError, TypeError) as exc:
                mg_error = exc
        if (dtype, name) in KNOWN_DIFFERENCES:
            assert (mg_error is None) != (torch_error is None), name
            continue
        assert (mg_error is None) == (torch_error is None), (name, mg_error, torch_error)
        if mg_error is None:
            assert mine.dtype == np.dtype(dtype)
            np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
        else:
            refused.append(name)
            np.testing.assert_array_equal(mine.numpy(), data.astype(dtype))   # a refused write leaves it as it was
    if dtype == "int64":
        assert {"sqrt_", "exp_", "sigmoid_", "reciprocal_", "sin_"} <= set(refused)
        assert "abs_" not in refused and "floor_" not in refused


def test_the_dtype_refusal_names_both_dtypes_and_follows_torchs_cast_rule():
    ints = mg.tensor(np.arange(1, 4))
    with pytest.raises(RuntimeError, match=r"sqrt_\(\): the result has dtype float32, which cannot be written into "
                                           r"this tensor of dtype int64"):
        ints.sqrt_()
    with pytest.raises(RuntimeError, match="can't be cast to the desired output type Long"):
        torch.arange(1, 4).sqrt_()
    # narrowing within a kind and signed into unsigned are torch's casts (NumPy's same_kind refuses the latter)
    small = mg.tensor(np.array([250, 3], dtype=np.uint8))
    small.add_(mg.tensor(np.array([10, -5])))
    tsmall = torch.tensor([250, 3], dtype=torch.uint8).add_(torch.tensor([10, -5]))
    assert small.dtype == np.uint8
    np.testing.assert_array_equal(small.numpy(), tsmall.numpy())
    flags = mg.tensor(np.array([True, False]))
    with pytest.raises(RuntimeError, match="dtype int64, which cannot be written into this tensor of dtype bool"):
        flags.add_(mg.tensor(np.array([1, 1])))
    floats = mg.tensor(np.array([1.0, 2.0]), dtype="float64")
    floats.eq_(mg.tensor(np.array([1.0, 0.0]), dtype="float64"))
    np.testing.assert_array_equal(floats.numpy(), [1.0, 0.0])


def test_float_power_writes_only_into_float64_as_torch():
    x = mg.tensor(POS.copy(), dtype="float64")
    tx = torch.tensor(POS.copy())
    x.float_power_(2.5)
    tx.float_power_(2.5)
    np.testing.assert_allclose(x.numpy(), tx.numpy(), rtol=1e-14)
    for dtype in ["float32", "int64"]:
        with pytest.raises(RuntimeError, match=rf"float_power_\(\): the base has dtype {dtype} but the operation's "
                                               r"result requires dtype float64"):
            mg.tensor(np.ones(3)).astype(dtype).float_power_(2)
        with pytest.raises(RuntimeError, match="requires dtype Double"):
            torch.ones(3).to(getattr(torch, dtype)).float_power_(2)


def test_a_result_of_another_shape_and_a_missing_dim_are_refused():
    with pytest.raises(RuntimeError, match=r"addmm_\(\): the result has shape \(3, 5\), which cannot be written into "
                                           r"this tensor of shape \(5,\)"):
        mg.tensor(np.ones(5)).addmm_(mg.tensor(M34), mg.tensor(M45))
    with pytest.raises(RuntimeError):
        torch.ones(5).addmm_(torch.tensor(M34), torch.tensor(M45))
    with pytest.raises(TypeError):
        mg.tensor(X).cumsum_()


IN_PLACE_CALLS = {name: (lambda t, name=name: getattr(t, name)(*_args(CASES[name][1], "mg", "float64"),
                                                                **CASES[name][2])) for name in CASES}
IN_PLACE_CALLS.update({
    "float_power_": lambda t: t.float_power_(2.0), "fill_diagonal_": lambda t: t.fill_diagonal_(1.0),
    "t_": lambda t: t.t_(), "transpose_": lambda t: t.transpose_(0, 1), "squeeze_": lambda t: t.squeeze_(),
    "unsqueeze_": lambda t: t.unsqueeze_(0), "swapaxes_": lambda t: t.swapaxes_(0, 1),
    "swapdims_": lambda t: t.swapdims_(0, 1)})


def _input(name):
    return (CASES[name][0] if name in CASES else M34).copy()


@pytest.mark.parametrize("name", sorted(IN_PLACE_CALLS))
def test_refused_on_a_leaf_that_requires_grad_in_grad_mode_as_torch(name):
    data = _input(name)
    w = mg.tensor(data, dtype="float64", requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"{name}\(\): a leaf tensor that requires grad \(shape "
                                           rf"\({data.shape[0]},.*cannot be written in place while grad mode is on"):
        IN_PLACE_CALLS[name](w)
    np.testing.assert_array_equal(w.data, data)
    assert w.shape == data.shape
    tw = torch.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(tw, name)(*_args(CASES[name][1], "torch", "float64"), **CASES[name][2]) if name in CASES else \
            {"float_power_": lambda: tw.float_power_(2.0), "fill_diagonal_": lambda: tw.fill_diagonal_(1.0),
             "t_": tw.t_, "transpose_": lambda: tw.transpose_(0, 1), "squeeze_": tw.squeeze_,
             "unsqueeze_": lambda: tw.unsqueeze_(0), "swapaxes_": lambda: tw.swapaxes_(0, 1),
             "swapdims_": lambda: tw.swapdims_(0, 1)}[name]()


@pytest.mark.parametrize("index", [1, (1, 2), (-1, 0)], ids=["row", "element", "negative"])
def test_an_element_picked_by_integers_is_a_view_that_in_place_ops_write_through_as_torch(index):
    # NumPy hands back a copied scalar for x[1, 2]; the write went into that copy and x kept its values
    data = np.arange(12.0).reshape(3, 4)
    x, tx = mg.tensor(data.copy()), torch.tensor(data.copy())
    x[index].mul_(10.0)
    tx[index].mul_(10.0)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    x[index].fill_(-1.0)
    tx[index].fill_(-1.0)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    w = mg.tensor(data, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_\(\): this tensor \(shape \(.*\)\) is a view of a leaf tensor that "
                                           r"requires grad \(shape \(3, 4\)\)"):
        w[index].mul_(2.0)
    np.testing.assert_array_equal(w.data, data)


TORCH_CALLS = {name: (lambda t, name=name: getattr(t, name)(*_args(CASES[name][1], "torch", "float64"),
                                                             **CASES[name][2])) for name in CASES}
# torch has no derivative for these in-place forms ("not implemented"): its out-of-place op is the reference.
TORCH_OUT_OF_PLACE = {"acosh_", "arccosh_", "arcsinh_", "arctanh_", "asinh_", "atanh_"}
# Nor for these at all; they are piecewise constant, so the gradient through them is 0 (minigrad's).
PIECEWISE_CONSTANT = {"floor_divide_", "heaviside_"}


def _recorded(module, name):
    w = module.tensor(_input(name), dtype=module.float64, requires_grad=True)
    y = w * 1.0
    if module is torch and name in PIECEWISE_CONSTANT:
        with torch.no_grad():
            TORCH_CALLS[name](y)
        return y.detach().numpy(), np.zeros_like(_input(name))
    if module is torch and name in TORCH_OUT_OF_PLACE:
        y = getattr(y, name[:-1])(*_args(CASES[name][1], "torch", "float64"), **CASES[name][2])
    else:
        out = (IN_PLACE_CALLS if module is mg else TORCH_CALLS)[name](y)
        assert out is y
    loss = (y * 0.7).sum() + (y.clamp(-10, 10) ** 2).sum()   # y read after the write, through its new node
    loss.backward()
    grad = w.grad.numpy(force=True) if module is torch else w.grad.numpy()   # torch's may be a ZeroTensor
    return y.detach().numpy(), grad


@pytest.mark.parametrize("name", sorted(CASES))
def test_on_a_non_leaf_that_requires_grad_the_write_is_recorded_as_torchs(name):
    (mine, mine_grad), (theirs, their_grad) = _recorded(mg, name), _recorded(torch, name)
    np.testing.assert_allclose(mine, theirs.astype(np.float64), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mine_grad, their_grad, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["fill_diagonal_"])
def test_the_diagonal_write_refuses_a_tensor_that_requires_grad(name):
    w = mg.tensor(_input(name), dtype="float64", requires_grad=True)
    y = w * 1.0
    loss = (y * y).sum()
    with pytest.raises(RuntimeError, match=rf"{name}\(\): a tensor that requires grad"):
        IN_PLACE_CALLS[name](y)
    with mg.no_grad():
        IN_PLACE_CALLS[name](y)   # written; the graph that used y before refuses to backward, as torch's
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        loss.backward()


VIEW_CHANGING = {"t_": lambda t: t.t_(), "transpose_": lambda t: t.transpose_(-1, 0),
                 "swapaxes_": lambda t: t.swapaxes_(0, 1), "swapdims_": lambda t: t.swapdims_(1, 0),
                 "unsqueeze_": lambda t: t.unsqueeze_(-1), "squeeze_": lambda t: t.unsqueeze_(1).squeeze_(),
                 "squeeze_ dim": lambda t: t.unsqueeze_(0).unsqueeze_(2).squeeze_((0, 2)),
                 "t_ twice, add_ between": lambda t: t.t_().add_(1.0).t_()}


@pytest.mark.parametrize("name", sorted(VIEW_CHANGING))
def test_view_changing_in_place_ops_on_a_non_leaf_are_recorded_as_torchs(name):
    """y = w * 2; y.t_() (transpose_, swapaxes_, swapdims_, squeeze_, unsqueeze_) on a tensor in a graph: torch
    records the view, y its output; minigrad refused every one ('a tensor that requires grad cannot be written in
    place'). Now y becomes the view op's output and the gradient reaches w through it."""
    results = []
    for module in (mg, torch):
        w = module.tensor(M34, dtype=module.float64, requires_grad=True)
        y = w * 2.0
        assert VIEW_CHANGING[name](y) is y
        cot = module.arange(float(y.numel()), dtype=module.float64).reshape(tuple(y.shape))
        ((y * cot).sum() + (y.exp() * y).sum()).backward()
        results.append((y.detach().numpy(), w.grad.numpy()))
    (mine, mine_grad), (theirs, their_grad) = results
    assert mine.shape == theirs.shape
    np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_allclose(mine_grad, their_grad, rtol=1e-13)


def test_a_view_changing_in_place_op_gives_exact_first_and_second_derivatives():
    def fn(x):
        y = x * 2.0
        y.t_()
        y.unsqueeze_(0)
        return y.sin() * y
    x = mg.tensor(M34, dtype="float64", requires_grad=True)
    assert mg.gradcheck(fn, (x,)) and mg.gradgradcheck(fn, (x,))


def test_a_graph_that_read_the_tensor_before_its_view_changed_refuses_as_torchs():
    for module, message in ((mg, "modified in place after the graph used it"),
                            (torch, "modified by an inplace operation")):
        w = module.tensor(M34, dtype=module.float64, requires_grad=True)
        y = w * 1.0
        loss = (y * y).sum()
        y.t_()
        with pytest.raises(RuntimeError, match=message):
            loss.backward()


@pytest.mark.parametrize("name", sorted(IN_PLACE_CALLS))
def test_a_write_under_no_grad_is_stamped_so_an_older_graph_refuses_to_backward(name):
    w = mg.tensor(_input(name), dtype="float64", requires_grad=True)
    loss = (w * w).sum()
    with mg.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        IN_PLACE_CALLS[name](w)
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        loss.backward()
    tw = torch.tensor(_input(name), requires_grad=True)   # torch's version counter refuses it the same way
    tloss = (tw * tw).sum()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if name in CASES:
            getattr(tw, name)(*_args(CASES[name][1], "torch", "float64"), **CASES[name][2])
        else:
            {"float_power_": lambda: tw.float_power_(2.0), "fill_diagonal_": lambda: tw.fill_diagonal_(1.0),
             "t_": tw.t_, "transpose_": lambda: tw.transpose_(0, 1), "squeeze_": tw.squeeze_,
             "unsqueeze_": lambda: tw.unsqueeze_(0), "swapaxes_": lambda: tw.swapaxes_(0, 1),
             "swapdims_": lambda: tw.swapdims_(0, 1)}[name]()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()


def test_an_operand_that_requires_grad_is_recorded_as_torchs():
    buf, tbuf = mg.tensor(X.copy(), dtype="float64"), torch.tensor(X.copy())
    w, tw = mg.tensor(Y, dtype="float64", requires_grad=True), torch.tensor(Y, requires_grad=True)
    assert buf.atan2_(w) is buf and buf.requires_grad
    tbuf.atan2_(tw)
    np.testing.assert_allclose(buf.numpy(), np.arctan2(X, Y), rtol=1e-14)
    (buf * buf).sum().backward()
    (tbuf * tbuf).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


def test_help_shows_the_arguments_and_a_generated_docstring():
    import inspect
    assert str(inspect.signature(mg.Tensor.addcmul_)) == "(self, tensor1, tensor2, *, value=1)"
    assert mg.Tensor.exp_.__name__ == "exp_"
    doc = mg.Tensor.addmm_.__doc__
    assert "``self.addmm(...)`` written into this tensor in place" in doc and "beta * self + alpha" in doc
    assert "While a graph is recorded it is recorded" in mg.Tensor.sqrt_.__doc__ and "int_tensor.sqrt_()" in mg.Tensor.sqrt_.__doc__


def test_absolute_is_abs_and_the_in_place_aliases_are_their_targets():
    x, tx = mg.tensor(X, dtype="float64", requires_grad=True), torch.tensor(X, requires_grad=True)
    y, ty = x.absolute(), tx.absolute()
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())
    for alias, target, args in [("multiply_", "mul_", (2.0,)), ("subtract_", "sub_", (1.0,)),
                                ("divide_", "div_", (4.0,))]:
        one, other = mg.tensor(X, dtype="float64"), mg.tensor(X, dtype="float64")
        getattr(one, alias)(*args)
        getattr(other, target)(*args)
        np.testing.assert_array_equal(one.numpy(), other.numpy())


def test_fill_diagonal_matches_torch_with_and_without_wrap_and_refuses_as_torch():
    for shape, wrap in [((3, 4), False), ((7, 3), True), ((7, 3), False), ((3, 3, 3), False)]:
        mine, theirs = mg.zeros(*shape, dtype="float64"), torch.zeros(*shape, dtype=torch.float64)
        assert mine.fill_diagonal_(2.5, wrap=wrap) is mine
        theirs.fill_diagonal_(2.5, wrap=wrap)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    ints = mg.zeros(2, 2, dtype="int64").fill_diagonal_(7)
    np.testing.assert_array_equal(ints.numpy(), [[7, 0], [0, 7]])
    from_tensor = mg.zeros(2, 2, dtype="float64").fill_diagonal_(mg.tensor(3.0))
    np.testing.assert_array_equal(from_tensor.numpy(), torch.zeros(2, 2).fill_diagonal_(torch.tensor(3.0)).numpy())
    with pytest.raises(TypeError, match=r"fill_value must be a number or a 0-d tensor, got shape \(2,\)"):
        mg.zeros(2, 2).fill_diagonal_(mg.ones(2))
    with pytest.raises(RuntimeError, match=r"fill_diagonal_\(\): the values written into this tensor .* come from an "
                                           "operand that requires grad"):
        mg.zeros(2, 2, dtype="float64").fill_diagonal_(mg.tensor(3.0, dtype="float64", requires_grad=True))
    with pytest.raises(RuntimeError, match=r"fill_diagonal_\(\): needs a tensor of at least 2 dims, got shape \(3,\)"):
        mg.zeros(3).fill_diagonal_(1.0)
    with pytest.raises(RuntimeError, match=r"all dims must be of equal length beyond 2 dims, got shape \(2, 3, 2\)"):
        mg.zeros(2, 3, 2).fill_diagonal_(1.0)
    for shape in [(3,), (2, 3, 2)]:
        with pytest.raises(RuntimeError):
            torch.zeros(*shape).fill_diagonal_(1.0)


VIEW_CALLS = [("t_", ()), ("transpose_", (0, 1)), ("transpose_", (-1, 0)), ("swapaxes_", (1, 0)),
              ("swapdims_", (0, -1)), ("unsqueeze_", (1,)), ("unsqueeze_", (-1,)), ("squeeze_", ()),
              ("squeeze_", (1,)), ("squeeze_", (0,)), ("squeeze_", ((0, 1),))]


@pytest.mark.parametrize("name,args", VIEW_CALLS)
def test_view_changing_in_place_ops_match_torch_and_keep_the_memory(name, args):
    data = np.arange(6.0).reshape(3, 1, 2) if name == "squeeze_" else np.arange(6.0).reshape(2, 3)
    mine, theirs = mg.tensor(data.copy(), dtype="float64"), torch.tensor(data.copy())
    base = mine.data
    assert getattr(mine, name)(*args) is mine
    getattr(theirs, name)(*args)
    assert mine.shape == tuple(theirs.shape)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert np.shares_memory(mine.data, base)   # a view of the same memory, as torch's: a later write reaches both
    mine.data[...] = -1.0
    assert (base == -1.0).all()


def test_view_changing_in_place_ops_refuse_as_torch():
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dims, got shape \(2, 3, 4\)"):
        mg.zeros(2, 3, 4).t_()
    with pytest.raises(RuntimeError, match="expects a tensor with <= 2 dimensions"):
        torch.zeros(2, 3, 4).t_()
    with pytest.raises(ValueError, match=r"squeeze_: dim 2 is out of range for a tensor of shape \(2, 1\)"):
        mg.zeros(2, 1).squeeze_(2)
    with pytest.raises(IndexError):
        torch.zeros(2, 1).squeeze_(2)
    with pytest.raises(ValueError, match=r"unsqueeze: dim 3 is out of range"):
        mg.zeros(2).unsqueeze_(3)
    x = mg.tensor(5.0)
    assert x.squeeze_(0).shape == () and x.unsqueeze_(0).shape == (1,) and x.t_().shape == (1,)


def test_detach_makes_a_leaf_and_stamps_a_non_leaf():
    w = mg.tensor(X, dtype="float64", requires_grad=True)
    loss = (w * w).sum()
    assert w.detach_() is w and w.is_leaf and not w.requires_grad
    loss.backward()   # as torch: allowed, and w (no longer requiring grad) gets no .grad
    assert w.grad is None
    tw = torch.tensor(X, requires_grad=True)
    tloss = (tw * tw).sum()
    tw.detach_()
    tloss.backward()
    assert tw.grad is None
    a = mg.tensor(Y, dtype="float64", requires_grad=True)
    b = a * 2.0
    c = (b * 3.0).sum()
    b.detach_()
    assert b.is_leaf and not b.requires_grad and b.grad_fn is None
    # torch sends c's gradient on through b's old node; minigrad's graph holds b itself, so it refuses instead
    with pytest.raises(RuntimeError, match="modified in place after the graph used it"):
        c.backward()
    d = (a * b).sum()   # a graph recorded after detach_ treats b as a constant
    d.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2.0 * Y, rtol=1e-15)


def test_apply_and_map_call_python_functions_per_value_as_torch():
    mine, theirs = mg.tensor(np.arange(6).reshape(2, 3)), torch.arange(6).reshape(2, 3)
    seen = []
    mine.apply_(lambda v: seen.append(type(v)) or v / 3)   # a float into an int64 tensor truncates, as torch
    theirs.apply_(lambda v: v / 3)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    assert mine.dtype == np.int64 and set(seen) == {int}
    m2 = mg.tensor(np.arange(4.0).reshape(2, 2), dtype="float64")
    t2 = torch.arange(4.0, dtype=torch.float64).reshape(2, 2)
    other = np.array([[1.0], [2.0]])
    m2.map_(mg.tensor(other, dtype="float64"), lambda x, y: x * 10 + y)
    t2.map_(torch.tensor(other), lambda x, y: x * 10 + y)
    np.testing.assert_array_equal(m2.numpy(), t2.numpy())
    s = mg.tensor(2.0, dtype="float64").apply_(lambda v: v + 1)
    assert s.item() == 3.0
    with pytest.raises(TypeError, match=r"map_\(\): expected a Tensor of this tensor's dtype float64 for 'tensor', "
                                        "got dtype int64"):
        m2.map_(mg.tensor(np.arange(2)), lambda x, y: x)
    with pytest.raises(RuntimeError, match=r"map_\(\): 'tensor' of shape \(3,\) does not broadcast"):
        m2.map_(mg.tensor(np.ones(3), dtype="float64"), lambda x, y: x)
    w = mg.tensor(np.ones(3), dtype="float64", requires_grad=True)
    for call in (lambda t: t.apply_(abs), lambda t: t.map_(t.detach(), max)):
        with mg.no_grad(), pytest.raises(RuntimeError, match=r"cannot run on a tensor that requires grad .*even under "
                                                             "no_grad"):
            call(w)
    with torch.no_grad(), pytest.raises(RuntimeError, match="Can't call apply_"):
        torch.ones(3, requires_grad=True).apply_(abs)


def test_graph_queries_match_torch():
    w = mg.tensor(X, dtype="float64", requires_grad=True)
    y = w * 2.0
    assert w.grad_fn is None and y.grad_fn is y.creator and y.grad_fn.name == "Mul"
    tw = torch.tensor(X, requires_grad=True)
    assert tw.grad_fn is None and type((tw * 2.0).grad_fn).__name__ == "MulBackward0"
    assert w.output_nr == 0 and y.output_nr == 0 and tw.output_nr == 0
    for split in [lambda t: t.split(1, dim=0), lambda t: t.unbind(1), lambda t: t.max(dim=1)]:
        assert [p.output_nr for p in split(w)] == [p.output_nr for p in split(tw)]
    assert [p.output_nr for p in w.unbind(1)] == [0, 1, 2, 3]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8", "uint8", "bool", "complex64", "complex128",
                                   "uint16", "uint32", "uint64"])
def test_dtype_queries_and_type_names_match_torch_under_minigrads_name(dtype):
    """complex and uint16-64 tensors' type() was "torch has no tensor type name" (torch's: 'torch.ComplexFloatTensor',
    'torch.UInt16Tensor', ...), and x.type('torch.ComplexFloatTensor') an unknown type."""
    mine = mg.tensor(np.array([1, 0])).astype(dtype)
    theirs = torch.tensor([1, 0]).to(getattr(torch, dtype))
    assert mine.is_signed() == theirs.is_signed()
    assert mine.type() == theirs.type().replace("torch.", "minigrad.")
    back = mine.type(theirs.type())
    assert back is mine
    cast = mine.type("minigrad.DoubleTensor")
    assert cast.dtype == np.float64 and (cast is mine) == (dtype == "float64")
    assert mine.type("int32").dtype == np.int32


def test_type_casts_differentiably_between_floats_and_refuses_an_unknown_name():
    x = mg.tensor(X, dtype="float32", requires_grad=True)
    y = x.type(np.float64)
    assert y.dtype == np.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype == np.float32
    with pytest.raises(ValueError, match=r"type\(\): unknown tensor type 'minigrad.ComplexTensor'"):
        x.type("minigrad.ComplexTensor")


def test_truth_and_size_queries_match_torch():
    for values in [[0.0], [3], 2.5, [True]]:
        assert mg.tensor(np.array(values)).is_nonzero() == torch.tensor(values).is_nonzero()
    for values, words in [([], "no values"), ([1.0, 2.0], "more than one value")]:
        with pytest.raises(RuntimeError, match=f"Boolean value of Tensor with {words} is ambiguous"):
            mg.tensor(np.array(values)).is_nonzero()
        with pytest.raises(RuntimeError, match=f"Boolean value of Tensor with {words} is ambiguous"):
            torch.tensor(values).is_nonzero()
    x = mg.zeros(2, 3)
    assert x.is_same_size(mg.ones(2, 3)) and not x.is_same_size(mg.ones(3, 2))
    assert torch.zeros(2, 3).is_same_size(torch.ones(2, 3)) and not torch.zeros(2, 3).is_same_size(torch.ones(3, 2))


def test_real_tensor_identities_and_kind_flags_match_torch():
    x, tx = mg.tensor(M34, dtype="float64"), torch.tensor(M34)
    for name in ["conj", "resolve_conj", "resolve_neg"]:
        assert getattr(x, name)() is x and getattr(tx, name)() is tx
    assert x.real is x and tx.real is tx
    for name in ["is_inference", "is_conj", "is_neg"]:
        assert getattr(x, name)() is False and getattr(tx, name)() is False
    for name in ["is_sparse", "is_quantized", "is_meta", "is_nested"]:
        assert getattr(x, name) is False and getattr(tx, name) is False
    assert x.layout == "strided" and str(tx.layout) == "torch.strided"
    np.testing.assert_array_equal(x.H.numpy(), tx.H.numpy())
    np.testing.assert_array_equal(mg.tensor(B234, dtype="float64").adjoint().numpy(),
                                  torch.tensor(B234).adjoint().numpy())
    assert mg.tensor(2.0).H.item() == 2.0
    with pytest.raises(RuntimeError, match=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor"):
        mg.ones(3).H
    with pytest.raises(RuntimeError, match=r"tensor.H is only supported on matrices \(2-D tensors\). Got 1-D tensor"):
        torch.ones(3).H
    with pytest.raises(RuntimeError, match=r"adjoint\(\) is only supported on matrices or batches of matrices. Got "
                                           "1-D tensor"):
        mg.ones(3).adjoint()
    w = mg.tensor(M34, dtype="float64", requires_grad=True)
    w.H.sum().backward()   # the transpose, differentiable
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((3, 4)))


def test_data_ptr_and_storage_offset_see_views_as_torch():
    x, tx = mg.tensor(np.arange(12.0).reshape(3, 4)), torch.arange(12.0).reshape(3, 4)
    assert x.storage_offset() == 0 and x.data_ptr() == x.data.__array_interface__["data"][0]
    for view, tview in [(lambda t: t[1], lambda t: t[1]), (lambda t: t[:, 1], lambda t: t[:, 1]),
                        (lambda t: t.T, lambda t: t.T), (lambda t: t[2:, 1:], lambda t: t[2:, 1:])]:
        v, tv = view(x), tview(tx)
        assert v.storage_offset() == tv.storage_offset()
        assert v.data_ptr() - x.data_ptr() == tv.data_ptr() - tx.data_ptr()
