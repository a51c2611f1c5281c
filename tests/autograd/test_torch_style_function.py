"""Custom ops written PyTorch's way (``forward(ctx, ...)``/``backward(ctx, ...)`` as staticmethods), against torch."""
import gc
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd import Function, gradcheck, gradgradcheck


def _both(module):
    """The same custom op class written for minigrad (module=mg) or torch (module=torch)."""

    class Legendre3(module.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    class ClampReLU(module.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            x, = ctx.saved_tensors
            grad = grad_output.clone()
            grad[x < 0] = 0
            return grad

    class Scale(module.autograd.Function):  # a non-Tensor argument, which gets None
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            ctx.flags = ctx.needs_input_grad
            return x * k

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.k, None

    class ExpSavingOutput(module.autograd.Function):  # differentiates through its own output
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            y, = ctx.saved_tensors
            return grad_output * y

    class MulAdd(module.autograd.Function):  # two Tensor inputs, broadcasting, two outputs
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b, a + b

        @staticmethod
        def backward(ctx, g_prod, g_sum):
            a, b = ctx.saved_tensors
            return g_prod * b + g_sum, g_prod * a + g_sum  # b's gradient has a's shape: summed back by the engine

    class SetupContextSquare(module.autograd.Function):  # PyTorch 2's form: forward without ctx
        @staticmethod
        def forward(x):
            return x * x

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g

    return dict(Legendre3=Legendre3, ClampReLU=ClampReLU, Scale=Scale, ExpSavingOutput=ExpSavingOutput,
                MulAdd=MulAdd, SetupContextSquare=SetupContextSquare)


OURS, THEIRS = _both(mg), _both(torch)
_rng = np.random.default_rng(7)
X = _rng.standard_normal(5)
A, B = _rng.standard_normal((3, 4)), _rng.standard_normal(4)


def _grads(module, classes, name, arrays, create_graph=False):
    """Output values, first gradients and (with create_graph) the gradient of sum(first gradients)."""
    xs = [module.tensor(a, dtype=module.float64, requires_grad=True) for a in arrays]
    out = classes[name].apply(*xs)
    outs = out if isinstance(out, tuple) else (out,)
    loss = sum((o * o).sum() for o in outs)
    if module is torch:
        firsts = torch.autograd.grad(loss, xs, create_graph=create_graph)
    else:
        firsts = mg.grad(loss, xs, create_graph=create_graph)
    values = [np.asarray(o.detach().numpy()) for o in outs] + [np.asarray(g.detach().numpy()) for g in firsts]
    if create_graph:
        total = sum(g.sum() for g in firsts)
        seconds = (torch.autograd.grad(total, xs) if module is torch else mg.grad(total, xs))
        values += [np.asarray(g.detach().numpy()) for g in seconds]
    return values


@pytest.mark.parametrize("name, arrays", [
    ("Legendre3", [X]), ("ClampReLU", [X]), ("ExpSavingOutput", [X]), ("MulAdd", [A, B]), ("SetupContextSquare", [X]),
])
def test_values_and_gradients_equal_torchs(name, arrays):
    ours, theirs = _grads(mg, OURS, name, arrays), _grads(torch, THEIRS, name, arrays)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, arrays", [
    ("Legendre3", [X]), ("ExpSavingOutput", [X]), ("MulAdd", [A, B]), ("SetupContextSquare", [X]),
])
def test_a_backward_written_with_ops_gives_torchs_second_derivatives(name, arrays):
    ours = _grads(mg, OURS, name, arrays, create_graph=True)
    theirs = _grads(torch, THEIRS, name, arrays, create_graph=True)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, arrays", [
    ("Legendre3", [X]), ("ExpSavingOutput", [X]), ("MulAdd", [A, B]), ("SetupContextSquare", [X]),
])
def test_gradcheck_and_gradgradcheck(name, arrays):
    xs = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in arrays]
    assert gradcheck(OURS[name].apply, xs)
    assert gradgradcheck(OURS[name].apply, xs)


def test_a_non_tensor_argument_and_needs_input_grad():
    x = mg.tensor(X, requires_grad=True)
    y = OURS["Scale"].apply(x, 3.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(5, 3.0, np.float32))
    assert y.creator.ctx.flags == (True, False)
    assert x.grad.dtype == np.float32


def test_a_gradient_returned_for_a_non_tensor_argument_is_refused_as_torch():
    # backward returning a gradient where forward took a number (its gradients in the wrong order, say) was
    # dropped silently: backward returning (g * 2, g) for forward(ctx, x, k) gave x.grad [2, 2]; torch refuses
    def make(lib):
        class Swapped(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * 2, g

        return Swapped

    for lib, error in ((torch, RuntimeError), (mg, RuntimeError)):
        x = lib.tensor([2.0, 3.0], requires_grad=True)
        with pytest.raises(error, match="not a Variable" if lib is torch else "argument 1 of forward, which is not a"):
            make(lib).apply(x, 3.0).sum().backward()


def test_an_attribute_forward_sets_on_ctx_reads_on_grad_fn_as_torch():
    # torch's grad_fn of a custom op is its ctx: y.grad_fn.k gave 3 there and an AttributeError here
    def run(lib):
        class Scaled(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.k = 3.0
                return x * 3.0

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k

        x = lib.tensor([2.0, 3.0], requires_grad=True)
        y = Scaled.apply(x)
        before = y.grad_fn.k
        y.sum().backward()
        return before, y.grad_fn.k, hasattr(y.grad_fn, "missing"), x.grad.tolist()

    assert run(mg) == run(torch) == (3.0, 3.0, False, [3.0, 3.0])


def test_outputs_are_tied_to_one_node_and_need_grad_only_when_an_input_does():
    x = mg.tensor(X, requires_grad=True)
    y = OURS["Legendre3"].apply(x)
    assert y.requires_grad and y.creator.name == "Legendre3Backward"
    with mg.no_grad():
        assert not OURS["Legendre3"].apply(x).requires_grad
    assert not OURS["Legendre3"].apply(mg.tensor(X)).requires_grad


def test_mark_non_differentiable_and_an_unused_output_gets_zeros():
    class SortValues(Function):
        @staticmethod
        def forward(ctx, x):
            order = mg.tensor(np.argsort(x.numpy()))
            ctx.mark_non_differentiable(order)
            ctx.save_for_backward(order)
            return x[order], order, x * 2

        @staticmethod
        def backward(ctx, g_values, g_order, g_double):
            order, = ctx.saved_tensors
            seen.append((g_order, g_double))
            grad = mg.zeros_like(g_values)
            grad[order] = g_values
            return grad + 2 * g_double

    seen = []
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    values, order, _ = SortValues.apply(x)
    assert not order.requires_grad and order.dtype == np.int64
    (values * mg.arange(5, dtype=mg.float64)).sum().backward()
    expected = np.empty(5)
    expected[np.argsort(X)] = np.arange(5.0)
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    g_order, g_double = seen[0]
    np.testing.assert_array_equal(g_double.numpy(), np.zeros(5))  # materialized, as torch's default


def test_a_gradient_of_another_dtype_is_cast_to_the_inputs():
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return (g * 2).double()

    x = mg.tensor(X, requires_grad=True)  # float32
    Twice.apply(x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), np.full(5, 2.0, np.float32))


def test_the_node_does_not_keep_its_outputs_alive():
    x = mg.tensor(X, requires_grad=True)
    y = OURS["ExpSavingOutput"].apply(x)
    ref = weakref.ref(y)
    gc.disable()
    try:
        del y
        assert ref() is None  # freed by reference counting alone: no cycle through the saved output
    finally:
        gc.enable()


def test_a_saved_output_is_exact_after_the_caller_drops_it():
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    loss = OURS["ExpSavingOutput"].apply(x).sum()  # the output Tensor itself is gone; its values remain
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(X), rtol=1e-15)


class _WrongCount(Function):
    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, g):
        return g


class _WrongShape(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return mg.ones(7)


class _NotATensor(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1

    @staticmethod
    def backward(ctx, g):
        return g.numpy()


class _ReturnsArray(Function):
    @staticmethod
    def forward(ctx, x):
        return x.numpy()

    @staticmethod
    def backward(ctx, g):
        return g


@pytest.mark.parametrize("cls, error, message", [
    (_WrongCount, RuntimeError, "_WrongCount.backward returned 1 gradient(s), but forward took 2 argument(s)"),
    (_WrongShape, RuntimeError, "_WrongShape.backward returned a gradient of shape (7,) for argument 0 of shape (5,)"),
    (_NotATensor, TypeError, "_NotATensor.backward returned a ndarray as the gradient of argument 0"),
    (_ReturnsArray, TypeError, "_ReturnsArray.forward returned no Tensor (got ndarray); return Tensors"),
])
def test_mistakes_in_a_custom_function_are_named(cls, error, message):
    x = mg.tensor(X, requires_grad=True)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        args = (x, x) if cls is _WrongCount else (x,)
        cls.apply(*args).sum().backward()


def test_save_for_backward_takes_tensors_only():
    class SavesNumber(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, 3)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="save_for_backward: argument 1 is a int, not a Tensor or None"):
        SavesNumber.apply(mg.tensor(X, requires_grad=True))


def _in_place_ops(module):
    """Custom ops that write their input in place and mark it dirty, for minigrad (module=mg) or torch."""

    class AddOne_(module.autograd.Function):   # noqa: N801 (torch's in-place naming)
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g

    class Exp_(module.autograd.Function):   # noqa: N801
        @staticmethod
        def forward(ctx, x):
            x.exp_()
            ctx.mark_dirty(x)
            ctx.save_for_backward(x)           # saved after the write: the output, so backward is differentiable
            return x, x.sum()

        @staticmethod
        def backward(ctx, g, g_sum):
            out, = ctx.saved_tensors
            return (g + g_sum) * out

    return AddOne_, Exp_


def test_mark_dirty_makes_the_written_input_the_output_as_torch():
    ours, theirs = _in_place_ops(mg), _in_place_ops(torch)
    for op, top in zip(ours, theirs):
        a, ta = mg.tensor(X, dtype=mg.float64, requires_grad=True), torch.tensor(X, requires_grad=True)
        y, ty = a * 3, ta * 3
        z, tz = op.apply(y), top.apply(ty)
        out, tout = (z[0], tz[0]) if isinstance(z, tuple) else (z, tz)
        assert out is y and tout is ty
        assert out.grad_fn.name == type(tout.grad_fn).__name__ == f"{op.__name__}Backward"
        loss, tloss = (out * out).sum(), (tout * tout).sum()
        if isinstance(z, tuple):
            loss, tloss = loss + z[1], tloss + tz[1]
        loss.backward()
        tloss.backward()
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12)


def test_mark_dirty_gradcheck():
    _, exp_ = _in_place_ops(mg)
    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    assert gradcheck(lambda t: exp_.apply(t * 1.0)[0], (x,))
    assert gradgradcheck(lambda t: exp_.apply(t * 1.0)[0], (x,))


def test_mark_dirty_refuses_what_torch_refuses():
    add_one_, _ = _in_place_ops(mg)
    with pytest.raises(RuntimeError, match=r"^AddOne_\.forward: a leaf tensor that requires grad \(shape \(5,\)\)"):
        add_one_.apply(mg.tensor(X, dtype=mg.float64, requires_grad=True))
    with pytest.raises(RuntimeError, match=r"a leaf Variable that requires grad"):
        _in_place_ops(torch)[0].apply(torch.tensor(X, requires_grad=True))

    class Unreturned(Function):
        @staticmethod
        def forward(ctx, x):
            x.add_(1)
            ctx.mark_dirty(x)
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(RuntimeError, match=r"^Unreturned\.forward: an input marked dirty \(shape \(5,\)\) was not "
                                           "returned"):
        Unreturned.apply(mg.tensor(X, dtype=mg.float64, requires_grad=True) * 1)

    class MarksAnother(Function):
        @staticmethod
        def forward(ctx, x):
            other = x * 2
            ctx.mark_dirty(other)
            return other

        @staticmethod
        def backward(ctx, g):
            return g * 2

    with pytest.raises(RuntimeError, match=r"^MarksAnother\.forward: ctx\.mark_dirty was given a tensor that is not "
                                           "one of its inputs"):
        MarksAnother.apply(mg.tensor(X, dtype=mg.float64, requires_grad=True))
    h = mg.tensor(X, dtype=mg.float64, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"^AddOne_\.forward: an input marked dirty \(shape \(2,\)\) is a view of "
                                           "another tensor in the graph"):
        add_one_.apply(h[1:3])

    # a node that read the input before forward wrote it would differentiate with the new values: refused
    a = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    y = a * 1
    w = y.sin()
    add_one_.apply(y)
    with pytest.raises(RuntimeError, match=r"^Sin: input 0 \(shape \(5,\)\) was modified in place"):
        w.sum().backward()


def test_mark_dirty_without_a_graph_writes_and_returns_the_input():
    add_one_, _ = _in_place_ops(mg)
    x = mg.tensor(X, dtype=mg.float64)
    assert add_one_.apply(x) is x and x.creator is None and not x.requires_grad
    np.testing.assert_array_equal(x.numpy(), X + 1)
    p = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    with mg.no_grad():
        assert add_one_.apply(p) is p
    np.testing.assert_array_equal(p.detach().numpy(), X + 1)
    assert p.creator is None and p.requires_grad


def test_minigrads_own_ops_are_untouched():
    from minigrad.ops.arithmetic import Mul

    assert Mul.apply.__func__ is Function.apply.__func__


def test_onnx_export_records_the_ops_inside_forward(tmp_path):
    import onnxruntime as ort  # the dev extra installs it
    from minigrad.onnx import export

    class Model(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = mg.nn.Linear(3, 2)

        def forward(self, x):
            return OURS["Legendre3"].apply(self.fc(x))

    model = Model()
    export(model, mg.randn(4, 3), tmp_path / "m.onnx")
    x = _rng.standard_normal((4, 3)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, model(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)


def test_once_differentiable_gives_first_derivatives_and_refuses_a_second():
    class NumpyCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @mg.autograd.once_differentiable
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return mg.tensor(3 * x.numpy() ** 2 * g.numpy(), dtype=x.dtype)  # NumPy: nothing recorded

    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    g, = mg.grad(NumpyCube.apply(x).sum(), [x], create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * X ** 2, rtol=1e-15)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        g.sum().backward()
    x.grad = None
    NumpyCube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * X ** 2, rtol=1e-15)


def test_a_saved_output_written_in_place_is_refused_as_torch_refuses_it():
    for module, classes, error in ((mg, OURS, "ExpSavingOutput.backward: saved tensor 0 .* was modified in place"),
                                   (torch, THEIRS, "modified by an inplace operation")):
        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        y = classes["ExpSavingOutput"].apply(x * 1.0)
        y.mul_(2)
        with pytest.raises(RuntimeError, match=error):
            y.sum().backward()


def test_a_dropped_saved_output_still_gives_second_derivatives_as_torchs():
    def run(module):
        class Two(module.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                a, b = x.exp(), x.exp()
                ctx.save_for_backward(b)
                return a, b

            @staticmethod
            def backward(ctx, ga, gb):
                b, = ctx.saved_tensors
                return ga * b + gb * b

        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        a = Two.apply(x)[0]   # b, the saved output, is dropped by the caller
        loss = a.sum() + (x ** 2).sum()
        g, = (torch.autograd.grad if module is torch else mg.grad)(loss, [x], create_graph=True)
        g.sum().backward()
        return x.grad.detach().numpy() if module is torch else x.grad.numpy()

    np.testing.assert_allclose(run(mg), run(torch), rtol=1e-13)


def test_gradients_never_alias_what_backward_saw():
    class ReturnsSaved(Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(w)
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            w, = ctx.saved_tensors
            return w, None

    class DoublesInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, g):
            return g.mul_(2)

    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    w = mg.tensor(X + 1, dtype=mg.float64)
    ReturnsSaved.apply(x, w).sum().backward()
    with mg.no_grad():
        w.mul_(0)
    np.testing.assert_array_equal(x.grad.numpy(), X + 1)   # not w's memory
    v = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    ((DoublesInPlace.apply(x) + v) * 3.0).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), np.full(5, 3.0))   # Add's shared gradient left alone


def test_an_inherited_setup_context_and_a_non_tensor_output_as_torchs():
    def run(module):
        class Base(module.autograd.Function):
            @staticmethod
            def forward(x, k):
                return x * k, k

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.k = inputs[1]

            @staticmethod
            def backward(ctx, g, g_k):
                assert g_k is None
                return g * ctx.k, None

        class Child(Base):
            pass

        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        y, k = Child.apply(x, 3.0)
        assert k == 3.0
        y.sum().backward()
        return x.grad.detach().numpy() if module is torch else x.grad.numpy()

    np.testing.assert_array_equal(run(mg), run(torch))


def test_torchs_import_path_autograd_function_gives_once_differentiable_and_function_ctx():
    # `from torch.autograd.function import once_differentiable` is how custom-op code imports it
    from minigrad.autograd.function import FunctionCtx as ctx_class
    from minigrad.autograd.function import once_differentiable as decorator

    assert decorator is mg.autograd.once_differentiable
    assert ctx_class is mg.autograd.FunctionCtx
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        mg.autograd.function.not_a_name


def test_arguments_given_by_keyword_are_bound_by_position_with_defaults_as_torchs():
    # apply(x, k=3.0) was refused ("unexpected keyword argument"); torch binds keywords to forward's parameters,
    # defaults filled in, so backward returns one gradient per parameter and a Tensor given by keyword gets one
    def run(module):
        seen = []

        class Scale(module.autograd.Function):
            @staticmethod
            def forward(ctx, x, k=2.0, w=None):
                return x * k * w

            @staticmethod
            def backward(ctx, g):
                seen.append(ctx.needs_input_grad)
                return g * 2.0, None, g * 3.0

        class SetupScale(module.autograd.Function):
            @staticmethod
            def forward(x, k=2.0):
                return x * k

            @staticmethod
            def setup_context(ctx, inputs, output):
                seen.append(len(inputs))
                ctx.k = inputs[1]

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        w = module.tensor(X * 2, dtype=module.float64, requires_grad=True)
        (Scale.apply(x, w=w, k=3.0).sum() + SetupScale.apply(x).sum() + SetupScale.apply(x, k=5.0).sum()).backward()
        return seen, x.grad.detach().numpy(), w.grad.detach().numpy()

    (seen, gx, gw), (their_seen, their_gx, their_gw) = run(mg), run(torch)
    assert seen == their_seen == [2, 2, (True, False, True)]
    np.testing.assert_array_equal(gx, their_gx)
    np.testing.assert_array_equal(gw, their_gw)
    np.testing.assert_array_equal(gx, np.full(5, 2.0 + 2.0 + 5.0))


def test_an_unknown_keyword_names_the_function_and_its_forward():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, k=2.0):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2.0, None

    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    with pytest.raises(TypeError, match=r"Scale.apply: got an unexpected keyword argument 'z' \(forward\(x, k=2.0\)\)"):
        Scale.apply(x, z=1.0)


def test_a_gradient_backward_returns_from_outside_is_copied_so_backward_never_adds_into_it():
    # a constant the caller holds, returned as the gradient, became x.grad: the next backward's += grew it
    def run(module):
        fixed = module.ones(5, dtype=module.float64)

        class Constant(module.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2.0

            @staticmethod
            def backward(ctx, g):
                return fixed

        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        for _ in range(3):
            Constant.apply(x).sum().backward()
        return x.grad.detach().numpy().copy(), fixed.numpy().copy()

    (grad, fixed), (their_grad, their_fixed) = run(mg), run(torch)
    np.testing.assert_array_equal(grad, their_grad)
    np.testing.assert_array_equal(grad, np.full(5, 3.0))
    np.testing.assert_array_equal(fixed, their_fixed)
    np.testing.assert_array_equal(fixed, np.ones(5))


def test_vjp_is_torchs_other_name_for_backward_and_grad_fn_shows_saved_tensors():
    # a class defining vjp only failed inside backward with "missing 1 required positional argument: 'gy'", and
    # y.grad_fn.saved_tensors was an AttributeError
    def run(module):
        class Square(module.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def vjp(ctx, g):
                x, = ctx.saved_tensors
                return 2.0 * x * g

        x = module.tensor(X, dtype=module.float64, requires_grad=True)
        y = Square.apply(x)
        saved, = y.grad_fn.saved_tensors
        assert saved is x
        y.sum().backward()
        with pytest.raises(RuntimeError, match="(?i)backward through the graph a second time"):
            y.grad_fn.saved_tensors
        return x.grad.detach().numpy()

    np.testing.assert_array_equal(run(mg), run(torch))
    np.testing.assert_array_equal(run(mg), 2.0 * X)


def test_backward_and_vjp_both_or_neither_are_refused_by_name():
    class Both(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

        @staticmethod
        def vjp(ctx, g):
            return g * 2.0

    class Neither(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

    x = mg.tensor(X, dtype=mg.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^Both: define backward or vjp, not both"):
        Both.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"^Neither: define backward\(ctx, \*grad_outputs\) \(or vjp\)"):
        Neither.apply(x).sum().backward()


def test_a_backward_replaced_between_passes_is_the_one_that_runs():
    """The backward was cached per class, so a replaced one never ran (the gradient stayed 2)."""
    class Double(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    x = mg.tensor([1.0], requires_grad=True)
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0]
    Double.backward = staticmethod(lambda ctx, g: g * 3)
    x.grad = None
    Double.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0]
