"""Forward values of every op against NumPy, and the errors for bad input."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
ROW = rng.standard_normal(4)
COL = rng.standard_normal((3, 1))
P = rng.uniform(0.5, 2.0, (3, 4))
T3 = rng.standard_normal((2, 3, 4))


def t(a, device, dtype="float64"):
    return mg.tensor(a, dtype=dtype, device=device)


def check(out, expected, rtol=1e-12, atol=0.0):
    expected = np.asarray(expected)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ elementwise binary

BINARY = [
    ("add", mg.add, np.add, A, B), ("add_bcast_row", mg.add, np.add, A, ROW),
    ("add_bcast_col_row", mg.add, np.add, COL, ROW), ("sub", mg.sub, np.subtract, A, COL),
    ("mul", mg.mul, np.multiply, A, ROW), ("div", mg.div, np.divide, A, P),
    ("pow_tensor", mg.pow, np.power, P, B), ("maximum", mg.maximum, np.maximum, A, B),
    ("minimum", mg.minimum, np.minimum, A, ROW), ("scalar_lhs_3d", mg.mul, np.multiply, T3, ROW),
]


@pytest.mark.parametrize("name,op,ref,a,b", BINARY, ids=[c[0] for c in BINARY])
def test_binary_ops(name, op, ref, a, b, device):
    check(op(t(a, device), t(b, device)), ref(a, b))


def test_operators_and_scalars(device):
    x = t(P, device)
    check(x + 2.0, P + 2.0)
    check(2.0 + x, 2.0 + P)
    check(x - 1.5, P - 1.5)
    check(1.5 - x, 1.5 - P)
    check(x * -3.0, P * -3.0)
    check(3.0 * x, 3.0 * P)
    check(x / 4.0, P / 4.0)
    check(4.0 / x, 4.0 / P)
    check(x ** 2, P ** 2)
    check(x ** 0.5, P ** 0.5)
    check(x ** -1.5, P ** -1.5)
    check(2.0 ** x, 2.0 ** P)
    check(-x, -P)
    check(abs(t(A, device)), np.abs(A))
    check(+x, P)


def test_where(device):
    cond = A > 0
    check(mg.where(t(cond, device, dtype=None), t(A, device), t(B, device)), np.where(cond, A, B))
    check(mg.where(t(COL > 0, device, dtype=None), t(ROW, device), 0.0), np.where(COL > 0, ROW, 0.0))


def test_where_requires_bool_condition(device):
    with pytest.raises(TypeError, match="where: cond must be a bool tensor"):
        mg.where(t(A, device), t(A, device), t(B, device))


# ------------------------------------------------------------------ elementwise unary

UNARY = [
    ("exp", mg.exp, np.exp, A), ("log", mg.log, np.log, P), ("sqrt", mg.sqrt, np.sqrt, P),
    ("abs", mg.abs, np.abs, A), ("sin", mg.sin, np.sin, A), ("cos", mg.cos, np.cos, A),
    ("tanh", mg.tanh, np.tanh, A), ("neg", mg.neg, np.negative, A),
    ("sigmoid", mg.sigmoid, lambda a: 1.0 / (1.0 + np.exp(-a)), A),
    ("relu", mg.relu, lambda a: np.maximum(a, 0.0), A),
    ("leaky_relu", mg.leaky_relu, lambda a: np.where(a > 0, a, 0.01 * a), A),
    ("softplus", mg.softplus, lambda a: np.log1p(np.exp(a)), A),
]


@pytest.mark.parametrize("name,op,ref,a", UNARY, ids=[c[0] for c in UNARY])
def test_unary_ops(name, op, ref, a, device):
    check(op(t(a, device)), ref(a), rtol=1e-12, atol=1e-15)


def test_unary_methods_match_functions(device):
    x = t(P, device)
    for name in ("exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "softplus"):
        np.testing.assert_array_equal(getattr(x, name)().numpy(), getattr(mg, name)(x).numpy())


def test_leaky_relu_slope_and_clip(device):
    check(mg.leaky_relu(t(A, device), negative_slope=0.2), np.where(A > 0, A, 0.2 * A))
    check(mg.clip(t(A, device), -0.5, 0.5), np.clip(A, -0.5, 0.5))
    check(mg.clip(t(A, device), lo=0.0), np.maximum(A, 0.0))
    check(t(A, device).clip(hi=0.1), np.minimum(A, 0.1))


def test_clip_errors():
    with pytest.raises(ValueError, match="clip: at least one of lo and hi"):
        mg.clip(mg.tensor([1.0]))
    with pytest.raises(ValueError, match="clip: lo=2.0 is greater than hi=1.0"):
        mg.clip(mg.tensor([1.0]), 2.0, 1.0)


def test_sigmoid_and_softplus_extremes_are_finite(device):
    x = t(np.array([-800.0, -30.0, 0.0, 30.0, 800.0]), device)
    s = mg.sigmoid(x).numpy()
    assert np.all(np.isfinite(s))
    np.testing.assert_allclose(s, [0.0, 1.0 / (1.0 + np.exp(30.0)), 0.5, 1.0 / (1.0 + np.exp(-30.0)), 1.0],
                               rtol=1e-12, atol=1e-300)
    sp = mg.softplus(x).numpy()
    np.testing.assert_allclose(sp, np.logaddexp(0.0, x.numpy()), rtol=1e-12)


def test_sigmoid_keeps_relative_precision_for_large_negative_float32(device):
    v = np.array([-10.0, -20.0, -30.0, -80.0, 15.0])
    out = mg.sigmoid(t(v, device, dtype="float32"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), 1.0 / (1.0 + np.exp(-v)), rtol=1e-6)
    assert np.all(np.isfinite(mg.log(out).numpy()))


# ------------------------------------------------------------------ reductions

REDUCE_ARGS = [dict(), dict(axis=0), dict(axis=1), dict(axis=-1, keepdims=True), dict(axis=(0, 2)),
               dict(axis=(0, 1), keepdims=True), dict(keepdims=True)]


@pytest.mark.parametrize("kwargs", REDUCE_ARGS, ids=str)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var"])
def test_reductions(name, kwargs, device):
    if name == "var" and not kwargs:
        kwargs = dict(ddof=0)   # a bare var() is refused: NumPy's and PyTorch's divide differently
    out = getattr(mg, name)(t(T3, device), **kwargs)
    check(out, getattr(np, name)(T3, **kwargs))
    method = getattr(t(T3, device), name)(**kwargs)
    check(method, getattr(np, name)(T3, **kwargs))


@pytest.mark.parametrize("kwargs", REDUCE_ARGS, ids=str)
def test_logsumexp(kwargs, device):
    axis = kwargs.get("axis")
    m = T3.max(axis=axis, keepdims=True)
    expected = np.log(np.exp(T3 - m).sum(axis=axis, keepdims=True)) + m
    if not kwargs.get("keepdims"):
        expected = expected.squeeze(axis=axis)
    check(mg.logsumexp(t(T3, device), **kwargs), expected, rtol=1e-12)


def test_logsumexp_does_not_overflow(device):
    x = np.array([[1000.0, 1000.0], [-1000.0, -1001.0]])
    out = mg.logsumexp(t(x, device, dtype=None), axis=1)
    np.testing.assert_allclose(out.numpy(), [1000.0 + np.log(2.0), -1000.0 + np.log1p(np.exp(-1.0))],
                               rtol=1e-6)


def test_var_ddof(device):
    check(mg.var(t(A, device), axis=0, ddof=1), np.var(A, axis=0, ddof=1))
    check(t(A, device).var(ddof=1, keepdims=True), np.var(A, ddof=1, keepdims=True))
    with pytest.raises(ValueError, match="var: ddof=3 leaves no degrees of freedom"):
        mg.var(t(A, device), axis=0, ddof=3)


def test_argmax_argmin(device):
    x = t(T3, device)
    for kwargs in (dict(), dict(axis=0), dict(axis=-1), dict(axis=1, keepdims=True)):
        amax, amin = mg.argmax(x, **kwargs), x.argmin(**kwargs)
        assert amax.dtype == np.int64 and not amax.requires_grad
        np.testing.assert_array_equal(amax.numpy(), np.argmax(T3, **kwargs))
        np.testing.assert_array_equal(amin.numpy(), np.argmin(T3, **kwargs))


def test_argmax_of_a_tensor_requiring_grad_has_no_graph(device):
    x = mg.tensor([1.0, 5.0, 2.0], requires_grad=True, device=device)
    i = x.argmax()
    assert i.item() == 1 and i.creator is None and not i.requires_grad


def test_max_of_empty_raises():
    with pytest.raises(ValueError, match=r"max: cannot reduce over an empty axis of a tensor of shape \(0,\)"):
        mg.max(mg.zeros(0))
    with pytest.raises(ValueError, match="argmin: cannot reduce over an empty axis of a tensor of shape \\(0,\\)"):
        mg.argmin(mg.zeros(0))


# ------------------------------------------------------------------ comparisons

COMPARE = [("eq", np.equal, "__eq__"), ("not_equal", np.not_equal, "__ne__"), ("less", np.less, "__lt__"),
           ("less_equal", np.less_equal, "__le__"), ("greater", np.greater, "__gt__"),
           ("greater_equal", np.greater_equal, "__ge__")]


@pytest.mark.parametrize("name,ref,dunder", COMPARE, ids=[c[0] for c in COMPARE])
def test_comparisons(name, ref, dunder, device):
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    b = np.array([2.0, 2.0, 2.0])
    for out in (getattr(mg, name)(t(a, device), t(b, device)), getattr(t(a, device), dunder)(t(b, device))):
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), ref(a, b))
    np.testing.assert_array_equal(getattr(t(a, device), dunder)(2.0).numpy(), ref(a, 2.0))


def test_comparisons_are_not_recorded(device):
    x = mg.tensor([1.0, 2.0], requires_grad=True, device=device)
    out = x > 1.5
    assert out.creator is None and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), [False, True])


# ------------------------------------------------------------------ matmul


MATMUL = [((3, 4), (4, 2)), ((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
          ((2, 3, 4), (2, 4, 2)), ((2, 1, 3, 4), (3, 4, 2)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,))]


@pytest.mark.parametrize("sa,sb", MATMUL, ids=str)
def test_matmul(sa, sb, device):
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check(mg.matmul(t(a, device), t(b, device)), np.matmul(a, b), rtol=1e-12, atol=1e-14)
    check(t(a, device) @ t(b, device), a @ b, rtol=1e-12, atol=1e-14)


def test_matmul_with_numpy_operand(device):
    a = rng.standard_normal((2, 3))
    b = rng.standard_normal((3, 2))
    check(b @ t(a, device), b @ a, rtol=1e-12)


@pytest.mark.parametrize("sa,sb", [((2, 3), (2, 3)), ((3,), (4,)), ((2, 5, 3), (4, 2))], ids=str)
def test_matmul_misaligned_names_op_and_shapes(sa, sb):
    with pytest.raises(ValueError, match=rf"matmul: shapes {re_shape(sa)} and {re_shape(sb)} are not aligned"):
        mg.matmul(mg.zeros(*sa), mg.zeros(*sb))


def test_matmul_zero_dim_raises():
    with pytest.raises(ValueError, match="matmul: operands must have at least one dimension"):
        mg.matmul(mg.tensor(2.0), mg.zeros(2))


def re_shape(shape):
    import re
    return re.escape(str(tuple(shape)))


# ------------------------------------------------------------------ shapes


def test_reshape_variants(device):
    x = t(T3, device)
    check(x.reshape(6, 4), T3.reshape(6, 4))
    check(x.reshape((4, 6)), T3.reshape(4, 6))
    check(x.reshape(-1), T3.reshape(-1))
    check(x.reshape(2, -1), T3.reshape(2, -1))
    check(mg.reshape(x, (24,)), T3.reshape(24))
    check(x.flatten(), T3.ravel())
    check(mg.flatten(t(np.float64(3.0), device)), np.array([3.0]))


def test_reshape_size_mismatch_raises():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3, 4\) \(24 elements\) "
                                         r"into \(5, 5\)"):
        mg.zeros(2, 3, 4).reshape(5, 5)
    with pytest.raises(ValueError, match="reshape"):
        mg.zeros(2, 3).reshape(-1, -1)
    with pytest.raises(ValueError, match="reshape"):
        mg.zeros(2, 3).reshape(4, -1)


def test_transpose_variants(device):
    x = t(T3, device)
    check(x.transpose(), T3.transpose())
    check(x.transpose(1, 0, 2), T3.transpose(1, 0, 2))
    check(mg.transpose(x, (2, 0, 1)), T3.transpose(2, 0, 1))
    check(x.transpose(-1, 0, 1), T3.transpose(2, 0, 1))
    check(t(A, device).T, A.T)
    with pytest.raises(ValueError, match=r"transpose: axes \(0, 0, 1\) are not a permutation"):
        x.transpose(0, 0, 1)


def test_squeeze_and_expand_dims(device):
    a = rng.standard_normal((1, 3, 1))
    x = t(a, device)
    check(x.squeeze(), a.squeeze())
    check(x.squeeze(axis=0), a.squeeze(axis=0))
    check(mg.squeeze(x, axis=-1), a.squeeze(axis=-1))
    check(mg.squeeze(x, axis=(0, 2)), a.squeeze(axis=(0, 2)))
    with pytest.raises(ValueError, match=r"squeeze: axis 1 has length 3, not 1"):
        x.squeeze(axis=1)
    check(t(A, device).expand_dims(1), np.expand_dims(A, 1))
    check(mg.expand_dims(t(A, device), -1), np.expand_dims(A, -1))
    check(mg.expand_dims(t(A, device), 0), np.expand_dims(A, 0))
    check(mg.expand_dims(t(A, device), (0, 3)), np.expand_dims(A, (0, 3)))


def test_broadcast_to_and_sum_to(device):
    check(mg.broadcast_to(t(ROW, device), (3, 4)), np.broadcast_to(ROW, (3, 4)))
    check(t(COL, device).broadcast_to((2, 3, 4)), np.broadcast_to(COL, (2, 3, 4)))
    check(mg.sum_to(t(T3, device), (3, 1)), T3.sum(axis=(0, 2)).reshape(3, 1))
    check(mg.sum_to(t(T3, device), (4,)), T3.sum(axis=(0, 1)))
    check(mg.sum_to(t(T3, device), ()), T3.sum())
    check(mg.sum_to(t(T3, device), (1, 3, 4)), T3.sum(axis=0, keepdims=True))
    same = t(T3, device)
    assert mg.sum_to(same, (2, 3, 4)) is same


def test_broadcast_to_impossible_raises():
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast a tensor of shape \(3, 4\) to shape \(4, 3\)"):
        mg.broadcast_to(mg.zeros(3, 4), (4, 3))


def test_sum_to_impossible_raises():
    with pytest.raises(ValueError, match=r"sum_to: shape \(3, 4\) cannot be summed down to \(3,\)"):
        mg.sum_to(mg.zeros(3, 4), (3,))


@pytest.mark.parametrize("call", [
    lambda x: x.sum(axis=3), lambda x: mg.mean(x, axis=-4), lambda x: x.max(axis=(0, 5)),
    lambda x: x.logsumexp(axis=3), lambda x: x.var(axis=3), lambda x: x.argmax(axis=3),
    lambda x: x.squeeze(axis=3), lambda x: mg.concat([x, x], axis=3), lambda x: mg.split(x, 2, axis=3),
    lambda x: mg.stack([x, x], axis=5),
], ids=["sum", "mean", "max", "logsumexp", "var", "argmax", "squeeze", "concat", "split", "stack"])
def test_axis_out_of_range_names_op_and_shape(call):
    x = mg.zeros(2, 3, 4)
    with pytest.raises(ValueError, match=r"\w+: axis -?\d+ is out of range for a tensor of"):
        call(x)


def test_numpy_integer_axes_are_taken_as_numpy_takes_them():
    # axes computed with NumPy (np.argmax, np.arange) are np.int64; NumPy's own sum takes them
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mg.tensor(a)
    assert x.sum(axis=np.int64(1)).tolist() == a.sum(axis=1).tolist()
    assert x.sum(axis=(np.int64(0), np.int64(2))).tolist() == a.sum(axis=(0, 2)).tolist()
    assert mg.mean(x, axis=np.int32(-1), keepdims=True).shape == (2, 3, 1)
    assert x.var(axis=(np.int64(0), 1)).shape == (4,)
    assert x.max(axis=np.int64(2)).tolist() == a.max(axis=2).tolist()
    with pytest.raises(ValueError, match=r"^sum: axis 3 is out of range for a tensor of shape \(2, 3, 4\)$"):
        x.sum(axis=(np.int64(0), np.int64(3)))


def test_numpy_integer_axes_of_argmax_and_argmin_are_taken_as_numpy_takes_them():
    # the arg-reductions checked axis with isinstance(axis, int) before normalize_axis: np.int64(1) was refused
    a = np.array([[[3.0, 1.0], [0.0, 5.0], [4.0, 2.0]], [[1.0, 9.0], [7.0, 0.0], [2.0, 8.0]]])
    x = mg.tensor(a)
    assert mg.argmax(x, axis=np.int64(1)).tolist() == a.argmax(axis=1).tolist() == [[2, 1], [1, 0]]
    assert x.argmin(axis=np.int32(-1), keepdims=True).tolist() == a.argmin(axis=-1, keepdims=True).tolist()
    assert x.argmax(dim=np.int64(2)).tolist() == a.argmax(axis=2).tolist()
    with pytest.raises(ValueError, match=r"^argmax: axis 3 is out of range for a tensor of shape \(2, 3, 2\)$"):
        x.argmax(axis=np.int64(3))


def test_axis_error_names_the_op():
    with pytest.raises(ValueError, match=r"^sum: axis 3 is out of range for a tensor of shape \(2, 3, 4\)$"):
        mg.zeros(2, 3, 4).sum(axis=3)
    with pytest.raises(ValueError, match=r"^mean: repeated axis"):
        mg.zeros(2, 3).mean(axis=(0, 0))


# ------------------------------------------------------------------ concat / stack / split


def test_concat(device):
    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((1, 3)), rng.standard_normal((2, 2))
    check(mg.concat([t(a, device), t(b, device)]), np.concatenate([a, b]))
    check(mg.concat([t(a, device), t(c, device), t(a, device)], axis=1), np.concatenate([a, c, a], axis=1))
    check(mg.concat((t(a, device), t(c, device)), axis=-1), np.concatenate([a, c], axis=-1))


def test_concat_shape_mismatch_raises():
    with pytest.raises(ValueError, match=r"concat: shapes \[\(2, 3\), \(2, 2\)\] differ outside axis 0"):
        mg.concat([mg.zeros(2, 3), mg.zeros(2, 2)])
    with pytest.raises(ValueError, match="concat: shapes"):
        mg.concat([mg.zeros(2, 3), mg.zeros(3)])
    with pytest.raises(ValueError, match="concat: expected a non-empty sequence"):
        mg.concat([])


def test_stack(device):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    for axis in (0, 1, 2, -1):
        check(mg.stack([t(a, device), t(b, device)], axis=axis), np.stack([a, b], axis=axis))
    with pytest.raises(ValueError, match=r"stack: all tensors must have one shape, got \[\(2, 3\), \(3, 2\)\]"):
        mg.stack([mg.zeros(2, 3), mg.zeros(3, 2)])


def test_split(device):
    a = rng.standard_normal((6, 5))
    parts = mg.split(t(a, device), 3, axis=0)
    assert isinstance(parts, tuple) and len(parts) == 3
    for p, e in zip(parts, np.split(a, 3)):
        check(p, e)
    parts = mg.split(t(a, device), [1, 3], axis=1)
    for p, e in zip(parts, np.split(a, [1, 3], axis=1)):
        check(p, e)
    with pytest.raises(ValueError, match="split: axis 1 of length 5 cannot be cut into 2 equal parts"):
        mg.split(t(a, device), 2, axis=1)


# ------------------------------------------------------------------ indexing

X = np.arange(24.0).reshape(4, 6) * 0.5 - 3.0

INDEXES = [
    ("int", 1), ("neg_int", -1), ("int_pair", (2, 3)), ("slice", slice(1, 3)), ("step", slice(None, None, -2)),
    ("slice_pair", (slice(1, None), slice(None, 4, 2))), ("none", (None, 1)), ("ellipsis", (Ellipsis, 2)),
    ("none_ellipsis", (None, Ellipsis, 0)), ("int_array", np.array([3, 0, 0, 2])),
    ("int_array_pair", (np.array([1, 1, 3]), np.array([0, 5, 5]))), ("slice_and_array", (slice(None), np.array([4, 1]))),
    ("bool_mask", X > 2.0), ("bool_rows", np.array([True, False, True, True])), ("list", [0, 2]),
    ("list_in_tuple", ([0, 0, 2], 1)), ("lists_in_tuple", ([1, 1], [2, 2])), ("empty_list", ([], 1)),
]


@pytest.mark.parametrize("index", [c[1] for c in INDEXES], ids=[c[0] for c in INDEXES])
def test_getitem(index, device):
    check(t(X, device)[index], X[index])


def test_getitem_with_tensor_indices(device):
    x = t(X, device)
    idx = mg.tensor([2, 0, 2], device=device)
    check(x[idx], X[[2, 0, 2]])
    mask = x > 1.0
    check(x[mask], X[X > 1.0])
    check(x[idx, mg.tensor([1, 1, 5], device=device)], X[[2, 0, 2], [1, 1, 5]])
    check(mg.getitem(x, (slice(None), idx)), X[:, [2, 0, 2]])


def test_getitem_out_of_bounds_names_op_and_shape():
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*\(tensor of shape \(4, 6\)\)"):
        mg.tensor(X)[4]


def test_iteration_yields_rows(device):
    rows = list(t(A, device))
    assert len(rows) == 3
    for r, e in zip(rows, A):
        check(r, e)


# ------------------------------------------------------------------ dtype moves


def test_astype_values(device):
    x = t(np.array([1.7, -2.2, 3.5]), device)
    check(mg.astype(x, "float32"), np.array([1.7, -2.2, 3.5], dtype=np.float32), rtol=0)
    np.testing.assert_array_equal(mg.astype(x, "int64").numpy(), np.array([1.7, -2.2, 3.5]).astype(np.int64))


def test_every_public_op_is_exported():
    for name in ops.DIFFERENTIABLE + ops.NON_DIFFERENTIABLE:
        assert callable(getattr(mg, name)), name
