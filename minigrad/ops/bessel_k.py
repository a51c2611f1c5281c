"""Modified Bessel functions of the second kind of orders 0 and 1, elementwise: K0, K1 and the scaled
e^x K0, e^x K1 (torch.special.modified_bessel_k0 / k1, scaled_modified_bessel_k0 / k1), and torch.special's
modified_bessel_i0 / i1, which are bessel.py's I0 and I1 except NaN at +-inf (torch's values there).

The kernels are Cephes' (torch's and SciPy's): for 0 < x <= 2, a Chebyshev series in x^2 - 2 plus
-log(x / 2) I0(x) (K0) or log(x / 2) I1(x) + series / x (K1); beyond, e^-x / sqrt(x) times a Chebyshev series in
8 / x - 2. I0 and I1 come from bessel.py. Array math alone, in float64, rounded once to the input's dtype;
integer and bool inputs become float32. As torch's: inf at 0, NaN for x < 0, 0 at +inf.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops._cephes import chbevl_half_difference as chbevl
from minigrad.ops.bessel import I0, I1, bessel_i

_A0 = (1.37446543561352307156e-16, 4.25981614279661018399e-14, 1.03496952576338420167e-11,
       1.90451637722020886025e-09, 2.53479107902614945675e-07, 2.28621210311945178607e-05,
       1.26461541144692592338e-03, 3.59799365153615016266e-02, 3.44289899924628486886e-01,
       -5.35327393233902768720e-01)
_B0 = (5.30043377268626276149e-18, -1.64758043015242134646e-17, 5.21039150503902756861e-17,
       -1.67823109680541210385e-16, 5.51205597852431940784e-16, -1.84859337734377901440e-15,
       6.34007647740507060557e-15, -2.22751332699166985548e-14, 8.03289077536357521100e-14,
       -2.98009692317273043925e-13, 1.14034058820847496303e-12, -4.51459788337394416547e-12,
       1.85594911495471785253e-11, -7.95748924447710747776e-11, 3.57739728140030116597e-10,
       -1.69753450938905987466e-09, 8.57403401741422608519e-09, -4.66048989768794782956e-08,
       2.76681363944501510342e-07, -1.83175552271911948767e-06, 1.39498137188764993662e-05,
       -1.28495495816278026384e-04, 1.56988388573005337491e-03, -3.14481013119645005427e-02,
       2.44030308206595545468e+00)
_A1 = (-7.02386347938628759343e-18, -2.42744985051936593393e-15, -6.66690169419932900609e-13,
       -1.41148839263352776110e-10, -2.21338763073472585583e-08, -2.43340614156596823496e-06,
       -1.73028895751305206302e-04, -6.97572385963986435018e-03, -1.22611180822657148235e-01,
       -3.53155960776544875667e-01, 1.52530022733894777053e+00)
_B1 = (-5.75674448366501715755e-18, 1.79405087314755922667e-17, -5.68946255844285935196e-17,
       1.83809354436663880070e-16, -6.05704724837331885336e-16, 2.03870316562433424052e-15,
       -7.01983709041831346144e-15, 2.47715442448130437068e-14, -8.97670518232499435011e-14,
       3.34841966607842919884e-13, -1.28917396095102890680e-12, 5.13963967348173025100e-12,
       -2.12996783842756842877e-11, 9.21831518760500529508e-11, -4.19035475934189648750e-10,
       2.01504975519703286596e-09, -1.03457624656780970260e-08, 5.74108412545004946722e-08,
       -3.50196060308781257119e-07, 2.40648494783721712015e-06, -1.93619797416608296024e-05,
       1.95215518471351631108e-04, -2.85781685962277938680e-03, 1.03923736576817238437e-01,
       2.72062619048444266945e+00)


def bessel_k(x, order, scaled):
    """K_order(x) (order 0 or 1), times e^x if ``scaled``, in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        small = w <= 2.0
        s = xp.where(small & (w > 0.0), w, 1.0)   # each branch on values it is meant for
        b = xp.where(small, 4.0, w)
        if order == 0:
            near = chbevl(s * s - 2.0, _A0) - xp.log(0.5 * s) * bessel_i(s, 0, False)
        else:
            near = xp.log(0.5 * s) * bessel_i(s, 1, False) + chbevl(s * s - 2.0, _A1) / s
        far = chbevl(8.0 / b - 2.0, _B0 if order == 0 else _B1) / xp.sqrt(b)
        if scaled:
            near = near * xp.exp(s)
        else:
            far = xp.exp(-b) * far
        out = xp.where(small, near, far)
        out = xp.where(w == 0.0, xp.inf, xp.where(w < 0.0, xp.nan, out))
        out = xp.where(xp.isnan(w), w, out)
        return out.astype(x.dtype, copy=False)



class BesselK0(Function):
    """y = K0(x).   dL/dx = -g K1(x)."""

    def forward(self, x):
        return bessel_k(x, 0, False)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselK1, x)


class BesselK1(Function):
    """y = K1(x).   dL/dx = -g (K0(x) + K1(x) / x)."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 1, False)

    def backward(self, F, gy, x):
        return -gy * (F.apply(BesselK0, x) + F.output(self) / x)


class ScaledBesselK0(Function):
    """y = e^x K0(x).   dL/dx = g (y - e^x K1(x))."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 0, True)

    def backward(self, F, gy, x):
        return gy * (F.output(self) - F.apply(ScaledBesselK1, x))


class ScaledBesselK1(Function):
    """y = e^x K1(x).   dL/dx = g (y - e^x K0(x) - y / x)."""

    keep_output = True

    def forward(self, x):
        return bessel_k(x, 1, True)

    def backward(self, F, gy, x):
        y = F.output(self)
        return gy * (y - F.apply(ScaledBesselK0, x) - y / x)


def _nan_at_infinity(y, x):
    xp = get_array_module(x)
    return xp.where(xp.isinf(x), x.dtype.type(np.nan), y)


class ModifiedBesselI0(I0):
    """y = I0(x), NaN at +-inf (torch.special.modified_bessel_i0).   dL/dx = g I1(x)."""

    def forward(self, x):
        return _nan_at_infinity(super().forward(x), x)


class ModifiedBesselI1(I1):
    """y = I1(x), NaN at +-inf (torch.special.modified_bessel_i1).   dL/dx = g (I0(x) - I1(x) / x), g / 2 at 0."""

    def forward(self, x):
        return _nan_at_infinity(super().forward(x), x)


def modified_bessel_i0(input):
    """The modified Bessel function of the first kind of order 0 elementwise, as
    ``torch.special.modified_bessel_i0`` (``torch.i0``'s values, but NaN at +-inf as torch's); any shape.
    Its derivative is I1(x)."""
    return ModifiedBesselI0.apply(as_floating(input))


def modified_bessel_i1(input):
    """The modified Bessel function of the first kind of order 1 elementwise, as
    ``torch.special.modified_bessel_i1`` (NaN at +-inf, as torch's); any shape. Its derivative is
    I0(x) - I1(x) / x (1/2 at 0)."""
    return ModifiedBesselI1.apply(as_floating(input))


def modified_bessel_k0(input):
    """The modified Bessel function of the second kind of order 0 elementwise (inf at 0, NaN for x < 0), as
    ``torch.special.modified_bessel_k0``; any shape. Its derivative is -K1(x)."""
    return BesselK0.apply(as_floating(input))


def modified_bessel_k1(input):
    """The modified Bessel function of the second kind of order 1 elementwise (inf at 0, NaN for x < 0), as
    ``torch.special.modified_bessel_k1``; any shape. Its derivative is -K0(x) - K1(x) / x."""
    return BesselK1.apply(as_floating(input))


def scaled_modified_bessel_k0(input):
    """e^x K0(x) elementwise, as ``torch.special.scaled_modified_bessel_k0``; any shape. Its derivative is
    e^x (K0(x) - K1(x))."""
    return ScaledBesselK0.apply(as_floating(input))


def scaled_modified_bessel_k1(input):
    """e^x K1(x) elementwise, as ``torch.special.scaled_modified_bessel_k1``; any shape. Its derivative is
    e^x (K1(x) - K0(x) - K1(x) / x)."""
    return ScaledBesselK1.apply(as_floating(input))
