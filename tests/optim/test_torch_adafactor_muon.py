"""Adafactor and Muon against torch.optim's, step by step in float64; threads, checkpoints, arguments.

torch's Muon runs its Newton-Schulz iteration in bfloat16 (minigrad's in the parameter's dtype): the
step-by-step comparison swaps in torch's iteration computed in float64 (the same lines without the
cast), and a separate test shows how far the real bfloat16 one is.
"""

import inspect
import re

import numpy as np
import pytest
import torch
import torch.optim._muon as torch_muon

import minigrad as mg
from minigrad import optim
from minigrad.backend import to_numpy
from minigrad.optim import threads
from minigrad.optim.lerp import lerp_

TOL = dict(rtol=1e-12, atol=1e-12)


def _float64_newtonschulz(grad, ns_coefficients, ns_steps, eps):
    """torch's ``_zeropower_via_newtonschulz`` without its cast to bfloat16."""
    a, b, c = ns_coefficients
    x = grad.clone()
    if grad.size(0) > grad.size(1):
        x = x.T
    x.div_(x.norm().clamp(min=eps))
    for _ in range(ns_steps):
        gram = x @ x.T
        x = torch.addmm(x, torch.addmm(gram, gram, gram, beta=b, alpha=c), x, beta=a)
    return x.T if grad.size(0) > grad.size(1) else x


@pytest.fixture
def float64_muon(monkeypatch):
    monkeypatch.setattr(torch_muon, "_zeropower_via_newtonschulz", _float64_newtonschulz)


def _problem(shapes, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    starts = [rng.standard_normal(s).astype(dtype) for s in shapes]
    curvatures = [rng.uniform(0.2, 3.0, s) for s in shapes]
    centres = [rng.standard_normal(s) for s in shapes]

    def grad(i, x, k):   # a bumpy bowl whose bumps drift: gradients change sign at different times
        return (curvatures[i] * (x - centres[i]) + 0.5 * np.sin(5 * x + 0.02 * k)).astype(dtype)

    return starts, grad


def _steps(name, shapes, groups, options, steps):
    """minigrad's and torch's ``name``, one parameter per group, given the same gradients; yields each step."""
    starts, grad = _problem(shapes)
    ours = [mg.tensor(x.copy(), dtype=np.float64, requires_grad=True) for x in starts]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    mine = getattr(optim, name)([dict(params=[p], **g) for p, g in zip(ours, groups)], **options)
    reference = getattr(torch.optim, name)([dict(params=[p], **g) for p, g in zip(theirs, groups)], **options)
    for k in range(steps):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            g = grad(i, p.numpy(), k)
            p.grad = mg.tensor(g, dtype=np.float64)
            q.grad = torch.tensor(g)
        mine.step()
        reference.step()
        yield k, ours, theirs, mine, reference


def _assert_matches_torch(name, shapes, groups, options, steps=300):
    for k, ours, theirs, mine, reference in _steps(name, shapes, groups, options, steps):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            np.testing.assert_allclose(p.numpy(), q.detach().numpy(), **TOL, err_msg=f"step {k + 1}, group {i}")
            state, torch_state = mine.state[p], reference.state[q]
            assert set(state) == set(torch_state)
            for key, value in torch_state.items():
                got = state[key]
                if key == "step":
                    assert got == int(value.item()) and isinstance(got, int)
                    continue
                assert got.shape == tuple(value.shape), key
                np.testing.assert_allclose(to_numpy(got), value.numpy(), **TOL, err_msg=f"step {k + 1}, {key}")
    return ours


# ---------------------------------------------------------------- Adafactor
ADAFACTOR = {
    "defaults": ([(4, 3), (7,), (2, 3, 5), ()], [{}, {}, {}, {}], {}),
    "per-group": ([(4, 3), (7,), (2, 3, 5)],
                  [{"lr": 0.05}, {"eps": (1e-3, 1e-2), "d": 1.5}, {"beta2_decay": -0.5, "weight_decay": 0.1}], {}),
    "decay-maximize": ([(5, 2), (6,), (3, 1, 4)],
                       [{"maximize": False}, {"lr": 0.2}, {"eps": (1e-6, 1e-3)}],
                       {"weight_decay": 0.01, "maximize": True}),
}


@pytest.mark.parametrize("case", list(ADAFACTOR))
def test_adafactor_matches_torch_over_300_steps(case):
    shapes, groups, options = ADAFACTOR[case]
    ours = _assert_matches_torch("Adafactor", shapes, groups, options)
    starts, _ = _problem(shapes)
    assert all(not np.allclose(p.numpy(), x) for p, x in zip(ours, starts))   # they moved


def test_adafactor_keeps_row_and_column_factors_of_matrices_and_a_full_variance_of_vectors():
    w = mg.tensor(np.ones((2, 3, 4)), requires_grad=True)
    b = mg.tensor(np.ones(4), requires_grad=True)
    opt = optim.Adafactor([w, b])
    w.grad, b.grad = mg.tensor(np.ones((2, 3, 4))), mg.tensor(np.ones(4))
    opt.step()
    assert set(opt.state[w]) == {"step", "row_var", "col_var"} and set(opt.state[b]) == {"step", "variance"}
    assert opt.state[w]["row_var"].shape == (2, 3, 1) and opt.state[w]["col_var"].shape == (2, 1, 4)


def test_adafactor_first_step_by_hand():
    # t = 1: w = 1 so V = G*G, U = G/|G| = sign(G), RMS(U) = 1, alpha = max(1e-3, RMS(theta)) * min(lr, 1)
    theta = np.array([3.0, -4.0])
    x = mg.tensor(theta.copy(), dtype=np.float64, requires_grad=True)
    opt = optim.Adafactor([x], lr=0.1, weight_decay=0.5)
    x.grad = mg.tensor(np.array([2.0, 0.5]), dtype=np.float64)
    opt.step()
    alpha = np.sqrt(12.5) * 0.1
    np.testing.assert_allclose(x.numpy(), theta * (1 - 0.05) - alpha * np.array([1.0, 1.0]), rtol=1e-15)


def test_adafactor_float32_stays_float32_and_follows_torch():
    shapes = [(6, 5), (5,)]
    starts, grad = _problem(shapes, dtype=np.float32)
    ours = [mg.tensor(x.copy(), requires_grad=True) for x in starts]
    theirs = [torch.tensor(x.copy(), requires_grad=True) for x in starts]
    mine, reference = optim.Adafactor(ours, lr=0.05), torch.optim.Adafactor(theirs, lr=0.05)
    for k in range(50):
        for i, (p, q) in enumerate(zip(ours, theirs)):
            g = grad(i, p.numpy(), k)
            p.grad, q.grad = mg.tensor(g), torch.tensor(g)
        mine.step()
        reference.step()
    for p, q in zip(ours, theirs):
        assert p.dtype == np.float32 and all(v.dtype == np.float32 for v in mine.state[p].values()
                                             if hasattr(v, "dtype"))
        np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=2e-5, atol=2e-5)


# ---------------------------------------------------------------- Muon
MUON = {
    "defaults": ([(4, 3), (3, 7), (5, 5)], [{}, {}, {}], {}),
    "per-group": ([(4, 3), (3, 7), (6, 2)],
                  [{"lr": 0.01, "nesterov": False}, {"adjust_lr_fn": "match_rms_adamw", "momentum": 0.8},
                   {"adjust_lr_fn": "original", "weight_decay": 0.0, "ns_steps": 3}], {"lr": 0.02}),
    "coefficients": ([(5, 4), (4, 5)], [{"ns_coefficients": (2.0, -1.5, 0.5)}, {"eps": 1e-3, "ns_steps": 7}],
                     {"lr": 0.01, "weight_decay": 0.01}),
}


@pytest.mark.parametrize("case", list(MUON))
def test_muon_matches_torch_with_a_float64_newtonschulz_over_300_steps(case, float64_muon):
    shapes, groups, options = MUON[case]
    _assert_matches_torch("Muon", shapes, groups, options)


def test_muon_against_torchs_bfloat16_newtonschulz_differs_only_by_bfloat16_rounding():
    shapes, groups, options = MUON["defaults"]
    for _, ours, theirs, _, _ in _steps("Muon", shapes, groups, dict(options, lr=0.02), 1):
        starts, _ = _problem(shapes)
        for p, q, x in zip(ours, theirs, starts):
            step_ours, step_torch = p.numpy() - x, q.detach().numpy() - x
            error = np.abs(step_ours - step_torch).max() / np.abs(step_torch).max()
            assert 1e-4 < error < 0.1   # bfloat16 keeps 8 significant bits through 5 iterations: not equal, but close


def test_newtonschulz_pushes_the_singular_values_towards_one():
    rng = np.random.default_rng(3)
    for shape in ((8, 5), (5, 8), (6, 6)):
        x = rng.standard_normal(shape) @ np.diag(np.linspace(1.0, 10, shape[1]))
        o = optim.muon.zeropower_via_newtonschulz(x, optim.muon.NS_COEFFICIENTS, 5, 1e-7)
        s = np.linalg.svd(o, compute_uv=False)
        assert o.shape == shape and 0.5 < s.min() and s.max() < 1.3


def test_muon_adjusts_the_lr_to_the_shape_as_torch():
    for shape in ((4, 3), (3, 4), (10, 10), (1, 9)):
        for fn in (None, "original", "match_rms_adamw"):
            assert optim.muon.adjusted_lr(0.02, fn, shape) == torch_muon._adjust_lr(0.02, fn, torch.Size(shape))


def test_muon_refuses_parameters_that_are_not_matrices_as_torch():
    for shape in ((3,), (2, 3, 4), ()):
        with pytest.raises(ValueError) as theirs:
            torch.optim.Muon([torch.zeros(shape, requires_grad=True)])
        with pytest.raises(ValueError) as ours:
            optim.Muon([mg.tensor(np.zeros(shape), requires_grad=True)])
        torch_message = str(theirs.value).replace(f"torch.Size({list(shape)})", str(shape))
        assert str(ours.value) == torch_message
    opt = optim.Muon([mg.tensor(np.zeros((2, 2)), requires_grad=True)])   # a group added later too
    with pytest.raises(ValueError, match=re.escape("parameter with size: (4,)")):
        opt.add_param_group({"params": [mg.tensor(np.zeros(4), requires_grad=True)]})


def test_muon_refuses_complex_parameters_as_torch():
    # torch's refuses them at its step; here a complex 2-D parameter was stepped with complex arithmetic in the
    # orthogonalisation, or (seen as real pairs, as the other optimizers see it) as a 3-D array
    z = torch.zeros((2, 2), dtype=torch.complex128, requires_grad=True)
    z.grad = torch.ones_like(z)
    with pytest.raises(RuntimeError, match="Muon does not support complex parameters"):
        torch.optim.Muon([z]).step()
    with pytest.raises(ValueError, match=re.escape("Muon does not support complex parameters, but got one of "
                                                   "dtype complex128 and shape (2, 2)")):
        optim.Muon([mg.tensor(np.zeros((2, 2)), dtype=np.complex128, requires_grad=True)])


# ---------------------------------------------------------------- both
def _matrix():
    return mg.tensor(np.ones((2, 2)), requires_grad=True)


BAD_ARGUMENTS = [
    ("Adafactor", dict(lr=-1), "Learning rate should be >= 0 but is: -1"),
    ("Adafactor", dict(beta2_decay=0.5), "beta2_decay should be <= 0 but is: 0.5"),
    ("Adafactor", dict(eps=(-1e-3, 1e-3)), "epsilon1 should be >= 0 but is: -0.001"),
    ("Adafactor", dict(eps=(None, -2.0)), "epsilon2 should be >= 0 but is: -2.0"),
    ("Adafactor", dict(d=0.5), "Clipping threshold d should be >= 1 but is: 0.5"),
    ("Adafactor", dict(weight_decay=-0.1), "weight_decay should be >= 0 but is: -0.1"),
    ("Muon", dict(lr=-1), "Learning rate should be >= 0 but is: -1"),
    ("Muon", dict(momentum=-0.5), "momentum should be >= 0 but is: -0.5"),
    ("Muon", dict(weight_decay=-0.1), "weight decay should be >= 0 but is: -0.1"),
    ("Muon", dict(adjust_lr_fn="sqrt"), "Adjust learning rate function sqrt is not supported"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_ARGUMENTS, ids=[f"{n}-{next(iter(k))}" for n, k, _ in
                                                                         BAD_ARGUMENTS])
def test_bad_arguments_are_refused_with_torchs_message(name, kwargs, message):
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros((2, 2), requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([_matrix()], **kwargs)
    assert str(ours.value) == str(theirs.value) == message
    with pytest.raises(ValueError, match=re.escape(message)):   # in a group of its own too
        getattr(optim, name)([{"params": [_matrix()]}, {"params": [_matrix()], **kwargs}])


@pytest.mark.parametrize("kwargs, message", [
    (dict(ns_steps=100), "Number of steps must be less than 100 for computational efficiency, got 100"),
    (dict(ns_coefficients=(1.0, 2.0)), "Coefficients must be a tuple of exactly 3 values, got (1.0, 2.0)"),
    (dict(ns_steps=2.5), "Invalid ns_steps: 2.5"),
    (dict(nesterov=1), "Invalid nesterov: 1"),
])
def test_muon_checks_its_iteration_options_up_front(kwargs, message):
    # torch raises the first two at the first step; here at construction
    with pytest.raises(ValueError, match=re.escape(message)):
        optim.Muon([_matrix()], **kwargs)


@pytest.mark.parametrize("name", ["Adafactor", "Muon"])
def test_signature_and_defaults_are_torchs(name):
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert [n for n in ours] == [n for n in theirs]   # Adafactor's foreach included (it takes torch's switches)
    p = _matrix()
    group = {k: v for k, v in getattr(optim, name)([p]).param_groups[0].items() if k != "params"}
    torch_group = {k: v for k, v in getattr(torch.optim, name)([torch.zeros((2, 2), requires_grad=True)])
                   .param_groups[0].items() if k not in ("params", "foreach")}
    assert group == torch_group


@pytest.mark.parametrize("name, options, shapes", [
    ("Adafactor", dict(lr=0.05, weight_decay=0.01), [(97, 103), (7,), (1001,), (11, 13, 9)]),
    ("Adafactor", dict(maximize=True, eps=(1e-6, 1e-3)), [(1001,), (40, 31)]),
    ("Muon", dict(lr=0.02), [(97, 103), (103, 97)]),
    ("Muon", dict(lr=0.02, nesterov=False, weight_decay=0.0), [(60, 45)]),
])
def test_bit_identical_for_1_2_and_3_threads(monkeypatch, name, options, shapes):
    monkeypatch.setattr(threads, "ADAPTIVE", False)
    monkeypatch.setattr(threads, "MIN_PARALLEL_SIZE", 1000)
    monkeypatch.setattr(threads, "MIN_CHUNK", 300)
    monkeypatch.setattr(threads, "_ALIGN", 1)
    chunked = []
    real = threads._chunk_bounds
    monkeypatch.setattr(threads, "_chunk_bounds", lambda size, n: chunked.append(size) or real(size, n))

    def run(n_threads):
        threads.set_num_threads(n_threads)
        try:
            rng = np.random.default_rng(0)
            params = [mg.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in shapes]
            opt = getattr(optim, name)(params, **options)
            for _ in range(6):
                for p in params:
                    p.grad = mg.tensor(rng.standard_normal(p.shape).astype(np.float32))
                opt.step()
            return [p.data.copy() for p in params] + [v.copy() for p in params for v in opt.state[p].values()
                                                      if hasattr(v, "shape")]
        finally:
            threads.set_num_threads(None)

    expected = run(1)
    assert chunked == []
    for n in (2, 3):
        got = run(n)
        assert [a.tobytes() for a in got] == [b.tobytes() for b in expected]
    assert chunked   # the threaded path ran


@pytest.mark.parametrize("name, shapes, options", [
    ("Adafactor", [(4, 3), (7,), (2, 3, 5)], dict(weight_decay=0.01)),
    ("Muon", [(4, 3), (3, 7)], dict(lr=0.02)),
])
def test_a_checkpoint_resumes_bit_identically(name, shapes, options):
    starts, grad = _problem(shapes)

    def make(values):
        params = [mg.tensor(x.copy(), dtype=np.float64, requires_grad=True) for x in values]
        return params, getattr(optim, name)([{"params": [p], "lr": 0.01 * (i + 1)} for i, p in enumerate(params)],
                                             **options)

    def steps(params, opt, ks):
        for k in ks:
            for i, p in enumerate(params):
                p.grad = mg.tensor(grad(i, p.numpy(), k), dtype=np.float64)
            opt.step()

    params, opt = make(starts)
    steps(params, opt, range(40))
    saved, values = opt.state_dict(), [p.numpy().copy() for p in params]
    steps(params, opt, range(40, 80))

    resumed, opt2 = make(values)
    opt2.load_state_dict(saved)
    steps(resumed, opt2, range(40, 80))
    for p, q in zip(params, resumed):
        assert p.numpy().tobytes() == q.numpy().tobytes()
        for key, value in opt.state[p].items():
            other = opt2.state[q][key]
            assert (value.tobytes() == other.tobytes()) if hasattr(value, "tobytes") else value == other


def test_lerp_rounds_as_torch():
    rng = np.random.default_rng(5)
    start, end = rng.standard_normal(1000), rng.standard_normal(1000) * 1e3
    for w in (0.0, 0.05, 0.4999, 0.5, 0.95, 1.0):
        ours = lerp_(start.copy(), end, w)
        theirs = torch.tensor(start).lerp_(torch.tensor(end), w).numpy()
        # torch's vectorised kernel fuses the last multiply-add: at most a rounding of the inputs' size apart
        assert np.all(np.abs(ours - theirs) <= 2 * np.finfo(float).eps * (np.abs(start) + np.abs(end)))
        assert np.mean(ours == theirs) > 0.6   # and most entries to the bit
    np.testing.assert_array_equal(lerp_(start.copy(), end, 1.0), end)   # w = 1 gives end exactly


def test_sparse_adam_is_absent():
    # minigrad has no sparse gradients, so SparseAdam would be Adam under another name (docs/optimizers.md)
    assert not hasattr(optim, "SparseAdam")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_newtonschulz_reads_nothing_back_from_the_device_and_keeps_its_values(monkeypatch, dtype):
    # it divided by max(float(||x||), eps): one wait for the GPU per parameter per step
    from device_reads import DeviceArray, DeviceModule
    from minigrad.optim import muon

    x = np.random.default_rng(3).standard_normal((5, 3)).astype(dtype)
    want = muon.zeropower_via_newtonschulz(x, (3.4445, -4.775, 2.0315), 5, 1e-7)
    monkeypatch.setattr(muon, "get_array_module", lambda a: DeviceModule())
    DeviceArray.reads = 0
    got = muon.zeropower_via_newtonschulz(x.view(DeviceArray), (3.4445, -4.775, 2.0315), 5, 1e-7)
    assert DeviceArray.reads == 0
    assert got.dtype == dtype and np.asarray(got).tobytes() == want.tobytes()
