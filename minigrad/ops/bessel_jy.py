"""Bessel functions of the first and second kind of orders 0 and 1, elementwise: J0, J1, Y0, Y1
(torch.special.bessel_j0 / bessel_j1 / bessel_y0 / bessel_y1).

The kernels are Cephes' (torch's and SciPy's): a rational function in x^2 for |x| <= 5 (plus (2/pi) log(x) J(x)
for Y) and, beyond, Hankel's form sqrt(2 / (pi x)) (P(x) cos(x - phase) - (5/x) Q(x) sin(x - phase)) with P and Q
rational in 25 / x^2. Array math alone, in float64, rounded once to the input's dtype; integer and bool inputs
become float32, as in torch. As torch's: J at +-inf is NaN (cos(inf)), Y is -inf at 0 and NaN for x < 0.
"""
from __future__ import annotations

import numpy as np

from minigrad.autograd.function import Function
from minigrad.backend import get_array_module
from minigrad.ops._args import as_floating
from minigrad.ops._cephes import polevl
from minigrad.ops.bessel import _over_x

_PP0 = (7.96936729297347051624e-04, 8.28352392107440799803e-02, 1.23953371646414299388e+00,
        5.44725003058768775090e+00, 8.74716500199817011941e+00, 5.30324038235394892183e+00,
        9.99999999999999997821e-01)
_PQ0 = (9.24408810558863637013e-04, 8.56288474354474431428e-02, 1.25352743901058953537e+00,
        5.47097740330417105182e+00, 8.76190883237069594232e+00, 5.30605288235394617618e+00,
        1.00000000000000000218e+00)
_QP0 = (-1.13663838898469149931e-02, -1.28252718670509318512e+00, -1.95539544257735972385e+01,
        -9.32060152123768231369e+01, -1.77681167980488050595e+02, -1.47077505154951170175e+02,
        -5.14105326766599330220e+01, -6.05014350600728481186e+00)
_QQ0 = (1.0, 6.43178256118178023184e+01, 8.56430025976980587198e+02, 3.88240183605401609683e+03,
        7.24046774195652478189e+03, 5.93072701187316984827e+03, 2.06209331660327847417e+03,
        2.42005740240291393179e+02)
_RP0 = (-4.79443220978201773821e+09, 1.95617491946556577543e+12, -2.49248344360967716204e+14,
        9.70862251047306323952e+15)
_RQ0 = (1.0, 4.99563147152651017219e+02, 1.73785401676374683123e+05, 4.84409658339962045305e+07,
        1.11855537045356834862e+10, 2.11277520115489217587e+12, 3.10518229857422583814e+14,
        3.18121955943204943306e+16, 1.71086294081043136091e+18)
_YP0 = (1.55924367855235737965e+04, -1.46639295903971606143e+07, 5.43526477051876500413e+09,
        -9.82136065717911466409e+11, 8.75906394395366999549e+13, -3.46628303384729719441e+15,
        4.42733268572569800351e+16, -1.84950800436986690637e+16)
_YQ0 = (1.0, 1.04128353664259848412e+03, 6.26107330137134956842e+05, 2.68919633393814121987e+08,
        8.64002487103935000337e+10, 2.02979612750105546709e+13, 3.17157752842975028269e+15,
        2.50596256172653059228e+17)

_PP1 = (7.62125616208173112003e-04, 7.31397056940917570436e-02, 1.12719608129684925192e+00,
        5.11207951146807644818e+00, 8.42404590141772420927e+00, 5.21451598682361504063e+00,
        1.00000000000000000254e+00)
_PQ1 = (5.71323128072548699714e-04, 6.88455908754495404082e-02, 1.10514232634061696926e+00,
        5.07386386128601488557e+00, 8.39985554327604159757e+00, 5.20982848682361821619e+00,
        9.99999999999999997461e-01)
_QP1 = (5.10862594750176621635e-02, 4.98213872951233449420e+00, 7.58238284132545283818e+01,
        3.66779609360150777800e+02, 7.10856304998926107277e+02, 5.97489612400613639965e+02,
        2.11688757100572135698e+02, 2.52070205858023719784e+01)
_QQ1 = (1.0, 7.42373277035675149943e+01, 1.05644886038262816351e+03, 4.98641058337653607651e+03,
        9.56231892404756170795e+03, 7.99704160447350683650e+03, 2.82619278517639096600e+03,
        3.36093607810698293419e+02)
_RP1 = (-8.99971225705559398224e+08, 4.52228297998194034323e+11, -7.27494245221818276015e+13,
        3.68295732863852883286e+15)
_RQ1 = (1.0, 6.20836478118054335476e+02, 2.56987256757748830383e+05, 8.35146791431949253037e+07,
        2.21511595479792499675e+10, 4.74914122079991414898e+12, 7.84369607876235854894e+14,
        8.95222336184627338078e+16, 5.32278620332680085395e+18)
_YP1 = (1.26320474790178026440e+09, -6.47355876379160291031e+11, 1.14509511541823727583e+14,
        -8.12770255501325109621e+15, 2.02439475713594898196e+17, -7.78877196265950026825e+17)
_YQ1 = (1.0, 5.94301592346128195359e+02, 2.35564092943068577943e+05, 7.34811944459721705660e+07,
        1.87601316108706159478e+10, 3.88231277496238566008e+12, 6.20557727146953693363e+14,
        6.87141087355300489866e+16, 3.97270608116560655612e+18)

_SQRT_2_OVER_PI = 0.797884560802865355879892119868763737
_TWO_OVER_PI = 0.636619772367581343075535053490057448
_QUARTER_PI = 0.785398163397448309615660845819875721
_THREE_QUARTER_PI = 2.356194490192344928846982537459627163


def _hankel(xp, x, order, second_kind):
    """The x > 5 form; order 0 takes 25 / x^2 and order 1 (5 / x)^2, each rounded as torch's."""
    if order == 0:
        z, pp, pq, qp, qq, phase = 25.0 / (x * x), _PP0, _PQ0, _QP0, _QQ0, _QUARTER_PI
    else:
        z, pp, pq, qp, qq, phase = 5.0 / x * (5.0 / x), _PP1, _PQ1, _QP1, _QQ1, _THREE_QUARTER_PI
    p = polevl(z, pp) / polevl(z, pq)
    q = 5.0 / x * (polevl(z, qp) / polevl(z, qq))
    angle = x - phase
    if second_kind:
        wave = p * xp.sin(angle) + q * xp.cos(angle)
    else:
        wave = p * xp.cos(angle) - q * xp.sin(angle)
    return wave * _SQRT_2_OVER_PI / xp.sqrt(x)


def _j_small(x, order):
    """J_order(x) for 0 <= x <= 5: the rational form vanishing at the first two zeros (their squares rounded)."""
    z = x * x
    if order == 0:
        return (z - 5.78318596294678452118e+00) * (z - 3.04712623436620863991e+01) * polevl(z, _RP0) / polevl(z, _RQ0)
    return polevl(z, _RP1) / polevl(z, _RQ1) * x * (z - 1.46819706421238932572e+01) * (z - 4.92184563216946036703e+01)


def bessel_jy(x, order, second_kind):
    """J_order(x), or Y_order(x) if ``second_kind`` (order 0 or 1), in x's dtype."""
    xp = get_array_module(x)
    w = x.astype(xp.float64, copy=False)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        a = xp.abs(w)
        small = a <= 5.0
        s = xp.where(small, a, 0.0)   # each branch on values it is meant for: no overflow warnings, no 0 / 0
        big = _hankel(xp, xp.where(small, 6.0, a), order, second_kind)
        j = _j_small(s, order)
        if order == 0 and not second_kind:
            j = xp.where(s < 1e-5, 1.0 - s * s / 4.0, j)
        if second_kind:
            sp = xp.where(s > 0.0, s, 1.0)
            if order == 0:
                near = polevl(sp * sp, _YP0) / polevl(sp * sp, _YQ0) + _TWO_OVER_PI * xp.log(sp) * j
            else:
                near = sp * (polevl(sp * sp, _YP1) / polevl(sp * sp, _YQ1)) + _TWO_OVER_PI * (j * xp.log(sp) - 1.0 / sp)
            out = xp.where(small, near, big)
            out = xp.where(w == 0.0, -xp.inf, xp.where(w < 0.0, xp.nan, out))
        else:
            out = xp.where(small, j, big)
            if order == 1:
                out = xp.where(xp.signbit(w), -out, out)   # J1 is odd (-0 at -0, as torch's and SciPy's)
        out = xp.where(xp.isnan(w), w, out)
        return out.astype(x.dtype, copy=False)


class BesselJ0(Function):
    """y = J0(x).   dL/dx = -g J1(x)."""

    def forward(self, x):
        return bessel_jy(x, 0, False)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselJ1, x)


class BesselJ1(Function):
    """y = J1(x).   dL/dx = g (J0(x) - J1(x) / x), g / 2 at x = 0."""

    keep_output = True

    def forward(self, x):
        return bessel_jy(x, 1, False)

    def backward(self, F, gy, x):
        return gy * (F.apply(BesselJ0, x) - _over_x(F, F.output(self), x, 0.5))


class BesselY0(Function):
    """y = Y0(x).   dL/dx = -g Y1(x) (NaN for x < 0, where Y0 is NaN)."""

    def forward(self, x):
        return bessel_jy(x, 0, True)

    def backward(self, F, gy, x):
        return -gy * F.apply(BesselY1, x)


class BesselY1(Function):
    """y = Y1(x).   dL/dx = g (Y0(x) - Y1(x) / x) (NaN for x < 0, inf at 0)."""

    keep_output = True

    def forward(self, x):
        return bessel_jy(x, 1, True)

    def backward(self, F, gy, x):
        return gy * (F.apply(BesselY0, x) - F.output(self) / x)


def bessel_j0(input):
    """The Bessel function of the first kind of order 0 elementwise, as ``torch.special.bessel_j0``; any shape.
    Its derivative is -J1(x)."""
    return BesselJ0.apply(as_floating(input))


def bessel_j1(input):
    """The Bessel function of the first kind of order 1 elementwise (odd), as ``torch.special.bessel_j1``; any
    shape. Its derivative is J0(x) - J1(x) / x (1/2 at 0)."""
    return BesselJ1.apply(as_floating(input))


def bessel_y0(input):
    """The Bessel function of the second kind of order 0 elementwise (-inf at 0, NaN for x < 0), as
    ``torch.special.bessel_y0``; any shape. Its derivative is -Y1(x)."""
    return BesselY0.apply(as_floating(input))


def bessel_y1(input):
    """The Bessel function of the second kind of order 1 elementwise (-inf at 0, NaN for x < 0), as
    ``torch.special.bessel_y1``; any shape. Its derivative is Y0(x) - Y1(x) / x."""
    return BesselY1.apply(as_floating(input))
