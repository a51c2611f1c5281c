"""Agreement of minigrad's distributions with torch's, shared by the distribution tests: parameters as float64 leaves
in both libraries, values compared, and the gradients of the parameters after one random cotangent."""
import numpy as np
import torch

import minigrad as mg


def params(*arrays):
    """Each array as a minigrad and a torch float64 leaf that requires grad."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    ours = [mg.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def close(ours, theirs, rtol=1e-12, atol=1e-13):
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def grads_close(ours, theirs, out_m, out_t, rng, rtol, atol, lower_only=()):
    """The gradients of <g, out> agree (g drawn from ``rng``); for the parameters in ``lower_only`` (a scale_tril) on
    the lower triangle, where both read the factor (torch's MVN divergence also passes gradient to the upper triangle
    of the first factor, which it treats as zero everywhere else; minigrad gives it none)."""
    g = rng.standard_normal(tuple(out_t.shape))
    (out_m * mg.tensor(g, dtype="float64")).sum().backward()
    (out_t * torch.tensor(g)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
            continue
        expected = np.tril(b.grad.numpy()) if i in lower_only else b.grad.numpy()
        if i in lower_only:
            assert not np.any(np.triu(a.grad.numpy(), 1))
        np.testing.assert_allclose(a.grad.numpy(), expected, rtol=rtol, atol=atol)
