"""Train a 784-1000-50-10 MLP on MNIST with minigrad's public API, in plain sight.

    python examples/mnist_mlp.py --data-dir ../shared/data            # 8 epochs (minigrad train: 98.52% in 10)
    python examples/mnist_mlp.py --data-dir ../shared/data --limit 2000 --epochs 1   # a quick check

`minigrad train` does the same with a progress bar, metrics, plots and checkpoints.
"""
import argparse

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.data import MNIST, DataLoader
from minigrad.nn import functional as F
from minigrad.optim import Adam
from minigrad.optim.lr_scheduler import CosineAnnealingLR

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data-dir", default=None, help="folder holding mnist/ (default: $MINIGRAD_DATA)")
parser.add_argument("--epochs", type=int, default=8)
parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
args = parser.parse_args()

mg.manual_seed(0)
train_set = MNIST(args.data_dir, train=True, download=False)      # .images: float32 N x 784 in [0, 1]
test_set = MNIST(args.data_dir, train=False, download=False)      # .labels: int64
images, labels = train_set.images[:args.limit], train_set.labels[:args.limit]
loader = DataLoader(mg.data.TensorDataset(images, labels), batch_size=128, shuffle=True, seed=0)

model = nn.Network(
    nn.Linear(784, 1000), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(1000, 50), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(50, 10),                     # logits: cross_entropy applies the log-softmax
)
optimizer = Adam(model.parameters(), lr=1e-3)
schedule = CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))   # stepped every batch

for epoch in range(1, args.epochs + 1):
    model.train()                          # dropout on
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(y)      # a host read per step: fine on the CPU

    model.eval()                           # dropout off
    with mg.no_grad():
        logits = model(mg.tensor(test_set.images))
    accuracy = float(np.mean(logits.numpy().argmax(axis=1) == test_set.labels))
    print(f"epoch {epoch}: train loss {total / len(images):.4f}, test accuracy {100 * accuracy:.2f}%")
