"""gradcheck's and gradgradcheck's PyTorch options: each check fails where torch's fails, and passes where it passes."""
import inspect
import itertools

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.autograd.gradcheck import GradcheckError

X = np.random.default_rng(4).standard_normal((3, 2))


def _pair():
    return mg.tensor(X, dtype=mg.float64, requires_grad=True), torch.tensor(X, requires_grad=True)


@pytest.mark.parametrize("name", ["gradcheck", "gradgradcheck"])
def test_options_are_torchs(name):
    ours = inspect.signature(getattr(mg.autograd, name)).parameters
    theirs = inspect.signature(getattr(torch.autograd, name)).parameters
    assert list(ours) == list(theirs) + ["seed"]
    assert {k: ours[k].default for k in theirs} == {k: v.default for k, v in theirs.items()}
    assert all(ours[k].kind == inspect.Parameter.KEYWORD_ONLY for k in theirs if k not in
               ("func", "inputs", "grad_outputs"))


def _counting(lib):
    """exp, whose backward changes by 1e-9 at every call: not reentrant."""
    calls = itertools.count()

    class Drifting(torch.autograd.Function if lib is torch else mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.exp() * (1 + 1e-9 * next(calls))
    return Drifting.apply


def test_a_backward_that_is_not_reentrant_fails_unless_nondet_tol_allows_it():
    x, tx = _pair()
    with pytest.raises(RuntimeError, match="not reentrant"):
        torch.autograd.gradcheck(_counting(torch), (tx,))
    with pytest.raises(GradcheckError, match=r"gradcheck: backward is not reentrant: two backward passes through one "
                                             r"graph gave gradients of input 0 that differ by up to"):
        mg.gradcheck(_counting(mg), (x,))
    assert mg.gradcheck(_counting(mg), (x,), nondet_tol=1e-6)
    assert torch.autograd.gradcheck(_counting(torch), (tx,), nondet_tol=1e-6)
    assert mg.gradcheck(_counting(mg), (x,), nondet_tol=0.0, raise_exception=False) is False


def _ones_for_zero_output_grads(lib):
    """x * 2, whose backward is right except for all-zero output gradients, where it gives ones."""
    base = torch.autograd.Function if lib is torch else mg.autograd.Function

    class Stubborn(base):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            if float(abs(g).sum()) == 0:
                return g * 0 + 1
            return g * 2
    return Stubborn.apply


@pytest.mark.parametrize("undefined", [True, False])
@pytest.mark.parametrize("fast_mode", [False, True])
def test_zero_output_gradients_must_give_zero_gradients(fast_mode, undefined):
    x, tx = _pair()
    with pytest.raises(GradcheckError, match=r"gradcheck: backward not multiplied by grad_output: all-zero output "
                                             r"gradients gave a gradient of input 0 that is not zero \(largest "
                                             r"entry 1.0\)"):
        mg.gradcheck(_ones_for_zero_output_grads(mg), (x,), fast_mode=fast_mode, check_undefined_grad=undefined)
    with pytest.raises(RuntimeError, match="backward not multiplied by grad_output"):
        torch.autograd.gradcheck(_ones_for_zero_output_grads(torch), (tx,), fast_mode=fast_mode,
                                 check_undefined_grad=undefined)
    assert mg.gradcheck(lambda a: a * 2, (x,), fast_mode=fast_mode, check_undefined_grad=undefined)


def test_forward_ad_check_compares_jacobian_vector_products():
    x, _ = _pair()
    fn = lambda a: (a.sin() * a).sum(axis=1)   # noqa: E731
    assert mg.gradcheck(fn, (x,), check_forward_ad=True, check_backward_ad=False)
    assert mg.gradcheck(fn, (x,), check_forward_ad=True, fast_mode=True)

    class WrongDerivative(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.sin()

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g * a.cos() * 1.5
    with pytest.raises(GradcheckError, match=r"gradcheck: forward-mode \(jvp\) mismatch for input 0 \(shape \(3, 2\)\)"):
        mg.gradcheck(WrongDerivative.apply, (x,), check_forward_ad=True, check_backward_ad=False)


@pytest.mark.parametrize("fast_mode", [False, True])
def test_forward_ad_check_skips_integer_outputs_as_torch(fast_mode):
    # torch's gradcheck checks the floating outputs only, with check_forward_ad too
    x, tx = _pair()
    assert torch.autograd.gradcheck(lambda a: (a.sin(), a.argmax()), (tx,), check_forward_ad=True, fast_mode=fast_mode)
    assert mg.gradcheck(lambda a: (a.sin(), a.argmax()), (x,), check_forward_ad=True, fast_mode=fast_mode)


def test_gradgradcheck_takes_the_second_order_options():
    x, tx = _pair()
    fn = lambda a: (a * a.tanh()).sum()   # noqa: E731
    assert mg.gradgradcheck(fn, (x,), gen_non_contig_grad_outputs=True)
    assert mg.gradgradcheck(fn, (x,), check_fwd_over_rev=True, nondet_tol=0.0, check_grad_dtypes=True)
    assert torch.autograd.gradgradcheck(lambda a: (a * a.tanh()).sum(), (tx,), gen_non_contig_grad_outputs=True)


@pytest.mark.parametrize("call, option", [
    (lambda x: mg.gradcheck(lambda a: a * 2, (x,), check_batched_grad=True), "check_batched_grad"),
    (lambda x: mg.gradcheck(lambda a: a * 2, (x,), check_batched_forward_grad=True), "check_batched_forward_grad"),
    (lambda x: mg.gradcheck(lambda a: a * 2, (x,), masked=True), "masked"),
    (lambda x: mg.gradgradcheck(lambda a: a * a, (x,), check_batched_grad=True), "check_batched_grad"),
])
def test_options_without_a_minigrad_counterpart_are_refused_by_name(call, option):
    x, _ = _pair()
    with pytest.raises(NotImplementedError, match=rf"{option}=True is not supported: minigrad has no "):
        call(x)


def test_options_are_keyword_only_as_in_torch():
    x, _ = _pair()
    with pytest.raises(TypeError):
        mg.gradcheck(lambda a: a * 2, (x,), 1e-6)
    assert mg.gradcheck(func=lambda a: a * 2, inputs=(x,), eps=1e-6, atol=1e-5, rtol=1e-3, check_grad_dtypes=True)
