"""ONNX mappings of the image ops: convolutions, pooling, padding (registered into ``CONVERTERS``).

minigrad's ``Geometry`` holds the padding as ((top, bottom), (left, right)), with
pooling's ``ceil_mode`` already turned into extra bottom/right padding, so every
node below uses explicit ``pads`` ([top, left, bottom, right]) and floor sizes.
The 3-D ops (volumes) map to the same ONNX nodes, whose attributes then have one
more entry per axis (pads [front, top, left, back, bottom, right]).
"""
from __future__ import annotations

import math

import numpy as np

from minigrad.onnx.converters import NOT_EXPORTED, any_nan, converts, reduce
from minigrad.onnx.graph import ExportError

NOT_EXPORTED.update({
    "Conv2dWeight": "the weight derivative of a convolution, used by backward passes",
    "MaxPoolScatter": "the derivative of max pooling, used by backward passes",
    "MaxPoolGather": "the second derivative of max pooling, used by backward passes",
    "AvgPoolAdjoint": "the derivative of average pooling, used by backward passes",
    "FractionalMaxPool2d": "its windows are drawn at random on every call (a training-time regularizer); ONNX has "
                           "no fractional max pooling, and a traced graph would freeze one draw",
    "FractionalMaxPool3d": "as FractionalMaxPool2d: random windows on every call, and no ONNX operator",
    "Conv3dWeight": "the weight derivative of a 3-D convolution, used by backward passes",
})


def _window(geo):
    return {"kernel_shape": [int(k) for k in geo.kernel], "strides": [int(s) for s in geo.stride],
            "pads": [int(lo) for lo, _ in geo.padding] + [int(hi) for _, hi in geo.padding]}


@converts("Conv2d", "Conv3d")
def _conv2d(g, call, x):
    geo = call.params["geo"]
    return g.node("Conv", x, dilations=[int(d) for d in geo.dilation], group=int(geo.groups), **_window(geo))


@converts("ConvTranspose2d", "ConvTranspose3d")
def _conv_transpose2d(g, call, x):
    geo, out_hw = call.params["geo"], call.params["out_hw"]
    # ONNX's size: s (n - 1) + output_padding + d (k - 1) + 1 - pads; the rest of out_hw is output_padding.
    extra = [int(o - (s * (n - 1) + d * (k - 1) + 1 - lo - hi))
             for o, n, s, d, k, (lo, hi) in zip(out_hw, call.inputs[0].shape[2:], geo.stride, geo.dilation,
                                                geo.kernel, geo.padding)]
    return g.node("ConvTranspose", x, dilations=[int(d) for d in geo.dilation], group=int(geo.groups),
                  output_padding=extra, **_window(geo))


@converts("MaxPool2d", "MaxPool3d")
def _max_pool2d(g, call, x):
    geo = call.params["geo"]
    def max_pool(v):
        return g.node("MaxPool", [v], dilations=[int(d) for d in geo.dilation], **_window(geo))

    y = max_pool(x[0])
    dtype = np.dtype(call.inputs[0].dtype)
    if dtype.kind != "f":
        return y
    # ONNX Runtime's MaxPool passes over NaN; minigrad's (torch's) window maximum is NaN where the window holds one
    return g.node("Where", [any_nan(g, x[0], dtype, max_pool), g.scalar(np.nan, dtype, "nan"), y])


@converts("AvgPool2d", "AvgPool3d")
def _avg_pool2d(g, call, x):
    # minigrad sums each window of the zero-padded input and scales it by 1/divisor per output
    # position (PyTorch's divisor rules, ceil_mode included): AveragePool of the padded input
    # divides by kh*kw, so the graph multiplies back by kh*kw/divisor.
    geo, scale = call.params["geo"], np.asarray(call.params["scale"])
    padded = x[0]
    if any(lo or hi for lo, hi in geo.padding):
        pads = [0, 0] + [int(lo) for lo, _ in geo.padding] + [0, 0] + [int(hi) for _, hi in geo.padding]
        padded = g.node("Pad", [x[0], g.ints(pads, "pads")], mode="constant")
    y = g.node("AveragePool", [padded], kernel_shape=[int(k) for k in geo.kernel],
               strides=[int(s) for s in geo.stride])
    factor = (math.prod(geo.kernel) * scale[..., 0]).astype(call.inputs[0].dtype)
    return g.node("Mul", [y, g.constant(factor, "divisor")])


@converts("Pad")
def _pad(g, call, x):
    widths = call.params["widths"]
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    value = g.scalar(call.params.get("value", 0.0), np.dtype(call.inputs[0].dtype), "value")
    return g.node("Pad", [x[0], g.ints(pads, "pads"), value], mode="constant")


NOT_EXPORTED["PadModeAdjoint"] = "the derivative of reflect/replicate/circular padding, used by backward passes"


@converts("PadMode")
def _pad_mode(g, call, x):
    widths, mode = call.params["widths"], call.params["mode"]
    if mode == "circular" and g.opset < 19:
        raise ExportError(f"onnx.export: circular padding in {call.where} needs opset 19 or later (Pad with "
                          f"mode='wrap'), got opset {g.opset}")
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return g.node("Pad", [x[0], g.ints(pads, "pads")], mode={"reflect": "reflect", "replicate": "edge",
                                                             "circular": "wrap"}[mode])


@converts("AdaptiveMaxPool2d", "AdaptiveMaxPool3d")
def _adaptive_max_pool2d(g, call, x):
    sizes, out = tuple(call.inputs[0].shape[2:]), tuple(call.params["index"].shape[2:])
    if any(n % o for n, o in zip(sizes, out)):
        raise ExportError(f"onnx.export: adaptive max pooling in {call.where} from {sizes} to {out} has "
                          "windows of different sizes, which no ONNX MaxPool computes; only output sizes that "
                          "divide the input's are exported")
    if all(o == 1 for o in out):
        return g.node("GlobalMaxPool", x)
    return g.node("MaxPool", x, kernel_shape=[n // o for n, o in zip(sizes, out)],
                  strides=[n // o for n, o in zip(sizes, out)])


@converts("AdaptiveMean")
def _adaptive_mean(g, call, x):
    # Each window averaged on its own, as the op does (ONNX has no adaptive pooling): equal windows as one
    # Reshape (..., o, n / o, ...) and ReduceMean, else a Slice and ReduceMean per window, concatenated. The product
    # with the averaging matrix this was spread an inf or NaN along the axis (0 * inf is NaN): one inf in a 5-wide
    # row made every one of 4 windows NaN.
    source = call.inputs[0]
    axis, o = int(call.params["axis"]), int(call.params["o"])
    n = int(source.shape[axis])
    dynamic = call.dynamic_inputs[0] if call.dynamic_inputs else frozenset()
    if n % o == 0 and all(a < axis for a in dynamic):
        # 0 copies the input's size at that index (a batch axis before the pooled one stays symbolic)
        shape = [0] * axis + [o, n // o] + [int(d) for d in source.shape[axis + 1:]]
        return reduce(g, "ReduceMean", g.node("Reshape", [x[0], g.ints(shape, "shape")]), [axis + 1], False)
    parts = []
    for i in range(o):
        start, end = (i * n) // o, -((-(i + 1) * n) // o)   # floor(i n / o), ceil((i + 1) n / o)
        window = g.node("Slice", [x[0], g.ints([start], "starts"), g.ints([end], "ends"), g.ints([axis], "axes")])
        parts.append(reduce(g, "ReduceMean", window, [axis], True))
    return g.node("Concat", parts, axis=axis)


@converts("Unfold")
def _unfold(g, call, x):
    # im2col as one strided Slice of the zero-padded input per kernel offset (a, b), stacked after the channel axis
    # in unfold's column order (c kh kw + a kw + b): each value is copied, never multiplied. (A convolution with
    # one-hot kernels, as this was, spread an inf or NaN over its whole neighbourhood: 0 * inf is NaN.)
    geo = call.params["geo"]
    source = call.inputs[0]
    c = int(source.shape[1])
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    ho, wo = geo.out_size(*source.shape[2:])
    padded = x[0]
    if any(lo or hi for lo, hi in geo.padding):
        pads = [0, 0] + [int(lo) for lo, _ in geo.padding] + [0, 0] + [int(hi) for _, hi in geo.padding]
        padded = g.node("Pad", [x[0], g.ints(pads, "pads")], mode="constant")
    parts = []
    for a in range(kh):
        for b in range(kw):
            starts = [a * dh, b * dw]
            ends = [a * dh + (ho - 1) * sh + 1, b * dw + (wo - 1) * sw + 1]
            window = g.node("Slice", [padded, g.ints(starts, "starts"), g.ints(ends, "ends"), g.ints([2, 3], "axes"),
                                      g.ints([sh, sw], "steps")])
            parts.append(g.node("Unsqueeze", [window, g.ints([2], "axes")]))
    y = g.node("Concat", parts, axis=2)   # (N, C, kh kw, Ho, Wo)
    return g.node("Reshape", [y, g.ints([0, c * kh * kw, int(ho) * int(wo)], "shape")])


@converts("Fold")
def _fold(g, call, x):
    # col2im as a sum of placements, one per kernel offset (a, b): that offset's block (N, C, Ho, Wo), spread to the
    # stride with zeros (Pad of an inserted axis, Reshape), moved to rows a*dh + i*sh by a Pad (negative: a crop),
    # the placements added and the padding cropped. Values are only added to zeros, never multiplied. (A transposed
    # convolution with one-hot kernels, as this was, spread an inf or NaN over its neighbourhood: 0 * inf is NaN.)
    geo, in_hw = call.params["geo"], call.params["in_hw"]
    (kh, kw), (sh, sw), (dh, dw) = geo.kernel, geo.stride, geo.dilation
    c = int(call.inputs[0].shape[1]) // (kh * kw)
    ho, wo = (int(n) for n in geo.out_size(*in_hw))
    hp, wp = (int(n) for n in geo.padded(*in_hw))
    blocks = g.node("Reshape", [x[0], g.ints([0, c, kh * kw, ho, wo], "shape")])

    def spread(y, axis, step, shape):   # step - 1 zeros after each entry along axis 2 or 3, giving (N, C, *shape)
        if step == 1:
            return y
        y = g.node("Unsqueeze", [y, g.ints([axis + 1], "axes")])
        pads = [0] * 10
        pads[5 + axis + 1] = step - 1
        y = g.node("Pad", [y, g.ints(pads, "pads")], mode="constant")
        return g.node("Reshape", [y, g.ints([0, 0, *shape], "shape")])

    placed = []
    for a in range(kh):
        for b in range(kw):
            k = a * kw + b
            y = g.node("Slice", [blocks, g.ints([k], "starts"), g.ints([k + 1], "ends"), g.ints([2], "axes")])
            y = g.node("Squeeze", [y, g.ints([2], "axes")])
            y = spread(spread(y, 2, sh, [ho * sh, wo]), 3, sw, [ho * sh, wo * sw])
            top, left = a * dh, b * dw
            pads = [0, 0, top, left, 0, 0, hp - top - ho * sh, wp - left - wo * sw]
            placed.append(g.node("Pad", [y, g.ints(pads, "pads")], mode="constant"))
    image = placed[0] if len(placed) == 1 else g.node("Sum", placed)
    (lo_h, hi_h), (lo_w, hi_w) = geo.padding
    if lo_h or hi_h or lo_w or hi_w:
        image = g.node("Slice", [image, g.ints([lo_h, lo_w], "starts"), g.ints([hp - hi_h, wp - hi_w], "ends"),
                                 g.ints([2, 3], "axes")])
    return image


@converts("GridSample")
def _grid_sample(g, call, x):
    # ONNX's GridSample (opset 16) has PyTorch's modes, padding modes and align_corners; opset 20 renamed
    # 'bilinear' and 'bicubic' to 'linear' and 'cubic'.
    if g.opset < 16:
        raise ExportError(f"onnx.export: GridSample in {call.where} needs opset 16 or later (GridSample), "
                          f"got opset {g.opset}")
    if len(call.inputs[0].shape) == 5 and g.opset < 20:   # opsets 16 to 19 define 4-D GridSample only
        raise ExportError(f"onnx.export: 5-D GridSample in {call.where} needs opset 20 or later, got opset "
                          f"{g.opset}")
    mode = call.params["mode"]
    if g.opset >= 20:
        mode = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    return g.node("GridSample", x, mode=mode, padding_mode=call.params["padding_mode"],
                  align_corners=int(call.params["align_corners"]))
