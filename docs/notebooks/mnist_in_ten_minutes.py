# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # MNIST in ten minutes
#
# A multilayer perceptron learns to read handwritten digits: the data, the model and
# its summary, a training loop written out in full, the learning curves, and a look at
# the digits it still gets wrong. On a laptop CPU the full setting takes a few minutes;
# `minigrad train` ([docs/mnist.md](../mnist.md)) runs the same kind of model with
# checkpoints, schedules and plots.
#
# The data: MNIST is read from `$MINIGRAD_DATA` (default `$XDG_CACHE_HOME/minigrad` or
# `~/.cache/minigrad`) and downloaded there on first use. `MINIGRAD_NOTEBOOK_TINY=1` trains on 2,000 images for
# two epochs (CI runs it that way).

# %%
import os
import time

import io

import numpy as np
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import minigrad as mg
from minigrad import nn, optim, viz
from minigrad.data import MNIST, ArrayDataset, DataLoader
from minigrad.nn import functional as F

TINY = os.environ.get("MINIGRAD_NOTEBOOK_TINY") == "1"
N_TRAIN, N_TEST, EPOCHS, HIDDEN = (2000, 1000, 2, 64) if TINY else (60000, 10000, 5, 256)
mg.manual_seed(0)


def new_figure(width, height):
    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def show(figure):
    """Display a figure made without pyplot (so nothing depends on the notebook's matplotlib backend)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    display(Image(data=buffer.getvalue()))


# %% [markdown]
# ## 1. The data
#
# 28 × 28 grey images, flattened to 784 floats in [0, 1], with labels 0-9.

# %%
train_set, test_set = MNIST(train=True), MNIST(train=False)
train_images, train_labels = train_set.images[:N_TRAIN], train_set.labels[:N_TRAIN]
test_images, test_labels = test_set.images[:N_TEST], test_set.labels[:N_TEST]
print("train", train_images.shape, train_images.dtype, " test", test_images.shape)

figure = new_figure(8, 1.2)
for i in range(10):
    ax = figure.add_subplot(1, 10, i + 1)
    ax.imshow(train_images[i].reshape(28, 28), cmap="gray_r")
    ax.set_title(str(train_labels[i]))
    ax.set_axis_off()
show(figure)

# %% [markdown]
# ## 2. The model
#
# Two hidden layers with ReLU; the output layer gives 10 logits, one per digit, and the
# loss (`cross_entropy`) applies the softmax itself. `nn.summary` runs the model once on a
# made-up batch and lists each layer's output shape and parameter count.

# %%
model = nn.Network(nn.Linear(784, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, HIDDEN // 2), nn.ReLU(),
                   nn.Linear(HIDDEN // 2, 10))
print(nn.summary(model, (128, 784)))

# %% [markdown]
# The graph of one loss, drawn by `minigrad.viz` (a `Linear` followed by a `ReLU` runs
# as one fused `AffineReLU` node):

# %%
x, y = mg.tensor(train_images[:8]), train_labels[:8]
x.name = "images"
viz.draw(F.cross_entropy(model(x), y), names=model)

# %% [markdown]
# ## 3. Training
#
# Each step: a shuffled mini-batch, the forward pass, `loss.backward()`, and an Adam step.
# After each epoch we measure the loss and accuracy on the held-out test images.

# %%
def evaluate(model, images, labels):
    model.eval()
    with mg.no_grad():
        logits = model(mg.tensor(images))
        loss = float(F.cross_entropy(logits, labels))
        predictions = logits.numpy().argmax(axis=1)
    model.train()
    return loss, float((predictions == labels).mean()), predictions


optimizer = optim.Adam(model.parameters(), lr=2e-3)
loader = DataLoader(ArrayDataset(train_images, train_labels), batch_size=64, shuffle=True, seed=0)
history = {"step": [], "train_loss": [], "epoch": [], "test_loss": [], "test_accuracy": []}
step, started = 0, time.perf_counter()
for epoch in range(1, EPOCHS + 1):
    for images, labels in loader:
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
        history["step"].append(step)
        history["train_loss"].append(float(loss))
    test_loss, test_accuracy, predictions = evaluate(model, test_images, test_labels)
    history["epoch"].append(step)
    history["test_loss"].append(test_loss)
    history["test_accuracy"].append(test_accuracy)
    print(f"epoch {epoch}: test loss {test_loss:.4f}, test accuracy {100 * test_accuracy:.2f}% "
          f"({time.perf_counter() - started:.0f} s)")
assert history["test_accuracy"][-1] > (0.80 if TINY else 0.97)

# %% [markdown]
# ## 4. Learning curves

# %%
figure = new_figure(10, 3.5)
left, right = figure.add_subplot(1, 2, 1), figure.add_subplot(1, 2, 2)
left.plot(history["step"], history["train_loss"], alpha=0.5, label="train (per batch)")
left.plot(history["epoch"], history["test_loss"], "o-", label="test")
left.set_xlabel("step")
left.set_ylabel("cross-entropy")
left.set_yscale("log")
left.legend()
right.plot(range(1, EPOCHS + 1), [100 * a for a in history["test_accuracy"]], "o-")
right.set_xlabel("epoch")
right.set_ylabel("test accuracy (%)")
figure.tight_layout()
show(figure)

# %% [markdown]
# ## 5. What it gets wrong
#
# The misclassified test digits, with the model's guess and the true label. Many are
# digits a person would hesitate over too; the confusion counts show which pairs are hard.

# %%
wrong = np.flatnonzero(predictions != test_labels)
print(f"{len(wrong)} of {len(test_labels)} test digits misclassified")
figure = new_figure(9, 2.4)
for k, i in enumerate(wrong[:16]):
    ax = figure.add_subplot(2, 8, k + 1)
    ax.imshow(test_images[i].reshape(28, 28), cmap="gray_r")
    ax.set_title(f"{predictions[i]} (is {test_labels[i]})", fontsize=8)
    ax.set_axis_off()
figure.tight_layout()
show(figure)

# %%
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (test_labels, predictions), 1)
pairs = sorted(((confusion[t, p], t, p) for t in range(10) for p in range(10) if t != p), reverse=True)
for count, true, guess in pairs[:5]:
    print(f"{true} read as {guess}: {count} times")
