"""`mpiexec -n 2 minigrad train --distributed`: rank 0 alone writes, sharded evaluation, resume, failures."""
from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import minigrad as mg
from minigrad.train import evaluate, load_datasets
from minigrad.train.checkpoint import read_train_state
from minigrad.train.config import ConfigError, TrainConfig
from minigrad.train.distributed import DataParallelRun, SingleProcess, for_config
from minigrad.train.recipes import build_cnn, build_mlp
from mpi_launch import REPO, mpi_env, run_mpi
from training_helpers import data_root, read_metrics

SMALL = ["--limit-train", "600", "--hidden", "32", "--batch-size", "50", "--epochs", "2", "--no-progress"]


def _train_job(out, *extra, n=2):
    args = ["-m", "minigrad", "train", "--distributed", "--data-dir", data_root(), "--out", out, *SMALL, *extra]
    return run_mpi(n, args, timeout=180)


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    proc = _train_job(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out, proc


def test_rank_0_alone_prints_and_writes(straight_run):
    out, proc = straight_run
    assert proc.stdout.count("epoch   1/2") == 1 and proc.stdout.count("done: 2 epochs") == 1
    assert "batch 50 per rank x 2 ranks" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == ["accuracy.png", "checkpoint.npz", "curves.png", "loss.png",
                                                      "metrics.csv", "metrics.json"]
    rows = read_metrics(out)
    assert [r["epoch"] for r in rows] == [1, 2]


def test_sharded_evaluation_is_the_whole_test_set(straight_run):
    out, _ = straight_run
    ckpt = mg.load(out / "checkpoint.npz")
    model = build_mlp(784, (32,), 10, 0.2)
    model.load_state_dict(ckpt["model"])
    _, test_set = load_datasets(TrainConfig(data_dir=str(data_root()), limit_train=600))
    loss, acc = evaluate(model, *test_set.arrays)
    last = read_metrics(out)[-1]
    assert last["test_acc"] == pytest.approx(acc, abs=1e-12)   # each image counted once, on one rank
    assert last["test_loss"] == pytest.approx(loss, rel=1e-6)
    assert ckpt["config"]["world_size"] == 2 and ckpt["config"]["batch_size"] == 50
    states = ckpt["rng_ranks"]
    assert len(states) == 2 and states[0] != states[1], "dropout draws differ between ranks"
    assert ckpt["loader"]["sampler"] == {"epoch": 2}


def test_sharded_evaluation_of_a_batch_norm_model_is_the_checkpointed_model(tmp_path):
    # Each rank's BatchNorm running statistics moved with its own last batch; the reported test figures must be
    # those of rank 0's model, the one checkpointed (rank 1 evaluated its half with its own statistics).
    proc = _train_job(tmp_path, "--model", "cnn", "--hidden", "16", "--limit-train", "200", "--batch-size", "25",
                      "--epochs", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ckpt = mg.load(tmp_path / "checkpoint.npz")
    model = build_cnn((1, 28, 28), (16,), 10, 0.25)
    model.load_state_dict(ckpt["model"])
    _, test_set = load_datasets(TrainConfig(data_dir=str(data_root()), limit_train=200))
    loss, acc = evaluate(model, *test_set.arrays)
    last = read_metrics(tmp_path)[-1]
    assert last["test_acc"] == pytest.approx(acc, abs=1e-12)
    assert last["test_loss"] == pytest.approx(loss, rel=1e-6)


def test_rank_0_alone_writes_the_exports(tmp_path):
    # Every rank recording its export calls (the real export runs too): only rank 0's may appear.
    script = tmp_path / "export_job.py"
    script.write_text(
        "import sys\n"
        "from minigrad import distributed as dist\n"
        "import minigrad.train.loop as loop\n"
        "real = loop.export_trained\n"
        "def recorded(*args, **kwargs):\n"
        f"    (__import__('pathlib').Path({str(tmp_path)!r}) / f'exported-by-{{dist.get_rank()}}').touch()\n"
        "    return real(*args, **kwargs)\n"
        "loop.export_trained = recorded\n"
        "from minigrad.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n")
    out = tmp_path / "out"
    proc = run_mpi(2, [script, "train", "--distributed", "--data-dir", data_root(), "--out", out, *SMALL,
                       "--epochs", "1", "--export-safetensors", out / "model.safetensors"], timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in tmp_path.glob("exported-by-*")) == ["exported-by-0"]
    assert (out / "model.safetensors").is_file()


def test_a_resumed_job_ends_where_the_straight_one_does(straight_run, tmp_path):
    out, _ = straight_run
    first = _train_job(tmp_path, "--stop-after", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    again = _train_job(tmp_path, "--resume")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming from" in again.stdout
    straight, resumed = mg.load(out / "checkpoint.npz"), mg.load(tmp_path / "checkpoint.npz")
    for name, value in straight["model"].items():
        assert np.array_equal(value, resumed["model"][name]), name   # deterministic for a given N, bit for bit
    keys = ("train_loss", "train_acc", "test_loss", "test_acc")
    assert [[r[k] for k in keys] for r in read_metrics(out)] == [[r[k] for k in keys] for r in read_metrics(tmp_path)]


def test_resuming_with_another_number_of_ranks_is_refused(straight_run):
    out, _ = straight_run
    saved = mg.load(out / "checkpoint.npz")["config"]
    with pytest.raises(ConfigError, match=r"was made with --world-size 2 \(now 1\)"):
        read_train_state(out / "checkpoint.npz", {**saved, "world_size": 1})


def test_a_failing_rank_ends_the_job(tmp_path):
    proc = run_mpi(2, ["-m", "minigrad", "train", "--distributed", "--data-dir", tmp_path / "missing",
                       "--out", tmp_path / "out"], timeout=60)
    assert proc.returncode != 0
    assert "minigrad train: error: --data-dir" in proc.stderr and "no such folder" in proc.stderr


def test_second_order_optimizers_are_refused():
    with pytest.raises(ConfigError, match="--distributed: --optimizer lbfgs is second-order"):
        TrainConfig(distributed=True, optimizer="lbfgs").resolved()
    assert not for_config(TrainConfig()).distributed


def test_device_cuda_is_the_gpu_of_the_local_rank():
    rank = SimpleNamespace(dist=SimpleNamespace(local_device=lambda device: "cuda:3"))
    assert DataParallelRun.device(rank, "cuda", "cuda:0") == "cuda:3"
    assert DataParallelRun.device(rank, "cuda:1", "cuda:1") == "cuda:1"   # an explicit GPU is kept
    assert DataParallelRun.device(rank, "cpu", "cpu") == "cpu"
    assert SingleProcess().device("cuda", "cuda:0") == "cuda:0"


def test_distributed_without_mpi4py_is_one_clear_message(tmp_path):
    code = ("import sys; sys.modules['mpi4py'] = None\n"
            "from minigrad.cli import main\n"
            f"sys.exit(main(['train', '--distributed', '--data-dir', {str(data_root())!r}, '--out', "
            f"{str(tmp_path)!r}, '--limit-train', '100', '--epochs', '1', '--no-progress']))\n")
    env = {k: v for k, v in mpi_env().items() if k not in ("PMI_RANK", "PMI_SIZE")}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("minigrad train: error: --distributed: distributed training "
                                                   "needs mpi4py")
    assert 'pip install "minigrad[mpi]"' in lines[0]
