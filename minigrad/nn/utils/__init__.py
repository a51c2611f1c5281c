"""``minigrad.nn.utils``: PyTorch's ``torch.nn.utils`` helpers: gradient clipping, the parameters as one vector,
(in ``rnn``) padding and packing sequences of different lengths, and weight reparametrizations: ``parametrize``
(register_parametrization...), ``parametrizations`` (weight_norm, spectral_norm, orthogonal) and the older
hook forms ``weight_norm`` / ``spectral_norm`` (with ``remove_weight_norm`` / ``remove_spectral_norm``)."""
from minigrad.autograd.grad_clip import (clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,
                                         get_total_norm)
from minigrad.nn.utils import parametrizations, parametrize, rnn
from minigrad.nn.utils.norm_hooks import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm
from minigrad.nn.utils.parameter_vector import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm", "rnn",
           "spectral_norm", "vector_to_parameters", "weight_norm"]
