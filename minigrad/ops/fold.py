"""``unfold`` (im2col) and ``fold`` (col2im) of NCHW images, as ``torch.nn.functional.unfold`` / ``fold``.

unfold: x (N, C, H, W) -> (N, C kh kw, L), column l = (i, j) (row-major over the Ho x Wo window positions)
holding window (i, j), entry c kh kw + a kw + b = x_pad[n, c, i sh + a dh, j sw + b dw]; L = Ho Wo with
Ho = floor((H + 2 ph - dh (kh - 1) - 1) / sh) + 1 (Wo alike), zeros as padding.
fold: the adjoint, (N, C kh kw, L) -> (N, C, H, W): every column entry added back where unfold read it
(overlapping windows add up), the padding cropped.

Both reuse the convolution's window machinery (``_windows``: a strided view for the windows, kh*kw
strided slab adds for col2im), and each is the other's derivative: dL/dx of unfold = fold(g),
dL/dcols of fold = unfold(g). So second derivatives exist, and neither loops over pixels.
"""
from __future__ import annotations

from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.function import Function
from minigrad.ops._windows import Geometry, channels_first, channels_last, col2im, crop_hw, pad_hw, pair, windows

__all__ = ["unfold", "fold", "Unfold", "Fold"]


class Unfold(Function):
    """cols = im2col(x): (N, C, H, W) -> (N, C kh kw, Ho Wo); dL/dx = Fold(g) (col2im)."""

    def __init__(self, geo):
        self.geo = geo

    def forward(self, x):
        n, c = x.shape[:2]
        out_hw = self.geo.out_size(*x.shape[2:])
        win = windows(pad_hw(channels_last(x), self.geo.padding), self.geo, out_hw)   # (N, Ho, Wo, kh, kw, C)
        cols = win.transpose(0, 5, 3, 4, 1, 2)                                         # (N, C, kh, kw, Ho, Wo)
        return cols.reshape(n, c * self.geo.kernel[0] * self.geo.kernel[1], out_hw[0] * out_hw[1])

    def backward(self, F, gy, x):
        return F.apply(Fold, gy, geo=self.geo, in_hw=tuple(x.shape[2:]))


class Fold(Function):
    """x = col2im(cols): (N, C kh kw, Ho Wo) -> (N, C, H, W), overlapping entries summed; dL/dcols = Unfold(g)."""

    def __init__(self, geo, in_hw):
        self.geo, self.in_hw = geo, in_hw

    def forward(self, cols):
        (kh, kw) = self.geo.kernel
        n, ckk, _ = cols.shape
        c = ckk // (kh * kw)
        ho, wo = self.geo.out_size(*self.in_hw)
        blocks = cols.reshape(n, c, kh, kw, ho, wo).transpose(0, 4, 5, 2, 3, 1)        # (N, Ho, Wo, kh, kw, C)
        image = col2im(blocks, self.geo, self.geo.padded(*self.in_hw))
        return channels_first(crop_hw(image, self.geo.padding, self.in_hw))

    def backward(self, F, gy, cols):
        return F.apply(Unfold, gy, geo=self.geo)


def _geometry(op, kernel_size, dilation, padding, stride):
    kernel, dilation = pair(op, "kernel_size", kernel_size), pair(op, "dilation", dilation)
    padding, stride = pair(op, "padding", padding), pair(op, "stride", stride)
    for name, values, least in (("kernel_size", kernel, 1), ("dilation", dilation, 1), ("stride", stride, 1),
                                ("padding", padding, 0)):
        if min(values) < least:
            raise ValueError(f"{op}: {name} must be {'positive' if least else 'non-negative'}, got {values}")
    return Geometry(kernel, stride, dilation, tuple((p, p) for p in padding))


def _blocks(op, geo, hw, what):
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, (p, _), k, s, d in
                zip(hw, geo.padding, geo.kernel, geo.stride, geo.dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: {what} {tuple(hw)} with kernel_size {geo.kernel}, dilation {geo.dilation}, padding "
                         f"{tuple(p for p, _ in geo.padding)} and stride {geo.stride} has no complete window "
                         f"(blocks {out})")
    return out


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every kh x kw window of x (N, C, H, W) or (C, H, W) as a column: (N, C kh kw, L), L windows (see the module
    docstring for the order). ``kernel_size``, ``dilation``, ``padding``, ``stride``: ints or pairs.
    dL/dx = fold(g): each column entry's gradient added back to the pixel it read."""
    op = "unfold"
    x = as_tensor(input)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {tuple(x.shape)}")
    geo = _geometry(op, kernel_size, dilation, padding, stride)
    _blocks(op, geo, x.shape[-2:], "the input's spatial size")
    if x.ndim == 3:   # one unbatched image, as PyTorch allows
        y = Unfold.apply(x.reshape(1, *x.shape), geo=geo)
        return y.reshape(*y.shape[1:])
    return Unfold.apply(x, geo=geo)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns (N, C kh kw, L) or (C kh kw, L) back to an (N, C, H, W) image of ``output_size`` (H, W), each entry
    added where unfold would have read it (overlaps sum up). dL/dcols = unfold(g)."""
    op = "fold"
    cols = as_tensor(input)
    if cols.ndim not in (2, 3):
        raise ValueError(f"{op}: expected a 2-D (C kh kw, L) or 3-D (N, C kh kw, L) input, got shape "
                         f"{tuple(cols.shape)}")
    geo = _geometry(op, kernel_size, dilation, padding, stride)
    hw = pair(op, "output_size", output_size)
    ho, wo = _blocks(op, geo, hw, "output_size")
    kk = geo.kernel[0] * geo.kernel[1]
    if cols.shape[-2] % kk:
        raise ValueError(f"{op}: the input's dimension -2 ({cols.shape[-2]}, shape {tuple(cols.shape)}) must be "
                         f"divisible by the product of kernel_size {geo.kernel} ({kk})")
    if cols.shape[-1] != ho * wo:
        raise ValueError(f"{op}: the input has {cols.shape[-1]} columns (shape {tuple(cols.shape)}) but "
                         f"output_size {hw} with kernel_size {geo.kernel}, dilation {geo.dilation}, padding "
                         f"{tuple(p for p, _ in geo.padding)} and stride {geo.stride} has {ho} * {wo} = {ho * wo} "
                         "blocks")
    if cols.ndim == 2:
        return Fold.apply(cols.reshape(1, *cols.shape), geo=geo, in_hw=hw).reshape(cols.shape[0] // kk, *hw)
    return Fold.apply(cols, geo=geo, in_hw=hw)
