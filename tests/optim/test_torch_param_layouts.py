"""The optimizers on parameters and gradients that are not plain C-contiguous arrays, against torch.optim (float64).

A parameter's ``data`` may be a transposed view, a strided view into a larger array (weights carved out of one
buffer) or Fortran-ordered; a gradient the user assigns may be transposed, strided or broadcast (stride 0). The
update must write through to the parameter's own memory and give torch's iterates, which see the same values in
contiguous tensors. The flat-vector methods (no torch counterpart for most) must give the contiguous run's
iterates bit for bit. A parameter large enough for the thread pool and axpy's blocks steps as torch's and as on one
thread, bit for bit.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.backend import to_numpy

torch = pytest.importorskip("torch")

OPTIONS = {
    "SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1, maximize=True),
    "Adam": dict(lr=0.05, amsgrad=True, weight_decay=0.1),
    "AdamW": dict(lr=0.05, weight_decay=0.1, maximize=True),
    "Adamax": dict(lr=0.05, weight_decay=0.1),
    "NAdam": dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True),
    "RAdam": dict(lr=0.05, betas=(0.9, 0.6)),    # b2 = 0.6: the rectified branch from step 1 on
    "Adagrad": dict(lr=0.05, lr_decay=0.1, weight_decay=0.1),
    "Adadelta": dict(lr=0.5, weight_decay=0.1),
    "RMSprop": dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
    "Rprop": dict(lr=0.01, maximize=True),
    "ASGD": dict(lr=0.05, t0=2, lambd=0.1),
    "Adafactor": dict(lr=0.05, weight_decay=0.1),
}
SHAPES = [(3, 4), (2, 3, 2), (4,)]
STEPS = 6


pytestmark = pytest.mark.usefixtures("torch_float64")   # tests/optim/conftest.py


def _transposed(x):
    """The values of ``x`` in an array whose memory runs the other way (a view of a reversed-axes copy)."""
    return np.ascontiguousarray(x.transpose()).transpose()


def _strided(x):
    """The values of ``x`` in every other element of a zero array twice its size along each axis (a view)."""
    big = np.zeros(tuple(2 * n for n in x.shape), dtype=x.dtype)
    view = big[tuple(slice(None, None, 2) for _ in x.shape)]
    view[...] = x
    return view


def _fortran(x):
    return np.asfortranarray(x)


def _broadcast(g):
    """A stride-0 array of ``g``'s shape holding its first entry (values change: torch gets the same values)."""
    return np.broadcast_to(g.reshape(-1)[:1].reshape((1,) * g.ndim), g.shape)


def _gradient(x, step):
    return np.cos(3 * x + step) + 0.3 * np.sin(x) - 0.2


def _starts():
    rng = np.random.default_rng(0)
    return [rng.normal(size=s) for s in SHAPES]


def _torch_run(name, grad_layout):
    params = [torch.tensor(x, requires_grad=True) for x in _starts()]
    opt = getattr(torch.optim, name)(params, **OPTIONS[name])
    out = []
    for step in range(STEPS):
        for p in params:
            p.grad = torch.tensor(np.array(grad_layout(_gradient(p.detach().numpy(), step))))
        opt.step()
        out.append([p.detach().numpy().copy() for p in params])
    return out


def _minigrad_run(name, param_layout, grad_layout):
    arrays = [param_layout(x) for x in _starts()]
    params = [mg.from_numpy(a).requires_grad_(True) for a in arrays]
    opt = getattr(mg.optim, name)(params, **OPTIONS[name])
    out = []
    for step in range(STEPS):
        for p in params:
            p.grad = mg.from_numpy(grad_layout(_gradient(to_numpy(p.data), step)))
        opt.step()
        out.append([np.array(p.data) for p in params])
    for p, a in zip(params, arrays):
        assert p.data is a                        # updated in place: a view's base holds the new values
    return out, arrays


@pytest.mark.parametrize("name", sorted(OPTIONS))
@pytest.mark.parametrize("param_layout,grad_layout", [
    (_transposed, _strided), (_strided, _transposed), (_fortran, _broadcast), (_strided, _broadcast),
], ids=["paramT-gradStrided", "paramStrided-gradT", "paramF-gradBroadcast", "paramStrided-gradBroadcast"])
def test_views_and_broadcast_gradients_step_as_torchs_contiguous_tensors(name, param_layout, grad_layout):
    ours, arrays = _minigrad_run(name, param_layout, grad_layout)
    theirs = _torch_run(name, grad_layout)
    for step, (mine, torchs) in enumerate(zip(ours, theirs), start=1):
        for i, (x, y) in enumerate(zip(mine, torchs)):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-14, err_msg=f"step {step}, parameter {i}")
    if param_layout is _strided:
        for a, last in zip(arrays, ours[-1]):
            base = a.base
            np.testing.assert_array_equal(base[tuple(slice(None, None, 2) for _ in a.shape)], last)
            assert np.count_nonzero(base) == np.count_nonzero(last)   # the entries between stayed 0


FLAT = ["LBFGS", "ConjugateGradient", "BFGS", "Newton", "NewtonCG"]


def _flat_run(name, layout):
    rng = np.random.default_rng(1)
    x, y = mg.tensor(rng.normal(size=(30, 4)), dtype=mg.float64), mg.tensor(rng.normal(size=(30, 3)), dtype=mg.float64)
    array = layout(rng.normal(size=(4, 3)) * 0.3)
    w = mg.from_numpy(array).requires_grad_(True)
    opt = getattr(mg.optim, name)([w])

    def closure():
        opt.zero_grad()
        r = mg.tanh(x @ w) - y
        loss = (r * r).mean() + 0.01 * (w * w).sum()
        loss.backward()
        return loss

    for _ in range(4):
        opt.step(closure)
    assert w.data is array
    return np.array(array)


@pytest.mark.parametrize("name", FLAT)
def test_flat_methods_on_views_give_the_contiguous_runs_iterates(name):
    expected = _flat_run(name, np.ascontiguousarray)
    for layout in (_transposed, _strided):
        np.testing.assert_array_equal(_flat_run(name, layout), expected)


def _complex_lbfgs(lib, transposed, **options):
    z0 = np.array([[1 + 2j, -0.5 + 0.3j, 0.7j], [0.2 - 0.1j, 2j, -1.0]])
    w0 = np.array([0.3, -1.0])
    if lib == "torch":
        # (torch's own LBFGS cannot flatten a transposed complex parameter: it gets the same values contiguous)
        z = torch.tensor(np.ascontiguousarray(z0.T) if transposed else z0, requires_grad=True)
        w = torch.tensor(w0, requires_grad=True)
        opt = torch.optim.LBFGS([z, w], **options)
    else:
        z = mg.from_numpy(z0.copy().T if transposed else z0.copy()).requires_grad_(True)
        w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
        opt = mg.optim.LBFGS([z, w], **options)
    centre = 0.5 + 0.5j

    def closure():
        opt.zero_grad()
        if lib == "torch":
            loss = ((z - centre).abs() ** 2).sum() + 0.1 * (z.abs() ** 4).sum() + ((w - 1) ** 2).sum() \
                + 0.1 * z.abs().sum() * w.sum()
            loss.backward()
            return loss
        # minigrad does not differentiate through complex values: torch's gradients (d/dRe + i d/dIm), by hand
        zd, wd = to_numpy(z.data), to_numpy(w.data)
        size = np.abs(zd)
        z.grad = mg.from_numpy(2 * (zd - centre) + 0.4 * size ** 2 * zd + 0.1 * wd.sum() * zd / size)
        w.grad = mg.from_numpy(2 * (wd - 1) + 0.1 * size.sum())
        return mg.tensor((np.abs(zd - centre) ** 2).sum() + 0.1 * (size ** 4).sum() + ((wd - 1) ** 2).sum()
                         + 0.1 * size.sum() * wd.sum(), dtype=mg.float64)

    out = []
    for _ in range(3):
        opt.step(closure)
        out.append((z.detach().numpy().copy() if lib == "torch" else to_numpy(z.data).copy(),
                    opt.state[opt.param_groups[0]["params"][0]]["func_evals"]))
    return out


@pytest.mark.parametrize("options", [dict(), dict(line_search_fn="strong_wolfe"), dict(history_size=2, max_iter=4)])
@pytest.mark.parametrize("transposed", [False, True])
def test_lbfgs_steps_a_complex_parameter_beside_a_real_one_as_torch(options, transposed):
    # torch flattens a complex parameter as real pairs (view_as_real); here the flat vector was complex, so
    # float(g @ d) took the real part of an unconjugated product and LBFGS did not move at all; mixing
    # complex128 with float64 parameters was refused
    ours, theirs = _complex_lbfgs("mg", transposed, **options), _complex_lbfgs("torch", transposed, **options)
    for (z, evals), (z_ref, evals_ref) in zip(ours, theirs):
        assert z.dtype == np.complex128 and evals == evals_ref
        np.testing.assert_allclose(z, z_ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["Newton", "NewtonCG"])
def test_hessian_methods_refuse_complex_parameters_by_name(name):
    z = mg.tensor(np.array([1 + 2j, 0.5j]), dtype=np.complex128, requires_grad=True)
    opt = getattr(mg.optim, name)([z])

    def closure():
        opt.zero_grad()
        loss = (z.abs() ** 2).sum()
        loss.backward()
        return loss

    with pytest.raises(TypeError, match=rf"{name}.step: parameter 0 is complex \(complex128, shape \(2,\)\); "
                                        "Hessian-vector products of complex parameters are not supported"):
        opt.step(closure)


@pytest.mark.parametrize("layout", ["broadcast", "read-only", "transposed"])
def test_zero_grad_without_set_to_none_zeroes_a_broadcast_or_read_only_gradient_as_torch(layout):
    # torch's zero_() zeroes an expanded (stride 0) gradient; NumPy refused the write here with a bare
    # "ValueError: assignment destination is read-only"
    values = {"broadcast": np.broadcast_to(np.array(2.0), (2, 3)), "transposed": _transposed(np.full((2, 3), 2.0))}
    if layout == "read-only":
        values[layout] = np.full((2, 3), 2.0)
        values[layout].flags.writeable = False
    w = mg.tensor(np.ones((2, 3)), dtype=mg.float64, requires_grad=True)
    w.grad = mg.from_numpy(values[layout])
    grad = w.grad
    opt = mg.optim.SGD([w], lr=0.1)
    opt.step()
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and w.grad.shape == (2, 3) and w.grad.dtype == np.float64
    np.testing.assert_array_equal(to_numpy(w.grad.data), np.zeros((2, 3)))
    tw = torch.ones(2, 3, requires_grad=True)
    tw.grad = torch.tensor(2.0).expand(2, 3)
    topt = torch.optim.SGD([tw], lr=0.1)
    topt.step()
    topt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(to_numpy(w.data), tw.detach().numpy())
    np.testing.assert_array_equal(to_numpy(w.grad.data), tw.grad.numpy())


# The optimizers whose updates go through axpy, whose blocked path (above 2 * _BLOCK elements) runs inside each
# thread's chunk of a large parameter.
LARGE = {
    "SGD": dict(lr=0.05, momentum=0.9, weight_decay=0.1),
    "RMSprop": dict(lr=0.01, momentum=0.5),
    "ASGD": dict(lr=0.05, t0=1, lambd=0.1),
    "RAdam": dict(lr=0.05),                        # b2 = 0.999: the plain momentum steps, through axpy
    "Adam": dict(lr=0.05, amsgrad=True, maximize=True),
}


@pytest.mark.parametrize("name", sorted(LARGE))
def test_a_large_parameter_on_two_threads_steps_as_torchs_and_as_one_thread(monkeypatch, name):
    from minigrad.optim import axpy, threads
    size = threads.MIN_PARALLEL_SIZE + 4099
    assert size > 2 * axpy._BLOCK
    monkeypatch.setattr(threads, "ADAPTIVE", False)   # the pool every time, not the faster way
    chunked = []
    real_bounds = threads._chunk_bounds
    monkeypatch.setattr(threads, "_chunk_bounds", lambda n, k: chunked.append(n) or real_bounds(n, k))
    x0 = np.random.default_rng(2).normal(size=size)

    def run(lib, n_threads=1):
        mg.set_num_threads(n_threads)
        if lib is torch:
            p, wrap, read = torch.tensor(x0.copy(), requires_grad=True), torch.tensor, lambda p: p.detach().numpy()
        else:
            p, wrap, read = mg.tensor(x0.copy(), dtype=mg.float64, requires_grad=True), mg.from_numpy, \
                lambda p: to_numpy(p.data)
        opt = getattr(lib.optim, name)([p], **LARGE[name])
        for step in range(3):
            p.grad = wrap(_gradient(read(p), step))
            opt.step()
        return read(p).copy()

    try:
        one, two = run(mg, 1), run(mg, 2)
    finally:
        mg.set_num_threads(None)
    assert chunked and set(chunked) == {size}          # the two-thread run went through the pool
    assert one.tobytes() == two.tobytes()
    np.testing.assert_allclose(two, run(torch), rtol=1e-12, atol=1e-14)
