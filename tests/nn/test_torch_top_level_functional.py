"""``minigrad.selu``, ``minigrad.batch_norm``, ... : F's functions under PyTorch's top-level names and signatures,
checked against ``torch.<name>`` in float64 (values and every input's gradient), plus the signatures that differ from
``torch.nn.functional``'s (required arguments, argument order, ``reduction`` as an enum int)."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.nn.functional import top_level
from torch_agreement import agree, pair

rng = np.random.default_rng(2024)


def r(*shape):
    return rng.standard_normal(shape)


def u(*shape):
    return rng.uniform(0.1, 0.9, shape)


def both(name, *rest, **kw):
    """minigrad.<name> and torch.<name>, each called as f(*inputs, *rest, **kw)."""
    return (lambda *xs: getattr(mg, name)(*xs, *rest, **kw), lambda *xs: getattr(torch, name)(*xs, *rest, **kw))


# name, extra positional arguments, keyword arguments, input arrays
CASES = [
    ("selu", (), {}, [r(3, 4)]),
    ("celu", (0.75,), {}, [r(3, 4)]),   # 0.75: exact in float32 (torch rounds 1/alpha to float32, docs/layers.md)
    ("rrelu", (0.1, 0.3), {}, [r(3, 4)]),   # training=False: the mean slope, deterministic
    ("threshold", (0.2, -1.0), {}, [r(3, 4)]),
    ("hardshrink", (0.3,), {}, [r(3, 4)]),
    ("prelu", (), {}, [r(2, 3, 4), u(3)]),
    ("dropout", (0.5, False), {}, [r(3, 4)]),
    ("alpha_dropout", (0.5, False), {}, [r(3, 4)]),
    ("feature_alpha_dropout", (0.5, False), {}, [r(3, 4)]),
    ("layer_norm", ((4,),), {}, [r(3, 4)]),
    ("group_norm", (2,), {}, [r(2, 4, 3)]),
    ("rms_norm", ((3, 4),), dict(eps=1e-6), [r(2, 3, 4)]),
    ("conv1d", (), dict(stride=2, padding=1), [r(2, 3, 7), r(4, 3, 3)]),
    ("conv_transpose1d", (), dict(stride=2), [r(2, 3, 5), r(3, 2, 3)]),
    ("avg_pool1d", (3,), dict(stride=2, padding=1), [r(2, 3, 8)]),
    ("max_pool1d", (2,), {}, [r(2, 3, 8)]),
    ("max_pool1d", (3, 2, 1, 2), {}, [r(2, 3, 9)]),
    ("adaptive_avg_pool1d", (3,), {}, [r(2, 3, 7)]),
    ("bilinear", (), {}, [r(4, 2), r(4, 3), r(5, 2, 3), r(5)]),
    ("cosine_similarity", (), dict(dim=0), [r(3, 4), r(3, 4)]),
    ("pairwise_distance", (), dict(p=3.0, keepdim=True), [r(3, 4), r(3, 4)]),
    ("pixel_shuffle", (2,), {}, [r(1, 8, 2, 3)]),
    ("pixel_unshuffle", (2,), {}, [r(1, 2, 4, 6)]),
    ("channel_shuffle", (2,), {}, [r(1, 4, 2, 2)]),
    ("kl_div", (), {}, [r(3, 4), u(3, 4)]),   # no reduction given: unreduced, as torch 2.13's binding does
    ("kl_div", (1,), {}, [r(3, 4), u(3, 4)]),
    ("kl_div", (2,), dict(log_target=True), [r(3, 4), r(3, 4)]),
    ("constant_pad_nd", ((1, 2, 0, 1), 0.5), {}, [r(2, 3)]),
]


@pytest.mark.parametrize("name,rest,kw,arrays", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, rest, kw, arrays):
    agree(*both(name, *rest, **kw), arrays)


def test_dropout_and_alpha_dropout_require_p_and_train_as_torch():
    x = mg.tensor(r(3, 4))
    for name in ("dropout", "alpha_dropout", "feature_alpha_dropout"):
        with pytest.raises(TypeError):
            getattr(torch, name)(torch.tensor(r(3, 4)), 0.5)
        with pytest.raises(TypeError):
            getattr(mg, name)(x, 0.5)
    mg.manual_seed(3)
    y = mg.dropout(x, 0.5, True).numpy()
    kept = y != 0
    np.testing.assert_allclose(y[kept], 2 * x.numpy()[kept], rtol=1e-6)


def test_batch_norm_and_instance_norm_take_torchs_argument_order():
    x, w, b, m, v = r(4, 3, 2), u(3), r(3), r(3), u(3) + 0.5
    for training in (True, False):
        out = {}
        for lib in (mg, torch):
            make = (lambda a: mg.tensor(a, dtype="float64")) if lib is mg else torch.tensor
            fx, fw, fb, mean, var = map(make, (x, w, b, m, v))
            y = lib.batch_norm(fx, fw, fb, mean, var, training, 0.2, 1e-4, False)
            z = lib.instance_norm(fx, fw, fb, None, None, True, 0.1, 1e-5, False)
            out[lib] = (y.numpy(), z.numpy(), mean.numpy(), var.numpy())   # the running statistics updated alike
        for ours, theirs in zip(out[mg], out[torch]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    with pytest.raises(TypeError):
        mg.batch_norm(mg.tensor(x), None, None, None, None, True, 0.1, 1e-5)   # cudnn_enabled is required too


def test_batch_norm_gradients_match_torch():
    agree(lambda x, w, b: mg.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True),
          lambda x, w, b: torch.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True), [r(5, 3), u(3), r(3)])


def test_adaptive_max_pool1d_returns_values_and_indices():
    x, t = pair(r(2, 3, 7))
    (v, i), (tv, ti) = mg.adaptive_max_pool1d(x, 3), torch.adaptive_max_pool1d(t, 3)
    np.testing.assert_allclose(v.numpy(), tv.detach().numpy())
    np.testing.assert_array_equal(i.numpy(), ti.numpy())
    agree(lambda a: mg.adaptive_max_pool1d(a, 4)[0], lambda a: torch.adaptive_max_pool1d(a, 4)[0], [r(2, 3, 7)])


def test_embedding_takes_the_weight_first():
    idx = np.array([[0, 2, 2], [1, 0, 3]])
    for padding_idx in (-1, 2, -3):
        agree(lambda w: mg.embedding(w, mg.tensor(idx), padding_idx),
              lambda w: torch.embedding(w, torch.tensor(idx), padding_idx), [r(4, 3)])
    for padding_idx in (-1, 2):   # each position's gradient over its index's count
        agree(lambda w: mg.embedding(w, mg.tensor(idx), padding_idx, True),
              lambda w: torch.embedding(w, torch.tensor(idx), padding_idx, True), [r(4, 3)])
    with pytest.raises(NotImplementedError, match=r"^embedding: minigrad has no sparse gradients, got sparse=True$"):
        mg.embedding(mg.tensor(r(4, 3)), mg.tensor(idx), -1, False, True)


LOSSES = [
    ("cosine_embedding_loss", [r(4, 3), r(4, 3), np.array([1.0, -1.0, 1.0, -1.0])], (0.1,)),
    ("hinge_embedding_loss", [r(4, 3), np.sign(r(4, 3))], (0.5,)),
    ("margin_ranking_loss", [r(5), r(5), np.sign(r(5))], (0.2,)),
    ("triplet_margin_loss", [r(4, 3), r(4, 3), r(4, 3)], (0.8, 2.0, 1e-6, True)),
    ("poisson_nll_loss", [r(3, 4), u(3, 4) * 3], (True, False, 1e-8)),
    ("poisson_nll_loss", [u(3, 4) + 0.2, u(3, 4) * 3], (False, True, 1e-8)),
    ("binary_cross_entropy_with_logits", [r(3, 4), u(3, 4)], ()),
]


@pytest.mark.parametrize("name,arrays,rest", LOSSES, ids=[c[0] for c in LOSSES])
@pytest.mark.parametrize("reduction", [None, 0, 1, 2])
def test_losses_take_reduction_as_an_enum_int(name, arrays, rest, reduction):
    n = len(arrays) - (1 if name in ("cosine_embedding_loss", "hinge_embedding_loss", "margin_ranking_loss",
                                     "poisson_nll_loss", "binary_cross_entropy_with_logits") else 0)
    fixed = arrays[n:]
    left_out = reduction is None
    if left_out:   # left out: torch 2.13's top-level losses then return the unreduced losses
        if name == "poisson_nll_loss":
            return
        reduction = 0

    kw = {} if left_out else dict(reduction=reduction)

    def ours(*xs):
        return getattr(mg, name)(*xs, *[mg.tensor(a, dtype="float64") for a in fixed], *rest, **kw) \
            if name != "poisson_nll_loss" else mg.poisson_nll_loss(*xs, mg.tensor(fixed[0], dtype="float64"), *rest,
                                                                   reduction)

    def theirs(*xs):
        return getattr(torch, name)(*xs, *[torch.tensor(a) for a in fixed], *rest, **kw) \
            if name != "poisson_nll_loss" else torch.poisson_nll_loss(*xs, torch.tensor(fixed[0]), *rest, reduction)

    agree(ours, theirs, arrays[:n])


def test_binary_cross_entropy_with_logits_takes_pos_weight_before_reduction():
    x, y, w, pw = r(3, 4), u(3, 4), u(3, 4), u(4) + 0.5
    agree(lambda a: mg.binary_cross_entropy_with_logits(a, mg.tensor(y, dtype="float64"), mg.tensor(w, dtype="float64"),
                                                        mg.tensor(pw, dtype="float64"), 2),
          lambda a: torch.binary_cross_entropy_with_logits(a, torch.tensor(y), torch.tensor(w), torch.tensor(pw), 2),
          [x])


def test_a_string_reduction_is_refused_naming_the_enum():
    with pytest.raises(TypeError):
        torch.kl_div(torch.tensor(r(2)), torch.tensor(r(2)), "sum")
    with pytest.raises(ValueError, match="enum int"):
        mg.kl_div(mg.tensor(r(2)), mg.tensor(r(2)), "sum")
    with pytest.raises(ValueError, match="enum int"):
        mg.margin_ranking_loss(mg.tensor(r(2)), mg.tensor(r(2)), mg.tensor([1.0, -1.0]), 0.0, 3)


def test_rrelu_refuses_a_generator():
    with pytest.raises(TypeError, match="takes no Generator"):
        mg.rrelu(mg.tensor(r(3)), generator=mg.Generator())


def test_every_top_level_name_is_exported():
    assert set(top_level.NAMES) == set(mg._FUNCTIONAL)
    for name in top_level.NAMES:
        assert callable(getattr(mg, name)) and hasattr(torch, name), name
        assert name in mg.__all__
