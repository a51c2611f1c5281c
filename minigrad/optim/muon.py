"""Muon: momentum whose update matrix is orthogonalized by a Newton-Schulz iteration."""

import math

from minigrad.backend import get_array_module
from minigrad.optim.lerp import lerp_
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.threads import elementwise
from minigrad.optim.validation import check_count, check_flags, check_hyperparameter, shown

#: PyTorch's defaults: the quintic's coefficients, steps and the norm's floor.
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
NS_STEPS = 5
EPS = 1e-7
ADJUST_LR_FNS = ("original", "match_rms_adamw")


def zeropower_via_newtonschulz(x, ns_coefficients, ns_steps, eps):
    """``ns_steps`` Newton-Schulz steps towards the orthogonal factor ``U V^T`` of ``x = U S V^T``.

    With ``X = x / max(||x||_F, eps)`` (transposed first when it has more rows than columns, so
    that ``X X^T`` is the smaller Gram matrix) and ``(a, b, c)`` the coefficients, each step is::

        A = X X^T
        B = b A + c A A
        X = a X + B X

    which maps each singular value ``s`` to ``a s + b s^3 + c s^5``: PyTorch's coefficients push
    them towards 1 quickly, to about [0.7, 1.2] rather than to 1 exactly. A new array of ``x``'s
    dtype.
    """
    a, b, c = ns_coefficients
    xp = get_array_module(x)
    tall = x.shape[0] > x.shape[1]
    X = x.T if tall else x
    # kept on the device (a float() would wait for the GPU once per parameter per step), and bit for bit the
    # same: eps is a weak Python float, so the divisor stays in X's dtype either way
    X = X / xp.maximum(xp.sqrt(xp.sum(X * X)), eps)     # X = x / max(||x||_F, eps)
    for _ in range(ns_steps):
        A = X @ X.T                                     # A = X X^T
        B = b * A + c * (A @ A)                         # B = b A + c A A
        X = a * X + B @ X                               # X = a X + B X
    return xp.ascontiguousarray(X.T) if tall else X


def adjusted_lr(lr, adjust_lr_fn, shape):
    """The lr of a matrix of ``shape = (A, B)``: ``lr sqrt(max(1, A/B))`` ("original", None) or
    ``0.2 lr sqrt(max(A, B))`` ("match_rms_adamw"), so that updates have a like RMS whatever the shape."""
    rows, cols = shape[:2]
    if adjust_lr_fn is None or adjust_lr_fn == "original":
        return lr * math.sqrt(max(1, rows / cols))      # lr sqrt(max(1, A/B))
    return lr * (0.2 * math.sqrt(max(rows, cols)))      # 0.2 lr sqrt(max(A, B))


class Muon(Optimizer):
    r"""Muon (Jordan et al., 2024), as ``torch.optim.Muon``: for the 2-D parameters of hidden layers.

    With ``mu`` the momentum, ``lambda`` the weight decay and ``NS`` the Newton-Schulz
    orthogonalization of :func:`zeropower_via_newtonschulz`::

        B = mu * B + (1 - mu) * g               (B starts at 0; a lerp of B towards g)
        U = (1 - mu) * g + mu * B               if nesterov, else U = B
        O = NS(U)                               ns_steps steps with ns_coefficients, eps
        theta = theta * (1 - lr * lambda)       decoupled weight decay
        theta = theta - lr' * O                 lr' = lr sqrt(max(1, A/B)) ("original", None),
                                                      0.2 lr sqrt(max(A, B)) ("match_rms_adamw")

    for a parameter of shape ``(A, B)``. Only 2-D parameters are accepted (a ValueError names
    the first other one, as PyTorch's): give biases, norms' weights and embeddings to another
    optimizer such as AdamW.

    Args:
        params: 2-D Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        weight_decay: decoupled weight decay coefficient (default 0.1).
        momentum: ``mu`` (default 0.95).
        nesterov: use the Nesterov form of the momentum (default True).
        ns_coefficients: ``(a, b, c)`` of the Newton-Schulz quintic (default (3.4445, -4.7750, 2.0315)).
        eps: floor of the norm the iteration starts by dividing by (default 1e-7).
        ns_steps: Newton-Schulz steps, fewer than 100 (default 5).
        adjust_lr_fn: ``None``, ``"original"`` or ``"match_rms_adamw"`` (default None: "original").

    State per parameter: ``momentum_buffer`` (B).

    Compared with ``torch.optim.Muon``: PyTorch runs the Newton-Schulz iteration in bfloat16
    whatever the parameter's dtype (NumPy has no bfloat16); here it runs in the parameter's
    dtype, so a float64 Muon here is a float64 Muon, and agrees with PyTorch's only to bfloat16's
    precision (about 1e-2 of an update); with PyTorch's iteration run in float64 instead, the two
    agree to rounding. The options are checked in every group (PyTorch checks the constructor's
    only), and ``ns_steps`` and ``ns_coefficients`` up front (PyTorch at the first step).
    """

    param_shaped_state = True
    scalar_state_keys = ()
    complex_as_real = False   # complex parameters are refused (as torch's): a real view would not be 2-D

    def __init__(self, params, lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True,
                 ns_coefficients=NS_COEFFICIENTS, eps=EPS, ns_steps=NS_STEPS, adjust_lr_fn=None):
        defaults = dict(lr=lr, weight_decay=weight_decay, momentum=momentum, nesterov=nesterov,
                        ns_coefficients=ns_coefficients, eps=eps, ns_steps=ns_steps, adjust_lr_fn=adjust_lr_fn)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        check_flags(group)                                  # nesterov: a bool
        check_hyperparameter(group["lr"] >= 0.0, f"Learning rate should be >= 0 but is: {group['lr']}")
        check_hyperparameter(group["momentum"] >= 0.0, f"momentum should be >= 0 but is: {group['momentum']}")
        check_hyperparameter(group["weight_decay"] >= 0.0,
                             f"weight decay should be >= 0 but is: {group['weight_decay']}")
        fn = group["adjust_lr_fn"]
        check_hyperparameter(fn is None or fn in ADJUST_LR_FNS,
                             f"Adjust learning rate function {fn} is not supported")
        coefficients = group["ns_coefficients"]
        check_hyperparameter(isinstance(coefficients, (tuple, list)) and len(coefficients) == 3,
                             f"Coefficients must be a tuple of exactly 3 values, got {shown(coefficients)}")
        check_count("ns_steps", group["ns_steps"], minimum=0)
        check_hyperparameter(group["ns_steps"] < 100, "Number of steps must be less than 100 for computational "
                             f"efficiency, got {group['ns_steps']}")
        check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        for p in group["params"]:
            if p.ndim != 2:
                raise ValueError("Muon only supports 2D parameters whereas we found a parameter with size: "
                                 f"{tuple(p.shape)}")
            if p.data.dtype.kind == "c":
                raise ValueError(f"Muon does not support complex parameters, but got one of dtype {p.data.dtype} "
                                 f"and shape {tuple(p.shape)}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one Muon update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, weight_decay, mu = float(group["lr"]), float(group["weight_decay"]), float(group["momentum"])
            coefficients = tuple(float(c) for c in group["ns_coefficients"])
            nesterov, ns_steps, eps = group["nesterov"], int(group["ns_steps"]), float(group["eps"])
            for theta, g, state in self._params_with_grad(group):
                xp = get_array_module(theta)
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = xp.zeros_like(theta)
                u = xp.empty_like(theta)

                def momentum(g, buf, u):
                    """The momentum of one slice: B, and the slice of U."""
                    lerp_(buf, g, 1 - mu)                   # B = B + (1 - mu)(g - B)
                    if nesterov:
                        u[...] = g                          # U = g + mu (B - g)
                        lerp_(u, buf, mu)
                    else:
                        u[...] = buf                        # U = B

                elementwise(momentum, g, state["momentum_buffer"], u)
                o = zeropower_via_newtonschulz(u, coefficients, ns_steps, eps)   # O = NS(U)
                step_lr = adjusted_lr(lr, group["adjust_lr_fn"], theta.shape)

                def update(theta, o):
                    """The update of one slice of theta, from the same slice of O."""
                    theta *= 1 - lr * weight_decay          # theta = theta (1 - lr lambda)
                    o *= -step_lr
                    theta += o                              # theta = theta - lr' O

                elementwise(update, theta, o)
        return loss
