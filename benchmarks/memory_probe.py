"""Child process of case 6: run a training and report its memory as one JSON line.

    python -m benchmarks.memory_probe cli  RESULT.json -- <minigrad train options>
    python -m benchmarks.memory_probe loop RESULT.json SAMPLES EPOCHS BATCH

``cli`` runs ``minigrad.cli.main(["train", ...])`` (the ``minigrad train``
command itself, in this process) and records the resident set size (VmRSS of
/proc/self/status) each time the command prints its ``epoch k/E`` line,
i.e. after the epoch's training, evaluation and checkpoint (the plots come after the last).
``loop`` is the equivalent loop written with the public API (used when the MNIST
files are not available): synthetic float32 data of MNIST's shape, the
default model (784-1000-50-10 ReLU MLP, dropout 0.2), Adam, batch 128, RSS after
each epoch. Both record the peak (VmHWM, the kernel's high-water mark of the
resident set, read at the end; ``ru_maxrss`` where /proc is missing).
"""
from __future__ import annotations

import json
import re
import resource
import sys
import time


def _status_kb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mb():
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024


def peak_mb():
    kb = _status_kb("VmHWM")
    if kb is None:  # no /proc: ru_maxrss is in KiB on Linux, bytes on macOS
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if sys.platform == "darwin":
            kb //= 1024
    return kb / 1024


class _EpochWatcher:
    """A stdout proxy: passes text through and samples RSS at every ``epoch k/E`` line."""

    pattern = re.compile(r"^epoch\s+(\d+)/(\d+)")

    def __init__(self, stream, samples):
        self.stream, self.samples, self.buffer = stream, samples, ""

    def write(self, text):
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            m = self.pattern.match(line.strip())
            if m:
                self.samples.append({"epoch": int(m.group(1)), "rss_mb": rss_mb(), "t": time.perf_counter()})
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


def run_cli(options):
    from minigrad.cli import main

    samples = []
    real = sys.stdout
    sys.stdout = _EpochWatcher(real, samples)
    try:
        status = main(["train", *options])
    finally:
        sys.stdout = real
    return {"mode": "cli", "exit_status": status, "epochs": samples}


def run_loop(n, epochs, batch):
    import numpy as np

    import minigrad as mg
    from minigrad import nn, optim
    from minigrad.data import ArrayDataset, DataLoader
    from minigrad.nn import functional as F

    rng = np.random.default_rng(0)
    train = ArrayDataset(rng.random((n, 784), dtype=np.float32), rng.integers(0, 10, n))
    test_x = rng.random((max(1, n // 6), 784), dtype=np.float32)   # MNIST: 60000 train + 10000 test
    mg.manual_seed(0)
    model = nn.Network(nn.Linear(784, 1000), nn.ReLU(), nn.Dropout(0.2), nn.Linear(1000, 50), nn.ReLU(),
                       nn.Dropout(0.2), nn.Linear(50, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(train, batch_size=batch, shuffle=True, seed=0)
    samples = []
    for epoch in range(1, epochs + 1):
        model.train()
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        model.eval()
        with mg.no_grad():
            for s in range(0, len(test_x), 1000):
                model(mg.Tensor(test_x[s:s + 1000]))
        samples.append({"epoch": epoch, "rss_mb": rss_mb(), "t": time.perf_counter()})
    return {"mode": "loop", "exit_status": 0, "epochs": samples}


def main(argv):
    mode, out = argv[0], argv[1]
    start_rss = rss_mb()
    if mode == "cli":
        rest = argv[2:]
        result = run_cli(rest[1:] if rest[:1] == ["--"] else rest)
    else:
        result = run_loop(int(argv[2]), int(argv[3]), int(argv[4]))
    result["rss_at_start_mb"] = start_rss
    result["peak_mb"] = peak_mb()
    result["final_rss_mb"] = rss_mb()
    from minigrad.atomic import atomic_write_bytes

    atomic_write_bytes(out, json.dumps(result).encode())


if __name__ == "__main__":
    main(sys.argv[1:])
