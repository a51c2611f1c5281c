"""Property tests (hypothesis): random hyperparameters and gradients against hand-written updates."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import minigrad as mg
from minigrad.optim import SGD, Adam, clip_grad_norm_

FINITE = st.floats(-10.0, 10.0, allow_nan=False, width=64)
VECTORS = st.integers(1, 6).flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=FINITE),
                                                        st.lists(arrays(np.float64, n, elements=FINITE),
                                                                 min_size=1, max_size=3)))
FAST = settings(max_examples=30, deadline=None)


@FAST
@given(data=VECTORS, lr=st.floats(0.0, 1.0), mu=st.floats(0.0, 0.99), tau=st.floats(0.0, 1.0),
       wd=st.floats(0.0, 0.5), nesterov=st.booleans(), maximize=st.booleans())
def test_sgd_matches_the_update_rule_for_any_options(data, lr, mu, tau, wd, nesterov, maximize):
    x0, grads = data
    if nesterov:
        mu, tau = max(mu, 0.1), 0.0  # Nesterov needs momentum and no dampening
    x = mg.tensor(x0, dtype=np.float64, requires_grad=True)
    optimizer = SGD([x], lr=lr, momentum=mu, dampening=tau, weight_decay=wd, nesterov=nesterov, maximize=maximize)
    want, buf = x0.copy(), None
    for g in grads:
        x.grad = mg.tensor(g, dtype=np.float64)
        optimizer.step()
        d = (-g if maximize else g) + wd * want                    # g = +-g + lambda theta
        if mu != 0:
            buf = d.copy() if buf is None else mu * buf + (1 - tau) * d   # b = mu b + (1 - tau) g
            d = d + mu * buf if nesterov else buf
        want = want - lr * d                                       # theta = theta - gamma g
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-12, atol=1e-12)


@FAST
@given(data=VECTORS, lr=st.floats(1e-4, 1.0), b1=st.floats(0.0, 0.99), b2=st.floats(0.0, 0.999),
       eps=st.floats(1e-8, 1.0), amsgrad=st.booleans())
def test_adam_matches_the_update_rule_for_any_options(data, lr, b1, b2, eps, amsgrad):
    x0, grads = data
    x = mg.tensor(x0, dtype=np.float64, requires_grad=True)
    optimizer = Adam([x], lr=lr, betas=(b1, b2), eps=eps, amsgrad=amsgrad)
    want, m, v, v_max = x0.copy(), 0.0, 0.0, 0.0
    for t, g in enumerate(grads, start=1):
        x.grad = mg.tensor(g, dtype=np.float64)
        optimizer.step()
        m = b1 * m + (1 - b1) * g                                  # m = b1 m + (1-b1) g
        v = b2 * v + (1 - b2) * g * g                              # v = b2 v + (1-b2) g^2
        v_max = np.maximum(v_max, v)
        v_hat = (v_max if amsgrad else v) / (1 - b2 ** t)
        want = want - lr * (m / (1 - b1 ** t)) / (np.sqrt(v_hat) + eps)
    np.testing.assert_allclose(x.numpy(), want, rtol=1e-10, atol=1e-12)


@FAST
@given(data=VECTORS, max_norm=st.floats(0.0, 20.0), norm_type=st.sampled_from([1.0, 2.0, 3.5, float("inf")]))
def test_clipped_gradients_keep_direction_and_respect_max_norm(data, max_norm, norm_type):
    _, grads = data
    params = []
    for g in grads:
        p = mg.tensor(np.zeros_like(g), dtype=np.float64, requires_grad=True)
        p.grad = mg.tensor(g, dtype=np.float64)
        params.append(p)
    flat = np.concatenate(grads)
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type).item()
    np.testing.assert_allclose(total, np.linalg.norm(flat, ord=norm_type), rtol=1e-12)
    clipped = np.concatenate([p.grad.numpy() for p in params])
    scale = min(1.0, max_norm / (total + 1e-6))
    np.testing.assert_allclose(clipped, flat * scale, rtol=1e-13, atol=1e-300)
    # The norm is measured relative to max_norm: for a tiny max_norm (3e-161 was drawn) the squares of the
    # clipped entries underflow into subnormals and np.linalg.norm(clipped) itself is off by 1e-5. Below
    # 1e-300 the scaling itself rounds in the subnormal range, and no bound to 1e-12 holds.
    if total > max_norm >= 1e-300:
        assert np.linalg.norm(clipped / max_norm, ord=norm_type) <= 1 + 1e-12
    elif total > max_norm == 0.0:
        assert not clipped.any()
