# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Autodiff from scratch
#
# How does `loss.backward()` find every gradient? This notebook builds a tiny
# computation one op at a time, draws its graph after each step with `minigrad.viz`,
# runs the backward pass, compares forward mode with reverse mode, and ends with
# `gradcheck` catching a wrong derivative. The engine itself is explained in
# [docs/autodiff.md](../autodiff.md).
#
# Open it with `jupytext --to notebook autodiff_from_scratch.py` (or the Jupytext
# extension), or run it as a plain script. `MINIGRAD_NOTEBOOK_TINY=1` shrinks every
# size, which is how CI runs it.

# %%
import os

import numpy as np

import minigrad as mg
from minigrad import viz
from minigrad.autograd import functional as AF

TINY = os.environ.get("MINIGRAD_NOTEBOOK_TINY") == "1"

# %% [markdown]
# ## 1. A graph, one op at a time
#
# Two leaves: tensors we want gradients for. They have no creator yet.

# %%
x = mg.tensor(2.0, requires_grad=True)
y = mg.tensor(3.0, requires_grad=True)
x.name, y.name = "x", "y"
viz.draw(x, y, show_data=True)

# %% [markdown]
# `a = x * y` records a `Mul` node: `a.creator` is that node and its `inputs` are `x` and `y`.

# %%
a = x * y
a.name = "a"
print(a.creator, [t.name for t in a.creator.inputs])
viz.draw(a, show_data=True)

# %% [markdown]
# `b = sin(x)` uses `x` a second time, so two gradient contributions will reach `x`.

# %%
b = mg.sin(x)
b.name = "b"
viz.draw(a, b, show_data=True)

# %%
f = a + b
f.name = "f"
viz.draw(f, show_data=True)

# %% [markdown]
# ## 2. The backward pass
#
# `backward()` starts from `df/df = 1` and sends gradients against the arrows. With
# `retain_graph=True` the graph survives, so we can draw it again with the gradients
# that reached the leaves: `df/dx = y + cos x` and `df/dy = x`.

# %%
f.backward(retain_graph=True)
print("df/dx =", x.grad, " expected", 3 + np.cos(2.0))
print("df/dy =", y.grad)
assert abs(float(x.grad) - (3 + np.cos(2.0))) < 1e-6
viz.draw(f, show_data=True, show_grad=True)

# %% [markdown]
# ## 3. The derivative has a graph too
#
# With `create_graph=True` the backward pass is itself recorded. Here is `df/dx`
# as a graph: the backward of `Sin` became a `Cos`, the backward of `Mul` a `Mul` by `y`.
# Differentiating it again gives `d²f/dx² = -sin x`.

# %%
dx, dy = mg.grad(f, [x, y], create_graph=True)
dx.name = "df/dx"
(dxx,) = mg.grad(dx, [x])
print("d2f/dx2 =", dxx, " expected", -np.sin(2.0))
viz.draw(dx, show_data=True)

# %% [markdown]
# ## 4. Forward mode and reverse mode
#
# For `h: R^n -> R^m` with Jacobian `J`, reverse mode gives `vᵀJ` (a row combination)
# per backward pass, forward mode `J v` (a column combination) per pass. A full Jacobian
# costs m reverse passes or n forward passes. `jacobian(..., strategy=...)` lets us
# choose; both give the same matrix.

# %%
def h(v):
    return mg.stack([v[0] * v[1], mg.sin(v[2]) + v[0], (v * v).sum()])


point = mg.tensor([1.0, 2.0, 0.5], dtype="float64")
J_rev = AF.jacobian(h, point, strategy="reverse-mode")
J_fwd = AF.jacobian(h, point, strategy="forward-mode")
print(J_rev)
assert np.allclose(J_rev.numpy(), J_fwd.numpy())

# %% [markdown]
# Counting the passes shows why training uses reverse mode: a loss has one output,
# so one reverse pass gives the whole gradient, while forward mode needs one pass per
# parameter. We count the engine's backward passes: the calls of `run_backward`, the walk of
# [docs/autodiff.md](../autodiff.md), section 3. (A hook on `w` would not do: the forward-mode
# passes differentiate the recorded backward with respect to a dummy `u`, and `w`'s hook runs
# only in the first.)

# %%
from unittest import mock

n = 20 if TINY else 200
weights = mg.tensor(np.linspace(-1, 1, n), dtype="float64")


def loss(w):
    return (mg.tanh(w) ** 2).sum()


def count_backward_passes(strategy):
    with mock.patch.object(AF, "run_backward", wraps=AF.run_backward) as engine:
        AF.jacobian(loss, weights, strategy=strategy)
    return engine.call_count


reverse, forward = count_backward_passes("reverse-mode"), count_backward_passes("forward-mode")
print("reverse mode:", reverse, "backward pass for", n, "parameters")
print("forward mode:", forward, "backward passes (double vjp: 1 recorded + one per parameter)")
assert (reverse, forward) == (1, 1 + n)

# %% [markdown]
# minigrad has only a reverse-mode engine; `jvp` gets `J v` by the **double-vjp trick**.
# Record `g(u) = Jᵀu` for a dummy `u`; `g` is linear in `u`, so its own vjp with `v`,
# taken with respect to `u`, is `J v`. Here is the recorded `g(u)`: `u` enters only
# through `Mul` nodes.

# %%
xs = mg.tensor([0.5, 1.0, 2.0], dtype="float64", requires_grad=True)
xs.name = "x"
u = mg.zeros(3, dtype="float64", requires_grad=True)
u.name = "u"
(g,) = mg.grad(mg.sin(xs) * xs, [xs], grad_outputs=u, create_graph=True)
g.name = "g = J^T u"
direction = mg.tensor([1.0, 0.0, 0.0], dtype="float64")
(Jv,) = mg.grad(g, [u], grad_outputs=direction)
print("J v by double vjp:", Jv)
print("jvp              :", AF.jvp(lambda t: mg.sin(t) * t, xs, direction)[1])
viz.draw(g)

# %% [markdown]
# ## 5. gradcheck catches a wrong derivative
#
# A classic bug: SiLU, `x · sigmoid(x)`, written with the sigmoid detached (say, to
# "save memory"). The values are right, the gradient misses the `x · sigmoid'(x)` term.
# `gradcheck` compares the engine's derivative with central differences and says where
# they differ.

# %%
def silu(t):
    return t * mg.sigmoid(t)


def silu_buggy(t):
    return t * mg.sigmoid(t).detach()


z = mg.tensor([-1.0, 0.5, 2.0], dtype="float64", requires_grad=True)
print("correct silu passes:", mg.gradcheck(silu, (z,)))
try:
    mg.gradcheck(silu_buggy, (z,))
    caught = False
except mg.GradcheckError as error:
    caught = True
    print(str(error).splitlines()[0])
assert caught, "gradcheck should have caught the detached sigmoid"

# %% [markdown]
# The same check guards every op minigrad ships. An op is a small `Function` with a
# `forward` on arrays and one `backward(F, gy, x)` (see
# [CONTRIBUTING.md](../../CONTRIBUTING.md)). Here is a cube whose author forgot the
# square in `d(x³)/dx = 3x²`: the forward pass is right, the derivative is not, and
# `gradcheck` says so at once.

# %%
class Cube(mg.Function):
    """y = x^3.   dL/dx should be g * 3 x^2."""

    def forward(self, x):
        return x ** 3

    def backward(self, F, gy, x):
        return gy * 3 * x          # the bug: 3x instead of 3x^2


def cube(t):
    return Cube.apply(t)


print("forward:", cube(mg.tensor([2.0], dtype="float64")))
passed = mg.gradcheck(cube, (z,), raise_exception=False)
print("gradcheck passes:", passed)
assert passed is False
