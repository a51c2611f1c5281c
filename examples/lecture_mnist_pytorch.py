"""The lecture's MNIST loop in PyTorch, for comparison with examples/lecture_mnist.py (needs torch, not torchvision).

    python examples/lecture_mnist_pytorch.py --data-dir ../shared/data

torchvision's ``MNIST`` + ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``
is replaced by the same arithmetic on the IDX files (read with minigrad's reader,
so both scripts see the same bytes); the model, the optimizer, the batches and
the loop are the lecture's.
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

from minigrad.data import MNIST


class FirstNet(nn.Module):
    def __init__(self, image_size):
        super().__init__()
        self.image_size = image_size
        self.fc0 = nn.Linear(image_size, 1000)
        self.fc1 = nn.Linear(1000, 50)
        self.fc2 = nn.Linear(50, 10)

    def forward(self, x):
        x = x.view(-1, self.image_size)
        x = F.relu(self.fc0(x))
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


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
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1)
            correct += int((pred == target).sum())
    n = len(test_loader.dataset)
    return test_loss / n, correct / n


def _split(root, train):
    ds = MNIST(root, train=train, download=False, flatten=False)     # float32 in [0, 1], (N, 28, 28)
    images = (ds.images[:, None, :, :] - np.float32(0.1307)) / np.float32(0.3081)
    return TensorDataset(torch.from_numpy(images), torch.from_numpy(ds.labels))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    train_loader = DataLoader(_split(args.data_dir, True), batch_size=64, shuffle=True)
    test_loader = DataLoader(_split(args.data_dir, False), batch_size=1000)
    model = FirstNet(image_size=28 * 28)
    optimizer = optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        train(model, optimizer, train_loader)
        loss, accuracy = test(model, test_loader)
        print(f"epoch {epoch}: test loss {loss:.4f}, test accuracy {100 * accuracy:.2f}%", flush=True)


if __name__ == "__main__":
    main()
