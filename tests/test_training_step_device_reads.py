"""A training step on a GPU waits for it nowhere: no value of the step is read back to the host.

Each read (``float``, ``bool``, ``int``, ``item``, ``tolist`` of a device array) makes the host wait for every
kernel queued before it. Counted on the CuPy stand-in (``-p tools.fake_cupy`` with
``MINIGRAD_TEST_DEVICES=cpu,cuda``, as CI runs it), whose arrays are NumPy's with those reads made countable.
The one read a step may make is an Embedding's index check (CuPy's take would wrap an index out of range).
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

from minigrad import backend

ARRAY_TYPE = getattr(backend, "_FakeCuPyArray", None)   # set by the stand-in's pytest_configure
if ARRAY_TYPE is None:
    pytest.skip("reads back to the host are counted on the CuPy stand-in only (-p tools.fake_cupy, as CI runs it)",
                allow_module_level=True)
READS = ("__float__", "__bool__", "__int__", "__index__", "item", "tolist")


@pytest.fixture
def count_reads(monkeypatch):
    """Count reads back from the stand-in's device arrays; the count is ``counter[0]``."""
    array_type = type(mg.zeros(1, device="cuda").data)
    assert array_type is ARRAY_TYPE
    counter = [0]
    for name in READS:
        original = getattr(np.ndarray, name)

        def read(self, *args, _original=original, **kwargs):
            counter[0] += 1
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(array_type, name, read, raising=False)
    return counter


class _LastStep(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm, self.head = nn.LSTM(3, 5, batch_first=True), nn.Linear(5, 2)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.head(y[:, -1])


def _case(name, device):
    rng = np.random.default_rng(0)
    labels = lambda n, k: mg.tensor(rng.integers(0, k, n), device=device)   # noqa: E731
    data = lambda *shape: mg.tensor(rng.standard_normal(shape).astype(np.float32), device=device)   # noqa: E731
    if name == "mlp":
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
        return model, data(5, 8), labels(5, 4), F.cross_entropy
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Dropout(0.2), nn.Flatten(), nn.Linear(64, 3))
        return model, data(2, 1, 8, 8), labels(2, 3), F.cross_entropy
    if name == "lstm":
        return _LastStep(), data(2, 4, 3), labels(2, 2), F.cross_entropy
    if name == "layer_norm":
        model = nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.LayerNorm(8), nn.Linear(8, 1))
        return model, data(4, 3), data(4, 1), F.smooth_l1_loss
    model = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(8, 2))
    return model, labels(6, 10).reshape(3, 2), labels(3, 2), F.cross_entropy


OPTIMIZERS = [(optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True)), (optim.Adam, dict(lr=1e-3, amsgrad=True)),
              (optim.AdamW, dict(lr=1e-3)), (optim.NAdam, dict(lr=1e-3)), (optim.RAdam, dict(lr=1e-3)),
              (optim.RMSprop, dict(lr=1e-3, centered=True)), (optim.Adagrad, dict(lr=1e-2)),
              (optim.Adamax, dict(lr=1e-3)), (optim.Adadelta, dict())]


@pytest.mark.parametrize("name, allowed", [("mlp", 0), ("cnn", 0), ("lstm", 0), ("layer_norm", 0), ("embedding", 1)])
@pytest.mark.parametrize("opt_class, options", OPTIMIZERS, ids=[o.__name__ for o, _ in OPTIMIZERS])
def test_a_training_step_on_cuda_reads_nothing_back(count_reads, name, allowed, opt_class, options):
    model, x, target, loss_fn = _case(name, "cuda")
    model.to("cuda")
    opt = opt_class(model.parameters(), **options)
    for step in range(3):   # the third step counted: state made, no first-step branches left
        count_reads[0] = 0
        opt.zero_grad()
        loss = loss_fn(model(x), target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    assert count_reads[0] == allowed
    count_reads[0] = 0
    assert np.isfinite(loss.item()) and count_reads[0] == 1   # the counter sees a read
