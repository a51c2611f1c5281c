"""float32 stays float32 through a whole MLP training step: outputs, losses and every gradient."""
import numpy as np

import minigrad as mg
from minigrad.nn import BatchNorm1d, Dropout, Linear, Network, ReLU, Tanh
from minigrad.nn import functional as F


def test_mlp_forward_backward_stays_float32(device):
    mg.manual_seed(0)
    net = Network(Linear(20, 16), BatchNorm1d(16), ReLU(), Dropout(0.2), Linear(16, 8), Tanh(),
                  Linear(8, 3)).to(device)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((10, 20)).astype(np.float32), requires_grad=True, device=device)
    target = mg.tensor(rng.integers(0, 3, 10), device=device)
    logits = net(x)
    losses = [F.cross_entropy(logits, target, label_smoothing=0.1),
              F.nll_loss(F.log_softmax(logits), target),
              F.mse_loss(F.softmax(logits), mg.zeros(10, 3, device=device)),
              F.binary_cross_entropy_with_logits(logits, mg.ones(10, 3, device=device)),
              F.l1_loss(logits, mg.zeros(10, 3, device=device))]
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    total.backward()
    arrays = [logits.data, total.data, x.grad.data] + [loss.data for loss in losses]
    arrays += [p.data for p in net.parameters()] + [p.grad.data for p in net.parameters()]
    counters = [b for name, b in net.named_buffers() if name.endswith("num_batches_tracked")]
    assert [int(b.item()) for b in counters] == [1] and counters[0].dtype == np.int64  # PyTorch's batch count
    arrays += [b.data for name, b in net.named_buffers() if not name.endswith("num_batches_tracked")]
    assert all(a.dtype == np.float32 for a in arrays), [a.dtype for a in arrays]
    assert all(np.isfinite(mg.backend.to_numpy(a)).all() for a in arrays)
