"""F.multi_head_attention_forward against torch in float64: outputs, attention weights and the gradients of every
input and weight, over packed and separate projections, bias_k/bias_v, add_zero_attn, bool and float masks,
static_k/static_v, unbatched inputs, need_weights and average_attn_weights; float32; the argument checks."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import minigrad as mg
from minigrad.nn import functional as F
from torch_agreement import TOL

RNG = np.random.default_rng(4242)
E, H, L, S, N = 6, 2, 3, 4, 2


def _weights(kdim=E, vdim=E, bias_kv=False, separate=False):
    w = dict(in_proj_weight=None if separate else RNG.standard_normal((3 * E, E)) * 0.4,
             in_proj_bias=RNG.standard_normal(3 * E) * 0.1,
             bias_k=RNG.standard_normal((1, 1, E)) * 0.3 if bias_kv else None,
             bias_v=RNG.standard_normal((1, 1, E)) * 0.3 if bias_kv else None,
             out_proj_weight=RNG.standard_normal((E, E)) * 0.4, out_proj_bias=RNG.standard_normal(E) * 0.1)
    if separate:
        w.update(q_proj_weight=RNG.standard_normal((E, E)) * 0.4, k_proj_weight=RNG.standard_normal((E, kdim)) * 0.4,
                 v_proj_weight=RNG.standard_normal((E, vdim)) * 0.4)
    return w


def _run(lib, f, arrays, consts, kwargs, dtype):
    """Both outputs of f on tensors made from ``arrays`` (checked, requiring grad) and ``consts`` (masks)."""
    if lib is mg:
        ts = {k: mg.tensor(v, dtype=dtype, requires_grad=True) for k, v in arrays.items()}
        cs = {k: mg.tensor(v, dtype=v.dtype if v.dtype == np.bool_ else dtype) for k, v in consts.items()}
    else:
        ts = {k: torch.tensor(v.astype(dtype), requires_grad=True) for k, v in arrays.items()}
        cs = {k: torch.tensor(v if v.dtype == np.bool_ else v.astype(dtype)) for k, v in consts.items()}
    call = {**ts, **cs, **kwargs}
    q, k, v = call.pop("query"), call.pop("key"), call.pop("value")
    out = f(q, k, v, E, H, dropout_p=0.0, add_zero_attn=kwargs.get("add_zero_attn", False),
            **{n: call.pop(n, None) for n in ("in_proj_weight", "in_proj_bias", "bias_k", "bias_v",
                                              "out_proj_weight", "out_proj_bias")},
            **{n: x for n, x in call.items() if n != "add_zero_attn"})
    return out, ts


CASES = [
    ("self", {}, {}, {}),
    ("cross", {}, {}, dict(need_weights=False)),
    ("cross", dict(bias_kv=True), dict(key_padding_mask=np.array([[False, True, False, False],
                                                                   [False, False, False, True]])),
     dict(average_attn_weights=False)),
    ("cross", {}, dict(attn_mask=RNG.standard_normal((L, S))), dict(add_zero_attn=True)),
    ("cross", dict(separate=True, kdim=4, vdim=3), dict(attn_mask=RNG.standard_normal((N * H, L, S))),
     dict(use_separate_proj_weight=True)),
    ("unbatched", {}, dict(key_padding_mask=np.array([False, False, True, False])), {}),
    ("static", {}, {}, {}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("inputs, weights, masks, kwargs", CASES, ids=[str(i) for i in range(len(CASES))])
def test_matches_torch(inputs, weights, masks, kwargs, dtype):
    w = {k: v for k, v in _weights(**weights).items() if v is not None}
    kdim, vdim = weights.get("kdim", E), weights.get("vdim", E)
    if inputs == "unbatched":
        arrays = dict(query=RNG.standard_normal((L, E)), key=RNG.standard_normal((S, E)),
                      value=RNG.standard_normal((S, E)))
    else:
        arrays = dict(query=RNG.standard_normal((L, N, E)), key=RNG.standard_normal((S, N, kdim)),
                      value=RNG.standard_normal((S, N, vdim)))
    if inputs == "static":
        arrays.update(static_k=RNG.standard_normal((N * H, S + 1, E // H)),
                      static_v=RNG.standard_normal((N * H, S + 1, E // H)))
    arrays.update(w)
    if inputs == "self":
        arrays["key"] = arrays["value"] = arrays["query"]
    (y, a), ts = _run(mg, F.multi_head_attention_forward, arrays, masks, kwargs, dtype)
    (ty, ta), tts = _run(torch, TF.multi_head_attention_forward, arrays, masks, kwargs, dtype)
    tol = TOL[dtype] if dtype == "float64" else dict(rtol=2e-5, atol=2e-5)
    assert y.shape == tuple(ty.shape) and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), **tol)
    assert (a is None) == (ta is None)
    loss, tloss = (y * mg.tensor(np.cos(np.arange(y.size)).reshape(y.shape), dtype=dtype)).sum(), \
        (ty * torch.tensor(np.cos(np.arange(y.size)).reshape(y.shape).astype(dtype))).sum()
    if a is not None:
        np.testing.assert_allclose(a.numpy(), ta.detach().numpy(), **tol)
        loss, tloss = loss + (a * a).sum(), tloss + (ta * ta).sum()
    loss.backward()
    tloss.backward()
    for name, t in ts.items():
        if tts[name].grad is None:
            assert t.grad is None or not t.grad.numpy().any(), name
        else:
            np.testing.assert_allclose(t.grad.numpy(), tts[name].grad.numpy(), **tol, err_msg=name)


def test_training_dropout_is_seeded_and_off_when_not_training():
    w = {k: mg.tensor(v, dtype="float64") for k, v in _weights().items() if v is not None}
    x = mg.tensor(RNG.standard_normal((L, N, E)), dtype="float64")
    args = (x, x, x, E, H, w["in_proj_weight"], w["in_proj_bias"], None, None, False, 0.5, w["out_proj_weight"],
            w["out_proj_bias"])
    mg.manual_seed(1)
    a = F.multi_head_attention_forward(*args)[1]
    mg.manual_seed(1)
    b = F.multi_head_attention_forward(*args)[1]
    c = F.multi_head_attention_forward(*args, training=False)[1]
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    np.testing.assert_allclose(c.numpy().sum(-1), 1.0, rtol=1e-12)


def _bad(**over):
    w = {k: mg.tensor(v, dtype="float64") if v is not None else None for k, v in _weights().items()}
    x = mg.tensor(RNG.standard_normal((L, N, E)), dtype="float64")
    args = dict(query=x, key=x, value=x, embed_dim_to_check=E, num_heads=H, add_zero_attn=False, dropout_p=0.0,
                **w)
    args.update(over)
    return lambda: F.multi_head_attention_forward(**args)


@pytest.mark.parametrize("call, message", [
    (_bad(embed_dim_to_check=4), "multi_head_attention_forward: was expecting embedding dimension of 4, but got 6"),
    (_bad(num_heads=4), "multi_head_attention_forward: embed_dim 6 not divisible by num_heads 4"),
    (_bad(in_proj_weight=None), "use_separate_proj_weight is False but in_proj_weight is None"),
    (_bad(use_separate_proj_weight=True), "use_separate_proj_weight is True but q_proj_weight is None"),
    (_bad(bias_k=mg.zeros(1, 1, E, dtype="float64")), "bias_k and bias_v go together; got only bias_k"),
    (_bad(static_k=mg.zeros(N * H, 2, 2, dtype="float64")),
     "static_k must be a Tensor of shape (N*num_heads, S, head_dim) = (4, S, 3), got (4, 2, 2)"),
    (_bad(key_padding_mask=mg.tensor(np.zeros((S, N), bool))),
     "multi_head_attention_forward: key_padding_mask has shape (4, 2), expected (2, 3)"),
])
def test_bad_calls_are_one_clear_error(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()
