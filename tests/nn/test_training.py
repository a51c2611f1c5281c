"""End to end: a small ReLU net trained with hand-written SGD learns a non-linear problem (XOR clusters)."""
import numpy as np

import minigrad as mg
from minigrad.nn import BatchNorm1d, Linear, Network, ReLU
from minigrad.nn import functional as F


def _xor_clusters(n_per_cluster=25):
    rng = np.random.default_rng(0)
    centres = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], dtype=np.float32)
    labels = np.array([0, 0, 1, 1])
    x = np.concatenate([c + 0.2 * rng.standard_normal((n_per_cluster, 2)).astype(np.float32) for c in centres])
    return x, np.repeat(labels, n_per_cluster)


def test_mlp_learns_xor_with_plain_sgd():
    mg.manual_seed(0)
    x_np, y_np = _xor_clusters()
    x, y = mg.tensor(x_np), mg.tensor(y_np)
    net = Network(Linear(2, 16), BatchNorm1d(16), ReLU(), Linear(16, 2))
    first_loss = None
    for _ in range(150):
        net.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        first_loss = first_loss if first_loss is not None else loss.item()
        for p in net.parameters():
            p.data -= np.float32(0.3) * p.grad.data
    net.eval()
    with mg.no_grad():
        predictions = net(x).numpy().argmax(axis=1)
    # A linear model cannot beat 50% here; the hidden ReLU layer must have learned the XOR.
    assert (predictions == y_np).mean() == 1.0
    assert loss.item() < 0.1 * first_loss
