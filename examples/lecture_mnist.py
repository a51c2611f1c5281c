"""The lecture's PyTorch MNIST loop, ported line for line to minigrad.

    python examples/lecture_mnist.py --data-dir ../shared/data            # 2 epochs, as in the lecture

What changes from the PyTorch original (examples/lecture_mnist_pytorch.py):
``torch``/``torchvision`` become ``minigrad``/``minigrad.data``, ``nn.Module``
becomes ``nn.Layer``, ``x.view(-1, n)`` becomes ``x.reshape(-1, n)`` and
``dim=1`` becomes ``axis=1``. The transforms, the DataLoader (batch 64,
shuffled), FirstNet, ``nll_loss`` and the ``train()``/``eval()`` switches are
the same.
"""
from __future__ import annotations

import argparse

import minigrad
from minigrad import nn, optim
from minigrad.data import MNIST, ArrayDataset, DataLoader, transforms
from minigrad.nn import functional as F


class FirstNet(nn.Layer):
    def __init__(self, image_size):
        super().__init__()
        self.image_size = image_size
        self.fc0 = nn.Linear(image_size, 1000)
        self.fc1 = nn.Linear(1000, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = x.reshape(-1, self.image_size)
        x = F.relu(self.fc0(x))
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, axis=1)


def train(model, optimizer, train_loader):
    model.train()
    for data, labels in train_loader:
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, labels)
        loss.backward()
        optimizer.step()


def test(model, test_loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with minigrad.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.numpy().argmax(axis=1)
            correct += int((pred == target.numpy()).sum())
    n = len(test_loader.dataset)
    return test_loss / n, correct / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="folder holding mnist/ (default: $MINIGRAD_DATA)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only (a quick check)")
    args = parser.parse_args()

    minigrad.manual_seed(args.seed)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = MNIST(args.data_dir, train=True, download=False, transform=transform)
    test_set = MNIST(args.data_dir, train=False, download=False, transform=transform)
    if args.limit is not None:
        train_set = ArrayDataset(*(a[:args.limit] for a in train_set.arrays), transform=transform)
    train_loader = DataLoader(train_set, batch_size=64, shuffle=True, seed=args.seed)
    test_loader = DataLoader(test_set, batch_size=1000)

    model = FirstNet(image_size=28 * 28)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        train(model, optimizer, train_loader)
        loss, accuracy = test(model, test_loader)
        print(f"epoch {epoch}: test loss {loss:.4f}, test accuracy {100 * accuracy:.2f}%", flush=True)


if __name__ == "__main__":
    main()
