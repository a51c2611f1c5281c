"""F.scaled_dot_product_attention, nn.MultiheadAttention and the Transformer layers against torch 2.13: with
torch's weights loaded (``from_torch``), outputs, input gradients and every parameter gradient agree in float64
(eval mode) across masks, layouts and options; fully masked rows; dropout by seed and by its statistics;
float32 kept; state-dict names; and the argument errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch, to_torch
from minigrad.nn import functional as F
from torch_agreement import TOL, agree

TF = torch.nn.functional
_rng = np.random.default_rng(11)


def rnd(*shape):
    return _rng.standard_normal(shape)


def _mg(a, dtype="float64"):
    """A constant minigrad tensor: bool arrays stay bool, float ones take ``dtype``."""
    return mg.tensor(a) if a.dtype == np.bool_ else mg.tensor(a, dtype=dtype)


def _close(ours, theirs, dtype="float64"):
    assert ours.shape == tuple(theirs.shape) and ours.dtype == np.dtype(dtype)
    np.testing.assert_allclose(ours, theirs.detach().numpy(), **TOL[dtype])


# ---------------------------------------------------------------- scaled_dot_product_attention
def _keep(*shape, p=0.6):
    m = _rng.random(shape) < p
    m[..., 0] = True   # no row fully masked (those are tested on their own)
    return m


SDPA_CASES = [
    ("plain", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 7), None, {}),
    ("unbatched", (4, 5), (6, 5), (6, 3), None, {}),
    ("3-D", (2, 4, 5), (2, 6, 5), (2, 6, 5), None, {}),
    ("batch broadcast", (2, 3, 4, 5), (1, 3, 6, 5), (3, 6, 7), None, {}),
    ("bool mask 2-D", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), _keep(4, 6), {}),
    ("bool mask per batch", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), _keep(2, 1, 4, 6), {}),
    ("float mask 3-D", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), rnd(3, 4, 6), {}),
    ("float mask with -inf", (2, 4, 5), (2, 6, 5), (2, 6, 5), np.where(_keep(4, 6), rnd(4, 6), -np.inf), {}),
    ("is_causal L<S", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), None, dict(is_causal=True)),
    ("is_causal L>S", (2, 6, 5), (2, 4, 5), (2, 4, 3), None, dict(is_causal=True)),
    ("scale", (2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 5), _keep(4, 6), dict(scale=0.3)),
    ("gqa", (2, 4, 3, 5), (2, 2, 6, 5), (2, 2, 6, 7), None, dict(enable_gqa=True)),
    ("gqa with mask", (2, 6, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5), _keep(6, 3, 6), dict(enable_gqa=True)),
    ("gqa equal heads", (2, 2, 3, 5), (2, 2, 6, 5), (2, 2, 6, 5), None, dict(enable_gqa=True)),
]


@pytest.mark.parametrize("name, qs, ks, vs, mask, kwargs", SDPA_CASES, ids=[c[0] for c in SDPA_CASES])
def test_sdpa_matches_torch(name, qs, ks, vs, mask, kwargs):
    arrays = [rnd(*qs), rnd(*ks), rnd(*vs)]
    if mask is not None and mask.dtype != np.bool_:   # a float mask is an input too: its gradient is checked
        arrays.append(mask)
        agree(lambda q, k, v, m: F.scaled_dot_product_attention(q, k, v, m, **kwargs),
              lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, m, **kwargs), arrays)
        return
    agree(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, None if mask is None else mg.tensor(mask), **kwargs),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, None if mask is None else torch.tensor(mask),
                                                          **kwargs), arrays)


def test_sdpa_float32_stays_float32_and_agrees():
    arrays = [rnd(2, 3, 4, 5), rnd(2, 3, 6, 5), rnd(2, 3, 6, 7)]
    mask = _keep(4, 6)
    agree(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mg.tensor(mask)),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, torch.tensor(mask)), arrays, dtype="float32")
    q = mg.tensor(arrays[0], dtype="float32")
    fmask = mg.tensor(rnd(4, 4), dtype="float64")   # a float64 mask does not promote a float32 attention
    assert F.scaled_dot_product_attention(q, q, q, fmask).dtype == np.float32


@pytest.mark.parametrize("kind", ["bool", "float"])
def test_sdpa_fully_masked_rows_give_zero_like_torch(kind):
    keep = _keep(4, 6)
    keep[1] = False
    mask = keep if kind == "bool" else np.where(keep, 0.5, -np.inf)
    arrays = [rnd(2, 4, 5), rnd(2, 6, 5), rnd(2, 6, 5)]
    y, (gq, gk, gv) = agree(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, _mg(mask)),
                            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, torch.tensor(mask)), arrays)
    assert (y[:, 1] == 0).all() and (gq[:, 1] == 0).all() and np.isfinite(gk).all() and np.isfinite(gv).all()


def test_sdpa_second_derivatives_match_torch():
    q, k, v = rnd(2, 3, 4), rnd(2, 5, 4), rnd(2, 5, 3)
    mask = _keep(3, 5)
    xs = [mg.tensor(a, dtype="float64", requires_grad=True) for a in (q, k, v)]
    ts = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y = F.scaled_dot_product_attention(*xs, mg.tensor(mask))
    yt = TF.scaled_dot_product_attention(*ts, torch.tensor(mask))
    gs = mg.grad((y * y).sum(), xs, create_graph=True)
    gts = torch.autograd.grad((yt * yt).sum(), ts, create_graph=True)
    hs = mg.grad(sum((g * g).sum() for g in gs), xs)
    hts = torch.autograd.grad(sum((g * g).sum() for g in gts), ts)
    for ours, theirs in zip(list(gs) + list(hs), list(gts) + list(hts)):
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-11, atol=1e-13)


def test_sdpa_dropout_by_seed_and_statistics():
    # value = identity, so the output is the attention weights after dropout: zeros with probability p,
    # the rest scaled by 1/(1-p).
    L, S, p = 40, 50, 0.3
    q, k = mg.tensor(rnd(4, L, 8), dtype="float64"), mg.tensor(rnd(4, S, 8), dtype="float64")
    v = mg.tensor(np.eye(S), dtype="float64")
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    mg.manual_seed(3)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    mg.manual_seed(3)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    c = F.scaled_dot_product_attention(q, k, v, dropout_p=p).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    dropped = a == 0
    assert abs(dropped.mean() - p) < 0.03   # 8000 draws: 4.5 standard deviations
    np.testing.assert_allclose(a[~dropped], plain[~dropped] / (1 - p), rtol=1e-12)
    assert (F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).numpy() == 0).all()


@pytest.mark.parametrize("call, error, match", [
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mg.tensor(np.ones((4, 6), bool)), is_causal=True),
     ValueError, r"attn_mask \(shape \(4, 6\)\).*is_causal=True"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mg.tensor(np.ones((3, 6), bool))),
     ValueError, r"attn_mask of shape \(3, 6\) does not broadcast to .*\(2, 3, 4, 6\)"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mg.tensor(np.ones((5, 2, 3, 4, 6), bool))),
     ValueError, r"attn_mask of shape \(5, 2, 3, 4, 6\)"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, mg.tensor(np.ones((4, 6), np.int64))),
     TypeError, r"attn_mask must be bool or floating, got dtype int64"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[..., :4], v), ValueError,
     r"query \(2, 3, 4, 5\), key \(2, 3, 6, 4\)"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v[..., :5, :]), ValueError, r"value \(2, 3, 5, 7\)"),
    (lambda q, k, v: F.scaled_dot_product_attention(q[0, 0, 0], k[0, 0, 0], v[0, 0, 0]), ValueError,
     "at least 2 dims"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k.astype("float32"), v), TypeError,
     "float64, float32 and float64"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[:, :2], v[:, :2]), ValueError,
     "do not broadcast.*enable_gqa"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k[:, :2], v[:, :2], enable_gqa=True), ValueError,
     "head counts"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v, dropout_p=1.5), ValueError, "dropout_p.*1.5"),
    (lambda q, k, v: F.scaled_dot_product_attention(q, k, v.numpy()), TypeError, "value must be a Tensor"),
])
def test_sdpa_errors(call, error, match):
    q = mg.tensor(rnd(2, 3, 4, 5), dtype="float64")
    k = mg.tensor(rnd(2, 3, 6, 5), dtype="float64")
    v = mg.tensor(rnd(2, 3, 6, 7), dtype="float64")
    with pytest.raises(error, match=match):
        call(q, k, v)


# ---------------------------------------------------------------- layers: helpers
def _pair(make_torch, make_mg):
    """A torch float64 layer and the minigrad layer with the same weights (eval mode: dropout off)."""
    torch.manual_seed(0)
    t = make_torch().double().eval()
    m = make_mg()
    m.load_state_dict(from_torch(m, {k: v.detach().numpy() for k, v in t.state_dict().items()}))
    return t, m.eval()


def _compare(t, m, arrays, call_kwargs=None, dtype="float64", fm=None, ft=None):
    """Run both layers on ``arrays`` (float inputs, gradients checked) with ``call_kwargs`` (masks as numpy arrays,
    float masks constants), through ``fm``/``ft`` when given; compare every output, input gradient and parameter gradient."""
    call_kwargs = call_kwargs or {}
    xs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    kw_m = {k: _mg(v, dtype) if isinstance(v, np.ndarray) else v for k, v in call_kwargs.items()}
    kw_t = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in call_kwargs.items()}
    outs, touts = (fm or m)(*xs, **kw_m), (ft or t)(*ts, **kw_t)
    outs, touts = (outs, touts) if isinstance(touts, tuple) else ((outs,), (touts,))
    loss, tloss = 0.0, 0.0
    for o, to in zip(outs, touts):
        assert (o is None) == (to is None)
        if to is None:
            continue
        _close(o.numpy(), to, dtype)
        g = _rng.standard_normal(tuple(to.shape))
        loss = loss + (o * mg.tensor(g, dtype=dtype)).sum()
        tloss = tloss + (to * torch.tensor(g)).sum()
    loss.backward()
    tloss.backward()
    for x, tx in zip(xs, ts):
        _close(x.grad.numpy(), tx.grad, dtype)
    grads = to_torch(m, {n: p.grad.numpy() for n, p in m.named_parameters()})
    tgrads = dict(t.named_parameters())
    assert list(grads) == list(tgrads)
    for name, g in grads.items():
        assert g.dtype == np.dtype(dtype)
        np.testing.assert_allclose(g, tgrads[name].grad.numpy(), err_msg=name, **TOL[dtype])
    return outs


def _seq(L, N, E, batch_first):
    return rnd(N, L, E) if batch_first else rnd(L, N, E)


# ---------------------------------------------------------------- MultiheadAttention
def _bool_kpm(N, S):
    m = _rng.random((N, S)) < 0.4
    m[:, 0] = False   # every query keeps a key
    return m


L, S, N, E, H = 4, 5, 2, 6, 2

MHA_CASES = [
    ("self", {}, {}),
    ("batch_first", dict(batch_first=True), {}),
    ("no weights", {}, dict(need_weights=False)),
    ("per-head weights", {}, dict(average_attn_weights=False)),
    ("kdim vdim", dict(kdim=3, vdim=7), {}),
    ("kdim vdim batch_first no weights", dict(kdim=3, vdim=7, batch_first=True), dict(need_weights=False)),
    ("bias=False", dict(bias=False), {}),
    ("add_bias_kv", dict(add_bias_kv=True), dict(attn_mask=_keep(L, S, p=0.3))),
    ("add_zero_attn", dict(add_zero_attn=True), dict(key_padding_mask=_bool_kpm(N, S))),
    ("bias_kv and zero_attn, masks", dict(add_bias_kv=True, add_zero_attn=True),
     dict(key_padding_mask=_bool_kpm(N, S), attn_mask=~_keep(L, S), average_attn_weights=False)),
    ("bool attn_mask 2-D", {}, dict(attn_mask=~_keep(L, S))),
    ("bool attn_mask 3-D, no weights", {}, dict(attn_mask=~_keep(N * H, L, S), need_weights=False)),
    ("float attn_mask 3-D", {}, dict(attn_mask=rnd(N * H, L, S))),
    ("float attn_mask 2-D and key padding", dict(batch_first=True),
     dict(attn_mask=rnd(L, S), key_padding_mask=rnd(N, S), need_weights=False)),
    ("bool key padding, no weights", {}, dict(key_padding_mask=_bool_kpm(N, S), need_weights=False)),
]


@pytest.mark.parametrize("name, ctor, call", MHA_CASES, ids=[c[0] for c in MHA_CASES])
@pytest.mark.parametrize("inputs", ["self", "cross"])
def test_multihead_attention_matches_torch(name, ctor, call, inputs):
    t, m = _pair(lambda: torch.nn.MultiheadAttention(E, H, **ctor), lambda: nn.MultiheadAttention(E, H, **ctor,
                                                                                                 dtype="float64"))
    bf = ctor.get("batch_first", False)
    kdim, vdim = ctor.get("kdim", E), ctor.get("vdim", E)
    if inputs == "self" and kdim == vdim == E:
        x = _seq(S, N, E, bf)
        call = {k: v for k, v in call.items() if k != "attn_mask" or v.shape[-2] == S}  # L = S here
        if "key_padding_mask" not in call:   # (a float attn_mask beside a bool one warns, in both frameworks)
            call.setdefault("attn_mask", rnd(S, S))

        # the same Tensor as query, key and value: PyTorch's and minigrad's packed projection
        _compare(t, m, [x], call, fm=lambda x, **kw: m(x, x, x, **kw), ft=lambda x, **kw: t(x, x, x, **kw))
        grads = {n: p.grad for n, p in m.named_parameters()}
        assert all(g is not None for g in grads.values())
        return
    arrays = [_seq(L, N, E, bf), _seq(S, N, kdim, bf), _seq(S, N, vdim, bf)]
    _compare(t, m, arrays, call)


def test_multihead_attention_unbatched_matches_torch():
    t, m = _pair(lambda: torch.nn.MultiheadAttention(E, H, add_bias_kv=True, batch_first=True),
                 lambda: nn.MultiheadAttention(E, H, add_bias_kv=True, batch_first=True, dtype="float64"))
    arrays = [rnd(L, E), rnd(S, E), rnd(S, E)]
    _compare(t, m, arrays, dict(key_padding_mask=_bool_kpm(1, S)[0], attn_mask=~_keep(H, L, S)))
    _compare(t, m, arrays, dict(attn_mask=rnd(L, S), average_attn_weights=False))
    out, w = m(*(mg.tensor(a, dtype="float64") for a in arrays))
    assert out.shape == (L, E) and w.shape == (L, S + 1)


def test_multihead_attention_is_causal_hint_matches_torch():
    causal = np.triu(np.ones((S, S), bool), 1)
    for need_weights in (True, False):
        t, m = _pair(lambda: torch.nn.MultiheadAttention(E, H), lambda: nn.MultiheadAttention(E, H, dtype="float64"))
        _compare(t, m, [rnd(S, N, E), rnd(S, N, E), rnd(S, N, E)],
                 dict(attn_mask=causal, is_causal=True, need_weights=need_weights))
    x = mg.tensor(rnd(S, N, E), dtype="float64")
    with pytest.raises(ValueError, match="is_causal=True .* needs that attn_mask"):
        m(x, x, x, is_causal=True)


def test_multihead_attention_fully_masked_rows_follow_torch():
    """need_weights=True runs PyTorch's explicit softmax: NaN rows; need_weights=False its SDPA: zero rows."""
    t, m = _pair(lambda: torch.nn.MultiheadAttention(E, H), lambda: nn.MultiheadAttention(E, H, dtype="float64"))
    kpm = np.zeros((N, S), bool)
    kpm[1] = True
    q, k = rnd(L, N, E), rnd(S, N, E)
    for need_weights in (True, False):
        with np.errstate(invalid="ignore"):   # the NaN rows of need_weights=True, as in PyTorch
            y, w = m(*(mg.tensor(a, dtype="float64") for a in (q, k, k)), key_padding_mask=mg.tensor(kpm),
                     need_weights=need_weights)
        yt, wt = t(*(torch.tensor(a) for a in (q, k, k)), key_padding_mask=torch.tensor(kpm),
                   need_weights=need_weights)
        np.testing.assert_allclose(y.numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-14, equal_nan=True)
        assert np.isnan(y.numpy()[:, 1]).all() == need_weights
        assert np.isfinite(y.numpy()[:, 0]).all()
        if need_weights:
            np.testing.assert_allclose(w.numpy(), wt.detach().numpy(), rtol=1e-12, atol=1e-14, equal_nan=True)


def test_multihead_attention_state_dict_and_init_follow_torch():
    for kw in ({}, dict(kdim=3, vdim=4, add_bias_kv=True), dict(bias=False)):
        t = torch.nn.MultiheadAttention(8, 4, **kw)
        m = nn.MultiheadAttention(8, 4, **kw)
        assert [(k, tuple(v.shape)) for k, v in t.state_dict().items()] == \
            [(k, v.shape) for k, v in to_torch(m, m.state_dict()).items()]
        assert all(p.dtype == np.float32 for p in m.parameters())
    m = nn.MultiheadAttention(8, 2)
    bound = np.sqrt(6 / (8 + 24))   # Xavier-uniform over the stacked (3E, E) weight, as PyTorch
    w = m.in_proj_weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
    assert (m.in_proj_bias.numpy() == 0).all() and (m.out_proj.bias.numpy() == 0).all()
    assert np.abs(m.out_proj.weight.numpy()).max() <= 1 / np.sqrt(8)   # torch's Linear init


def test_multihead_attention_float32_and_dropout():
    m = nn.MultiheadAttention(E, H, dropout=0.5).eval()
    x = mg.tensor(rnd(S, N, E), dtype="float32", requires_grad=True)
    y, w = m(x, x, x)
    assert y.dtype == np.float32 and w.dtype == np.float32
    (y.sum() + w.sum()).backward()
    assert x.grad.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in m.parameters())
    m.train()
    mg.manual_seed(5)
    a, wa = m(x, x, x, average_attn_weights=False)
    mg.manual_seed(5)
    b, wb = m(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    # the returned weights are after dropout, as PyTorch's: about half zero, rows summing to 2 on average
    zero = (wa.numpy() == 0).mean()
    assert 0.35 < zero < 0.65
    m.eval()
    e1, _ = m(x, x, x)
    np.testing.assert_array_equal(e1.numpy(), y.numpy())


@pytest.mark.parametrize("call, error, match", [
    (lambda: nn.MultiheadAttention(6, 4), ValueError, "embed_dim=6 must be divisible by num_heads=4"),
    (lambda: nn.MultiheadAttention(0, 1), ValueError, "embed_dim must be a positive integer, got 0"),
    (lambda: nn.MultiheadAttention(6, 2, dropout=2.0), ValueError, "dropout"),
])
def test_multihead_attention_constructor_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_multihead_attention_call_errors():
    m = nn.MultiheadAttention(E, H, dtype="float64")
    q, k = mg.tensor(rnd(L, N, E), dtype="float64"), mg.tensor(rnd(S, N, E), dtype="float64")
    cases = [
        (dict(attn_mask=mg.tensor(np.ones((L, L), bool))), ValueError,
         r"2-D attn_mask has shape \(4, 4\), expected \(4, 5\)"),
        (dict(attn_mask=mg.tensor(np.ones((N, L, S), bool))), ValueError,
         r"3-D attn_mask has shape \(2, 4, 5\), expected \(4, 4, 5\)"),
        (dict(attn_mask=mg.tensor(np.ones((1, N, L, S), bool))), ValueError, r"attn_mask must be 2-D .* \(1, 2, 4, 5\)"),
        (dict(key_padding_mask=mg.tensor(np.ones((S, N), bool))), ValueError,
         r"key_padding_mask has shape \(5, 2\), expected \(2, 5\)"),
        (dict(key_padding_mask=mg.tensor(np.ones((S,), bool))), ValueError, r"key_padding_mask must be 2-D"),
        (dict(attn_mask=mg.tensor(np.ones((L, S), np.int32))), TypeError, "attn_mask must be bool or floating"),
    ]
    for kw, error, match in cases:
        with pytest.raises(error, match=match):
            m(q, k, k, **kw)
    with pytest.raises(TypeError, match="attn_mask must be a Tensor or None, got ndarray"):
        m(q, k, k, attn_mask=np.ones((L, S), bool))
    with pytest.raises(ValueError, match=r"\(embed_dim, kdim, vdim\) = \(6, 6, 6\).*key \(5, 2, 4\)"):
        m(q, mg.tensor(rnd(S, N, 4), dtype="float64"), k)
    with pytest.raises(ValueError, match="all be 3-D .* or all 2-D"):
        m(q, k[:, 0], k)
    with pytest.raises(TypeError, match="parameters' dtype float64, got float32"):
        m(q.astype("float32"), k.astype("float32"), k.astype("float32"))
    with pytest.warns(UserWarning, match="mismatched key_padding_mask and attn_mask"):
        m(q, k, k, key_padding_mask=mg.tensor(np.zeros((N, S), bool)), attn_mask=mg.tensor(rnd(L, S), dtype="float64"))


# ---------------------------------------------------------------- Transformer layers
d, nh, ff = 8, 2, 12

ENCODER_CASES = [
    ("post-norm relu", {}, {}),
    ("pre-norm gelu batch_first", dict(norm_first=True, activation="gelu", batch_first=True), {}),
    ("bias=False", dict(bias=False), dict(src_mask=rnd(S, S))),
    ("bool masks", {}, dict(src_mask=~_keep(S, S), src_key_padding_mask=_bool_kpm(N, S))),
    ("float masks pre-norm", dict(norm_first=True), dict(src_mask=rnd(N * nh, S, S), src_key_padding_mask=rnd(N, S))),
    ("causal", dict(batch_first=True), dict(src_mask=np.triu(np.full((S, S), -np.inf), 1), is_causal=True)),
    ("eps", dict(layer_norm_eps=1e-3), dict(src_key_padding_mask=_bool_kpm(N, S))),
]


@pytest.mark.parametrize("name, ctor, call", ENCODER_CASES, ids=[c[0] for c in ENCODER_CASES])
def test_encoder_layer_matches_torch(name, ctor, call):
    t, m = _pair(lambda: torch.nn.TransformerEncoderLayer(d, nh, ff, **ctor),
                 lambda: nn.TransformerEncoderLayer(d, nh, ff, **ctor, dtype="float64"))
    _compare(t, m, [_seq(S, N, d, ctor.get("batch_first", False))], call)


def test_encoder_layer_with_a_callable_activation_and_unbatched_input():
    t, m = _pair(lambda: torch.nn.TransformerEncoderLayer(d, nh, ff, activation=torch.nn.GELU(approximate="tanh")),
                 lambda: nn.TransformerEncoderLayer(d, nh, ff, activation=nn.GELU(approximate="tanh"),
                                                    dtype="float64"))
    _compare(t, m, [rnd(S, d)], dict(src_key_padding_mask=_bool_kpm(1, S)[0]))
    t, m = _pair(lambda: torch.nn.TransformerEncoderLayer(d, nh, ff, activation=TF.silu),
                 lambda: nn.TransformerEncoderLayer(d, nh, ff, activation=F.silu, dtype="float64"))
    _compare(t, m, [rnd(S, N, d)])


def test_encoder_matches_torch():
    def make_t():
        return torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(d, nh, ff, batch_first=True), 2,
                                           torch.nn.LayerNorm(d), enable_nested_tensor=False)

    def make_m():
        return nn.TransformerEncoder(nn.TransformerEncoderLayer(d, nh, ff, batch_first=True, dtype="float64"), 2,
                                     nn.LayerNorm(d, dtype="float64"))

    t, m = _pair(make_t, make_m)
    assert m.layers[0].linear1.weight is not m.layers[1].linear1.weight   # deep copies
    _compare(t, m, [rnd(N, S, d)], dict(mask=~_keep(S, S), src_key_padding_mask=_bool_kpm(N, S)))
    causal = nn.Transformer.generate_square_subsequent_mask(S, dtype="float64").numpy()
    _compare(t, m, [rnd(N, S, d)], dict(mask=causal, is_causal=True))
    _compare(t, m, [rnd(N, S, d)], dict(mask=causal))   # torch detects the causal mask itself: same values


@pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")
def test_encoder_fast_path_difference_is_documented():
    """PyTorch's inference fast path zeroes padded positions (nested tensors); minigrad, like PyTorch's regular
    path (the one gradients take), keeps their computed values."""
    t, m = _pair(lambda: torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(d, 2, ff, batch_first=True), 1),
                 lambda: nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 2, ff, batch_first=True, dtype="float64"),
                                               1))
    x = rnd(N, S, d)
    kpm = np.zeros((N, S), bool)
    kpm[0, 3:] = True
    ours = m(mg.tensor(x, dtype="float64"), src_key_padding_mask=mg.tensor(kpm)).numpy()
    with torch.no_grad():
        fast = t(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
    regular = t(torch.tensor(x, requires_grad=True), src_key_padding_mask=torch.tensor(kpm)).detach().numpy()
    np.testing.assert_allclose(ours, regular, rtol=1e-12, atol=1e-13)
    assert (fast[0, 3:] == 0).all() and (np.abs(ours[0, 3:]) > 0).any()
    np.testing.assert_allclose(fast[~kpm], ours[~kpm], rtol=1e-10, atol=1e-12)


DECODER_CASES = [
    ("post-norm", {}, dict(tgt_mask=np.triu(np.full((L, L), -np.inf), 1), tgt_is_causal=True)),
    ("pre-norm gelu batch_first", dict(norm_first=True, activation="gelu", batch_first=True),
     dict(memory_key_padding_mask=_bool_kpm(N, S), tgt_key_padding_mask=_bool_kpm(N, L))),
    ("bool and float masks", {}, dict(tgt_mask=~_keep(L, L), memory_mask=rnd(L, S))),
    ("bias=False", dict(bias=False), dict(memory_mask=~_keep(N * nh, L, S))),
]


@pytest.mark.parametrize("name, ctor, call", DECODER_CASES, ids=[c[0] for c in DECODER_CASES])
def test_decoder_layer_matches_torch(name, ctor, call):
    t, m = _pair(lambda: torch.nn.TransformerDecoderLayer(d, nh, ff, **ctor),
                 lambda: nn.TransformerDecoderLayer(d, nh, ff, **ctor, dtype="float64"))
    bf = ctor.get("batch_first", False)
    _compare(t, m, [_seq(L, N, d, bf), _seq(S, N, d, bf)], call)


def test_decoder_matches_torch():
    t, m = _pair(lambda: torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(d, nh, ff), 2),
                 lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(d, nh, ff, dtype="float64"), 2))
    _compare(t, m, [rnd(L, N, d), rnd(S, N, d)],
             dict(tgt_mask=np.triu(np.full((L, L), -np.inf), 1), memory_key_padding_mask=_bool_kpm(N, S)))


def test_decoder_copies_keep_a_layer_activation_where_torch_s_turn_to_relu():
    """torch 2.13's TransformerDecoderLayer.__setstate__ sets ``activation = F.relu`` on every deep copy whose
    activation is a Module (it lives in ``_modules``, not the pickled dict), so its TransformerDecoder and Transformer
    run ReLU; minigrad's copies keep the given layer (docs/layers.md, 'Where minigrad differs')."""
    t, m = _pair(lambda: torch.nn.TransformerDecoder(torch.nn.TransformerDecoderLayer(d, nh, ff,
                                                                                      activation=torch.nn.GELU()), 2),
                 lambda: nn.TransformerDecoder(nn.TransformerDecoderLayer(d, nh, ff, activation=nn.GELU(),
                                                                          dtype="float64"), 2))
    assert all(layer.activation is TF.relu for layer in t.layers)   # torch's behaviour this test documents
    assert all(isinstance(layer.activation, nn.GELU) for layer in m.layers)
    for layer in t.layers:   # what torch's layers were built with
        layer.activation = torch.nn.GELU()
    _compare(t, m, [rnd(L, N, d), rnd(S, N, d)], dict(memory_key_padding_mask=_bool_kpm(N, S)))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")   # torch's own note on its fast path
@pytest.mark.parametrize("ctor", [{}, dict(batch_first=True, norm_first=True, activation="gelu")])
def test_transformer_matches_torch(ctor):
    t, m = _pair(lambda: torch.nn.Transformer(d, nh, 2, 1, ff, **ctor),
                 lambda: nn.Transformer(d, nh, 2, 1, ff, **ctor, dtype="float64"))
    bf = ctor.get("batch_first", False)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(L, dtype="float64").numpy()
    np.testing.assert_array_equal(tgt_mask, torch.nn.Transformer.generate_square_subsequent_mask(L).numpy())
    _compare(t, m, [_seq(S, N, d, bf), _seq(L, N, d, bf)],
             dict(tgt_mask=tgt_mask, src_key_padding_mask=_bool_kpm(N, S), memory_key_padding_mask=_bool_kpm(N, S),
                  tgt_is_causal=True))


@pytest.mark.filterwarnings("ignore:enable_nested_tensor is True")
def test_transformer_state_dict_names_init_and_mask():
    t = torch.nn.Transformer(d, nh, 2, 2, ff)
    m = nn.Transformer(d, nh, 2, 2, ff)
    assert [(k, tuple(v.shape)) for k, v in t.state_dict().items()] == \
        [(k, v.shape) for k, v in to_torch(m, m.state_dict()).items()]
    # every matrix re-drawn Xavier-uniform, as in PyTorch
    w = m.encoder.layers[0].linear1.weight.numpy()
    assert np.abs(w).max() <= np.sqrt(6 / (d + ff))
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    empty = nn.Transformer.generate_square_subsequent_mask(0, dtype="float64")   # PyTorch's (0, 0) mask
    assert empty.shape == tuple(torch.nn.Transformer.generate_square_subsequent_mask(0).shape) == (0, 0)
    assert empty.dtype == np.float64
    with pytest.raises(ValueError, match="sz must be a non-negative integer, got -1"):
        nn.Transformer.generate_square_subsequent_mask(-1)
    enc = nn.TransformerEncoderLayer(d, nh)
    assert enc.linear1.out_features == 2048 and enc.dropout.p == 0.1 and enc.norm1.eps == 1e-5
    assert not enc.self_attn.batch_first and not enc.norm_first


def test_transformer_layers_float32_and_dropout_in_training():
    layer = nn.TransformerEncoderLayer(d, nh, ff, dropout=0.2)
    x = mg.tensor(rnd(S, N, d), dtype="float32", requires_grad=True)
    layer.train()
    mg.manual_seed(9)
    a = layer(x)
    mg.manual_seed(9)
    b = layer(x)
    c = layer(x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    a.sum().backward()
    assert a.dtype == np.float32 and x.grad.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), layer(x).numpy())
    no_drop = nn.TransformerEncoderLayer(d, nh, ff, dropout=0.0).train()
    no_drop.load_state_dict(layer.state_dict())
    np.testing.assert_array_equal(no_drop(x).numpy(), layer(x).numpy())


def test_transformer_errors():
    with pytest.raises(ValueError, match="activation should be 'relu', 'gelu' or a callable, not 'tanh'"):
        nn.TransformerEncoderLayer(d, nh, activation="tanh")
    with pytest.raises(ValueError, match="embed_dim=8 must be divisible by num_heads=3"):
        nn.TransformerDecoderLayer(d, 3)
    with pytest.raises(TypeError, match="expected a TransformerEncoderLayer"):
        nn.TransformerEncoder(nn.Linear(2, 2), 2)
    model = nn.Transformer(d, nh, 1, 1, ff)
    src = mg.tensor(rnd(S, N, d), dtype="float32")
    with pytest.raises(ValueError, match=r"batch number of src and tgt.*\(5, 2, 8\).*\(4, 3, 8\)"):
        model(src, mg.tensor(rnd(L, 3, d), dtype="float32"))
    with pytest.raises(ValueError, match="d_model=8"):
        model(src, mg.tensor(rnd(L, N, 4), dtype="float32"))
    layer = nn.TransformerEncoderLayer(d, nh, ff)
    with pytest.raises(ValueError, match=r"src_key_padding_mask|key_padding_mask has shape \(2, 4\)"):
        layer(src, src_key_padding_mask=mg.tensor(np.zeros((N, L), bool)))


def test_float16_attention_is_computed_in_float32_as_torch():
    # the float16 scores and softmax rounded: outputs up to 93 float16 ulps off the exact value, where torch's
    # CPU kernels compute half in float32 and round once; now within 1 ulp, gradients float16 too
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((4, 6, 64)) * 3 + 20).astype(np.float16)
    exact = TF.scaled_dot_product_attention(*[torch.tensor(x.astype(np.float64))] * 3).numpy()
    mx = mg.tensor(x, dtype=mg.float16, requires_grad=True)
    ours = F.scaled_dot_product_attention(mx, mx, mx)
    assert ours.dtype == np.float16
    assert np.all(np.abs(ours.numpy().astype(np.float64) - exact) <= np.spacing(np.abs(exact).astype(np.float16)))
    ours.sum().backward()
    assert mx.grad.dtype == np.float16
