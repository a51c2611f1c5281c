"""The autodiff engine: Tensor, Function (graph node), backward, grad modes and gradient checking."""
from minigrad.autograd.tensor import Tensor  # noqa: I001  (Tensor first: ops import it)
from minigrad.autograd.coercion import as_tensor
from minigrad.autograd.backward_hooks import queue_callback
from minigrad.autograd.function import Function
from minigrad.autograd.custom_function import FunctionCtx, once_differentiable
from minigrad.autograd.functional import backward, grad
from minigrad.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigrad.autograd.mode import (detect_anomaly, enable_grad, inference_mode, is_anomaly_enabled,
                                    is_grad_enabled, is_inference_mode_enabled, no_grad, record_backward_graph,
                                    set_anomaly_enabled, set_detect_anomaly, set_grad_enabled)

__all__ = ["Tensor", "as_tensor", "Function", "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
           "no_grad", "enable_grad", "detect_anomaly", "record_backward_graph", "is_grad_enabled",
           "is_anomaly_enabled", "queue_callback", "set_grad_enabled", "inference_mode", "is_inference_mode_enabled",
           "set_anomaly_enabled", "set_detect_anomaly", "FunctionCtx", "once_differentiable"]
