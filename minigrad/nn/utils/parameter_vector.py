"""All parameters as one vector and back, as ``torch.nn.utils.parameters_to_vector`` / ``vector_to_parameters``."""
from __future__ import annotations

from minigrad import ops
from minigrad.autograd.tensor import Tensor
from minigrad.autograd.write_stamps import mark_written


def parameters_to_vector(parameters) -> Tensor:
    """The parameters flattened and joined, in order, into one 1-D tensor (differentiable: a reshape and a cat)."""
    params = _parameters("parameters_to_vector", parameters)
    return ops.cat([ops.reshape(p, (-1,)) for p in params], 0)


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in order (in place, as an optimizer
    writes: a graph recorded before refuses to differentiate through the old values)."""
    params = _parameters("vector_to_parameters", parameters)
    if not isinstance(vec, Tensor) or vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: vec must be a 1-D Tensor, got "
                        f"{type(vec).__name__}{'' if not isinstance(vec, Tensor) else ' of shape ' + str(vec.shape)}")
    total = sum(p.data.size for p in params)
    if vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: vec has {vec.shape[0]} entries but the parameters have {total}")
    start = 0
    for p in params:
        n = p.data.size
        p.data[...] = vec.data[start:start + n].reshape(p.data.shape).astype(p.data.dtype, copy=False)
        mark_written(p.data)
        start += n


def _parameters(name, parameters):
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Tensor):
            raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor")
    devices = {p.device for p in params}
    if len(devices) > 1:
        raise RuntimeError(f"{name}: the parameters are on several devices ({sorted(devices)})")
    return params
