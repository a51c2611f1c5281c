"""Bad arguments give one clear error naming the op, the argument and the shapes, dtypes or value.

Each ``refuses``/``names`` test failed before its fix: the errors came out as NumPy's own text (a
gufunc signature, "could not convert string to float"), or not at all (broadcast gate inputs whose
gradient then failed in backward, float64 promoted silently on a float32 path). The others check
that the valid calls next to them still work.
"""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.projection import linear_t
from minigrad.ops.recurrent_gates import gru_gates, lstm_gates


# ----------------------------------------------------------------- scalar arguments, checked up front
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_pow_of_an_integer_tensor_to_a_negative_integer_power_names_the_op_and_exponent(dtype, device):
    x = mg.tensor(np.array([1, 2, 3]).astype(dtype), device=device)
    message = rf"^pow: an integer tensor \(dtype {dtype}, shape \(3,\)\) .* negative integer power, got exponent b=-2;"
    with pytest.raises(ValueError, match=message):
        x ** -2
    with pytest.raises(ValueError, match=message):
        mg.pow(x, -2)


def test_pow_of_an_integer_tensor_to_other_powers_still_works(device):
    x = mg.tensor([1, 2, 3], device=device)
    assert (x ** 2).dtype == np.int64
    np.testing.assert_array_equal((x ** 2).numpy(), [1, 4, 9])
    np.testing.assert_allclose((x ** -1.0).numpy(), [1.0, 0.5, 1.0 / 3.0], rtol=1e-6)   # a float power: float32
    np.testing.assert_allclose((mg.tensor([1.0, 2.0], device=device) ** -2).numpy(), [1.0, 0.25])


@pytest.mark.parametrize("dtype", ["floatz", "not a dtype", object()])
def test_astype_with_a_dtype_numpy_does_not_understand_names_the_op_and_value(dtype):
    x = mg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=rf"^astype: dtype={re.escape(repr(dtype))} is not a dtype "
                                        r"NumPy understands \(casting a float32 tensor of shape \(2,\)\)$"):
        mg.astype(x, dtype)
    with pytest.raises(TypeError, match=r"^astype: dtype="):
        x.astype(dtype)


@pytest.mark.parametrize("slope,shown", [("a", "'a' (str)"), (None, "None (NoneType)"), ([0.1], "[0.1] (list)"),
                                         (1j, "1j (complex)")])
def test_leaky_relu_with_a_non_number_slope_names_the_op_argument_and_value(slope, shown):
    shown = re.escape(shown)
    with pytest.raises(TypeError, match=rf"^leaky_relu: negative_slope must be a real number, got negative_slope={shown}$"):
        mg.leaky_relu(mg.tensor([1.0, -2.0]), slope)


@pytest.mark.parametrize("slope", [True, False, np.True_, np.False_])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_leaky_relu_reads_a_bool_slope_as_torch_does_as_1_or_0(slope, dtype):
    """torch reads True and False (Python's or NumPy's) as the slopes 1 and 0, in F.leaky_relu and nn.LeakyReLU."""
    torch = pytest.importorskip("torch")
    values = np.array([1.5, -2.0, 0.0, -0.5], dtype=dtype)
    x, tx = mg.tensor(values, dtype=dtype, requires_grad=True), torch.tensor(values, requires_grad=True)
    out, expected = mg.leaky_relu(x, slope), torch.nn.functional.leaky_relu(tx, slope)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(np.signbit(out.numpy()), np.signbit(expected.detach().numpy()))   # False's -0.0
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("slope", [0, 0.2, np.float64(0.2), np.float32(0.25), np.int64(1)])
def test_leaky_relu_takes_python_and_numpy_numbers(slope, device):
    out = mg.leaky_relu(mg.tensor([1.0, -2.0], device=device), slope)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), [1.0, -2.0 * float(slope)], rtol=1e-6)


@pytest.mark.parametrize("value,shown", [("x", "'x' (str)"), ((1.0,), "(1.0,) (tuple)")])
def test_pad_with_a_non_number_value_names_the_op_argument_and_value(value, shown):
    shown = re.escape(shown)
    with pytest.raises(TypeError, match=rf"^pad: value must be a real number, got value={shown}$"):
        mg.pad(mg.tensor([1.0, 2.0]), (1, 1), value=value)


@pytest.mark.parametrize("value,expected", [(np.float32(-np.inf), -np.inf), (2, 2.0), (np.int64(3), 3.0)])
def test_pad_takes_python_and_numpy_numbers(value, expected, device):
    out = mg.pad(mg.tensor([1.0, 2.0], device=device), (1, 1), value=value)
    np.testing.assert_array_equal(out.numpy(), [expected, 1.0, 2.0, expected])
    masks = mg.pad(mg.tensor([True], device=device), (1, 0), value=False)   # a bool pads a mask
    np.testing.assert_array_equal(masks.numpy(), [False, True])


def test_pad_takes_torchs_signature_and_refuses_a_value_in_modes_place():
    x = mg.tensor([1.0, 2.0])
    np.testing.assert_array_equal(mg.pad(x, (1, 1), "constant", 0.5).numpy(), [0.5, 1.0, 2.0, 0.5])
    np.testing.assert_array_equal(mg.pad(x, (1, 0), value=None).numpy(), [0.0, 1.0, 2.0])   # None: 0, as torch
    for value in (0.5, 2, np.float32(0.5)):   # pad(x, p, 0.5) would pad with 0.5 in minigrad before
        with pytest.raises(TypeError, match=r"^pad: the third argument is mode, as in torch.nn.functional.pad, "
                                            r"got .*; write value=.* to pad with that constant$"):
            mg.pad(x, (1, 1), value)


_CROP = "pad: widths {widths} would crop more than the input holds (shape (1, 3, 4))"
_EMPTY = "pad: mode={mode!r} with widths {widths} would leave every padded axis of an input of shape (1, 3, 4) empty"


@pytest.mark.parametrize("mode, widths, message",
                         [(mode, widths, _CROP) for mode in ("constant", "circular")
                          for widths in [(1, -5), (-5, 1), (3, -5, 0, 0)]]
                         + [(mode, widths, _EMPTY) for mode in ("reflect", "replicate")
                            for widths in [(1, -5), (-5, 1), (0, -4)]])
def test_pad_refuses_a_crop_longer_than_its_axis_or_one_that_leaves_nothing(mode, widths, message, device):
    # Widths (1, -5) on an axis of 4 leave 4 + 1 - 5 = 0 >= 0, so only the total was checked: the crop became the
    # slice [0:-1] and 'constant' returned (1, 3, 4) from three of the four columns; reflect returned an empty
    # (1, 3, 0). torch refuses these in 'constant' mode ('circular' refuses some and returns entries from outside
    # the input for others), and refuses an empty reflect or replicate output ("Calculated output W: 0").
    x = mg.tensor(np.arange(12.0).reshape(1, 3, 4), device=device)
    with pytest.raises(ValueError, match=re.escape(message.format(mode=mode, widths=widths))):
        mg.pad(x, widths, mode=mode)


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_reflect_and_replicate_pads_may_empty_one_of_two_padded_axes(mode, device):
    x = mg.tensor(np.arange(8.0).reshape(1, 2, 2, 2), device=device)
    assert mg.pad(x, (0, -2, -1, 0), mode=mode).shape == (1, 2, 1, 0)   # torch too: one axis keeps an entry


def test_reflect_pad_crops_the_mirrored_input_so_a_crop_may_pass_the_original_edge(device):
    x = mg.tensor(np.arange(4.0).reshape(1, 1, 4), device=device)
    # mirrored: [3, 2, 1 | 0, 1, 2, 3 | 2]; (3, -5) keeps the first 2, (-5, 3) the last 2 of [0 1 2 3 2 1 0]
    np.testing.assert_array_equal(mg.pad(x, (3, -5), mode="reflect").numpy(), [[[3.0, 2.0]]])
    np.testing.assert_array_equal(mg.pad(x, (-5, 3), mode="reflect").numpy(), [[[1.0, 0.0]]])


def test_replicate_pad_crops_the_padded_input_as_torch(device):
    # torch reads entry clamp(j - left, 0, n - 1) for output j: pad first, then crop. Cropping first gave
    # (2, -5) five columns (the crop wrapped through the slice [0:-1]) where torch gives one, and refused (2, -4).
    x = mg.tensor(np.arange(12.0).reshape(1, 3, 4), device=device)
    np.testing.assert_array_equal(mg.pad(x, (2, -5), mode="replicate").numpy(), [[[0.0], [4.0], [8.0]]])
    np.testing.assert_array_equal(mg.pad(x, (2, -4), mode="replicate").numpy(), [[[0.0, 0.0], [4.0, 4.0], [8.0, 8.0]]])
    np.testing.assert_array_equal(mg.pad(x, (-5, 2), mode="replicate").numpy(), [[[3.0], [7.0], [11.0]]])


def test_pad_still_crops_an_axis_to_nothing_or_to_what_the_crop_leaves(device):
    x = mg.tensor(np.arange(12.0).reshape(1, 3, 4), device=device)
    assert mg.pad(x, (-4, 0)).shape == (1, 3, 0)                  # torch gives (1, 3, 0) too
    np.testing.assert_array_equal(mg.pad(x, (1, -4)).numpy(), np.zeros((1, 3, 1)))
    np.testing.assert_array_equal(mg.pad(x, (2, -3), value=7.0).numpy()[0, 0], [7.0, 7.0, 0.0])


# ----------------------------------------------------------------- recurrent gates: exact shapes, one dtype
def _gates(op, batch, hidden, ax=None, ah=None, state=None, dtype="float32"):
    n = {"lstm": 4, "gru": 3}[op]
    make = lambda shape: mg.tensor(np.full(shape, 0.1), dtype=dtype, requires_grad=True)   # noqa: E731
    gates = (batch, n * hidden)
    return (make(gates if ax is None else ax), make(gates if ah is None else ah),
            make((batch, hidden) if state is None else state))


LSTM_SHAPE = "lstm_gates: ax and ah must have shape (..., 4H) and c_prev (..., H), with the same leading axes; "
GRU_SHAPE = "gru_gates: ax and ah must have shape (..., 3H) and h_prev (..., H), with the same leading axes; "


@pytest.mark.parametrize("shapes,got", [
    # broadcastable, so the forward ran, but the backward never reduced the gradient (a shape error there)
    (dict(ah=(1, 8)), "got ax (2, 8), ah (1, 8) and c_prev (2, 2) (for this c_prev, ax and ah would be (2, 8))"),
    (dict(ax=(8,)), "got ax (8,), ah (2, 8) and c_prev (2, 2) (for this c_prev, ax and ah would be (2, 8))"),
    (dict(state=(1, 2)), "got ax (2, 8), ah (2, 8) and c_prev (1, 2) (for this c_prev, ax and ah would be (1, 8))"),
    # a mismatched c_prev: NumPy's message quoted the shapes of internal slices
    (dict(state=(2, 3)), "got ax (2, 8), ah (2, 8) and c_prev (2, 3) (for this c_prev, ax and ah would be (2, 12))"),
    (dict(state=()), "got ax (2, 8), ah (2, 8) and c_prev ()"),
])
def test_lstm_gates_refuses_other_shapes_naming_all_three(shapes, got):
    with pytest.raises(ValueError, match="^" + re.escape(LSTM_SHAPE + got) + "$"):
        lstm_gates(*_gates("lstm", 2, 2, **shapes))


@pytest.mark.parametrize("shapes,got", [
    (dict(ah=(1, 6)), "got ax (2, 6), ah (1, 6) and h_prev (2, 2) (for this h_prev, ax and ah would be (2, 6))"),
    (dict(state=(2,)), "got ax (2, 6), ah (2, 6) and h_prev (2,) (for this h_prev, ax and ah would be (6,))"),
    (dict(state=(2, 3)), "got ax (2, 6), ah (2, 6) and h_prev (2, 3) (for this h_prev, ax and ah would be (2, 9))"),
])
def test_gru_gates_refuses_other_shapes_naming_all_three(shapes, got):
    with pytest.raises(ValueError, match="^" + re.escape(GRU_SHAPE + got) + "$"):
        gru_gates(*_gates("gru", 2, 2, **shapes))


@pytest.mark.parametrize("op,fn,state", [("lstm", lstm_gates, "c_prev"), ("gru", gru_gates, "h_prev")])
def test_gates_refuse_mixed_float_dtypes_instead_of_promoting(op, fn, state):
    ax, ah, s = _gates(op, 2, 2)
    s64 = s.astype("float64")
    with pytest.raises(TypeError, match=rf"^{op}_gates: ax, ah and {state} must have one dtype, got float32, "
                                        r"float32 and float64; minigrad does not promote silently"):
        fn(ax, ah, s64)
    with pytest.raises(TypeError, match=rf"^{op}_gates: .* got float64, float32 and float32;"):
        fn(ax.astype("float64"), ah, s)


@pytest.mark.parametrize("op,fn", [("lstm", lstm_gates), ("gru", gru_gates)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gates_with_leading_axes_run_forward_and_backward_in_their_dtype(op, fn, dtype, device):
    n = {"lstm": 4, "gru": 3}[op]
    rng = np.random.default_rng(0)
    ax, ah, s = (mg.tensor(rng.standard_normal(shape), dtype=dtype, device=device, requires_grad=True)
                 for shape in ((3, 2, n * 5), (3, 2, n * 5), (3, 2, 5)))
    out = fn(ax, ah, s)
    outs = out if isinstance(out, tuple) else (out,)
    assert all(o.shape == (3, 2, 5) and o.dtype == np.dtype(dtype) for o in outs)
    sum(o.sum() for o in outs).backward()
    assert ax.grad.shape == ah.grad.shape == (3, 2, n * 5) and s.grad.shape == (3, 2, 5)
    assert ax.grad.dtype == ah.grad.dtype == s.grad.dtype == np.dtype(dtype)


# ----------------------------------------------------------------- matmul batch axes, linear_t
@pytest.mark.parametrize("a,b,batch", [
    ((2, 3, 4), (4, 4, 2), r"\(2,\) and \(4,\)"),
    ((3, 2, 3, 4), (2, 2, 4, 2), r"\(3, 2\) and \(2, 2\)"),
    ((2, 1, 3, 4), (3, 3, 4, 2), r"\(2, 1\) and \(3, 3\)"),
])
def test_matmul_with_batch_dimensions_that_do_not_broadcast_names_them(a, b, batch):
    # NumPy's message: "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature ..."
    shapes = rf"\(shapes {re.escape(str(a))} and {re.escape(str(b))}\)$"
    with pytest.raises(ValueError, match=rf"^matmul: batch dimensions {batch} do not broadcast " + shapes):
        mg.ones(*a) @ mg.ones(*b)


@pytest.mark.parametrize("a,b,out", [((2, 3, 4), (1, 4, 2), (2, 3, 2)), ((5, 1, 3, 4), (2, 4, 2), (5, 2, 3, 2)),
                                     ((3, 4), (2, 4, 2), (2, 3, 2)), ((2, 3, 4), (4,), (2, 3)), ((4,), (2, 4, 3), (2, 3))])
def test_matmul_with_batch_dimensions_that_broadcast_still_works(a, b, out):
    assert (mg.ones(*a) @ mg.ones(*b)).shape == out


@pytest.mark.parametrize("x,w,b,shown", [
    ((4, 3), (2, 4), None, r"x \(4, 3\), weight \(2, 4\) and bias None"),
    ((4, 3), (2, 3), (3,), r"x \(4, 3\), weight \(2, 3\) and bias \(3,\)"),
    ((4, 3), (2, 3), (1, 2), r"x \(4, 3\), weight \(2, 3\) and bias \(1, 2\)"),
    ((4, 3), (6,), None, r"x \(4, 3\), weight \(6,\) and bias None"),
    ((), (2, 3), None, r"x \(\), weight \(2, 3\) and bias None"),
])
def test_linear_t_with_mismatched_shapes_names_all_of_them(x, w, b, shown):
    # Unchecked, the matmul inside the node gave NumPy's gufunc message.
    args = (mg.ones(*x), mg.ones(*w)) + (() if b is None else (mg.ones(*b),))
    with pytest.raises(ValueError, match=r"^linear_t: expected x \(\.\.\., in\), weight \(out, in\) and bias \(out,\) "
                                         rf"or None, got {shown}$"):
        linear_t(*args)


def test_linear_t_bias_gradient_sums_the_rows_of_every_leading_axis(device):
    x = mg.tensor(np.arange(12.0).reshape(2, 2, 3), dtype="float64", device=device, requires_grad=True)
    w = mg.tensor(np.ones((4, 3)), dtype="float64", device=device, requires_grad=True)
    b = mg.tensor(np.zeros(4), dtype="float64", device=device, requires_grad=True)
    y = linear_t(x, w, b)
    assert y.shape == (2, 2, 4)
    y.backward(mg.tensor(np.arange(16.0).reshape(2, 2, 4), dtype="float64", device=device))
    np.testing.assert_array_equal(b.grad.numpy(), [24.0, 28.0, 32.0, 36.0])
    assert b.grad.shape == (4,) and b.grad.dtype == np.float64


@pytest.mark.parametrize("bounds,shown", [(("a", None), "lo='a' (str)"), ((None, [1.0]), "hi=[1.0] (list)"),
                                          ((1j, None), "lo=1j (complex)")])
def test_clip_with_a_non_number_bound_names_the_op_and_the_bound(bounds, shown):
    with pytest.raises(TypeError, match=rf"^clip: {shown[:2]} must be a real number, a bool or None, got "
                                        rf"{re.escape(shown)}$"):
        mg.clip(mg.tensor([1.0, -2.0]), *bounds)


def test_clip_takes_python_and_numpy_bounds(device):
    x = mg.tensor([1.0, -2.0, 3.0], device=device)
    np.testing.assert_array_equal(mg.clip(x, np.float32(-1), np.int64(2)).numpy(), [1.0, -1.0, 2.0])
