"""``minigrad.nn.utils``: PyTorch's ``torch.nn.utils`` helpers: gradient clipping, the parameters as one vector,
and (in ``rnn``) padding and packing sequences of different lengths."""
from minigrad.autograd.grad_clip import clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from minigrad.nn.utils import rnn
from minigrad.nn.utils.parameter_vector import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm", "parameters_to_vector",
           "rnn", "vector_to_parameters"]
