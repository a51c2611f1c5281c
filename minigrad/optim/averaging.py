"""Weight averaging: a running mean (Polyak averaging / SWA) or an EMA of parameters."""

from contextlib import contextmanager

from minigrad.autograd.write_stamps import mark_written
from minigrad.backend import device_of, to_device


def swa_average(avg, theta, n):
    """The mean of ``n`` iterates ``avg`` and one more, ``theta``: ``avg + (theta - avg) / (n + 1)`` (a new array).

    ``torch.optim.swa_utils``'s equal-weight average rounds the same way (``get_swa_avg_fn``)."""
    return avg + (theta - avg) / (n + 1)


def ema_average(avg, theta, decay):
    """The exponential moving average ``decay * avg + (1 - decay) * theta`` (a new array); ``get_ema_avg_fn``'s."""
    return decay * avg + (1 - decay) * theta


class AveragedModel:
    r"""Keep an average of a model's parameters over training.

    ``model`` is anything whose ``parameters()`` returns Tensors (this module
    knows nothing of layers). Each :meth:`update_parameters` folds in the
    current values, after the first call which copies them:

    * ``decay=None``: the arithmetic mean of the iterates (Polyak averaging,
      SWA): ``avg = avg + (theta - avg) / (n + 1)``, with ``n`` counted in
      ``n_averaged``.
    * ``decay`` a float in [0, 1]: an exponential moving average
      ``avg = decay * avg + (1 - decay) * theta``.

    Evaluate with the averages by :meth:`copy_to` (overwrites the model) or
    ``with averaged.swapped_in(model): ...`` (restores the model's own weights
    on exit).

    Unlike ``torch.optim.swa_utils.AveragedModel`` (which is
    :class:`minigrad.optim.swa_utils.AveragedModel`) this is not a copy of the
    model that can be called; it holds only the averaged arrays (buffers such
    as batch-norm statistics are not averaged).
    """

    def __init__(self, model, decay=None):
        if decay is not None and not 0.0 <= float(decay) <= 1.0:
            raise ValueError(f"AveragedModel: decay must be None or in [0, 1], got {decay}")
        if not callable(getattr(model, "parameters", None)):   # e.g. model.named_parameters(), a generator
            raise TypeError(f"AveragedModel: model must have parameters() (a layer), got {type(model).__name__}; "
                            "pass the model itself, not model.parameters() or model.named_parameters()")
        self.decay = None if decay is None else float(decay)
        params = list(model.parameters())
        if not params:
            raise ValueError("AveragedModel: the model has no parameters")
        # the averages start as copies so that copy_to works even before the first update
        self.averages = [p.data.copy() for p in params]
        self.n_averaged = 0

    def _params_matching(self, model):
        """The model's parameters, checked against the averages' shapes."""
        params = list(model.parameters())
        if len(params) != len(self.averages):
            raise ValueError(f"AveragedModel: model has {len(params)} parameters, "
                             f"but {len(self.averages)} are averaged")
        for i, (p, avg) in enumerate(zip(params, self.averages)):
            if tuple(p.shape) != tuple(avg.shape):
                raise ValueError(f"AveragedModel: parameter {i} has shape {tuple(p.shape)}, "
                                 f"but its average has shape {tuple(avg.shape)}")
        return params

    def update_parameters(self, model):
        """Fold the model's current parameter values into the averages."""
        params = self._params_matching(model)
        n = self.n_averaged
        for p, avg in zip(params, self.averages):
            theta = p.data
            if n == 0:
                avg[...] = theta                            # avg = theta_1
            elif self.decay is None:
                avg[...] = swa_average(avg, theta, n)       # avg = avg + (theta - avg)/(n+1)
            else:
                avg[...] = ema_average(avg, theta, self.decay)   # avg = decay*avg + (1-decay)*theta
        self.n_averaged = n + 1

    def copy_to(self, model):
        """Overwrite the model's parameters (in place) with the averages."""
        params = self._params_matching(model)
        for p, avg in zip(params, self.averages):
            p.data[...] = avg
        mark_written(*[p.data for p in params])  # a graph recorded before must not use the new values

    @contextmanager
    def swapped_in(self, model):
        """Use the averages inside the ``with`` block, then restore the model's own weights."""
        params = self._params_matching(model)
        saved = [p.data.copy() for p in params]
        self.copy_to(model)
        try:
            yield model
        finally:
            for p, own in zip(params, saved):
                p.data[...] = own
            mark_written(*[p.data for p in params])

    def state_dict(self):
        """``{"n_averaged": int, "decay": float or None, "averages": [array copies]}``."""
        return {"n_averaged": self.n_averaged, "decay": self.decay,
                "averages": [avg.copy() for avg in self.averages]}

    def load_state_dict(self, state_dict):
        """Restore averages saved by :meth:`state_dict`, onto the current arrays' devices and dtypes."""
        saved = list(state_dict["averages"])
        if len(saved) != len(self.averages):
            raise ValueError(f"AveragedModel.load_state_dict: {len(saved)} saved averages, "
                             f"but {len(self.averages)} parameters")
        for i, (avg, value) in enumerate(zip(self.averages, saved)):
            if tuple(value.shape) != tuple(avg.shape):
                raise ValueError(f"AveragedModel.load_state_dict: saved average {i} has shape "
                                 f"{tuple(value.shape)}, expected {tuple(avg.shape)}")
        for avg, value in zip(self.averages, saved):
            avg[...] = to_device(value, device_of(avg))  # the assignment casts to avg's dtype
        self.n_averaged = int(state_dict["n_averaged"])
        decay = state_dict.get("decay")
        self.decay = None if decay is None else float(decay)
