"""Hand-written references: the same computations as the minigrad cases, in plain array code.

Device-generic through the module variable ``xp`` (NumPy on the CPU; ``use(cupy)``
switches every reference to CuPy). They are written the way a careful person
writes them by hand: in-place updates with ``out=``, the fused
softmax-minus-one-hot gradient of cross-entropy, no graph, no checks.
"""
from __future__ import annotations

import math

import numpy

xp = numpy


def use(module):
    """Make every reference run on ``module`` (``numpy`` or ``cupy``)."""
    global xp
    xp = module


# ----------------------------------------------------------------------------- MLPs
class MLP:
    """A ReLU MLP ``x @ W + b`` per layer, with hand-written forward, backward and SGD.

    ``loss`` is ``"ce"`` (mean cross-entropy of integer targets, the backward
    fused as ``(softmax(z) - onehot) / n``) or ``"mse"`` (mean squared error).
    """

    def __init__(self, weights, biases, loss="ce"):
        self.W = [xp.array(w, copy=True) for w in weights]
        self.b = [xp.array(b, copy=True) for b in biases]
        self.loss = loss

    def step(self, x, t, lr):
        """One SGD step on batch (x, t); returns the loss as a 0-d array."""
        W, b = self.W, self.b
        n = x.shape[0]
        acts = [x]
        h = x
        last = len(W) - 1
        for i in range(len(W)):
            z = h @ W[i]
            z += b[i]
            if i < last:
                xp.maximum(z, 0, out=z)
            acts.append(z)
            h = z
        z = acts.pop()
        if self.loss == "ce":
            z -= z.max(axis=1, keepdims=True)                 # stable softmax, in place
            xp.exp(z, out=z)
            z /= z.sum(axis=1, keepdims=True)
            rows = xp.arange(n)
            loss = -xp.log(z[rows, t]).mean()
            z[rows, t] -= 1                                   # softmax - onehot
            z *= z.dtype.type(1.0 / n)                        # mean
            g = z
        else:
            g = z - t
            loss = (g * g).mean()
            g *= g.dtype.type(2.0 / g.size)
        for i in range(last, -1, -1):
            a = acts[i]
            gW = a.T @ g
            gb = g.sum(axis=0)
            if i > 0:
                g_prev = g @ W[i].T
                g_prev *= a > 0                               # ReLU mask of the layer's output
                g = g_prev
            gW *= gW.dtype.type(lr)                           # SGD, in place
            W[i] -= gW
            gb *= gb.dtype.type(lr)
            b[i] -= gb
        return loss


# ----------------------------------------------------------------------------- optimizers
def _adam_moments(m, v, g, tmp, b1, b2):
    """m = b1*m + (1-b1)*g and v = b2*v + (1-b2)*g*g, in place through ``tmp``."""
    m *= b1
    xp.multiply(g, 1 - b1, out=tmp)
    m += tmp
    v *= b2
    xp.multiply(g, g, out=tmp)
    tmp *= 1 - b2
    v += tmp


class FusedOptimizer:
    """The update of each first-order optimizer over one array, fused by hand.

    One preallocated scratch buffer (two for the few updates that need them),
    every operation in place with ``out=``; the same formulas as
    ``minigrad.optim`` (PyTorch's), including bias corrections.
    """

    def __init__(self, name, theta, **hp):
        self.name, self.theta, self.hp = name, theta, hp
        self.t = 0
        z = lambda: xp.zeros_like(theta)  # noqa: E731
        self.tmp = z()
        self.tmp2 = z()
        self.m = z()
        self.v = z()
        self.u = z()
        self.mu_product = 1.0
        if name == "Adagrad":
            self.v[...] = hp.get("initial_accumulator_value", 0.0)

    def step(self, g):
        self.t += 1
        getattr(self, "_" + self.name)(self.theta, g, self.tmp, **self.hp)

    def _SGD(self, theta, g, tmp, lr, momentum=0.0, nesterov=False):
        if momentum == 0:
            xp.multiply(g, lr, out=tmp)
            theta -= tmp
            return
        buf = self.m
        if self.t == 1:
            buf[...] = g
        else:
            buf *= momentum
            buf += g
        if nesterov:
            xp.multiply(buf, momentum, out=tmp)
            tmp += g
            tmp *= lr
        else:
            xp.multiply(buf, lr, out=tmp)
        theta -= tmp

    def _Adagrad(self, theta, g, tmp, lr, eps=1e-10, **_):
        r = self.v
        xp.multiply(g, g, out=tmp)
        r += tmp
        xp.sqrt(r, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        tmp *= lr
        theta -= tmp

    def _RMSprop(self, theta, g, tmp, lr, alpha=0.99, eps=1e-8, momentum=0.0, centered=False):
        v = self.v
        v *= alpha
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - alpha
        v += tmp
        if centered:
            m = self.m
            m *= alpha
            xp.multiply(g, 1 - alpha, out=tmp)
            m += tmp
            xp.multiply(m, m, out=tmp)
            xp.subtract(v, tmp, out=tmp)
            xp.sqrt(tmp, out=tmp)
        else:
            xp.sqrt(v, out=tmp)
        tmp += eps
        xp.divide(g, tmp, out=tmp)
        if momentum > 0:
            b = self.u
            b *= momentum
            b += tmp
            xp.multiply(b, lr, out=tmp)
        else:
            tmp *= lr
        theta -= tmp

    def _Adadelta(self, theta, g, tmp, lr=1.0, rho=0.9, eps=1e-6):
        v, u, tmp2 = self.v, self.u, self.tmp2
        v *= rho
        xp.multiply(g, g, out=tmp)
        tmp *= 1 - rho
        v += tmp
        xp.add(v, eps, out=tmp2)
        xp.sqrt(tmp2, out=tmp2)                  # sqrt(v + eps)
        xp.add(u, eps, out=tmp)
        xp.sqrt(tmp, out=tmp)                    # sqrt(u + eps)
        tmp /= tmp2
        tmp *= g                                 # dx
        u *= rho
        xp.multiply(tmp, tmp, out=tmp2)
        tmp2 *= 1 - rho
        u += tmp2
        tmp *= lr
        theta -= tmp

    def _Adam(self, theta, g, tmp, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled=False):
        b1, b2 = betas
        m, v, t = self.m, self.v, self.t
        if weight_decay and decoupled:
            theta *= 1 - lr * weight_decay
        _adam_moments(m, v, g, tmp, b1, b2)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        xp.sqrt(v, out=tmp)
        tmp *= 1 / math.sqrt(bc2)
        tmp += eps
        xp.divide(m, tmp, out=tmp)
        tmp *= lr / bc1
        theta -= tmp

    def _AdamW(self, theta, g, tmp, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        self._Adam(theta, g, tmp, lr, betas, eps, weight_decay, decoupled=True)

    def _Rprop(self, theta, g, tmp, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50)):
        prev, eta, factor = self.m, self.u, self.tmp2
        if self.t == 1:
            eta[...] = lr                              # eta starts at lr
        xp.multiply(g, prev, out=tmp)                  # s = g * g_prev
        factor.fill(1.0)
        xp.copyto(factor, etas[1], where=tmp > 0)      # eta_plus where s > 0
        flipped = tmp < 0
        xp.copyto(factor, etas[0], where=flipped)      # eta_minus where s < 0
        eta *= factor
        xp.clip(eta, step_sizes[0], step_sizes[1], out=eta)
        prev[...] = g
        xp.copyto(prev, 0.0, where=flipped)            # g = 0 where the sign flipped; g_prev = g
        xp.sign(prev, out=tmp)
        tmp *= eta
        theta -= tmp                                   # theta -= eta sign(g)

    def _ASGD(self, theta, g, tmp, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6):
        if self.t == 1:
            self.eta, self.mu = lr, 1.0
        ax = self.m
        theta *= 1 - lambd * self.eta                  # theta (1 - lambda eta)
        xp.multiply(g, self.eta, out=tmp)
        theta -= tmp                                   # theta -= eta g
        if self.mu != 1:
            xp.subtract(theta, ax, out=tmp)            # ax += mu (theta - ax)
            tmp *= self.mu
            ax += tmp
        else:
            ax[...] = theta
        self.eta = lr / (1 + lambd * lr * self.t) ** alpha
        self.mu = 1 / max(1, self.t - t0)

    def _Adamax(self, theta, g, tmp, lr, betas=(0.9, 0.999), eps=1e-8):
        b1, b2 = betas
        m, u = self.m, self.u
        m *= b1
        xp.multiply(g, 1 - b1, out=tmp)
        m += tmp
        u *= b2
        xp.abs(g, out=tmp)
        tmp += eps
        xp.maximum(u, tmp, out=u)
        xp.divide(m, u, out=tmp)
        tmp *= lr / (1 - b1 ** self.t)
        theta -= tmp

    def _NAdam(self, theta, g, tmp, lr, betas=(0.9, 0.999), eps=1e-8, momentum_decay=4e-3):
        b1, b2 = betas
        m, v, t, tmp2 = self.m, self.v, self.t, self.tmp2
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        self.mu_product *= mu
        P = self.mu_product
        _adam_moments(m, v, g, tmp, b1, b2)
        xp.multiply(v, 1 / (1 - b2 ** t), out=tmp2)
        xp.sqrt(tmp2, out=tmp2)
        tmp2 += eps                                          # d
        xp.multiply(g, lr * (1 - mu) / (1 - P), out=tmp)
        scratch = self.u                                     # NAdam has no third moment: reuse u
        xp.multiply(m, lr * mu_next / (1 - P * mu_next), out=scratch)
        tmp += scratch
        tmp /= tmp2
        theta -= tmp

    def _RAdam(self, theta, g, tmp, lr, betas=(0.9, 0.999), eps=1e-8):
        b1, b2 = betas
        m, v, t = self.m, self.v, self.t
        _adam_moments(m, v, g, tmp, b1, b2)
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2 ** t / bc2
        if rho_t > 5:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            xp.sqrt(v, out=tmp)
            tmp += eps
            xp.divide(m, tmp, out=tmp)
            tmp *= lr * rect * math.sqrt(bc2) / bc1
        else:
            xp.multiply(m, lr / bc1, out=tmp)
        theta -= tmp


# ----------------------------------------------------------------------------- backward graphs
def chain_backward(g, factors):
    """The backward of ``y = x * c_1 * c_2 * ... * c_n`` by hand: one multiply per node."""
    for c in reversed(factors):
        g = g * c
    return g


def wide_backward(g_rows, factors):
    """The backward of ``h = 2 x; out = stack_i(h * c_i).sum()``: per branch, one row, one multiply, one add."""
    acc = xp.zeros_like(g_rows[0])
    for i, c in enumerate(factors):
        acc += g_rows[i] * c
    return acc * 2
