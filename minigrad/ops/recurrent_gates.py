"""The gate arithmetic of one LSTM or GRU time step, each as one graph node.

Written with ops, an LSTM step's gate math is about fifteen nodes (four slices,
three sigmoids, two tanhs, products and sums) and a GRU step's about a dozen; as
one node each it is one forward call and one backward call per step. ``backward``
is the derivative written with the contract's ``F`` (so it is recorded for second
derivatives); ``_backward_kernel`` is the same formula on the activations saved by
``forward``, because recomputing four sigmoids and two tanhs per step on the
first-order pass would cost as much as the forward itself; ``backward`` hands
first-order passes to it. The op registry checks both against finite
differences, and ``tests/ops/test_backward_paths.py`` against each other.

Gate order and the reset gate's placement are PyTorch's:

LSTM, with a = ax + ah split into four blocks of H columns (i, f, g, o)::

    i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
    c = f * c_prev + i * g          h = o * tanh(c)

GRU, with ax = x W_ih^T + b_ih and ah = h_prev W_hh^T + b_hh in blocks (r, z, n)::

    r = sigmoid(ax_r + ah_r)   z = sigmoid(ax_z + ah_z)   n = tanh(ax_n + r * ah_n)
    h = (1 - z) * n + z * h_prev
"""
from __future__ import annotations

from minigrad.backend import get_array_module
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function


def _sigmoid_(a):
    """sigmoid(a) in place, as 0.5 + 0.5 tanh(a / 2): one transcendental per element and no
    overflow (gate values need absolute, not relative, precision near 0)."""
    xp = get_array_module(a)
    a *= 0.5
    xp.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


class LSTMGates(Function):
    """(h, c) = LSTM cell update from the pre-activations ``ax + ah`` (B, 4H) and ``c_prev`` (B, H).

    With gh, gc the output gradients, tc = tanh(c)::

        dc = gc + gh * o * (1 - tc^2)
        da = [dc * g * i(1-i),  dc * c_prev * f(1-f),  dc * i * (1-g^2),  gh * tc * o(1-o)]
        dL/dax = dL/dah = da,   dL/dc_prev = dc * f
    """

    def forward(self, ax, ah, c_prev):
        acts = ax + ah                      # a fresh array: the activations are computed in it
        H = c_prev.shape[-1]
        xp = get_array_module(acts)
        g = xp.tanh(acts[..., 2 * H:3 * H])
        _sigmoid_(acts)
        acts[..., 2 * H:3 * H] = g
        i, f, g, o = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:3 * H], acts[..., 3 * H:]
        c = f * c_prev
        c += i * g
        tc = xp.tanh(c)
        self._acts, self._tc = acts, tc
        return o * tc, c

    def backward(self, F, gy, ax, ah, c_prev):
        if not F.recording:
            return self._backward_kernel(gy, c_prev)
        gh, gc = gy
        H = c_prev.shape[-1]
        a = ax + ah
        i, f = F.sigmoid(a[..., :H]), F.sigmoid(a[..., H:2 * H])
        g, o = F.tanh(a[..., 2 * H:3 * H]), F.sigmoid(a[..., 3 * H:])
        tc = F.tanh(f * c_prev + i * g)
        dc = gc + gh * o * (1.0 - tc * tc)
        da = F.concat([dc * g * i * (1.0 - i), dc * c_prev * f * (1.0 - f),
                       dc * i * (1.0 - g * g), gh * tc * o * (1.0 - o)], axis=-1)
        nx, nh, nc = self.needs_input_grad
        return (da if nx else None, da if nh else None, dc * f if nc else None)

    # The hand-written kernel (see the module docstring): the saved activations, no recomputation.
    def _backward_kernel(self, gy, c_prev):
        gh, gc = gy
        H = c_prev.shape[-1]
        acts, tc = self._acts, self._tc
        i, f, g, o = acts[..., :H], acts[..., H:2 * H], acts[..., 2 * H:3 * H], acts[..., 3 * H:]
        xp = get_array_module(acts)
        da = xp.empty_like(acts)
        di, df, dg, do = da[..., :H], da[..., H:2 * H], da[..., 2 * H:3 * H], da[..., 3 * H:]
        t = tc * tc                                      # scratch, (B, H)
        xp.subtract(1.0, t, out=t)
        dc = gh * o
        dc *= t
        dc += gc                                         # dc = gc + gh o (1 - tc^2)
        xp.subtract(1.0, i, out=t)
        xp.multiply(dc, g, out=di)
        di *= i
        di *= t                                          # di = dc g i (1 - i)
        xp.subtract(1.0, f, out=t)
        xp.multiply(dc, c_prev, out=df)
        df *= f
        df *= t                                          # df = dc c_prev f (1 - f)
        xp.multiply(g, g, out=t)
        xp.subtract(1.0, t, out=t)
        xp.multiply(dc, i, out=dg)
        dg *= t                                          # dg = dc i (1 - g^2)
        xp.subtract(1.0, o, out=t)
        xp.multiply(gh, tc, out=do)
        do *= o
        do *= t                                          # do = gh tc o (1 - o)
        nx, nh, nc = self.needs_input_grad
        if nc:
            dc *= f                                      # dL/dc_prev = dc f
        return (da if nx else None, da if nh else None, dc if nc else None)


class GRUGates(Function):
    """h = GRU cell update from ``ax`` (B, 3H), ``ah`` (B, 3H) and ``h_prev`` (B, H).

    With gh the output gradient::

        dn = gh (1 - z)(1 - n^2)    dr = dn * ah_n * r(1-r)    dz = gh (h_prev - n) z(1-z)
        dL/dax = [dr, dz, dn],   dL/dah = [dr, dz, dn * r],   dL/dh_prev = gh * z
    """

    def forward(self, ax, ah, h_prev):
        H = h_prev.shape[-1]
        xp = get_array_module(ax)
        rz = _sigmoid_(ax[..., :2 * H] + ah[..., :2 * H])
        r, z = rz[..., :H], rz[..., H:]
        n = r * ah[..., 2 * H:]
        n += ax[..., 2 * H:]
        xp.tanh(n, out=n)
        self._rz, self._n = rz, n
        h = h_prev - n
        h *= z
        h += n
        return h

    def backward(self, F, gy, ax, ah, h_prev):
        if not F.recording:
            return self._backward_kernel(gy, ah, h_prev)
        H = h_prev.shape[-1]
        r = F.sigmoid(ax[..., :H] + ah[..., :H])
        z = F.sigmoid(ax[..., H:2 * H] + ah[..., H:2 * H])
        ahn = ah[..., 2 * H:]
        n = F.tanh(ax[..., 2 * H:] + r * ahn)
        dn = gy * (1.0 - z) * (1.0 - n * n)
        dr = dn * ahn * r * (1.0 - r)
        dz = gy * (h_prev - n) * z * (1.0 - z)
        nx, nh, np_ = self.needs_input_grad
        return (F.concat([dr, dz, dn], axis=-1) if nx else None,
                F.concat([dr, dz, dn * r], axis=-1) if nh else None,
                gy * z if np_ else None)

    # The hand-written kernel (see the module docstring): the saved activations, no recomputation.
    def _backward_kernel(self, gy, ah, h_prev):
        H = h_prev.shape[-1]
        rz, n = self._rz, self._n
        r, z = rz[..., :H], rz[..., H:]
        xp = get_array_module(rz)
        gax = xp.empty(gy.shape[:-1] + (3 * H,), dtype=gy.dtype)
        dr, dz, dn = gax[..., :H], gax[..., H:2 * H], gax[..., 2 * H:]   # written in place, in this order:
        one_minus = 1.0 - z
        xp.multiply(n, n, out=dn)
        xp.subtract(1.0, dn, out=dn)
        dn *= gy
        dn *= one_minus                                  # dn = gy (1 - z)(1 - n^2)
        xp.subtract(h_prev, n, out=dz)
        dz *= gy
        dz *= z
        dz *= one_minus                                  # dz = gy (h_prev - n) z (1 - z)
        xp.subtract(1.0, r, out=one_minus)
        xp.multiply(dn, ah[..., 2 * H:], out=dr)
        dr *= r
        dr *= one_minus                                  # dr = dn ah_n r (1 - r)
        nx, nh, np_ = self.needs_input_grad
        gah = None
        if nh:
            gah = gax.copy()
            gah[..., 2 * H:] *= r
        return (gax if nx else None, gah, gy * z if np_ else None)


def _check_gates(op_name, ax, ah, state, state_name, n_gates):
    """``ax``, ``ah`` and the state as Tensors of exactly (..., n_gates H), (..., n_gates H), (..., H), one dtype.

    The forward would broadcast other shapes (and its backward never reduces them) and
    promote mixed float dtypes silently; one message here names what was given.
    """
    ax, ah, state = as_tensor(ax), as_tensor(ah), as_tensor(state)
    H = state.shape[-1] if state.ndim else 0
    gates = state.shape[:-1] + (n_gates * H,)
    if state.ndim == 0 or ax.shape != gates or ah.shape != gates:
        hint = f" (for this {state_name}, ax and ah would be {gates})" if state.ndim else ""
        raise ValueError(f"{op_name}: ax and ah must have shape (..., {n_gates}H) and {state_name} (..., H), with the "
                         f"same leading axes; got ax {tuple(ax.shape)}, ah {tuple(ah.shape)} and {state_name} "
                         f"{tuple(state.shape)}{hint}")
    if not ax.dtype == ah.dtype == state.dtype:
        raise TypeError(f"{op_name}: ax, ah and {state_name} must have one dtype, got {ax.dtype}, {ah.dtype} "
                        f"and {state.dtype}; minigrad does not promote silently, cast with .astype()")
    return ax, ah, state


def lstm_gates(ax, ah, c_prev):
    """(h, c) of one LSTM step from the two pre-activation halves and the previous cell state.

    Shapes: ax, ah (..., 4H), c_prev (..., H), one dtype  ->  h, c (..., H).
    """
    return LSTMGates.apply(*_check_gates("lstm_gates", ax, ah, c_prev, "c_prev", 4))


def gru_gates(ax, ah, h_prev):
    """h of one GRU step from the input and hidden projections (biases included) and the previous state.

    Shapes: ax, ah (..., 3H), h_prev (..., H), one dtype  ->  h (..., H).
    """
    return GRUGates.apply(*_check_gates("gru_gates", ax, ah, h_prev, "h_prev", 3))
