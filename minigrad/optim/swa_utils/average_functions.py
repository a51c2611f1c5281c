"""The averaging rules of ``AveragedModel``: one array at a time (``avg_fn``) or a list in place (``multi_avg_fn``).

They take backend arrays (NumPy or CuPy) and the number of models averaged so far as a Python
int. The one-array rules return a new array and are :mod:`minigrad.optim.averaging`'s; the list
rules update in place through lerps rounded as PyTorch's ``torch._foreach_lerp_``.
"""

from minigrad import backend
from minigrad.optim.averaging import ema_average, swa_average
from minigrad.optim.lerp import lerp_


def _check_decay(decay):
    if not 0.0 <= decay <= 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")


def _is_floating(array):
    return array.dtype.kind in "fc"


def as_torch_float(array):
    """An integer array (a counter buffer, with ``use_buffers=True``) in the default float dtype, as torch averages
    integer buffers (then truncates back); floating arrays as they are."""
    return array if _is_floating(array) else array.astype(backend.DEFAULT_FLOAT)


def get_ema_avg_fn(decay=0.999):
    """``avg_fn(ema, current, n) = decay * ema + (1 - decay) * current`` (a new array)."""
    _check_decay(decay)
    decay = float(decay)   # a NumPy scalar (np.float64) would make the float32 arithmetic float64

    def ema_update(ema_param, current_param, num_averaged):
        # decay*ema + (1-decay)*current
        return ema_average(as_torch_float(ema_param), as_torch_float(current_param), decay)

    return ema_update


def get_swa_avg_fn():
    """``avg_fn(avg, current, n) = avg + (current - avg) / (n + 1)`` (a new array): the mean of n + 1 models."""

    def swa_update(averaged_param, current_param, num_averaged):
        # avg + (current - avg)/(n+1)
        return swa_average(as_torch_float(averaged_param), as_torch_float(current_param), num_averaged)

    return swa_update


def get_ema_multi_avg_fn(decay=0.999):
    """``multi_avg_fn(emas, currents, n)``: each ``ema = ema + (1 - decay)(current - ema)`` in place."""
    _check_decay(decay)
    decay = float(decay)   # as in get_ema_avg_fn

    def ema_update(ema_param_list, current_param_list, _):
        for ema, current in zip(ema_param_list, current_param_list):
            if _is_floating(ema):
                lerp_(ema, current, 1 - decay)                    # ema + (1-decay)(current - ema)
            else:                                                 # integer buffers: rounded toward 0, as torch's copy_
                ema[...] = ema_average(as_torch_float(ema), as_torch_float(current), decay)

    return ema_update


def get_swa_multi_avg_fn():
    """``multi_avg_fn(avgs, currents, n)``: each ``avg = avg + (current - avg) / (n + 1)`` in place."""

    def swa_update(averaged_param_list, current_param_list, num_averaged):
        for avg, current in zip(averaged_param_list, current_param_list):
            if _is_floating(avg):
                lerp_(avg, current, 1 / (int(num_averaged) + 1))  # avg + (current - avg)/(n+1)
            else:
                avg[...] = swa_average(as_torch_float(avg), as_torch_float(current), int(num_averaged))

    return swa_update
