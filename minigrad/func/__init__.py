"""``minigrad.func``: PyTorch's ``torch.func`` for minigrad: ``functional_call`` and the transforms ``grad``,
``grad_and_value``, ``vjp``, ``jvp``, ``jacrev``, ``jacfwd`` and ``hessian`` (no ``vmap``: see ``transforms``)."""
from minigrad.func.functional_call import functional_call
from minigrad.func.transforms import grad, grad_and_value, hessian, jacfwd, jacrev, jvp, vjp

__all__ = ["functional_call", "grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian"]
