"""Hand-written NumPy (or CuPy) references of one LSTM and one GRU training step.

The same computation as the minigrad case, written the way a careful person
writes backpropagation through time by hand: the input projection of all steps
in one product, one product per step for the recurrence, the gate arithmetic on
saved activations, the recurrent weight gradient accumulated in place step by
step (as in the graph), then the global-norm clip and the fused Adam update of
``benchmarks.reference``. Loss: mean squared error of the output sequence
against a fixed target. Zero initial state (the first step's recurrent product,
zero, is skipped for the LSTM as in minigrad).
"""
from __future__ import annotations

import math

from benchmarks import reference


def _sigmoid(xp, a, out):
    # 1 / (1 + e^-a) as 0.5 + 0.5 tanh(a / 2): one transcendental, no overflow
    xp.multiply(a, 0.5, out=out)
    xp.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


class _Recurrent:
    gates = None

    def __init__(self, w_ih, w_hh, b_ih, b_hh, lr, max_norm):
        xp = reference.xp
        self.params = [xp.array(a, copy=True) for a in (w_ih, w_hh, b_ih, b_hh)]
        self.opts = [reference.FusedOptimizer("Adam", p, lr=lr) for p in self.params]
        self.grads = [xp.zeros_like(p) for p in self.params]
        self.max_norm = max_norm

    def _clip_and_update(self):
        xp = reference.xp
        total = math.sqrt(sum(float(xp.vdot(g.ravel(), g.ravel())) for g in self.grads))
        coef = self.max_norm / (total + 1e-6)
        for g, opt in zip(self.grads, self.opts):
            if coef < 1.0:
                g *= coef
            opt.step(g)
        return total


class LSTM(_Recurrent):
    """One training step of a one-layer LSTM (gates i, f, g, o) on x (T, B, I)."""

    def step(self, x, target):
        xp = reference.xp
        w_ih, w_hh, b_ih, b_hh = self.params
        T, B, _ = x.shape
        H = w_hh.shape[1]
        proj = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, 4 * H)
        proj += b_ih
        proj += b_hh
        acts = xp.empty((T, B, 4 * H), dtype=x.dtype)
        cs = xp.empty((T + 1, B, H), dtype=x.dtype)
        tcs = xp.empty((T, B, H), dtype=x.dtype)
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        cs[0] = 0
        hs[0] = 0
        for t in range(T):
            a = proj[t] if t == 0 else proj[t] + hs[t] @ w_hh.T
            act = acts[t]
            _sigmoid(xp, a, out=act)
            xp.tanh(a[:, 2 * H:3 * H], out=act[:, 2 * H:3 * H])
            i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
            xp.multiply(f, cs[t], out=cs[t + 1])
            cs[t + 1] += i * g
            xp.tanh(cs[t + 1], out=tcs[t])
            xp.multiply(o, tcs[t], out=hs[t + 1])
        out = hs[1:]
        diff = out - target
        loss = float(xp.vdot(diff.ravel(), diff.ravel())) / diff.size
        dout = diff
        dout *= 2.0 / diff.size
        g_wih, g_whh, g_bih, g_bhh = self.grads
        g_whh[...] = 0
        dproj = xp.empty_like(proj)
        dh = xp.zeros((B, H), dtype=x.dtype)
        dc = xp.zeros((B, H), dtype=x.dtype)
        tmp = xp.empty_like(g_whh)
        for t in range(T - 1, -1, -1):
            act = acts[t]
            i, f, g, o = act[:, :H], act[:, H:2 * H], act[:, 2 * H:3 * H], act[:, 3 * H:]
            gh = dout[t] + dh
            tc = tcs[t]
            dc += gh * o * (1.0 - tc * tc)
            da = dproj[t]
            da[:, :H] = dc * g * i * (1.0 - i)
            da[:, H:2 * H] = dc * cs[t] * f * (1.0 - f)
            da[:, 2 * H:3 * H] = dc * i * (1.0 - g * g)
            da[:, 3 * H:] = gh * tc * o * (1.0 - o)
            dc *= f
            if t > 0:
                xp.matmul(da.T, hs[t], out=tmp)
                g_whh += tmp
                dh = da @ w_hh
        rows = dproj.reshape(T * B, 4 * H)
        xp.matmul(rows.T, x.reshape(T * B, -1), out=g_wih)
        rows.sum(axis=0, out=g_bih)
        g_bhh[...] = g_bih
        self._clip_and_update()
        return loss


class GRU(_Recurrent):
    """One training step of a one-layer GRU (gates r, z, n; PyTorch's reset placement) on x (T, B, I)."""

    def step(self, x, target):
        xp = reference.xp
        w_ih, w_hh, b_ih, b_hh = self.params
        T, B, _ = x.shape
        H = w_hh.shape[1]
        proj = (x.reshape(T * B, -1) @ w_ih.T).reshape(T, B, 3 * H)
        proj += b_ih
        rz = xp.empty((T, B, 2 * H), dtype=x.dtype)
        ns = xp.empty((T, B, H), dtype=x.dtype)
        ahn = xp.empty((T, B, H), dtype=x.dtype)
        hs = xp.empty((T + 1, B, H), dtype=x.dtype)
        hs[0] = 0
        for t in range(T):
            ah = hs[t] @ w_hh.T
            ah += b_hh
            _sigmoid(xp, proj[t, :, :2 * H] + ah[:, :2 * H], out=rz[t])
            ahn[t] = ah[:, 2 * H:]
            n = ns[t]
            xp.multiply(rz[t, :, :H], ahn[t], out=n)
            n += proj[t, :, 2 * H:]
            xp.tanh(n, out=n)
            h = hs[t + 1]
            xp.subtract(hs[t], n, out=h)
            h *= rz[t, :, H:]
            h += n
        out = hs[1:]
        diff = out - target
        loss = float(xp.vdot(diff.ravel(), diff.ravel())) / diff.size
        dout = diff
        dout *= 2.0 / diff.size
        g_wih, g_whh, g_bih, g_bhh = self.grads
        g_whh[...] = 0
        g_bhh[...] = 0
        dproj = xp.empty_like(proj)
        dah = xp.empty((B, 3 * H), dtype=x.dtype)
        dh = xp.zeros((B, H), dtype=x.dtype)
        tmp = xp.empty_like(g_whh)
        for t in range(T - 1, -1, -1):
            r, z, n = rz[t, :, :H], rz[t, :, H:], ns[t]
            gh = dout[t] + dh
            dx = dproj[t]
            dn = gh * (1.0 - z)
            dn *= 1.0 - n * n
            dx[:, 2 * H:] = dn
            dx[:, :H] = dn * ahn[t] * r * (1.0 - r)
            dx[:, H:2 * H] = gh * (hs[t] - n) * z * (1.0 - z)
            dah[...] = dx
            dah[:, 2 * H:] *= r
            xp.matmul(dah.T, hs[t], out=tmp)
            g_whh += tmp
            g_bhh += dah.sum(axis=0)
            dh = gh * z
            dh += dah @ w_hh
        rows = dproj.reshape(T * B, 3 * H)
        xp.matmul(rows.T, x.reshape(T * B, -1), out=g_wih)
        rows.sum(axis=0, out=g_bih)
        self._clip_and_update()
        return loss
