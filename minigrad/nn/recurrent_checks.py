"""Input checks shared by the recurrent cells and layers: one clear error naming the layer and the shapes."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor


def check_input(name, x, input_size, weight, ndims):
    """``x``: a floating Tensor of ``weight``'s dtype and device, ``ndims`` (a tuple) dimensions, input_size last."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: input must be a Tensor, got {type(x).__name__}")
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: input must be floating point, got dtype {x.dtype} (shape {tuple(x.shape)}); "
                        "integer token ids go through an Embedding first")
    if x.ndim not in ndims or x.shape[-1] != input_size:
        dims = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{name}: input has shape {tuple(x.shape)} but expected a {dims} tensor with "
                         f"input_size={input_size} features in the last axis")
    if x.dtype != weight.dtype:
        raise TypeError(f"{name}: input dtype {x.dtype} does not match weight dtype {weight.dtype}; "
                        f"convert with x.astype({weight.dtype.name!r})")
    if x.device != weight.device:
        raise ValueError(f"{name}: input is on {x.device} but the weights are on {weight.device}")


def check_state(name, label, state, expected, x):
    if not isinstance(state, Tensor):
        raise TypeError(f"{name}: {label} must be a Tensor, got {type(state).__name__}")
    if tuple(state.shape) != tuple(expected):
        raise ValueError(f"{name}: {label} has shape {tuple(state.shape)} but expected {tuple(expected)} "
                         f"for an input of shape {tuple(x.shape)}")
    if state.dtype != x.dtype:
        raise TypeError(f"{name}: {label} dtype {state.dtype} does not match input dtype {x.dtype}")
    if state.device != x.device:
        raise ValueError(f"{name}: {label} is on {state.device} but the input is on {x.device}")
