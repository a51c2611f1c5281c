"""3-D convolution and transposed convolution of (N, C, D, H, W) volumes, as ``torch.nn.functional.conv3d`` /
``conv_transpose3d``.

Shapes (PyTorch's): ``x`` (N, C, D, H, W) or (C, D, H, W); conv3d's ``weight`` (O, C/groups, kd, kh, kw);
conv_transpose3d's ``weight`` (C_in, C_out/groups, kd, kh, kw); ``bias`` (channels,).

The kernels are conv2d's (``minigrad.ops.conv``), which work for any number of spatial axes: the windows of
the channels-last padded volume gathered as one (N*Do*Ho*Wo, kd*kh*kw*C) matrix, one GEMM (a batched one with
groups); the transpose is one GEMM per kernel offset added into its strided slab (kd*kh*kw adds, none per
voxel). The ops ``Conv3d``, ``ConvTranspose3d`` and ``Conv3dWeight`` are Conv2d's three with 3-D names, each
the derivative of the other two:

* Conv3d(x, w):          dL/dx = ConvTranspose3d(g, w),  dL/dw = Conv3dWeight(x, g)
* ConvTranspose3d(v, w): dL/dv = Conv3d(g, w),           dL/dw = Conv3dWeight(g, v)
* Conv3dWeight(u, v):    dL/du = ConvTranspose3d(v, g),  dL/dv = Conv3d(u, g)
* a bias b adds ``b[c]`` to channel c: dL/db = g summed over (N, D, H, W).
"""
from __future__ import annotations

from minigrad.ops.conv import Conv3d, ConvTranspose3d, convolve, transpose_convolve

__all__ = ["conv3d", "conv_transpose3d"]


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) of (N, C, D, H, W) volumes, as ``torch.nn.functional.conv3d``.

    x (N, C, D, H, W) or (C, D, H, W); weight (O, C/groups, kd, kh, kw); bias (O,) or None. ``stride`` and
    ``dilation``: an int or 3 ints; ``padding``: an int, 3 ints, "valid" or "same" (stride 1; an odd total
    puts the extra one after). Returns (N, O, Do, Ho, Wo), Do = floor((D + 2 pd - dd (kd - 1) - 1) / sd) + 1
    (Ho, Wo alike). dL/dx = conv_transpose3d(g, w), dL/dw = the correlation of x with g, dL/db = g summed
    over (N, Do, Ho, Wo).
    """
    return convolve("conv3d", Conv3d, 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (the input gradient of conv3d), as ``torch.nn.functional.conv_transpose3d``.

    x (N, Cin, D, H, W) or (Cin, D, H, W); weight (Cin, Cout/groups, kd, kh, kw); bias (Cout,) or None.
    Returns (N, Cout, Do, Ho, Wo) with Do = (D - 1) sd - 2 pd + dd (kd - 1) + output_padding + 1 (Ho, Wo
    alike); ``output_padding`` must be smaller than the stride or the dilation. dL/dx = conv3d(g, w), dL/dw =
    the correlation of g with x, dL/db = g summed over (N, Do, Ho, Wo).
    """
    return transpose_convolve("conv_transpose3d", ConvTranspose3d, 3, input, weight, bias, stride, padding,
                              output_padding, groups, dilation)
