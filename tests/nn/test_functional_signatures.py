"""``minigrad.nn.functional`` takes torch.nn.functional's parameter names: for every function both have, the
positional parameters are torch's, in torch's order (so ``F.relu(input=x)``, ``F.pad(input=x, pad=(1, 1))``
and ``F.layer_norm(input=x, normalized_shape=...)`` run), with the exceptions listed below and why; and keyword
calls give torch's values (float64)."""
import inspect
import re

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.nn import functional as F

TF = torch.nn.functional
_P = inspect.Parameter

# Where minigrad's positional names differ from torch's on purpose.
EXCEPTIONS = {
    # docs/autodiff.md section 15: NumPy's ``axis`` keeps its place and meaning and torch's ``dim`` is taken by
    # keyword (both at once is a TypeError); torch's third positional, ``_stacklevel``, is private to its warning.
    "softmax": ["input", "axis"],
    "log_softmax": ["input", "axis"],
}
# torch's trailing positional parameters minigrad does not take (yet): a gap, not a renaming.
NOT_TAKEN = {
    "normalize": ["out"],
    # ``_stacklevel`` is private to torch's warning; ``dtype`` is taken, by keyword (as softmax's)
    "softmin": ["_stacklevel", "dtype"],
}
# torch's builtins whose docstring does not spell their signature.
NO_TORCH_SIGNATURE = {"conv_tbc"}


def _torch_positional(name):
    """torch's positional parameter names: from ``inspect`` or, for its C builtins and its dispatchers on a flag
    (``max_pool2d``'s ``(*args, **kwargs)``), its docstring's first line."""
    fn = getattr(TF, name)
    try:
        params = inspect.signature(fn).parameters.values()
        if not any(p.kind == _P.VAR_POSITIONAL for p in params):
            return [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        pass
    match = re.search(rf"^\s*{name}\((.*?)\)\s*(?:->|$)", fn.__doc__ or "", re.S | re.M)
    if match is None:
        return None
    names = []
    for part in match.group(1).split(","):
        part = part.strip()
        if part == "*":
            break
        if part:
            names.append(part.split("=")[0].strip())
    return names


def _ours_positional(name):
    params = inspect.signature(getattr(F, name)).parameters.values()
    return [p.name for p in params if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]


SHARED = sorted(name for name in set(dir(F)) & set(dir(TF))
                if not name.startswith("_") and inspect.isfunction(inspect.unwrap(getattr(F, name)))
                and callable(getattr(TF, name)) and not inspect.isclass(getattr(TF, name))
                and name not in NO_TORCH_SIGNATURE)


def test_the_shared_functions_are_found():
    assert len(SHARED) >= 80
    assert {"relu", "softmax", "layer_norm", "dropout", "pad", "embedding", "conv2d", "gelu"} <= set(SHARED)
    assert set(EXCEPTIONS) | set(NOT_TAKEN) <= set(SHARED)


@pytest.mark.parametrize("name", SHARED)
def test_positional_parameters_are_torchs_in_torchs_order(name):
    theirs = _torch_positional(name)
    assert theirs is not None, f"no signature found for torch.nn.functional.{name}"
    ours = _ours_positional(name)
    if name.endswith("_") and ours[1:] == []:    # relu_ & co.: (input, *args, **kwargs) forwarding to relu
        assert ours == theirs[:1]
        return
    expected = EXCEPTIONS.get(name, [n for n in theirs if n not in NOT_TAKEN.get(name, ())])
    assert ours == expected


def test_softmax_takes_both_spellings_of_its_axis():
    x = np.random.default_rng(0).standard_normal((3, 4))
    want = TF.softmax(torch.tensor(x), dim=0).numpy()
    for got in (F.softmax(mg.Tensor(x), 0), F.softmax(input=mg.Tensor(x), axis=0),
                F.softmax(mg.Tensor(x), dim=0), F.softmax(input=mg.Tensor(x), dim=0)):
        np.testing.assert_allclose(got.data, want, rtol=1e-12, atol=1e-15)
    with pytest.raises(TypeError, match="both axis=0 and dim=1"):
        F.softmax(input=mg.Tensor(x), axis=0, dim=1)


RNG = np.random.default_rng(3)
X = RNG.standard_normal((2, 3, 4, 5))

# name -> keyword arguments beside ``input`` (arrays become tensors of both libraries)
KEYWORD_CALLS = [
    ("relu", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("gelu", {"approximate": "tanh"}),
    ("softplus", {"beta": 2.0, "threshold": 1.0}),
    ("hardtanh", {"min_val": -0.5, "max_val": 0.5}),
    ("threshold", {"threshold": 0.1, "value": -2.0}),
    ("softmax", {"dim": 1}),
    ("log_softmax", {"dim": 2}),
    ("softmin", {"dim": 1}),
    ("glu", {"dim": -1}),
    ("layer_norm", {"normalized_shape": (4, 5), "eps": 1e-3}),
    ("group_norm", {"num_groups": 3}),
    ("normalize", {"p": 1.0, "dim": 2}),
    ("pad", {"pad": (1, 2), "mode": "constant", "value": 0.5}),
    ("dropout", {"p": 0.3, "training": False}),
    ("avg_pool2d", {"kernel_size": 2}),
    ("adaptive_avg_pool2d", {"output_size": (2, 3)}),
    ("local_response_norm", {"size": 2}),
]


@pytest.mark.parametrize("name,kwargs", KEYWORD_CALLS, ids=[c[0] for c in KEYWORD_CALLS])
def test_keyword_calls_with_torchs_names_give_torchs_values(name, kwargs):
    x = X[..., :4] if name == "glu" else X
    ours = getattr(F, name)(input=mg.Tensor(x), **kwargs)
    theirs = getattr(TF, name)(input=torch.tensor(x), **kwargs)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_keyword_calls_of_functions_with_weights():
    w = RNG.standard_normal((6, 3, 2, 2))
    ours = F.conv2d(input=mg.Tensor(X), weight=mg.Tensor(w), stride=1, padding=1)
    theirs = TF.conv2d(input=torch.tensor(X), weight=torch.tensor(w), stride=1, padding=1)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)
    table = RNG.standard_normal((7, 3))
    index = np.array([[0, 6, 2], [2, 2, 5]])
    ours = F.embedding(input=mg.tensor(index), weight=mg.Tensor(table), padding_idx=2)
    theirs = TF.embedding(input=torch.tensor(index), weight=torch.tensor(table), padding_idx=2)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    m, w2 = RNG.standard_normal((3, 5)), RNG.standard_normal((2, 5))
    ours = F.linear(input=mg.Tensor(m), weight=mg.Tensor(w2.T))   # minigrad's weight is (in, out)
    theirs = TF.linear(input=torch.tensor(m), weight=torch.tensor(w2))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_in_place_option_takes_the_input_by_keyword():
    for inplace_call in (lambda F_, h: F_.leaky_relu(input=h, negative_slope=0.2, inplace=True),
                         lambda F_, h: F_.relu_(input=h)):
        ours, theirs = mg.Tensor(X.copy()), torch.tensor(X.copy())
        out, tout = inplace_call(F, ours), inplace_call(TF, theirs)
        assert out is ours and tout is theirs
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    h = mg.Tensor(X.copy(), requires_grad=True) * 1.0
    out = F.dropout(input=h, p=0.0, training=True, inplace=True)
    assert out is h
