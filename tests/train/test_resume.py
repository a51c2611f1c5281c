"""Checkpoints and resume: a run stopped after an epoch (or interrupted mid-epoch) and resumed
ends with weights bit-identical to the uninterrupted run."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import REPO, data_root, read_metrics  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.train.loop as train_loop  # noqa: E402
from minigrad.cli import main  # noqa: E402

# (name, options): each exercises other state in the checkpoint. Dropout is on in all of them.
CASES = {
    "adam-cosine": ["--optimizer", "adam", "--schedule", "cosine"],
    "sgd-momentum-warmup": ["--optimizer", "sgd", "--momentum", "0.9", "--schedule", "warmup-cosine",
                            "--hidden", "100,50", "--weight-decay", "1e-4"],
    "lbfgs-closure": ["--optimizer", "lbfgs", "--schedule", "none", "--hidden", "32", "--limit-train", "512"],
}
COMMON = ["--limit-train", "2000", "--epochs", "3", "--no-progress", "--dropout", "0.2", "--seed", "7"]


def _run(out, *args):
    return main(["train", "--data-dir", str(data_root()), "--out", str(out), *COMMON, *args])


def _assert_same_checkpoint(a_path, b_path):
    a, b = mg.load(a_path), mg.load(b_path)
    assert a["epoch"] == b["epoch"] == 3
    assert list(a["model"]) == list(b["model"])
    for key in a["model"]:
        np.testing.assert_array_equal(a["model"][key], b["model"][key], err_msg=key)
    state_a, state_b = a["optimizer"]["state"], b["optimizer"]["state"]
    assert sorted(state_a) == sorted(state_b)
    for index in state_a:
        assert sorted(state_a[index]) == sorted(state_b[index])
        for name in state_a[index]:
            va, vb = state_a[index][name], state_b[index][name]
            if isinstance(va, (list, tuple)):
                assert len(va) == len(vb)
                for x, y in zip(va, vb):
                    np.testing.assert_array_equal(x, y)
            else:
                np.testing.assert_array_equal(va, vb, err_msg=f"{index}.{name}")
    assert a["optimizer"]["param_groups"] == b["optimizer"]["param_groups"]
    assert a["schedule"] == b["schedule"]
    assert a["rng"] == b["rng"] and a["loader"] == b["loader"]
    # Same metrics too, except for the timings.
    for ra, rb in zip(a["history"], b["history"]):
        for key in ("epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc"):
            assert ra[key] == rb[key], key


@pytest.fixture(scope="module")
def reference_runs(tmp_path_factory):
    """Uninterrupted 3-epoch runs, one per case, made once for this module."""
    root = tmp_path_factory.mktemp("reference")
    paths = {}
    for name, args in CASES.items():
        assert _run(root / name, *args) == 0
        paths[name] = root / name / "checkpoint.npz"
    return paths


@pytest.mark.parametrize("case", list(CASES))
def test_stop_after_one_epoch_and_resume_is_bit_identical(tmp_path, reference_runs, case, capsys):
    out = tmp_path / "run"
    assert _run(out, *CASES[case], "--stop-after", "1") == 0
    assert mg.load(out / "checkpoint.npz")["epoch"] == 1
    assert [r["epoch"] for r in read_metrics(out)] == [1]
    assert _run(out, *CASES[case], "--resume") == 0
    assert "resuming from" in capsys.readouterr().out
    assert [r["epoch"] for r in read_metrics(out)] == [1, 2, 3]
    _assert_same_checkpoint(reference_runs[case], out / "checkpoint.npz")


def test_a_checkpoint_whose_weights_are_arrays_resumes_bit_identically(tmp_path, reference_runs, capsys):
    # state_dict() gives detached Tensors (saved as Tensors); checkpoints written when it gave arrays still resume.
    out = tmp_path / "run"
    assert _run(out, *CASES["adam-cosine"], "--stop-after", "1") == 0
    ckpt = mg.load(out / "checkpoint.npz")
    assert all(type(v) is mg.Tensor and not v.requires_grad for v in ckpt["model"].values())
    ckpt["model"] = {key: value.numpy().copy() for key, value in ckpt["model"].items()}
    mg.save(ckpt, out / "checkpoint.npz")
    assert all(type(v) is np.ndarray for v in mg.load(out / "checkpoint.npz")["model"].values())
    assert _run(out, *CASES["adam-cosine"], "--resume") == 0
    assert "resuming from" in capsys.readouterr().out
    _assert_same_checkpoint(reference_runs["adam-cosine"], out / "checkpoint.npz")


def test_keyboard_interrupt_mid_epoch_keeps_the_checkpoint(tmp_path, reference_runs, capsys, monkeypatch):
    """Ctrl-C in the middle of epoch 2: exit 130, one message, the epoch-1 checkpoint intact and resumable."""
    calls = {"n": 0}
    real = train_loop.cross_entropy
    steps_per_epoch = -(-2000 // 128)

    def interrupting_cross_entropy(*args, **kwargs):
        if mg.is_grad_enabled():  # training steps only; the evaluation runs under no_grad
            calls["n"] += 1
            if calls["n"] == steps_per_epoch + 5:
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    out = tmp_path / "run"
    monkeypatch.setattr(train_loop, "cross_entropy", interrupting_cross_entropy)
    assert _run(out, *CASES["adam-cosine"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"interrupted; the last complete checkpoint is {out / 'checkpoint.npz'} (epoch 1)" in err
    assert calls["n"] == steps_per_epoch + 5
    ckpt = mg.load(out / "checkpoint.npz")
    assert ckpt["epoch"] == 1 and len(ckpt["history"]) == 1
    assert not [p.name for p in out.iterdir() if p.name.startswith(".tmp")]

    monkeypatch.setattr(train_loop, "cross_entropy", real)
    assert _run(out, *CASES["adam-cosine"], "--resume") == 0
    _assert_same_checkpoint(reference_runs["adam-cosine"], out / "checkpoint.npz")


def test_interrupt_before_the_first_epoch_says_no_checkpoint(tmp_path, capsys, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_loop, "cross_entropy", interrupt)
    assert _run(tmp_path / "run") == 130
    err = capsys.readouterr().err
    assert "interrupted; no epoch was completed, so no checkpoint" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "checkpoint.npz").exists()


@pytest.fixture
def python_sigint_handler():
    """Python's own SIGINT handler (KeyboardInterrupt), whatever the suite was launched with.

    Under nohup, in a background job or on some CI runners SIGINT is ignored, and a
    Python started there keeps ignoring it; these tests need it delivered.
    """
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _sigint_as_python_sets_it():
    """For a child process: SIGINT back to its default, so the child's Python installs its KeyboardInterrupt handler."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_while_the_checkpoint_is_written_names_that_checkpoint(tmp_path, capsys, monkeypatch, sig,
                                                                     python_sigint_handler):
    """Ctrl-C (or SIGTERM) arriving just as the epoch-1 checkpoint lands: it counts, and the run stops there."""
    real = train_loop.save_train_state

    def save_then_signal(*args, **kwargs):
        real(*args, **kwargs)
        signal.raise_signal(sig)

    monkeypatch.setattr(train_loop, "save_train_state", save_then_signal)
    out = tmp_path / "run"
    term_handler = signal.getsignal(signal.SIGTERM)
    assert _run(out, *CASES["adam-cosine"]) == 130
    # main(), unlike the console script, puts the handlers back even after a signal stopped the run
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    assert signal.getsignal(signal.SIGTERM) is term_handler
    err = capsys.readouterr().err
    assert f"the last complete checkpoint is {out / 'checkpoint.npz'} (epoch 1)" in err and "Traceback" not in err
    assert mg.load(out / "checkpoint.npz")["epoch"] == 1
    assert [r["epoch"] for r in read_metrics(out)] == [1]   # the records of epoch 1 were written too


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_to_a_running_process(tmp_path, sig, python_sigint_handler):
    """A real process, signalled once its first checkpoint exists: exit 130, no traceback, resumable."""
    import os

    out = tmp_path / "run"
    args = [sys.executable, "-m", "minigrad", "train", "--data-dir", str(data_root()), "--out", str(out),
            "--limit-train", "1000", "--epochs", "1000", "--hidden", "64", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_sigint_as_python_sets_it)
    try:
        deadline = time.monotonic() + 240
        while not (out / "checkpoint.npz").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no checkpoint appeared"
            time.sleep(0.1)
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "interrupted; the last complete checkpoint is" in stderr
    epoch = mg.load(out / "checkpoint.npz")["epoch"]
    assert epoch >= 1
    # Resume for one more epoch only.
    resumed = main(["train", "--data-dir", str(data_root()), "--out", str(out), "--limit-train", "1000",
                    "--epochs", "1000", "--hidden", "64", "--no-progress", "--resume", "--stop-after", str(epoch + 1)])
    assert resumed == 0
    assert mg.load(out / "checkpoint.npz")["epoch"] == epoch + 1
