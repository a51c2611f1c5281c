"""Adam and its relatives: AdamW, Adamax, NAdam, RAdam.

All keep bias-corrected running averages of the gradient (``m``) and of its
square (``v``) and differ in how they turn them into a step. Bias-correction
factors are Python floats, so float32 parameters stay float32.
"""

import math

from minigrad.backend import get_array_module
from minigrad.optim.optimizer import Optimizer, check_betas, check_hyperparameter


def _check_adam_family(group):
    """Validate the options every member of the family shares."""
    check_hyperparameter(group["lr"] >= 0.0, f"Invalid learning rate: {group['lr']}")
    check_hyperparameter(group["eps"] >= 0.0, f"Invalid epsilon value: {group['eps']}")
    check_betas(group["betas"])
    check_hyperparameter(group["weight_decay"] >= 0.0, f"Invalid weight_decay value: {group['weight_decay']}")


def _init_moments(state, theta, *names):
    """Create the step counter and zeroed moment arrays on the first step."""
    if not state:
        xp = get_array_module(theta)
        state["step"] = 0
        for name in names:
            state[name] = xp.zeros_like(theta)


class Adam(Optimizer):
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

    State per parameter: ``step``, ``exp_avg`` (m), ``exp_avg_sq`` (v) and,
    with amsgrad, ``max_exp_avg_sq`` (v_max).

    Recent PyTorch also accepts ``Adam(..., decoupled_weight_decay=True)``; here
    that is spelled :class:`AdamW`.
    """

    param_shaped_state = True
    #: AdamW sets this: weight decay shrinks theta directly instead of joining g.
    decoupled_weight_decay = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check_adam_family(group)

    def step(self, closure=None):
        """Perform one Adam update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = p.data, self._grad_array(p)
                xp = get_array_module(theta)
                state = self.state.setdefault(p, {})
                moments = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if group["amsgrad"] else [])
                _init_moments(state, theta, *moments)
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]

                if group["maximize"]:
                    g = -g                                  # ascend: follow +grad
                if weight_decay != 0:
                    if self.decoupled_weight_decay:
                        theta *= 1 - lr * weight_decay      # theta = theta - lr*lambda*theta
                    else:
                        g = g + weight_decay * theta        # g = g + lambda*theta
                m *= beta1                                  # m = b1*m + (1-b1)*g
                m += (1 - beta1) * g
                v *= beta2                                  # v = b2*v + (1-b2)*g*g
                v += (1 - beta2) * g * g
                if group["amsgrad"]:
                    v_max = state["max_exp_avg_sq"]
                    xp.maximum(v_max, v, out=v_max)         # v_max = max(v_max, v)
                    v = v_max
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                d = xp.sqrt(v)                              # d = sqrt(v_hat) + eps = sqrt(v)/sqrt(1-b2^t) + eps
                d /= math.sqrt(bias_correction2)
                d += eps
                xp.divide(m, d, out=d)                      # d now holds m / d
                d *= lr / bias_correction1                  # lr * m_hat / (sqrt(v_hat) + eps)
                theta -= d                                  # theta = theta - lr*m_hat/(sqrt(v_hat)+eps)
        return loss


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019), as ``torch.optim.AdamW``.

    The decay shrinks the parameter directly, before the Adam step, instead of
    being added to the gradient (where Adam's scaling would weaken it)::

        theta = theta - lr * lambda * theta
        ... then the Adam update of ``Adam`` with g unchanged

    Same arguments as :class:`Adam`, with ``weight_decay`` defaulting to 1e-2.
    """

    decoupled_weight_decay = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 maximize=False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         maximize=maximize)


class Adamax(Optimizer):
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

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).
    """

    param_shaped_state = True

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check_adam_family(group)

    def step(self, closure=None):
        """Perform one Adamax update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = p.data, self._grad_array(p)
                xp = get_array_module(theta)
                state = self.state.setdefault(p, {})
                _init_moments(state, theta, "exp_avg", "exp_inf")
                state["step"] += 1
                m, u = state["exp_avg"], state["exp_inf"]

                if group["maximize"]:
                    g = -g                                  # ascend: follow +grad
                if weight_decay != 0:
                    g = g + weight_decay * theta            # g = g + lambda*theta
                m *= beta1                                  # m = b1*m + (1-b1)*g
                m += (1 - beta1) * g
                u *= beta2                                  # u = max(b2*u, |g| + eps)
                abs_g = xp.abs(g)
                abs_g += eps
                xp.maximum(u, abs_g, out=u)
                step = xp.divide(m, u, out=abs_g)           # m / u
                step *= lr / (1 - beta1 ** state["step"])
                theta -= step                               # theta = theta - lr/(1-b1^t) * m/u
        return loss


class NAdam(Optimizer):
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

    State per parameter: ``step``, ``mu_product`` (P_t, a Python float),
    ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    param_shaped_state = True
    scalar_state_keys = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check_adam_family(group)
        check_hyperparameter(group["momentum_decay"] >= 0.0, f"Invalid momentum_decay value: {group['momentum_decay']}")

    def step(self, closure=None):
        """Perform one NAdam update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            psi = float(group["momentum_decay"])
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = p.data, self._grad_array(p)
                xp = get_array_module(theta)
                state = self.state.setdefault(p, {})
                if not state:
                    _init_moments(state, theta, "exp_avg", "exp_avg_sq")
                    state["mu_product"] = 1.0
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]

                if group["maximize"]:
                    g = -g                                  # ascend: follow +grad
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        theta *= 1 - lr * weight_decay      # theta = theta - lr*lambda*theta
                    else:
                        g = g + weight_decay * theta        # g = g + lambda*theta
                mu = beta1 * (1 - 0.5 * 0.96 ** (t * psi))            # mu_t
                mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))  # mu_{t+1}
                state["mu_product"] *= mu                   # P_t = P_{t-1} * mu_t
                mu_product = state["mu_product"]
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
        return loss


class RAdam(Optimizer):
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

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).
    """

    param_shaped_state = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 decoupled_weight_decay=False, maximize=False):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize)
        super().__init__(params, defaults)

    def _validate_group(self, group):
        _check_adam_family(group)

    def step(self, closure=None):
        """Perform one RAdam update; returns the closure's loss if a closure is given."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr, eps, weight_decay = float(group["lr"]), float(group["eps"]), float(group["weight_decay"])
            beta1, beta2 = float(group["betas"][0]), float(group["betas"][1])
            for p in group["params"]:
                if p.grad is None:
                    continue
                theta, g = p.data, self._grad_array(p)
                xp = get_array_module(theta)
                state = self.state.setdefault(p, {})
                _init_moments(state, theta, "exp_avg", "exp_avg_sq")
                state["step"] += 1
                t = state["step"]
                m, v = state["exp_avg"], state["exp_avg_sq"]

                if group["maximize"]:
                    g = -g                                  # ascend: follow +grad
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        theta *= 1 - lr * weight_decay      # theta = theta - lr*lambda*theta
                    else:
                        g = g + weight_decay * theta        # g = g + lambda*theta
                m *= beta1                                  # m = b1*m + (1-b1)*g
                m += (1 - beta1) * g
                v *= beta2                                  # v = b2*v + (1-b2)*g*g
                v += (1 - beta2) * g * g
                bias_correction1 = 1 - beta1 ** t
                bias_correction2 = 1 - beta2 ** t
                rho_inf = 2 / (1 - beta2) - 1               # rho_inf = 2/(1-b2) - 1
                rho_t = rho_inf - 2 * t * beta2 ** t / bias_correction2
                if rho_t > 5:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                     / ((rho_inf - 4) * (rho_inf - 2) * rho_t))  # r_t
                    d = xp.sqrt(v)                          # d = sqrt(v) + eps
                    d += eps
                    xp.divide(m, d, out=d)                  # m / d
                    d *= lr * rect * math.sqrt(bias_correction2) / bias_correction1
                    theta -= d                              # theta = theta - lr*m_hat*r_t*sqrt(1-b2^t)/(sqrt(v)+eps)
                else:
                    theta -= (lr / bias_correction1) * m    # theta = theta - lr*m_hat
        return loss
