"""``stack_module_state``: M models' parameters and buffers stacked by name (``torch.func.stack_module_state``),
the state an ensemble runs on through ``vmap(functional_call)``."""
from __future__ import annotations

from minigrad.autograd.tensor import Tensor
from minigrad.ops.shape import stack


def stack_module_state(models):
    """``(params, buffers)``: dicts from each dotted name (``"fc.weight"``) to the models' tensors of that name
    stacked along a new first dim of size M. The stacked parameters are new leaves that require grad, unrelated
    to the models' own (an optimizer can take them); buffers are stacked as they are. The models must be of one
    class, all in training or all in eval mode, and agree per name on ``requires_grad``, as torch's."""
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: Expected at least one model, got 0.")
    if len({m.training for m in models}) != 1:
        raise RuntimeError("stack_module_state: Expected all models to have the same training/eval mode.")
    if any(type(m) is not type(models[0]) for m in models):
        raise RuntimeError("stack_module_state: Expected all models to be of the same class.")
    per_model = [dict(m.named_parameters()) for m in models]
    params = {name: _stacked_leaf([p[name] for p in per_model], name) for name in per_model[0]}
    per_model = [dict(m.named_buffers()) for m in models]
    buffers = {name: _stacked_leaf([b[name] for b in per_model], name) for name in per_model[0]}
    return params, buffers


def _stacked_leaf(tensors, name):
    flags = {t.requires_grad for t in tensors}
    if len(flags) != 1:
        raise RuntimeError(f"Expected {name} from each model to have the same .requires_grad")
    stacked = stack([t.detach() for t in tensors], dim=0)
    return Tensor(stacked.data, requires_grad=True) if flags.pop() else stacked
