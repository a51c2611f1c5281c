"""Train the same MLP on MNIST with every first-order optimizer, from the same seed, and plot them together.

    python examples/compare_optimizers.py --data-dir ../shared/data                # 3 epochs each
    python examples/compare_optimizers.py --data-dir ../shared/data --epochs 2 --hidden 300,100 \\
        --out docs/img/compare_optimizers.png

Each optimizer runs with its default learning rate (the `minigrad train` defaults, listed by
`minigrad train --help`), the same initial weights, dropout masks and batch order. The figure
shows the training loss, the test loss and the test accuracy after each epoch; a table of the
final numbers is printed (Markdown).
"""
import argparse
import tempfile
import time
from pathlib import Path

from minigrad.data import DatasetNotFoundError
from minigrad.train import FIRST_ORDER, OPTIMIZERS, SCHEDULES, ConfigError, TrainConfig, train


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default=None, help="folder holding mnist/ (default: $MINIGRAD_DATA)")
    p.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    p.add_argument("--optimizers", default=",".join(FIRST_ORDER), help="comma-separated names")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--hidden", default="1000,50", help="hidden layer widths")
    p.add_argument("--dropout", type=float, default=0.2)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--schedule", default="none", choices=list(SCHEDULES))
    p.add_argument("--limit-train", type=int, default=None, help="use only the first N training images")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="compare_optimizers.png", help="the figure (PNG)")
    return p.parse_args()


def plot(results, path, title):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minigrad.atomic import atomic_write_bytes

    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    panels = [("train_loss", "training loss (epoch mean)", True), ("test_loss", "test loss", True),
              ("test_acc", "test accuracy (%)", False)]
    for ax, (key, label, log_scale) in zip(axes, panels):
        for name, history in results.items():
            epochs = [row["epoch"] for row in history]
            values = [100 * row[key] if key == "test_acc" else row[key] for row in history]
            ax.plot(epochs, values, "o-", label=name)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_xticks(epochs)
        if log_scale:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
    axes[2].legend(fontsize=8, ncol=2)
    fig.suptitle(title)
    fig.tight_layout()
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    atomic_write_bytes(path, buffer.getvalue())


def main():
    args = parse_args()
    names = [n.strip() for n in args.optimizers.split(",") if n.strip()]
    unknown = [n for n in names if n not in OPTIMIZERS]
    if unknown:
        raise SystemExit(f"compare_optimizers: unknown optimizer(s) {', '.join(unknown)}; "
                         f"choose from {', '.join(OPTIMIZERS)}")
    hidden = tuple(int(h) for h in args.hidden.split(",") if h)
    results, rows = {}, []
    with tempfile.TemporaryDirectory() as work:
        for name in names:
            config = TrainConfig(dataset=args.dataset, data_dir=args.data_dir, hidden=hidden, dropout=args.dropout,
                                 optimizer=name, schedule=args.schedule, epochs=args.epochs,
                                 batch_size=args.batch_size, seed=args.seed, limit_train=args.limit_train,
                                 out=str(Path(work) / name), progress=False, plots=False, log=None)
            start = time.perf_counter()
            try:
                history = train(config).history
            except (ConfigError, DatasetNotFoundError) as exc:   # bad options or no data: one line, no traceback
                raise SystemExit(f"compare_optimizers: {str(exc).splitlines()[0]}") from None
            seconds = time.perf_counter() - start
            results[name] = history
            last = history[-1]
            rows.append((name, OPTIMIZERS[name].lr, last["train_loss"], last["test_loss"], last["test_acc"],
                         seconds / args.epochs))
            print(f"{name:>9}: test accuracy {100 * last['test_acc']:.2f}% after {args.epochs} epochs "
                  f"({seconds / args.epochs:.1f} s/epoch)", flush=True)
    n_train = args.limit_train or "all"
    title = (f"{args.dataset}: {'-'.join(map(str, (784, *hidden, 10)))} MLP, dropout {args.dropout}, "
             f"batch {args.batch_size}, {n_train} training images, schedule {args.schedule}, seed {args.seed}")
    plot(results, args.out, title)
    print(f"\nfigure: {args.out}\n")
    print("| optimizer | lr | train loss | test loss | test accuracy | s/epoch |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, lr, train_loss, test_loss, acc, sec in sorted(rows, key=lambda r: -r[4]):
        print(f"| {name} | {lr:g} | {train_loss:.4f} | {test_loss:.4f} | {100 * acc:.2f}% | {sec:.1f} |")


if __name__ == "__main__":
    main()
