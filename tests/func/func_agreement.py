"""The comparison the minigrad.func tests share: nested results of minigrad against torch's, structure included."""
import numpy as np
import torch

import minigrad as mg


def close(mine, theirs, rtol=1e-12, atol=1e-13):
    """Tuples, lists (of the same type and length), dicts (same keys in the same order), Tensors (same shape and
    dtype, values within ``rtol``/``atol``: float64 results) and plain values (equal), nested as in ``theirs``."""
    tol = dict(rtol=rtol, atol=atol)
    if isinstance(theirs, (tuple, list)):
        assert type(mine) is type(theirs) and len(mine) == len(theirs)
        for a, b in zip(mine, theirs):
            close(a, b, **tol)
    elif isinstance(theirs, dict):
        assert isinstance(mine, dict) and list(mine) == list(theirs)
        for k in theirs:
            close(mine[k], theirs[k], **tol)
    elif isinstance(theirs, torch.Tensor):
        expected = theirs.detach().numpy()
        assert isinstance(mine, mg.Tensor) and tuple(mine.shape) == expected.shape and mine.dtype == expected.dtype
        np.testing.assert_allclose(mine.numpy(), expected, **tol)
    else:
        assert mine == theirs
