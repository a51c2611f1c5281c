"""Adam and its relatives: AdamW, Adamax, NAdam, RAdam.

All keep bias-corrected running averages of the gradient (``m``) and of its
square (``v``) and differ in how they turn them into a step. Bias-correction
factors are Python floats, so float32 parameters stay float32.
"""

import math

import numpy as np

from minigrad.backend import get_array_module
from minigrad.optim.axpy import axpy
from minigrad.optim.optimizer import Optimizer, writes_yielded_params
from minigrad.optim.validation import check_betas, check_flags, check_hyperparameter, check_kernel_options
from minigrad.optim.threads import elementwise


class _AdamFamily(Optimizer):
    """What every member of the family shares: the validation of its options and the loop of ``step``.

    ``step`` reads each group's ``lr``, ``eps`` and ``betas`` once and calls
    ``_update`` for each parameter with a gradient; each member's ``_update``
    holds its own equations.
    """

    param_shaped_state = True
    decaying_state = ("exp_avg",)

    def _validate_group(self, group):
        check_flags(group)                          # amsgrad, decoupled_weight_decay, maximize: bools
        check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
        check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
        check_betas(group["betas"])
        check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")

    @writes_yielded_params
    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient; returns the closure's loss if given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            # Python floats keep float32 arrays float32 (a NumPy float64 scalar would promote them)
            lr, eps, beta1, beta2 = (float(group["lr"]), float(group["eps"]),
                                     float(group["betas"][0]), float(group["betas"][1]))
            for theta, g, state in self._params_with_grad(group):
                self._update(theta, g, state, group, lr, eps, beta1, beta2)
        return loss

    def _update(self, theta, g, state, group, lr, eps, beta1, beta2):
        """Update one parameter ``theta`` in place from its gradient ``g``; each member writes its own."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update()")


class Adam(_AdamFamily):
    r"""Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``; AMSGrad optional.

    With step count ``t`` (starting at 1)::

        g = -g                                   if maximize
        g = g + lambda * theta                   if weight_decay != 0 (L2 penalty; see AdamW)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = max(v_max, v)                    if amsgrad; then v_max replaces v below
        m_hat = m / (1 - b1^t)
        v_hat = v / (1 - b2^t)
        theta = theta - lr * m_hat / (sqrt(v_hat) + eps)

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: ``(b1, b2)``, decay rates of ``m`` and ``v`` (default (0.9, 0.999)).
        eps: added to the denominator for stability (default 1e-8).
        weight_decay: L2 penalty coefficient (default 0).
        amsgrad: use the running maximum of ``v`` (Reddi et al., 2018).
        maximize: maximize the objective instead of minimizing it.
        foreach, fused: torch's kernel choices, accepted (None, False or True) for scripts that pass them
            (nanoGPT's ``fused=True`` on CUDA); there is one code path here, so the update is the same.
        capturable, differentiable: only False (see ``validation.check_kernel_options``).

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and,
    with amsgrad, ``max_exp_avg_sq`` (v_max).

    Recent PyTorch also accepts ``Adam(..., decoupled_weight_decay=True)``; here
    that is spelled :class:`AdamW`: ``decoupled_weight_decay=True``, as an argument or
    a param group's entry, is refused with that advice (False is accepted).
    """

    #: AdamW sets this: weight decay shrinks theta directly instead of joining g.
    decoupled_weight_decay = False
    torch_group_entries = {"decoupled_weight_decay": (False, "AdamW")}   # torch 2.13's Adam has the switch

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        check_kernel_options(type(self).__name__, foreach, fused, capturable, differentiable)
        self._check_decoupled("", decoupled_weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        if "decoupled_weight_decay" in group:   # torch's groups have it: here the class decides, so it must agree
            self._check_decoupled(" param group's", group["decoupled_weight_decay"])

    def _check_decoupled(self, where, value):
        """torch 2.13's ``Adam(decoupled_weight_decay=True)`` (an argument, or a param group's entry) is AdamW here:
        refused unless it is this class's own rule (it used to be a TypeError, and a group's entry was ignored)."""
        name = type(self).__name__
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"Invalid decoupled_weight_decay: {value!r} (expected True or False)")
        if bool(value) != self.decoupled_weight_decay:
            instead = "AdamW" if value else "Adam"
            raise ValueError(f"{name}:{where} decoupled_weight_decay={bool(value)}: {name} always steps with "
                             f"decoupled_weight_decay={self.decoupled_weight_decay} (torch's Adam with "
                             f"decoupled_weight_decay={bool(value)} is {instead} here); use {instead}")

    def _update(self, theta, g, state, group, lr, eps, beta1, beta2):
        """One Adam update of one parameter, in place."""
        xp = get_array_module(theta)
        amsgrad = ["max_exp_avg_sq"] if group["amsgrad"] else []
        t = self._count_step(state, theta, "exp_avg", "exp_avg_sq", *amsgrad)
        bias_correction1 = 1 - beta1 ** t           # 1 - b1^t
        bias_correction2 = 1 - beta2 ** t           # 1 - b2^t

        def update(theta, g, m, v, v_max):
            """The update of one slice of theta, from the same slices of g, m, v (and v_max)."""
            # g = -g if maximize; g = g + lambda*theta, or theta = theta - lr*lambda*theta (AdamW)
            g = self._regularized_grad(g, theta, group, decoupled=self.decoupled_weight_decay)
            m *= beta1                                  # m = b1*m + (1-b1)*g
            m += (1 - beta1) * g
            v *= beta2                                  # v = b2*v + (1-b2)*g*g
            v += (1 - beta2) * g * g
            if v_max is not None:                       # amsgrad
                xp.maximum(v_max, v, out=v_max)         # v_max = max(v_max, v)
                v = v_max
            d = xp.sqrt(v)                              # d = sqrt(v_hat) + eps = sqrt(v)/sqrt(1-b2^t) + eps
            d /= math.sqrt(bias_correction2)
            d += eps
            xp.divide(m, d, out=d)                      # d now holds m / d
            d *= lr / bias_correction1                  # lr * m_hat / (sqrt(v_hat) + eps)
            theta -= d                                  # theta = theta - lr*m_hat/(sqrt(v_hat)+eps)

        elementwise(update, theta, g, state["exp_avg"], state["exp_avg_sq"],
                    state["max_exp_avg_sq"] if group["amsgrad"] else None)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as ``torch.optim.AdamW``.

    The decay shrinks the parameter directly, before the Adam step, instead of
    being added to the gradient (where Adam's scaling would weaken it)::

        theta = theta - lr * lambda * theta
        ... then the Adam update of ``Adam`` with g unchanged

    Same arguments as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.
    """

    decoupled_weight_decay = True
    torch_group_entries = {"decoupled_weight_decay": (True, "Adam")}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 *, maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         foreach=foreach, maximize=maximize, capturable=capturable, differentiable=differentiable,
                         fused=fused, decoupled_weight_decay=True)


class Adamax(_AdamFamily):
    r"""Adamax, Adam with an infinity norm (Kingma and Ba, 2015), as ``torch.optim.Adamax``.

    ::

        g = -g                                   if maximize
        g = g + lambda * theta                   if weight_decay != 0
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, |g| + eps)
        theta = theta - lr / (1 - b1^t) * m / u

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: ``(b1, b2)`` (default (0.9, 0.999)).
        eps: added to ``|g|`` so ``u`` is never zero (default 1e-8).
        weight_decay: L2 penalty coefficient (default 0).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: torch's kernel switches, checked as in :class:`Adam`.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, *, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, theta, g, state, group, lr, eps, beta1, beta2):
        """One Adamax update of one parameter, in place."""
        xp = get_array_module(theta)
        t = self._count_step(state, theta, "exp_avg", "exp_inf")

        def update(theta, g, m, u):
            """The update of one slice of theta, from the same slices of g, m and u."""
            g = self._regularized_grad(g, theta, group)  # g = -g if maximize; g = g + lambda*theta
            m *= beta1                                  # m = b1*m + (1-b1)*g
            m += (1 - beta1) * g
            u *= beta2                                  # u = max(b2*u, |g| + eps)
            abs_g = xp.abs(g)
            abs_g += eps
            xp.maximum(u, abs_g, out=u)
            step = xp.divide(m, u, out=abs_g)           # m / u
            step *= lr / (1 - beta1 ** t)               # step = lr/(1-b1^t) * m/u
            theta -= step                               # theta = theta - lr/(1-b1^t) * m/u

        elementwise(update, theta, g, state["exp_avg"], state["exp_inf"])


class NAdam(_AdamFamily):
    r"""NAdam, Adam with Nesterov momentum (Dozat, 2016), as ``torch.optim.NAdam``.

    The momentum coefficient follows the schedule
    ``mu_t = b1 * (1 - 0.5 * 0.96^(t * momentum_decay))``, and ``P_t`` is the
    running product ``mu_1 * ... * mu_t``::

        g = -g                                   if maximize
        g = g + lambda * theta                   if weight_decay != 0 (not decoupled)
        theta = theta - lr * lambda * theta      if weight_decay != 0 and decoupled_weight_decay
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        d = sqrt(v / (1 - b2^t)) + eps
        theta = theta - lr * (1 - mu_t) / (1 - P_t) * g / d
                      - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 2e-3).
        betas: ``(b1, b2)`` (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: weight decay coefficient (default 0).
        momentum_decay: ``psi`` of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay theta directly as in AdamW (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: torch's kernel switches, checked as in :class:`Adam`.

    State per parameter: ``step``, ``mu_product`` (P_t, a Python float),
    ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Compared with ``torch.optim.NAdam``: same update, but PyTorch keeps
    ``mu_product`` as a 0-d tensor of its default dtype (float32 unless
    ``torch.set_default_dtype(torch.float64)``), while this class keeps a Python
    float (float64). ``P_t`` then differs by float32 rounding, and so do the step's
    coefficients: the iterates agree with PyTorch's only up to that rounding
    (differences of up to about 1e-6 relative, 9e-7 seen after 20 steps), and
    to float64 rounding when PyTorch's default dtype is float64. ``P_t`` is
    kept in float64 here on purpose.
    """

    scalar_state_keys = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        super()._validate_group(group)
        check_hyperparameter(group["momentum_decay"] >= 0.0, f"Invalid momentum_decay value: {group['momentum_decay']}")

    def _update(self, theta, g, state, group, lr, eps, beta1, beta2):
        """One NAdam update of one parameter, in place."""
        psi = float(group["momentum_decay"])
        xp = get_array_module(theta)
        t = self._count_step(state, theta, "exp_avg", "exp_avg_sq")
        state.setdefault("mu_product", 1.0)         # P_0 = 1
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))            # mu_t
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))  # mu_{t+1}
        state["mu_product"] *= mu                   # P_t = P_{t-1} * mu_t
        mu_product = state["mu_product"]

        def update(theta, g, m, v):
            """The update of one slice of theta, from the same slices of g, m and v."""
            # g = -g if maximize; g = g + lambda*theta, or theta = theta - lr*lambda*theta if decoupled
            g = self._regularized_grad(g, theta, group, decoupled=group["decoupled_weight_decay"])
            m *= beta1                                  # m = b1*m + (1-b1)*g
            m += (1 - beta1) * g
            v *= beta2                                  # v = b2*v + (1-b2)*g*g
            v += (1 - beta2) * g * g
            d = v / (1 - beta2 ** t)                    # d = sqrt(v / (1-b2^t)) + eps
            xp.sqrt(d, out=d)
            d += eps
            # theta = theta - lr * [(1-mu_t)/(1-P_t) g + mu_{t+1}/(1-P_t mu_{t+1}) m] / d
            step = g * (lr * (1 - mu) / (1 - mu_product))
            step += (lr * mu_next / (1 - mu_product * mu_next)) * m
            step /= d
            theta -= step

        elementwise(update, theta, g, state["exp_avg"], state["exp_avg_sq"])


class RAdam(_AdamFamily):
    r"""RAdam, rectified Adam (Liu et al., 2020), as ``torch.optim.RAdam``.

    Early on the variance estimate is unreliable, so RAdam takes plain
    momentum steps until the length of the approximated SMA, ``rho_t``,
    exceeds 5::

        g = -g                                   if maximize
        g = g + lambda * theta                   if weight_decay != 0 (not decoupled)
        theta = theta - lr * lambda * theta      if weight_decay != 0 and decoupled_weight_decay
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1^t)
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 t b2^t / (1 - b2^t)
        if rho_t > 5:
            r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            theta = theta - lr * m_hat * r_t * sqrt(1 - b2^t) / (sqrt(v) + eps)
        else:
            theta = theta - lr * m_hat

    Args:
        params: Tensors to optimize, or dicts defining parameter groups.
        lr: learning rate (default 1e-3).
        betas: ``(b1, b2)`` (default (0.9, 0.999)).
        eps: added to ``sqrt(v)`` (default 1e-8).
        weight_decay: weight decay coefficient (default 0).
        decoupled_weight_decay: decay theta directly as in AdamW (default False).
        maximize: maximize the objective instead of minimizing it.
        foreach, capturable, differentiable: torch's kernel switches, checked as in :class:`Adam`.

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False, differentiable=False):
        check_kernel_options(type(self).__name__, foreach, None, capturable, differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _update(self, theta, g, state, group, lr, eps, beta1, beta2):
        """One RAdam update of one parameter, in place."""
        xp = get_array_module(theta)
        t = self._count_step(state, theta, "exp_avg", "exp_avg_sq")
        bias_correction1 = 1 - beta1 ** t           # 1 - b1^t
        bias_correction2 = 1 - beta2 ** t           # 1 - b2^t
        rho_inf = 2 / (1 - beta2) - 1               # rho_inf = 2/(1-b2) - 1
        rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2  # rho_t = rho_inf - 2 t b2^t / (1-b2^t)
        rect = (math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                if rho_t > 5 else None)             # r_t

        def update(theta, g, m, v):
            """The update of one slice of theta, from the same slices of g, m and v."""
            # g = -g if maximize; g = g + lambda*theta, or theta = theta - lr*lambda*theta if decoupled
            g = self._regularized_grad(g, theta, group, decoupled=group["decoupled_weight_decay"])
            m *= beta1                                  # m = b1*m + (1-b1)*g
            m += (1 - beta1) * g
            v *= beta2                                  # v = b2*v + (1-b2)*g*g
            v += (1 - beta2) * g * g
            if rect is not None:                        # rho_t > 5
                d = xp.sqrt(v)                          # d = sqrt(v) + eps
                d += eps
                xp.divide(m, d, out=d)                  # m / d
                d *= lr * rect * math.sqrt(bias_correction2) / bias_correction1
                theta -= d                              # theta = theta - lr*m_hat*r_t*sqrt(1-b2^t)/(sqrt(v)+eps)
            else:
                axpy(-lr / bias_correction1, m, theta)  # theta = theta - lr*m_hat

        elementwise(update, theta, g, state["exp_avg"], state["exp_avg_sq"])
