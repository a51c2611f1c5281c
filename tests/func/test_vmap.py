"""minigrad.func.vmap against torch.func.vmap in float64: elementwise and reduction functions, in_dims (None,
non-zero, negative, pytrees), out_dims (non-zero, tuples, None, dicts), pytree inputs and outputs, nested vmap,
per-sample gradients (vmap(grad(loss)) through functional_call, torch's tutorial), batched Jacobians
(vmap(jacrev)), gradients through vmap, composition with vjp and grad_and_value, every error both libraries
raise, and the randomness modes."""
import functools

import numpy as np
import pytest
import torch
import torch.func as tfunc

import minigrad as mg
import minigrad.func as mfunc
from func_agreement import close
from minigrad import nn

TOL = dict(rtol=1e-12, atol=1e-13)
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4))
Y = RNG.standard_normal((4, 3))
V = RNG.standard_normal(4)


def m(a, requires_grad=False):
    return mg.tensor(a, dtype=mg.float64, requires_grad=requires_grad)


def t(a, requires_grad=False):
    return torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad)



def both(fn, arrays, **vmap_kwargs):
    """vmap(fn) in both libraries on the same arrays (fn gets the library as its first argument)."""
    mine = mfunc.vmap(functools.partial(fn, mg), **vmap_kwargs)(*[m(a) for a in arrays])
    theirs = tfunc.vmap(functools.partial(fn, torch), **vmap_kwargs)(*[t(a) for a in arrays])
    return mine, theirs


# ---------------------------------------------------------------- values
@pytest.mark.parametrize("fn", [
    lambda lib, x: x.sin() * x + 1.5,
    lambda lib, x: x.exp() / (1 + x * x),
    lambda lib, x: x.sum(),
    lambda lib, x: x.mean(0) if x.ndim else x,
    lambda lib, x: (x * x).sum(-1).sqrt(),
    lambda lib, x: x.amax(-1),
    lambda lib, x: lib.softmax(x, -1) if lib is torch else mg.nn.functional.softmax(x, -1),
], ids=["sin", "exp_div", "sum", "mean0", "norm_last", "amax", "softmax"])
@pytest.mark.parametrize("in_dim", [0, 1, -1, -2])
def test_elementwise_and_reductions_match_torch(fn, in_dim):
    close(*both(fn, [X], in_dims=in_dim))


@pytest.mark.parametrize("in_dims,shapes", [
    ((0, None, 0), [(3, 2, 4), (4, 3), (3, 5)]),
    ((None, 1, None), [(2, 4), (4, 3, 3), (5,)]),
    ((1, -1, 0), [(2, 3, 4), (4, 3, 3), (3, 5)]),
    ((-2, None, None), [(2, 3, 4), (4, 3), (5,)]),
    (2, [(2, 4, 3), (4, 3, 3), (5, 2, 3)]),
])
def test_in_dims_combinations_match_torch(in_dims, shapes):
    arrays = [RNG.standard_normal(shape) for shape in shapes]
    close(*both(lambda lib, a, b, v: a @ b + v.sum(), arrays, in_dims=in_dims))


@pytest.mark.parametrize("out_dims", [0, 1, 2, -1, -3, (1,)])
def test_out_dims_match_torch(out_dims):
    close(*both(lambda lib, x: x.reshape(2, 2) * 3.0, [X], out_dims=out_dims))


def test_tuple_outputs_with_tuple_out_dims_match_torch():
    def f(lib, x, y):
        return x * y.sum(), (x.cos(), y.sum())
    for out_dims in [0, (1, 0), (0, (1, 0)), (-1, (0, -1))]:
        close(*both(f, [X, Y.T], out_dims=out_dims))


@pytest.mark.parametrize("in_dims,out_dims", [
    ((0, (1, None)), 0),
    (({"a": 0, "b": 1}, 0), {"s": 1, "l": [0, -1]}),
    (({"a": -2, "b": -1}, [1, None]), {"s": -1, "l": 0}),
])
def test_pytree_inputs_and_outputs_match_torch(in_dims, out_dims):
    def f(lib, d, pair):
        return {"s": d["a"] * d["b"].sum(), "l": [pair[0] + 1.0, pair[1] * 2.0]}
    pair_type = list if isinstance(in_dims[1], list) else tuple
    b_first = in_dims[0] == 0 or in_dims[0]["b"] == 0
    d = {"a": X, "b": Y.T if b_first else Y}
    batched_pair = in_dims[1] == 0
    pair = pair_type([Y.T if batched_pair else Y, RNG.standard_normal((3, 2)) if batched_pair else V])
    mine = mfunc.vmap(functools.partial(f, mg), in_dims=in_dims, out_dims=out_dims)(
        {k: m(v) for k, v in d.items()}, pair_type(m(p) for p in pair))
    theirs = tfunc.vmap(functools.partial(f, torch), in_dims=in_dims, out_dims=out_dims)(
        {k: t(v) for k, v in d.items()}, pair_type(t(p) for p in pair))
    close(mine, theirs)


def test_dict_in_dims_are_matched_by_key():
    # torch 2.13 pairs a dict of in_dims with the input dict by position, whatever the keys' order; ours by key,
    # so {"b": 1, "a": 0} means what it says. Same answer as torch given the keys in the input's order.
    d = {"a": X, "b": Y}
    mine = mfunc.vmap(lambda d: d["a"] * d["b"].sum(), in_dims=({"b": 1, "a": 0},))({k: m(v) for k, v in d.items()})
    theirs = tfunc.vmap(lambda d: d["a"] * d["b"].sum(), in_dims=({"a": 0, "b": 1},))({k: t(v) for k, v in d.items()})
    close(mine, theirs)


def test_out_dim_none_on_an_output_equal_across_the_batch_is_the_documented_difference():
    # torch refuses it (the output depends on the batched input through x * 0); ours sees equal values across
    # the batch and returns one of them, which is torch's output for out_dim 0 at any batch index
    def g(x):
        return x.sin(), (x * 0).sum() + 2.0
    mine = mfunc.vmap(g, out_dims=(0, None))(m(X))
    with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
        tfunc.vmap(g, out_dims=(0, None))(t(X))
    theirs = tfunc.vmap(g)(t(X))
    close(mine[0], theirs[0])
    close(mine[1], theirs[1][0])


def test_non_tensor_inputs_and_outputs_with_none_dims_match_torch():
    def f(lib, x, scale, name):
        return x * scale, name, lib.ones(2, dtype=lib.float64)
    kw = dict(in_dims=(0, None, None), out_dims=(0, None, None))
    mine = mfunc.vmap(functools.partial(f, mg), **kw)(m(X), 2.5, "tag")
    theirs = tfunc.vmap(functools.partial(f, torch), **kw)(t(X), 2.5, "tag")
    close(mine, theirs)


def test_keyword_arguments_are_not_batched_like_torch():
    close(mfunc.vmap(lambda x, w=None: x * w)(m(X), w=m(V)), tfunc.vmap(lambda x, w=None: x * w)(t(X), w=t(V)))


def test_nested_vmap_matches_torch():
    def outer(lib, x, y):
        return tfunc.vmap(lambda a: (a * y).sum())(x) if lib is torch else mfunc.vmap(lambda a: (a * y).sum())(x)
    close(*both(outer, [RNG.standard_normal((2, 3, 4)), RNG.standard_normal((2, 4))]))
    # the batch dims moved: inner over dim 1, outer over dim 2, outputs placed at 1 and 0
    a = RNG.standard_normal((3, 4, 5))
    mine = mfunc.vmap(mfunc.vmap(lambda r: r * r.sum(), in_dims=1, out_dims=1),
                      in_dims=2, out_dims=0)(m(a))
    theirs = tfunc.vmap(tfunc.vmap(lambda r: r * r.sum(), in_dims=1, out_dims=1), in_dims=2, out_dims=0)(t(a))
    close(mine, theirs)


def test_top_level_name_is_func_vmap():
    assert mg.vmap is mfunc.vmap and "vmap" in mfunc.__all__ and "vmap" in mg.__all__


# ---------------------------------------------------------------- autodiff
def test_gradients_flow_back_through_vmap_like_torch():
    w_np = RNG.standard_normal((4, 2))

    def run(lib, vmap, x, w):
        out = vmap(lambda a, b: (a @ w).tanh() * b.sum(), in_dims=(1, 0), out_dims=1)(x, b_arr[lib])
        (out * out).sum().backward()
        return out

    b_arr = {mg: m(Y.T), torch: t(Y.T)}
    xm, wm = m(X.T, True), m(w_np, True)
    xt, wt = t(X.T, True), t(w_np, True)
    close(run(mg, mfunc.vmap, xm, wm), run(torch, tfunc.vmap, xt, wt))
    close(xm.grad, xt.grad)
    close(wm.grad, wt.grad)


def test_grad_of_vmap_and_vmap_of_grad_and_value_match_torch():
    def loss(x, y):
        return (x.sin() * y).sum()
    mine = mfunc.grad(lambda x: mfunc.vmap(loss, in_dims=(0, None))(x, m(V)).pow(2).sum())(m(X))
    theirs = tfunc.grad(lambda x: tfunc.vmap(loss, in_dims=(0, None))(x, t(V)).pow(2).sum())(t(X))
    close(mine, theirs)
    close(mfunc.vmap(mfunc.grad_and_value(loss, argnums=(0, 1)))(m(X), m(X * 2)),
          tfunc.vmap(tfunc.grad_and_value(loss, argnums=(0, 1)))(t(X), t(X * 2)))


def _models():
    """A minigrad and a torch MLP (float64) with the same weights; params/buffers dicts for functional_call."""
    tmodel = torch.nn.Sequential(torch.nn.Linear(4, 6, dtype=torch.float64), torch.nn.Tanh(),
                                 torch.nn.Linear(6, 3, dtype=torch.float64))
    model = nn.Sequential(nn.Linear(4, 6, dtype=mg.float64), nn.Tanh(), nn.Linear(6, 3, dtype=mg.float64))
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}
    params = {k: m(v.numpy().T if v.ndim == 2 else v.numpy()) for k, v in tparams.items()}
    return model, tmodel, params, tparams


def test_per_sample_gradients_of_an_mlp_match_torch_tutorial():
    # torch's per-sample-gradients tutorial, line for line, in both libraries
    model, tmodel, params, tparams = _models()
    data = RNG.standard_normal((5, 4))
    targets = np.array([0, 2, 1, 1, 0])

    def compute_loss_for(lib, F, net):
        def compute_loss(params, buffers, sample, target):
            batch = sample.unsqueeze(0)
            targets = target.unsqueeze(0)
            func = tfunc if lib is torch else mfunc
            predictions = func.functional_call(net, (params, buffers), (batch,))
            return F.cross_entropy(predictions, targets)
        return compute_loss

    buffers = {k: v.detach() for k, v in model.named_buffers()}
    tbuffers = {k: v.detach() for k, v in tmodel.named_buffers()}
    ft_compute_sample_grad = mfunc.vmap(mfunc.grad(compute_loss_for(mg, mg.nn.functional, model)),
                                        in_dims=(None, None, 0, 0))
    mine = ft_compute_sample_grad(params, buffers, m(data), mg.tensor(targets))
    theirs = tfunc.vmap(tfunc.grad(compute_loss_for(torch, torch.nn.functional, tmodel)),
                        in_dims=(None, None, 0, 0))(tparams, tbuffers, t(data), torch.tensor(targets))
    assert list(mine) == list(theirs)
    for k in theirs:
        expected = theirs[k].transpose(1, 2) if theirs[k].ndim == 3 else theirs[k]   # minigrad's Linear: (in, out)
        close(mine[k], expected)
    # and each row is the gradient of that sample's loss alone (a plain loop over the batch in torch)
    for i in range(5):
        tmodel.zero_grad()
        torch.nn.functional.cross_entropy(tmodel(t(data[i:i + 1])), torch.tensor(targets[i:i + 1])).backward()
        np.testing.assert_allclose(mine["2.bias"].numpy()[i], tmodel[2].bias.grad.numpy(), **TOL)


def test_batched_jacobians_match_torch():
    def f(x):
        return x.sin() * x.sum() + x[0] * x
    close(mfunc.vmap(mfunc.jacrev(f))(m(X)), tfunc.vmap(tfunc.jacrev(f))(t(X)))
    close(mfunc.vmap(mfunc.jacrev(f), in_dims=1)(m(X)), tfunc.vmap(tfunc.jacrev(f), in_dims=1)(t(X)))


def test_vmap_of_vjp_matches_torch():
    def f(x):
        return x.exp() * x.sum()

    def per_row(lib, x, cot):
        fn = tfunc if lib is torch else mfunc
        _, pullback = fn.vjp(f, x)
        return pullback(cot)[0]
    close(*both(per_row, [X, Y.T]))


# ---------------------------------------------------------------- errors (each raised by torch too)
def f1(x):
    return x * 2


ERRORS = [
    # (id, vmap kwargs, call args (numpy or other), expected exception, regex on ours)
    ("in_dims_list", dict(in_dims=[0]), (X,), ValueError, r"expected `in_dims` to be int or a .*got: <class 'list'>"),
    ("in_dims_float", dict(in_dims=1.0), (X,), ValueError, r"vmap\(f1, in_dims=1.0, ...\).*got: <class 'float'>"),
    ("in_dim_float_leaf", dict(in_dims=(1.0,)), (X,), ValueError, r"in_dim=1.0 .* integer dimension or None"),
    ("in_dims_all_none_int", dict(in_dims=None), (X,), ValueError, r"got: <class 'NoneType'>"),
    ("nothing_batched", dict(in_dims=(None,)), (X,), ValueError, r"^vmap: Expected at least one Tensor to vmap over$"),
    ("in_dims_length", dict(in_dims=(0, 0)), (X,), ValueError,
     r"in_dims is not compatible with the structure of `inputs`. in_dims has structure \(\*, \*\) but inputs has "
     r"structure \(\*,\)"),
    ("in_dim_too_big", dict(in_dims=2), (X,), ValueError,
     r"vmap\(f1, in_dims=2, ...\)\(<inputs>\): Got in_dim=2 for some input, but that input is a Tensor of "
     r"dimensionality 2 so expected in_dim to satisfy -2 <= in_dim < 2."),
    ("in_dim_too_negative", dict(in_dims=-3), (X,), ValueError, r"Got in_dim=-3 .* -2 <= in_dim < 2"),
    ("scalar_input", dict(), (np.float64(1.0),), ValueError, r"dimensionality 0 so expected .* -0 <= in_dim < 0"),
    ("python_number_batched", dict(), (2.0,), ValueError,
     r"Got in_dim=0 for an input but the input is of type <class 'float'>. We cannot vmap over non-Tensor"),
    ("out_dims_float", dict(out_dims=1.0), (X,), ValueError, r"out_dims=1.0\): `out_dims` must be an int, None"),
    ("out_dim_too_big", dict(out_dims=3), (X,), IndexError,
     r"range of \[-2, 1\], but got 3\) for output 0 of per-entry shape \(4,\)"),
    ("out_dims_structure", dict(out_dims=(0, 1)), (X,), ValueError,
     r"out_dims is not compatible with the structure of `outputs`. out_dims has structure \(\*, \*\) but outputs "
     r"has structure \*\."),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors_match_torch(case):
    _, kwargs, args, exc, pattern = case

    def conv(a, lib):
        return (m(a) if lib is mg else t(a)) if isinstance(a, np.ndarray | np.float64) else a
    with pytest.raises(exc):
        tfunc.vmap(f1, **kwargs)(*[conv(a, torch) for a in args])
    with pytest.raises(exc, match=pattern):
        mfunc.vmap(f1, **kwargs)(*[conv(a, mg) for a in args])


def test_batch_size_mismatch_and_no_inputs_like_torch():
    for lib, vmap in ((torch, tfunc.vmap), (mg, mfunc.vmap)):
        conv = t if lib is torch else m
        with pytest.raises(ValueError, match=r"^vmap: Expected all tensors to have the same size in the mapped "
                                             r"dimension, got sizes \[3, 4\] for the mapped dimension$"):
            vmap(lambda a, b: a.sum() + b.sum(), in_dims=(0, 1))(conv(X), conv(X))
        with pytest.raises(ValueError, match=r"^vmap\(<lambda>\)\(<inputs>\): got no inputs"):
            vmap(lambda: 1.0)()


def test_output_errors_like_torch():
    for lib, vmap in ((torch, tfunc.vmap), (mg, mfunc.vmap)):
        x = t(X) if lib is torch else m(X)
        for ret in (3, None, 1.5):
            with pytest.raises(ValueError, match=rf"vmap\(<lambda>, ...\): `<lambda>` must only return Tensors, got "
                                                 rf"type {type(ret)}. Did you mean to set out_dims= to None"):
                vmap(lambda a: (a, ret))(x)
        with pytest.raises(ValueError, match="can not return a BatchedTensor when out_dim is None"):
            vmap(lambda a: (a, a * 2), out_dims=(0, None))(x)
        with pytest.raises(ValueError, match=r"out_dims is not compatible with the structure of `outputs`"):
            vmap(lambda a: (a, a), out_dims=[0, 1])(x)            # a list for a tuple
        with pytest.raises(ValueError, match=r"out_dims is not compatible with the structure of `outputs`"):
            vmap(lambda a: {"s": a}, out_dims={"u": 0})(x)          # other keys
        with pytest.raises(ValueError, match=r"in_dims is not compatible with the structure of `inputs`"):
            vmap(lambda a, b: a, in_dims=(0, (0,)))(x, [x])       # a tuple for a list
    # a Python number with out_dim None comes back as it is, in both
    assert mfunc.vmap(lambda a: (a, 2.5), out_dims=(0, None))(m(X))[1] == 2.5
    assert tfunc.vmap(lambda a: (a, 2.5), out_dims=(0, None))(t(X))[1] == 2.5


def test_construction_errors_like_torch():
    for vmap in (tfunc.vmap, mfunc.vmap):
        with pytest.raises(RuntimeError, match=r"^Only allowed values for randomness are 'error', 'different', or "
                                               r"'same'. Got foo$"):
            vmap(f1, randomness="foo")
        with pytest.raises(ValueError, match=r"^vmap: chunk_size should be None or greater than 0. \(got 0\)$"):
            vmap(f1, chunk_size=0)
    close(mfunc.vmap(f1, chunk_size=2)(m(X)), tfunc.vmap(f1, chunk_size=2)(t(X)))


def test_function_names_in_messages_like_torch():
    part = functools.partial(lambda a, b: a, b=1)
    for vmap, x in ((tfunc.vmap, t(X)), (mfunc.vmap, m(X))):
        with pytest.raises(ValueError, match=r"^vmap\(functools.partial\(<lambda>, ...\), in_dims=\(2,\), ...\)"):
            vmap(part, in_dims=(2,))(x)


def test_ours_names_the_shapes_when_outputs_differ_across_the_batch():
    # torch refuses data-dependent shapes inside vmap at the op; ours runs the calls and refuses the stacking
    with pytest.raises(ValueError, match=r"output 0 of `<lambda>` must have one shape across the batch to be "
                                         r"stacked: shape \(1,\) for batch entry 0, shape \(2,\) for batch entry 1"):
        mfunc.vmap(lambda a: a[: int(a.sum().item())])(m(np.array([[1.0, 0.0], [1.0, 1.0]])))
    with pytest.raises(ValueError, match=r"mapped dimension has size 0; minigrad's vmap calls f1 once per batch"):
        mfunc.vmap(f1)(m(np.zeros((0, 2))))


# ---------------------------------------------------------------- randomness
def draws(lib):
    return lambda x: x + lib.randn(4, dtype=lib.float64)


def dropped(lib):
    F = torch.nn.functional if lib is torch else mg.nn.functional
    return lambda x: F.dropout(x * 0 + 1.0, 0.5, training=True)


@pytest.mark.parametrize("fn", [draws, dropped], ids=["randn", "dropout"])
def test_randomness_error_raises_like_torch(fn):
    message = (r"^vmap: called random operation while in randomness error mode. Please either use the 'same' or "
               r"'different' randomness flags on vmap or perform the randomness operation out of vmap$")
    with pytest.raises(RuntimeError, match=message):
        tfunc.vmap(fn(torch))(t(np.zeros((3, 4))))
    before = mg.get_rng_state()
    with pytest.raises(RuntimeError, match=message):
        mfunc.vmap(fn(mg))(m(np.zeros((3, 4))))
    assert np.array_equal(mg.get_rng_state().numpy(), before.numpy())   # the refused call drew nothing


def test_randomness_error_allows_functions_that_draw_nothing():
    x = m(np.zeros((3, 4)))
    out = mfunc.vmap(lambda a: mg.nn.functional.dropout(a + 1.0, 0.5, training=False), randomness="error")(x)
    close(out, torch.ones(3, 4, dtype=torch.float64))


@pytest.mark.parametrize("fn", [draws, dropped], ids=["randn", "dropout"])
def test_randomness_same_and_different_like_torch(fn):
    for lib, vmap, conv in ((torch, tfunc.vmap, t), (mg, mfunc.vmap, m)):
        lib.manual_seed(0)
        same = vmap(fn(lib), randomness="same")(conv(np.zeros((5, 4)))).numpy()
        assert all(np.array_equal(same[0], row) for row in same[1:])
        different = vmap(fn(lib), randomness="different")(conv(np.zeros((5, 4)))).numpy()
        assert not all(np.array_equal(different[0], row) for row in different[1:])


def test_randomness_same_draws_what_one_call_draws():
    mg.manual_seed(7)
    one = draws(mg)(m(np.zeros(4))).numpy()
    after_one = mg.get_rng_state().numpy()
    mg.manual_seed(7)
    same = mfunc.vmap(draws(mg), randomness="same")(m(np.zeros((3, 4)))).numpy()
    assert all(np.array_equal(row, one) for row in same)
    assert np.array_equal(mg.get_rng_state().numpy(), after_one)
    mg.manual_seed(7)
    different = mfunc.vmap(draws(mg), randomness="different")(m(np.zeros((3, 4)))).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(different, np.stack([draws(mg)(m(np.zeros(4))).numpy() for _ in range(3)]))


# ---------------------------------------------------------------- more composition
def test_second_order_through_vmap_of_grad_matches_torch():
    # the gradient of a function of per-sample gradients (the per-sample gradients are recorded, not constants)
    def f(x):
        return (x.sin() * x).sum() * x[0]

    def outer(vmap, grad):
        return grad(lambda x: (vmap(grad(f))(x) ** 2).sum())
    close(outer(mfunc.vmap, mfunc.grad)(m(X)), outer(tfunc.vmap, tfunc.grad)(t(X)))


def test_jacrev_of_vmap_matches_torch():
    def f(x):
        return x.tanh() * x.sum()
    close(mfunc.jacrev(mfunc.vmap(f, in_dims=1))(m(X)), tfunc.jacrev(tfunc.vmap(f, in_dims=1))(t(X)))


def test_ensemble_of_models_over_stacked_parameters_matches_torch():
    # torch's model-ensembling tutorial: the parameters of 4 models stacked along dim 0, one input for all
    model, tmodel, _, _ = _models()
    stacked = {k: RNG.standard_normal((4,) + tuple(v.shape)) for k, v in tmodel.named_parameters()}
    mine_params = {k: m(v.transpose(0, 2, 1) if v.ndim == 3 else v) for k, v in stacked.items()}

    def run(func, net, params, x):
        return func.vmap(lambda p, x: func.functional_call(net, p, (x,)), in_dims=(0, None))(params, x)
    close(run(mfunc, model, mine_params, m(X)), run(tfunc, tmodel, {k: t(v) for k, v in stacked.items()}, t(X)))


def test_outputs_independent_of_the_batch_are_repeated_like_torch():
    # (torch 2.13 fails for such an output at out_dim 1: "The expanded size of the tensor (3) must match ...";
    # ours stacks the copies there as anywhere)
    close(*both(lambda lib, x: (x * 2.0, lib.ones(2, dtype=lib.float64)), [X], out_dims=(1, 0)))
    ones = mfunc.vmap(lambda x: (x * 2.0, mg.ones(2, dtype=mg.float64)), out_dims=(0, 1))(m(X))[1]
    close(ones, torch.ones(3, dtype=torch.float64).expand(2, 3))


def test_namedtuple_inputs_and_outputs_keep_their_type_like_torch():
    import collections
    Pair = collections.namedtuple("Pair", "first second")

    def f(lib, p):
        return Pair(p.first * 2.0, p.second.sum())
    mine = mfunc.vmap(functools.partial(f, mg), in_dims=(Pair(0, 1),), out_dims=Pair(1, 0))(Pair(m(X), m(Y)))
    theirs = tfunc.vmap(functools.partial(f, torch), in_dims=(Pair(0, 1),), out_dims=Pair(1, 0))(Pair(t(X), t(Y)))
    assert type(mine) is Pair
    close(tuple(mine), tuple(theirs))


def _cnn(lib):
    """The tutorial's SimpleCNN, scaled down (8x8 inputs), in either library."""
    F = torch.nn.functional if lib is torch else mg.nn.functional
    base = torch.nn if lib is torch else nn
    dtype = torch.float64 if lib is torch else mg.float64

    class SimpleCNN(base.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = base.Conv2d(1, 4, 3, 1, dtype=dtype)
            self.conv2 = base.Conv2d(4, 6, 3, 1, dtype=dtype)
            self.fc1 = base.Linear(24, 8, dtype=dtype)
            self.fc2 = base.Linear(8, 3, dtype=dtype)

        def forward(self, x):
            x = F.relu(self.conv2(F.relu(self.conv1(x))))
            x = lib.flatten(F.max_pool2d(x, 2), 1)
            return F.log_softmax(self.fc2(F.relu(self.fc1(x))), dim=1)
    return SimpleCNN()


def test_per_sample_gradients_of_the_tutorial_cnn_match_torch():
    tmodel, model = _cnn(torch), _cnn(mg)
    tparams = {k: v.detach() for k, v in tmodel.named_parameters()}
    params = {k: m(v.numpy().T if k.startswith("fc") and v.ndim == 2 else v.numpy()) for k, v in tparams.items()}
    data, targets = RNG.standard_normal((4, 1, 8, 8)), np.array([2, 0, 1, 2])

    def compute_loss_for(func, F, net):
        def compute_loss(params, buffers, sample, target):
            predictions = func.functional_call(net, (params, buffers), (sample.unsqueeze(0),))
            return F.nll_loss(predictions, target.unsqueeze(0))
        return compute_loss
    mine = mfunc.vmap(mfunc.grad(compute_loss_for(mfunc, mg.nn.functional, model)), in_dims=(None, None, 0, 0))(
        params, {}, m(data), mg.tensor(targets))
    theirs = tfunc.vmap(tfunc.grad(compute_loss_for(tfunc, torch.nn.functional, tmodel)), in_dims=(None, None, 0, 0))(
        tparams, {}, t(data), torch.tensor(targets))
    assert list(mine) == list(theirs) == ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight",
                                          "fc1.bias", "fc2.weight", "fc2.bias"]
    for k in theirs:
        expected = theirs[k].transpose(1, 2) if k.startswith("fc") and theirs[k].ndim == 3 else theirs[k]
        close(mine[k], expected)
