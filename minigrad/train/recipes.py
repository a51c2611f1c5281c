"""The building blocks a training run is assembled from: model, optimizer, learning-rate schedule.

Each takes options that :meth:`TrainConfig.resolved` has already checked and
filled in; nothing here validates an option again::

    config = TrainConfig(optimizer="adam").resolved()        # lr None -> adam's 1e-3
    model = build_mlp(784, config.hidden, 10, config.dropout)
    optimizer = build_optimizer(config, model.parameters())
    schedule = build_schedule(config.schedule, optimizer, total_steps=4690)   # 10 epochs of 469 batches

Every optimizer of :mod:`minigrad.optim` but Rprop and ASGD has a name in
:data:`OPTIMIZERS` (why not those two: see there). The second-order ones (``lbfgs``,
``newton-cg``, ``cg``, ``bfgs``, ``newton``) take a closure and run one step per mini-batch.
"""
from __future__ import annotations

from minigrad.train.config import OPTIMIZERS, ConfigError

__all__ = ["build_mlp", "build_cnn", "build_model", "build_optimizer", "build_schedule", "describe_mlp",
           "describe_model"]


def build_mlp(in_features: int, hidden, out_features: int, dropout: float = 0.0):
    """``Linear -> ReLU [-> Dropout]`` per hidden width, then a final ``Linear`` giving logits."""
    from minigrad import nn

    layers = []
    width = in_features
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = size
    layers.append(nn.Linear(width, out_features))
    return nn.Network(*layers)


def build_cnn(image_shape, hidden, out_features: int, dropout: float = 0.0):
    """conv(C->32, 3x3, pad 1)-BN-ReLU-maxpool 2 - conv(32->64, 3x3, pad 1)-BN-ReLU-maxpool 2, then the MLP head.

    Takes flat images (N, C*H*W) like the MLP (an ``Unflatten`` first); the head is
    ``Linear -> ReLU [-> Dropout]`` per ``hidden`` width and a final ``Linear``:
    with hidden (128,) the classic 3136-128-10 for 28x28 images.
    """
    from minigrad import nn

    c, h, w = image_shape
    # BatchNorm after each convolution (its shift makes the convolution's bias redundant):
    # without it the 6-epoch run of the earlier default (no augmentation) ended at 99.14% (docs/mnist.md).
    layers = [nn.Unflatten(1, (c, h, w)),
              nn.Conv2d(c, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
              nn.Flatten()]
    head = build_mlp(64 * (h // 4) * (w // 4), hidden, out_features, dropout)
    return nn.Network(*layers, *head)  # one flat stack: parameters named by position, as before


def build_model(config, in_features: int, out_features: int):
    """The ``--model`` network: :func:`build_mlp`, :func:`build_cnn` for square one-channel images of
    ``in_features`` pixels, or for "lstm" a ``RowLSTMClassifier`` of width ``hidden[0]``."""
    if config.model == "cnn":
        return build_cnn((1, _side(in_features, "cnn"), _side(in_features, "cnn")), config.hidden, out_features,
                         config.dropout)
    if config.model == "lstm":
        from minigrad.nn.sequence_classifier import RowLSTMClassifier

        if in_features != 784:
            raise ConfigError(f"--model lstm reads 28x28 images, got {in_features} features")
        return RowLSTMClassifier(28, 28, config.hidden[0], out_features)
    return build_mlp(in_features, config.hidden, out_features, config.dropout)


def describe_model(config, in_features: int, out_features: int) -> str:
    """``"784-1000-50-10 ReLU MLP"``, ``"conv32-bn-pool-conv64-bn-pool-3136-128-10 CNN"`` or
    ``"LSTM(28, 128) over 28 rows, linear head to 10"``."""
    if config.model == "cnn":
        side = _side(in_features, "cnn")
        return f"conv32-bn-pool-conv64-bn-pool-{describe_mlp(64 * (side // 4) ** 2, config.hidden, out_features)} CNN"
    if config.model == "lstm":
        return f"LSTM(28, {config.hidden[0]}) over 28 rows, linear head to {out_features}"
    return f"{describe_mlp(in_features, config.hidden, out_features)} ReLU MLP"


def _side(in_features, model):
    side = int(round(in_features ** 0.5))
    if side * side != in_features:
        raise ConfigError(f"--model {model} needs square images, got {in_features} pixels")
    return side


def describe_mlp(in_features: int, hidden, out_features: int) -> str:
    """``"784-1000-50-10"``."""
    return "-".join(str(n) for n in (in_features, *hidden, out_features))


def build_optimizer(config, params):
    """The optimizer ``config.optimizer`` over ``params``, with the resolved ``lr``, ``momentum``, ``weight_decay``."""
    from minigrad import optim

    spec = OPTIMIZERS[config.optimizer]
    kwargs = dict(spec.options, lr=config.lr)
    if spec.momentum is not None:
        kwargs["momentum"] = config.momentum
    if config.weight_decay:
        kwargs["weight_decay"] = config.weight_decay
    try:
        return getattr(optim, spec.class_name)(list(params), **kwargs)
    except ValueError as exc:
        # e.g. BFGS and Newton refuse models with too many parameters, in one line of their own.
        raise ConfigError(f"--optimizer {config.optimizer}: {exc}") from None


def build_schedule(name: str, optimizer, total_steps: int):
    """The learning-rate schedule ``name`` (see :data:`SCHEDULES`), stepped once per batch; ``None`` for "none"."""
    from minigrad.optim import lr_scheduler as S

    total = max(1, int(total_steps))
    if name == "none":
        return None
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=total)
    if name == "step":
        return S.StepLR(optimizer, step_size=max(1, -(-total // 3)), gamma=0.1)
    if name == "linear":
        return S.LinearDecayLR(optimizer, end_lr=0.0, total_iters=total)
    if name == "exponential":
        return S.ExponentialLR(optimizer, gamma=0.01 ** (1.0 / total))
    if name == "warmup-cosine":
        warmup = max(1, total // 10)
        return S.SequentialLR(
            optimizer,
            [S.LinearWarmup(optimizer, warmup_iters=warmup, start_factor=0.1),
             S.CosineAnnealingLR(optimizer, T_max=max(1, total - warmup))],
            milestones=[warmup],
        )
    if name == "onecycle":
        # Momentum is cycled where the optimizer uses one: betas, or a momentum the user switched on
        # (PyTorch would also switch on the momentum of an SGD built without).
        group = optimizer.param_groups[0]
        cycle = "betas" in group or float(group.get("momentum", 0.0)) > 0
        return S.OneCycleLR(optimizer, max_lr=float(group["lr"]), total_steps=total, cycle_momentum=cycle)
    raise KeyError(name)   # TrainConfig.resolved() lets only the names of SCHEDULES through
