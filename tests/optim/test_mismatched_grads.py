"""A ``.grad`` of another dtype, shape or device than its parameter is refused by every optimizer's step.

torch refuses such a gradient when it is assigned (a RuntimeError); minigrad's ``Tensor.grad`` is a plain attribute,
so the step that reads it refuses it instead, before changing that parameter (parameters before it in the groups
have been stepped: checking all first would cost every step a second pass). Without the check a float64 gradient
was rounded into a float32 update, an integer or bool one taken as numbers, a (3,) one broadcast over a (2, 3)
parameter and, in the flat optimizers, a transposed one read in the wrong order.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

FIRST_ORDER = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.1),
    "SGD(momentum)": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "Adagrad": lambda ps: optim.Adagrad(ps),
    "RMSprop": lambda ps: optim.RMSprop(ps),
    "Adadelta": lambda ps: optim.Adadelta(ps),
    "Adam": lambda ps: optim.Adam(ps),
    "AdamW": lambda ps: optim.AdamW(ps),
    "Adamax": lambda ps: optim.Adamax(ps),
    "NAdam": lambda ps: optim.NAdam(ps),
    "RAdam": lambda ps: optim.RAdam(ps),
    "Rprop": lambda ps: optim.Rprop(ps),
    "ASGD": lambda ps: optim.ASGD(ps),
    "Adafactor": lambda ps: optim.Adafactor(ps),
    "Muon": lambda ps: optim.Muon(ps),
}

# (grad array, how the message shows it): each of them ran the step without a word before
BAD_GRADS = {
    "float64": (np.full((2, 3), 0.1), r"shape \(2, 3\) and dtype float64"),
    "int64": (np.ones((2, 3), dtype=np.int64), r"shape \(2, 3\) and dtype int64"),
    "bool": (np.ones((2, 3), dtype=bool), r"shape \(2, 3\) and dtype bool"),
    "broadcast": (np.full(3, 0.1, dtype=np.float32), r"shape \(3,\) and dtype float32"),
}

PARAM_TEXT = r"but the parameter has shape \(2, 3\) and dtype float32; set \.grad to None"


def _param(device="cpu"):
    return mg.tensor(np.arange(6.0).reshape(2, 3) + 1.0, dtype=np.float32, requires_grad=True, device=device)


@pytest.mark.parametrize("bad", list(BAD_GRADS))
@pytest.mark.parametrize("name", list(FIRST_ORDER))
def test_each_optimizer_refuses_a_grad_unlike_its_parameter_and_leaves_that_parameter_as_it_was(name, bad):
    grad, shown = BAD_GRADS[bad]
    good = mg.tensor(np.full((2, 3), 0.1), dtype=np.float32, requires_grad=True)
    p = _param()
    good.grad = mg.tensor(np.full((2, 3), 0.1), dtype=np.float32)
    p.grad = mg.tensor(grad, dtype=grad.dtype)
    before = p.numpy().copy()
    optimizer = FIRST_ORDER[name]([good, p])
    with pytest.raises(RuntimeError, match=rf"^{name.split('(')[0]}\.step: \.grad holds a tensor of {shown}, "
                                           rf"{PARAM_TEXT}"):
        optimizer.step()
    np.testing.assert_array_equal(p.numpy(), before)


def test_torch_refuses_the_same_grads_with_a_runtime_error():
    torch = pytest.importorskip("torch")
    for grad, _ in BAD_GRADS.values():
        p = torch.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError, match="attempting to assign a gradient"):
            p.grad = torch.from_numpy(grad)


# The step's per-parameter check compares dtype and shape only (it runs every step: a type check there costs a tiny
# step about 1% more). A grad on another device makes the update fail, and the step then names it instead of CuPy's
# "Unsupported type numpy.ndarray". Not these three: AdamW and ASGD decay theta before the update that fails, and
# SGD with momentum copies a host grad into its device buffer on the first step (buf[...] = g), so that step passes.
UPDATES_BEFORE_FAILING = ("SGD(momentum)", "AdamW", "ASGD")


@pytest.mark.parametrize("name", [n for n in FIRST_ORDER if n not in UPDATES_BEFORE_FAILING])
def test_a_grad_on_another_device_is_named_not_left_to_the_array_library(name, device):
    if device == "cpu":
        pytest.skip("runs when MINIGRAD_TEST_DEVICES lists a GPU")
    for p_device, g_device in (("cpu", device), (device, "cpu")):
        p = _param(p_device)
        p.name = "w"
        p.grad = mg.tensor(np.full((2, 3), 0.1), dtype=np.float32, device=g_device)
        before = p.numpy().copy()
        with pytest.raises(RuntimeError, match=rf"^{name.split('(')[0]}\.step: \.grad holds a tensor of shape "
                                               rf"\(2, 3\) and dtype float32 on {g_device}(:0)?, but the parameter "
                                               rf"'w' has shape \(2, 3\) and dtype float32 on {p_device}(:0)?; "
                                               r"set \.grad to None"):
            FIRST_ORDER[name]([p]).step()
        np.testing.assert_array_equal(p.numpy(), before)


def _quadratic_closure(w, spoil, calls_before_spoiling=0):
    calls = []

    def closure():
        w.grad = None
        loss = (w * w).sum()
        loss.backward()
        if len(calls) >= calls_before_spoiling:
            w.grad = spoil(w.grad)
        calls.append(1)
        return loss
    return closure


FLAT = {
    "LBFGS": lambda ps: optim.LBFGS(ps, max_iter=2, line_search_fn="strong_wolfe"),
    "ConjugateGradient": lambda ps: optim.ConjugateGradient(ps),
    "BFGS": lambda ps: optim.BFGS(ps),
    "Newton": lambda ps: optim.Newton(ps),
    "NewtonCG": lambda ps: optim.NewtonCG(ps),
}

SPOILS = {   # a transposed gradient has the right size: the flat vector read it in the wrong order
    "transposed": (lambda g: mg.tensor(g.numpy().T.copy()), r"shape \(3, 2\) and dtype float32"),
    "float64": (lambda g: mg.tensor(g.numpy(), dtype=np.float64), r"shape \(2, 3\) and dtype float64"),
}


@pytest.mark.parametrize("spoil", list(SPOILS))
@pytest.mark.parametrize("name", list(FLAT))
def test_flat_optimizers_refuse_a_grad_unlike_its_parameter(name, spoil):
    fn, shown = SPOILS[spoil]
    w = _param()
    with pytest.raises(RuntimeError, match=rf"^{name}\.step: \.grad holds a tensor of {shown}, {PARAM_TEXT}"):
        FLAT[name]([w]).step(_quadratic_closure(w, fn))


def test_a_grad_spoiled_during_the_line_search_is_refused_too():
    w = _param()
    start = w.numpy().copy()
    optimizer = optim.LBFGS([w], max_iter=2, line_search_fn="strong_wolfe")
    with pytest.raises(RuntimeError, match=r"^LBFGS\.step: \.grad holds a tensor of shape \(3, 2\)"):
        optimizer.step(_quadratic_closure(w, SPOILS["transposed"][0], calls_before_spoiling=1))
    assert not np.array_equal(w.numpy(), start)   # the first evaluation was fine: the search had moved


def test_gradient_curvature_and_scipy_minimize_refuse_a_grad_unlike_its_parameter():
    w = _param()
    with pytest.raises(RuntimeError, match=rf"^gradient_curvature: \.grad holds a tensor of shape \(3, 2\)"):
        optim.gradient_curvature(_quadratic_closure(w, SPOILS["transposed"][0]), [w])
    for params in ([w], [w, mg.zeros(2, dtype=np.float64, requires_grad=True)]):   # one flat kind, and mixed

        def loss():
            total = sum((p * p).sum().double() for p in params)
            total.backward()
            w.grad = SPOILS["float64"][0](w.grad)
            return total
        with pytest.raises(RuntimeError, match=rf"^scipy_minimize: \.grad holds a tensor of shape \(2, 3\) and "
                                               rf"dtype float64, {PARAM_TEXT}"):
            optim.scipy_minimize(loss, params, method="L-BFGS-B")
