"""One randomized differential check of a minigrad layer against its torch twin (float64, CPU): the same
constructor arguments, torch's random weights loaded through ``from_torch``, the same inputs (optionally a
permuted, non-contiguous view of a leaf), then every output (values and integer outputs exactly), the gradients
of the leaves and of every parameter under one random cotangent per float output, and the buffers after the
calls. A configuration torch refuses must be refused by minigrad too (any exception; the text is free)."""
from __future__ import annotations

import numpy as np
import torch

import minigrad as mg
from minigrad.io import from_torch, to_torch

RTOL, ATOL = 1e-10, 1e-12


class Refused(Exception):
    """torch refused the configuration (construction or call) and so did minigrad (its exception is the argument)."""


def _magnitude(arrays):
    return max([1.0] + [float(np.nanmax(np.abs(a), initial=0.0)) for a in arrays if a.dtype.kind == "f"])


def close(ours, theirs, what, scale=None):
    """Equal shapes; integers exactly; floats to RTOL and ATOL times ``scale`` (by default the largest entry of
    ``theirs``, at least 1: an entry that is a sum of terms of that size carries their rounding)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs torch {theirs.shape}"
    if theirs.dtype.kind in "iub":
        assert np.array_equal(ours, theirs), f"{what}: {ours} vs torch {theirs}"
        return
    scale = scale or _magnitude([theirs])
    np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for item in out for o in _flat(item)]
    return [out]


class Input:
    """An input array: float arrays are leaves that need a gradient; ``perm`` passes ``base.permute(perm)``
    (non-contiguous) where ``base`` is the array with its axes moved so that the permuted view has ``array``'s
    values."""

    def __init__(self, array, perm=None, grad=None):
        self.array = np.asarray(array)
        self.perm = perm
        self.grad = self.array.dtype.kind == "f" if grad is None else grad

    def make(self, lib):
        if self.perm is None:
            base = self.array
        else:
            base = np.ascontiguousarray(self.array.transpose(np.argsort(self.perm)))
        if lib == "mg":
            leaf = mg.tensor(base, dtype=str(base.dtype), requires_grad=self.grad)
            return leaf, (leaf if self.perm is None else leaf.permute(*self.perm))
        # torch's reference runs on a contiguous copy: its CPU kernels are not layout-proof (batch_norm's input
        # gradient for some permuted 5-D inputs with unit axes is wrong in torch 2.13; local_response_norm's view
        # refuses some), and the view's gradient still reaches the leaf through the copy
        leaf = torch.tensor(base, requires_grad=self.grad)
        return leaf, (leaf if self.perm is None else leaf.permute(*self.perm).contiguous())


def _random_state(tl, rng, positive_buffers=("running_var",)):
    with torch.no_grad():
        for p in tl.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape))))
        for name, b in tl.named_buffers():
            if b.dtype.is_floating_point:
                v = rng.standard_normal(tuple(b.shape))
                if name.split(".")[-1] in positive_buffers:
                    v = np.abs(v) + 0.5
                b.copy_(torch.tensor(v))


def _run(make, call, inputs, train, calls, lib, rng=None, state=None):
    """Build the layer (torch's: float64 with random parameters and buffers from ``rng``; minigrad's: loaded from
    torch's ``state``), set its mode, make the inputs and call it ``calls`` times."""
    layer = make()
    if lib == "torch" and isinstance(layer, torch.nn.Module):
        layer = layer.double()
        _random_state(layer, rng)
        state = {k: v.detach().numpy().copy() for k, v in layer.state_dict().items()}
    elif lib == "mg" and isinstance(layer, mg.nn.Layer) and state is not None:
        layer.load_state_dict(from_torch(layer, state))
    if hasattr(layer, "train"):
        layer.train(train)
    leaves, views = zip(*[i.make(lib) for i in inputs]) if inputs else ((), ())
    outs = [call(layer, *views) for _ in range(calls)]
    return layer, leaves, outs, state


def _grads(layer, lib):
    if lib == "mg":
        params = {n: (p.grad.numpy() if p.grad is not None else None) for n, p in layer.named_parameters()}
        return to_torch(layer, {n: g for n, g in params.items() if g is not None}), list(params)
    params = {n: (p.grad.numpy() if p.grad is not None else None) for n, p in layer.named_parameters()}
    return {n: g for n, g in params.items() if g is not None}, list(params)


def compare(make_mg, make_torch, inputs, rng, call=None, train=True, calls=1):
    """Run both; raise Refused if torch refuses (after checking that minigrad refuses too); else assert that the
    outputs, the leaves' and parameters' gradients and the buffers agree."""
    call = call or (lambda layer, *xs: layer(*xs))
    try:
        tl, tleaves, touts, state = _run(make_torch, call, inputs, train, calls, "torch", rng=rng)
    except Exception as torch_error:   # noqa: BLE001 - any refusal counts
        try:
            _run(make_mg, call, inputs, train, calls, "mg")
        except Exception as e:   # noqa: BLE001
            raise Refused(e) from None
        raise AssertionError(f"torch refuses ({type(torch_error).__name__}: {torch_error}) but minigrad runs")
    ml, leaves, outs, _ = _run(make_mg, call, inputs, train, calls, "mg", state=state)
    flat, tflat = _flat(outs), _flat(touts)
    assert len(flat) == len(tflat), f"{len(flat)} outputs vs torch {len(tflat)}"
    loss, tloss = None, None
    for k, (o, t) in enumerate(zip(flat, tflat)):
        if t is None:
            assert o is None, f"output {k}: torch gives None"
            continue
        assert o is not None, f"output {k}: minigrad gives None"
        tv = t.detach().numpy()
        assert o.dtype == tv.dtype, f"output {k}: dtype {o.dtype} vs torch {tv.dtype}"
        close(o.numpy(), tv, f"output {k}")
        if t.requires_grad:
            assert o.requires_grad, f"output {k} needs no grad in minigrad"
            cot = rng.standard_normal(tv.shape)
            term, tterm = (o * mg.tensor(cot, dtype="float64")).sum(), (t * torch.tensor(cot)).sum()
            loss = term if loss is None else loss + term
            tloss = tterm if tloss is None else tloss + tterm
    if tloss is not None:
        tloss.backward()
        loss.backward()
    for k, (x, tx) in enumerate(zip(leaves, tleaves)):
        if tx.requires_grad:
            if tx.grad is None:
                assert x.grad is None or not x.grad.numpy().any(), f"input {k}: torch gives no gradient"
            else:
                assert x.grad is not None, f"input {k}: minigrad gives no gradient"
                close(x.grad.numpy(), tx.grad.numpy(), f"gradient of input {k}")
    if isinstance(tl, torch.nn.Module):
        grads, names = _grads(ml, "mg")
        tgrads, tnames = _grads(tl, "torch")
        assert names == tnames, f"parameters {names} vs torch {tnames}"
        # one scale for all parameter gradients: in a stack of layers a small entry of one is a sum of products
        # of the size of the largest ones
        scale = _magnitude(list(tgrads.values()))
        for n, tg in tgrads.items():
            if n not in grads:
                assert not tg.any(), f"{n}: minigrad gives no gradient"
            else:
                close(grads[n], tg, f"gradient of {n}", scale)
        for n in grads:
            if n not in tgrads:
                assert not grads[n].any(), f"{n}: torch gives no gradient"
        # the whole state after the calls: buffers (running statistics) and parameters (max_norm renormalises)
        after = to_torch(ml, {n: v.numpy() for n, v in ml.state_dict().items()})
        tafter = {n: v.detach().numpy() for n, v in tl.state_dict().items()}
        assert list(after) == list(tafter), f"state {list(after)} vs torch {list(tafter)}"
        for n in tafter:
            close(after[n], tafter[n], f"state {n} after the calls")
    return outs, touts
