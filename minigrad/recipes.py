"""The building blocks a training run is assembled from: model, optimizer, learning-rate schedule.

``minigrad train`` (and anyone else) builds them by name::

    model = build_mlp(784, (1000, 50), 10, dropout=0.2)
    optimizer = build_optimizer("adam", model.parameters(), lr=None)   # None: the table's default lr
    schedule = build_schedule("cosine", optimizer, total_steps=4690)   # 10 epochs of 469 batches

Every optimizer of :mod:`minigrad.optim` has a name here. The second-order ones
(``lbfgs``, ``newton-cg``, ``cg``, ``bfgs``, ``newton``) take a closure and run
one step per mini-batch. Bad names or values raise :class:`ConfigError`, a
``ValueError`` whose message is one line meant for the user.
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ConfigError", "OptimizerSpec", "OPTIMIZERS", "SCHEDULES",
    "build_mlp", "build_cnn", "build_model", "describe_model", "MODEL_DEFAULTS",
    "build_optimizer", "build_schedule", "describe_mlp",
]


class ConfigError(ValueError):
    """A bad option value: the message is one line, fit to show the user as is."""


@dataclass(frozen=True)
class OptimizerSpec:
    """How to build one optimizer by name.

    ``lr``: the learning rate used when none is given. ``momentum``: the default
    momentum, or ``None`` if the optimizer has no momentum option. ``weight_decay``:
    whether it takes ``weight_decay``. ``closure``: second-order, ``step(closure)``.
    ``options``: fixed keyword arguments.
    """

    class_name: str
    lr: float
    momentum: float | None = None
    weight_decay: bool = True
    closure: bool = False
    options: dict = field(default_factory=dict)


OPTIMIZERS = {
    "sgd": OptimizerSpec("SGD", lr=0.05, momentum=0.9),
    "adagrad": OptimizerSpec("Adagrad", lr=1e-2),
    "rmsprop": OptimizerSpec("RMSprop", lr=1e-3, momentum=0.0),
    "adadelta": OptimizerSpec("Adadelta", lr=1.0),
    "adam": OptimizerSpec("Adam", lr=1e-3),
    "adamw": OptimizerSpec("AdamW", lr=1e-3),
    "adamax": OptimizerSpec("Adamax", lr=2e-3),
    "nadam": OptimizerSpec("NAdam", lr=2e-3),
    "radam": OptimizerSpec("RAdam", lr=1e-3),
    # Second order: one step(closure) per mini-batch, a few iterations each.
    "lbfgs": OptimizerSpec("LBFGS", lr=1.0, weight_decay=False, closure=True,
                           options={"max_iter": 4, "history_size": 10, "line_search_fn": "strong_wolfe"}),
    "newton-cg": OptimizerSpec("NewtonCG", lr=1.0, weight_decay=False, closure=True,
                               options={"max_cg_iter": 10}),
    "cg": OptimizerSpec("ConjugateGradient", lr=1.0, weight_decay=False, closure=True),
    "bfgs": OptimizerSpec("BFGS", lr=1.0, weight_decay=False, closure=True),
    "newton": OptimizerSpec("Newton", lr=1.0, weight_decay=False, closure=True),
}

FIRST_ORDER = tuple(name for name, spec in OPTIMIZERS.items() if not spec.closure)

#: Schedules are stepped once per mini-batch, over the whole run.
SCHEDULES = {
    "none": "constant learning rate",
    "cosine": "cosine decay from lr to 0 over the run",
    "step": "lr divided by 10 after each third of the run",
    "linear": "linear decay from lr to 0 over the run",
    "exponential": "exponential decay from lr to lr/100 over the run",
    "warmup-cosine": "linear warmup from lr/10 over the first 10% of the run, then cosine decay to 0",
}


def build_mlp(in_features: int, hidden, out_features: int, dropout: float = 0.0):
    """``Linear -> ReLU [-> Dropout]`` per hidden width, then a final ``Linear`` giving logits."""
    from minigrad import nn

    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"--dropout must be in [0, 1), got {dropout}")
    layers = []
    width = in_features
    for size in hidden:
        if int(size) < 1:
            raise ConfigError(f"--hidden: layer widths must be positive integers, got {size}")
        layers += [nn.Linear(width, int(size)), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = int(size)
    layers.append(nn.Linear(width, out_features))
    return nn.Network(*layers)


#: The defaults of each ``--model`` (an option the user gives wins). The MLP's are the original
#: ``minigrad train`` defaults. The CNN's: Adam at 1e-3 with cosine decay, dropout 0.25 before
#: the last layer and 6 epochs reach 99.3%+ on MNIST (docs/mnist.md has the run).
MODEL_DEFAULTS = {
    "mlp": {"hidden": (1000, 50), "dropout": 0.2, "optimizer": "adam", "schedule": "cosine", "epochs": 10},
    "cnn": {"hidden": (128,), "dropout": 0.25, "optimizer": "adam", "schedule": "cosine", "epochs": 6},
}


def build_cnn(image_shape, hidden, out_features: int, dropout: float = 0.0):
    """conv(C->32, 3x3, pad 1)-BN-ReLU-maxpool 2 - conv(32->64, 3x3, pad 1)-BN-ReLU-maxpool 2, then the MLP head.

    Takes flat images (N, C*H*W) like the MLP (an ``Unflatten`` first); the head is
    ``Linear -> ReLU [-> Dropout]`` per ``hidden`` width and a final ``Linear``:
    with hidden (128,) the classic 3136-128-10 for 28x28 images.
    """
    from minigrad import nn

    if not 0.0 <= dropout < 1.0:
        raise ConfigError(f"--dropout must be in [0, 1), got {dropout}")
    c, h, w = image_shape
    # BatchNorm after each convolution (its shift makes the convolution's bias redundant):
    # without it the same run ended at 99.14% after 6 epochs (docs/mnist.md).
    layers = [nn.Unflatten(1, (c, h, w)),
              nn.Conv2d(c, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
              nn.Flatten()]
    width = 64 * (h // 4) * (w // 4)
    for size in hidden:
        if int(size) < 1:
            raise ConfigError(f"--hidden: layer widths must be positive integers, got {size}")
        layers += [nn.Linear(width, int(size)), nn.ReLU()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout))
        width = int(size)
    layers.append(nn.Linear(width, out_features))
    return nn.Network(*layers)


def build_model(model: str, in_features: int, hidden, out_features: int, dropout: float = 0.0):
    """``build_mlp`` or ``build_cnn`` (square one-channel images of ``in_features`` pixels) by name."""
    if model == "mlp":
        return build_mlp(in_features, hidden, out_features, dropout)
    if model == "cnn":
        side = int(round(in_features ** 0.5))
        if side * side != in_features:
            raise ConfigError(f"--model cnn needs square images, got {in_features} pixels")
        return build_cnn((1, side, side), hidden, out_features, dropout)
    raise ConfigError(f"--model: unknown model {model!r} (choose from {', '.join(MODEL_DEFAULTS)})")


def describe_model(model: str, in_features: int, hidden, out_features: int) -> str:
    """``"784-1000-50-10 ReLU MLP"`` or ``"conv32-pool-conv64-pool-3136-128-10 CNN"``."""
    if model == "cnn":
        side = int(round(in_features ** 0.5))
        flat = 64 * (side // 4) ** 2
        return f"conv32-bn-pool-conv64-bn-pool-{describe_mlp(flat, hidden, out_features)} CNN"
    return f"{describe_mlp(in_features, hidden, out_features)} ReLU MLP"


def describe_mlp(in_features: int, hidden, out_features: int) -> str:
    """``"784-1000-50-10"``."""
    return "-".join(str(n) for n in (in_features, *hidden, out_features))


def build_optimizer(name: str, params, lr=None, momentum=None, weight_decay: float = 0.0):
    """The optimizer called ``name`` over ``params``; ``None`` options take the table's defaults."""
    from minigrad import optim

    spec = OPTIMIZERS.get(name)
    if spec is None:
        raise ConfigError(f"--optimizer: unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})")
    kwargs = dict(spec.options)
    kwargs["lr"] = spec.lr if lr is None else float(lr)
    if not kwargs["lr"] > 0:
        raise ConfigError(f"--lr must be positive, got {kwargs['lr']}")
    if momentum is not None:
        if spec.momentum is None:
            raise ConfigError(f"--momentum: optimizer {name!r} has no momentum option "
                              f"(sgd and rmsprop have one)")
        if not 0.0 <= momentum < 1.0:
            raise ConfigError(f"--momentum must be in [0, 1), got {momentum}")
    if spec.momentum is not None:
        kwargs["momentum"] = spec.momentum if momentum is None else float(momentum)
    if weight_decay:
        if not spec.weight_decay:
            raise ConfigError(f"--weight-decay: optimizer {name!r} has no weight decay option")
        if weight_decay < 0:
            raise ConfigError(f"--weight-decay must be >= 0, got {weight_decay}")
        kwargs["weight_decay"] = float(weight_decay)
    try:
        return getattr(optim, spec.class_name)(list(params), **kwargs)
    except ValueError as exc:
        # e.g. BFGS and Newton refuse models with too many parameters, in one line of their own.
        raise ConfigError(f"--optimizer {name}: {exc}") from None


def build_schedule(name: str, optimizer, total_steps: int):
    """The learning-rate schedule ``name`` (see :data:`SCHEDULES`), stepped once per batch; ``None`` for "none"."""
    from minigrad.optim import lr_scheduler as S

    if name not in SCHEDULES:
        raise ConfigError(f"--schedule: unknown schedule {name!r} (choose from {', '.join(SCHEDULES)})")
    total = max(1, int(total_steps))
    if name == "none":
        return None
    if name == "cosine":
        return S.CosineAnnealingLR(optimizer, T_max=total)
    if name == "step":
        return S.StepLR(optimizer, step_size=max(1, -(-total // 3)), gamma=0.1)
    if name == "linear":
        return S.LinearLR(optimizer, end_factor=0.0, total_iters=total)
    if name == "exponential":
        return S.ExponentialLR(optimizer, gamma=0.01 ** (1.0 / total))
    warmup = max(1, total // 10)
    return S.SequentialLR(
        optimizer,
        [S.LinearWarmup(optimizer, warmup_iters=warmup, start_factor=0.1),
         S.CosineAnnealingLR(optimizer, T_max=max(1, total - warmup))],
        milestones=[warmup],
    )
