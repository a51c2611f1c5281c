"""`minigrad train`: help, a short real run and its files, every optimizer by name, bad options."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from training_helpers import data_root, is_png, read_metrics, run_python  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.cli import main  # noqa: E402
from minigrad.train.config import OPTIMIZERS  # noqa: E402
from minigrad.train.recipes import build_mlp  # noqa: E402
from minigrad.train.records import COLUMNS  # noqa: E402


def _train(tmp_path, *extra, out="out"):
    return main(["train", "--data-dir", str(data_root()), "--out", str(tmp_path / out), "--no-progress", *extra])


def _one_error_line(err: str) -> str:
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    return lines[0]


def test_help_lists_options_and_every_optimizer(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for option in ("--dataset", "--data-dir", "--hidden", "--dropout", "--optimizer", "--lr", "--momentum",
                   "--weight-decay", "--schedule", "--epochs", "--batch-size", "--device", "--seed",
                   "--checkpoint", "--resume", "--out", "--limit-train", "--no-progress"):
        assert option in out
    for name in OPTIMIZERS:
        assert name in out
    assert "MINIGRAD_DATA" in out


def test_help_names_the_three_models_and_the_data_folder_default(capsys):
    """The description used to offer 'a ReLU MLP or a small CNN' although --model takes lstm too, and --data-dir's
    help skipped $XDG_CACHE_HOME, which the data folder is read from (docs/mnist.md and the epilog name it)."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    description = out.split("options:")[0]
    assert "MLP" in description and "CNN" in description and "LSTM" in description
    assert ("--data-dir DIR folder holding mnist/ (or fashion-mnist/); default: $MINIGRAD_DATA, else "
            "$XDG_CACHE_HOME/minigrad or ~/.cache/minigrad") in out


def test_python_dash_m_minigrad_help():
    proc = run_python(["-m", "minigrad", "--help"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "train" in proc.stdout
    proc = run_python(["-m", "minigrad", "train", "--help"], timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--limit-train" in proc.stdout


def test_short_run_writes_metrics_plots_and_checkpoint(tmp_path, capsys):
    assert _train(tmp_path, "--limit-train", "1000", "--epochs", "2", "--hidden", "128", "--batch-size", "32") == 0
    out = capsys.readouterr().out
    assert "1000 training / 10000 test images" in out
    assert "epoch   1/2" in out and "epoch   2/2" in out and "done: 2 epochs" in out

    rows = read_metrics(tmp_path / "out")
    assert [r["epoch"] for r in rows] == [1, 2]
    with open(tmp_path / "out" / "metrics.csv") as f:
        assert f.readline().strip().split(",") == list(COLUMNS)
    # The lr column is the lr at the start of each epoch: cosine over 2 x ceil(1000/32) = 64 steps.
    assert rows[0]["lr"] == pytest.approx(1e-3, rel=1e-12)
    assert rows[1]["lr"] == pytest.approx(1e-3 * (1 + math.cos(math.pi * 32 / 64)) / 2, rel=1e-9)
    for r in rows:
        assert 0.0 < r["train_loss"] < 3.0 and 0.0 < r["test_loss"] < 3.0
        assert 0.0 <= r["train_acc"] <= 1.0
    # 1000 images, 2 epochs: far better than chance (10%), and the second epoch improves on the first.
    assert rows[1]["test_acc"] > 0.75
    assert rows[1]["test_loss"] < rows[0]["test_loss"]

    doc = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert [e["test_acc"] for e in doc["epochs"]] == [r["test_acc"] for r in rows]
    assert doc["summary"]["final_test_acc"] == rows[-1]["test_acc"]
    assert doc["config"]["hidden"] == [128] and doc["config"]["optimizer"] == "adam"
    for name in ("loss.png", "accuracy.png", "curves.png"):
        assert is_png(tmp_path / "out" / name), name

    ckpt = mg.load(tmp_path / "out" / "checkpoint.npz")
    assert ckpt["epoch"] == 2 and len(ckpt["history"]) == 2
    assert set(ckpt) >= {"model", "optimizer", "schedule", "rng", "loader", "config"}
    # No temporary files are left behind.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["metrics.csv", "metrics.json", "loss.png", "accuracy.png", "curves.png", "checkpoint.npz"])


def test_weights_stay_float32(tmp_path):
    assert _train(tmp_path, "--limit-train", "256", "--epochs", "1", "--hidden", "32") == 0
    ckpt = mg.load(tmp_path / "out" / "checkpoint.npz")
    assert all(np.asarray(v).dtype == np.float32 for v in ckpt["model"].values())
    assert all(np.asarray(v).dtype == np.float32 for s in ckpt["optimizer"]["state"].values()
               for v in s.values() if hasattr(v, "dtype") and np.asarray(v).ndim > 0)


# Small enough for every optimizer: BFGS takes at most 5000 parameters, Newton at most 1000.
_SMALL = {"bfgs": ["--hidden", "4"], "newton": ["--hidden", "1", "--limit-train", "128"]}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_every_optimizer_trains_by_name(tmp_path, name):
    args = ["--optimizer", name, "--epochs", "1", "--limit-train", "256", "--hidden", "16", "--dropout", "0.1"]
    args += _SMALL.get(name, [])
    assert _train(tmp_path, *args) == 0
    rows = read_metrics(tmp_path / "out")
    assert len(rows) == 1 and math.isfinite(rows[0]["train_loss"]) and math.isfinite(rows[0]["test_loss"])
    # The weights moved away from the seeded initialisation.
    ckpt = mg.load(tmp_path / "out" / "checkpoint.npz")
    hidden = [int(h) for h in ckpt["config"]["hidden"]]
    mg.manual_seed(0)
    init = build_mlp(784, hidden, 10, 0.1).state_dict()
    assert set(init) == set(ckpt["model"])
    assert any(not np.array_equal(init[k], ckpt["model"][k]) for k in init)


def _corrupt_checkpoint(tmp_path):
    path = tmp_path / "bad.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    return ["--resume", "--checkpoint", str(path)]


@pytest.mark.parametrize("args, expected", [
    (["--optimizer", "adamx"], "invalid choice: 'adamx'"),
    (["--lr", "-0.1"], "--lr must be a positive number, got -0.1"),
    (["--lr", "0"], "--lr must be a positive number"),
    (["--epochs", "0"], "--epochs must be a positive integer, got 0"),
    (["--batch-size", "many"], "argument --batch-size: expected an integer, got 'many'"),
    (["--hidden", "100,x"], "comma-separated layer widths"),
    (["--dropout", "1.5"], "--dropout must be in [0, 1), got 1.5"),
    (["--weight-decay", "-1"], "--weight-decay must be >= 0"),
    (["--momentum", "0.9"], "optimizer 'adam' has no momentum option"),
    (["--optimizer", "lbfgs", "--weight-decay", "0.1"], "optimizer 'lbfgs' has no weight decay option"),
    (["--device", "tpu"], "--device tpu"),
    (["--resume"], "--resume: no checkpoint at"),
    (["--optimizer", "bfgs"], "BFGS stores a dense 835560 x 835560 inverse Hessian"),
    (["--optimizer", "newton", "--hidden", "8"], "Newton builds the dense"),
    ("corrupt", "is not a readable checkpoint"),
])
def test_bad_options_give_one_clear_line(tmp_path, capsys, args, expected):
    if args == "corrupt":
        args = _corrupt_checkpoint(tmp_path)
    try:
        code = _train(tmp_path, *args)
    except SystemExit as exc:  # argparse-level errors
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    line = _one_error_line(captured.err)
    assert line.startswith("minigrad train: error:")
    assert expected in line
    assert not (tmp_path / "out" / "checkpoint.npz").exists()


def test_cuda_without_a_gpu_is_one_line(tmp_path, capsys):
    if mg.cuda.is_available():
        pytest.skip("this machine has a usable GPU: --device cuda is valid here")
    assert _train(tmp_path, "--device", "cuda") == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "--device cuda: CUDA is not available" in line


def test_missing_data_folder_is_one_line(tmp_path, capsys):
    assert main(["train", "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path / "o")]) == 2
    assert _one_error_line(capsys.readouterr().err) == f"minigrad train: error: --data-dir {tmp_path / 'nowhere'}: no such folder"


def test_folder_without_the_files_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "o")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "could not find train-images-idx3-ubyte.gz" in line and "--data-dir" in line and "--download" in line


def test_resume_with_other_options_is_refused(tmp_path, capsys):
    assert _train(tmp_path, "--limit-train", "256", "--epochs", "2", "--stop-after", "1", "--hidden", "16") == 0
    capsys.readouterr()
    assert _train(tmp_path, "--limit-train", "256", "--epochs", "2", "--hidden", "32", "--resume",
                  "--optimizer", "sgd") == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "was made with --hidden 16 (now 32), --optimizer adam (now sgd)" in line
    assert (tmp_path / "out" / "checkpoint.npz").exists() and mg.load(tmp_path / "out" / "checkpoint.npz")["epoch"] == 1
    # Naming Adam's default lr explicitly is the same run.
    assert _train(tmp_path, "--limit-train", "256", "--epochs", "2", "--hidden", "16", "--resume", "--lr", "0.001") == 0
    assert mg.load(tmp_path / "out" / "checkpoint.npz")["epoch"] == 2


def test_bad_options_in_a_subprocess(tmp_path):
    proc = run_python(["-m", "minigrad", "train", "--optimizer", "nope"], timeout=60)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr).startswith("minigrad train: error: argument --optimizer: invalid choice")
    proc = run_python(["-m", "minigrad", "train", "--data-dir", str(tmp_path / "missing"),
                       "--out", str(tmp_path / "o")], timeout=60)
    assert proc.returncode == 2
    assert "no such folder" in _one_error_line(proc.stderr)
    proc = run_python(["-m", "minigrad", "train", "--data-dir", str(data_root()), "--lr", "-1",
                       "--out", str(tmp_path / "o")], timeout=60)
    assert proc.returncode == 2
    assert _one_error_line(proc.stderr) == "minigrad train: error: --lr must be a positive number, got -1.0"


def test_out_that_is_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "taken").write_text("not a folder")
    code = main(["train", "--data-dir", str(data_root()), "--out", str(tmp_path / "taken"), "--limit-train", "64",
                 "--no-progress"])
    assert code == 2
    assert _one_error_line(capsys.readouterr().err) == \
        f"minigrad train: error: --out {tmp_path / 'taken'}: is a file; give a folder"


def test_file_with_a_wrong_checksum_is_one_line(tmp_path, capsys):
    (tmp_path / "data" / "mnist").mkdir(parents=True)
    (tmp_path / "data" / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(b"not the real file")
    assert main(["train", "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "o")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "could not find train-images-idx3-ubyte.gz" in line
    assert "has SHA-256" in line and "not used" in line


def test_progress_bar_shows_loss_and_throughput(tmp_path, capsys, monkeypatch):
    import minigrad.train.loop as train_loop

    monkeypatch.setattr(train_loop, "_is_terminal", lambda stream: True)   # as on a terminal (capsys is not one)
    assert main(["train", "--data-dir", str(data_root()), "--out", str(tmp_path / "out"), "--limit-train", "512",
                 "--epochs", "1", "--hidden", "32", "--log-every", "2"]) == 0
    err = capsys.readouterr().err
    assert "epoch 1/1" in err and "samples/s" in err
    assert "loss=" in err


def test_fashion_mnist(tmp_path, capsys):
    assert (data_root() / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file()
    assert _train(tmp_path, "--dataset", "fashion-mnist", "--limit-train", "2000", "--epochs", "2",
                  "--hidden", "64", "--batch-size", "32") == 0
    assert "fashion-mnist: 2000 training / 10000 test images" in capsys.readouterr().out
    rows = read_metrics(tmp_path / "out")
    assert rows[1]["test_acc"] > 0.6   # 10 classes: chance is 0.1
    assert rows[1]["test_loss"] < rows[0]["test_loss"]


@pytest.mark.parametrize("where", ["--data-dir", "default cache folder"])
def test_download_flag_fetches_verified_files_then_trains(tmp_path, monkeypatch, capsys, where):
    # The README's first command: `minigrad train --download` on a machine without the data
    # (not even the folder), here against a real HTTP server on 127.0.0.1 serving the published files.
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from minigrad.data import mnist as mnist_module
    from training_helpers import MNIST_FILES

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(data_root() / "mnist")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(mnist_module.MNIST, "mirrors", (f"http://127.0.0.1:{server.server_address[1]}/",))
        if where == "--data-dir":
            data = tmp_path / "data"
            folder_args = ["--data-dir", str(data)]
        else:
            monkeypatch.delenv("MINIGRAD_DATA", raising=False)
            monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
            data = tmp_path / "cache" / "minigrad"
            folder_args = []
        code = main(["train", *folder_args, "--download", "--limit-train", "500", "--epochs", "1",
                     "--no-progress", "--out", str(tmp_path / "out")])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert code in (0, None)
    assert sorted(p.name for p in (data / "mnist").iterdir()) == sorted(MNIST_FILES)
    for name in MNIST_FILES:  # byte-identical to the published files
        assert (data / "mnist" / name).read_bytes() == (data_root() / "mnist" / name).read_bytes()
    assert "final test accuracy" in capsys.readouterr().out


def test_a_failed_download_names_every_mirror_and_why(tmp_path, monkeypatch, capsys):
    # Offline `minigrad train --download` used to end in "tried:." and advise "or add --download".
    import socket

    from minigrad.data import mnist as mnist_module

    closed = []
    for _ in range(2):   # two ports nothing listens on: each connection is refused at once
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed.append(f"http://127.0.0.1:{s.getsockname()[1]}/")
    monkeypatch.setattr(mnist_module.MNIST, "mirrors", tuple(closed))
    code = main(["train", "--data-dir", str(tmp_path / "data"), "--download", "--no-progress",
                 "--out", str(tmp_path / "out")])
    assert code == 2
    line = _one_error_line(capsys.readouterr().err)
    for mirror in closed:
        assert f"{mirror}train-images-idx3-ubyte.gz:" in line
    assert "refused" in line.lower()
    assert "tried:." not in line and "add --download" not in line
