"""Train a small CNN on MNIST with minigrad's public API: two convolutions, two poolings, two dense layers.

    python examples/mnist_cnn.py --data-dir ../shared/data            # 6 epochs, no augmentation
    python examples/mnist_cnn.py --data-dir ../shared/data --limit 1000 --epochs 1   # a quick check

`minigrad train --model cnn` trains the same network with a progress bar, metrics, plots and checkpoints,
for 10 epochs and with its training images shifted at random by up to 2 pixels (docs/mnist.md has the run).
"""
import argparse

import minigrad as mg
from minigrad import nn
from minigrad.data import MNIST, DataLoader
from minigrad.nn import functional as F
from minigrad.optim import Adam
from minigrad.optim.lr_scheduler import CosineAnnealingLR

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data-dir", default=None, help="folder holding mnist/ (default: $MINIGRAD_DATA)")
parser.add_argument("--epochs", type=int, default=6)
parser.add_argument("--limit", type=int, default=None, help="use only the first N training images")
args = parser.parse_args()

mg.manual_seed(0)
train_set = MNIST(args.data_dir, train=True, download=False)      # .images: float32 N x 784 in [0, 1]
test_set = MNIST(args.data_dir, train=False, download=False)      # .labels: int64
images, labels = train_set.images[:args.limit], train_set.labels[:args.limit]
loader = DataLoader(mg.data.TensorDataset(images, labels), batch_size=128, shuffle=True, seed=0)

model = nn.Network(
    nn.Unflatten(1, (1, 28, 28)),                                  # N x 784 -> N x 1 x 28 x 28 (NCHW)
    nn.Conv2d(1, 32, kernel_size=3, padding=1, bias=False),        # -> N x 32 x 28 x 28
    nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),                # -> N x 32 x 14 x 14
    nn.Conv2d(32, 64, kernel_size=3, padding=1, bias=False),       # -> N x 64 x 14 x 14
    nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),                # -> N x 64 x 7 x 7
    nn.Flatten(),                                                  # -> N x 3136
    nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.25),
    nn.Linear(128, 10),                                            # logits: cross_entropy applies the log-softmax
)
optimizer = Adam(model.parameters(), lr=1e-3)
schedule = CosineAnnealingLR(optimizer, T_max=args.epochs * len(loader))   # stepped every batch

for epoch in range(1, args.epochs + 1):
    model.train()                          # dropout on, BatchNorm uses batch statistics
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        schedule.step()
        total += loss.item() * len(y)

    model.eval()                           # dropout off, BatchNorm uses its running statistics
    correct = 0
    with mg.no_grad():                     # in batches of 1000: the activations of 10000 images at once would be large
        for start in range(0, len(test_set.labels), 1000):
            logits = model(mg.tensor(test_set.images[start:start + 1000]))
            correct += int((logits.numpy().argmax(axis=1) == test_set.labels[start:start + 1000]).sum())
    accuracy = correct / len(test_set.labels)
    print(f"epoch {epoch}: train loss {total / len(images):.4f}, test accuracy {100 * accuracy:.2f}%")
