"""``minigrad.func``: PyTorch's ``torch.func`` for minigrad: ``functional_call``, the transforms ``grad``,
``grad_and_value``, ``vjp``, ``jvp``, ``linearize``, ``jacrev``, ``jacfwd`` and ``hessian``, ``vmap`` (by a loop
over the batch: see ``vmap_loop``) and ``stack_module_state``."""
from minigrad.func.functional_call import functional_call
from minigrad.func.stack_module_state import stack_module_state
from minigrad.func.transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, linearize, vjp
from minigrad.func.vmap_loop import vmap

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "linearize", "jacrev", "jacfwd", "hessian",
           "vmap", "stack_module_state"]
