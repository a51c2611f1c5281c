"""Ctrl-C / SIGTERM at the awkward moments of a `minigrad train` process, placed exactly (no timing).

The race behind these tests: on CPython before 3.14, a KeyboardInterrupt that passes through code
run by ``exec``/``eval`` of a string (dataclasses and namedtuples are made that way; matplotlib's
first import, when an interrupted run draws its curves, makes dozens) marks the process as killed
by an unhandled Ctrl-C. The CLI caught it and printed its message, and the interpreter then killed
itself with SIGINT at exit (returncode -2 instead of 130).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import REPO, data_root  # noqa: E402

import minigrad as mg  # noqa: E402
import minigrad.train.loop as train_loop  # noqa: E402
from minigrad import cli  # noqa: E402
from minigrad.train.interrupts import SignalsHeld  # noqa: E402

# The child, run with `python -m` (a -c program exits on SystemExit before the interpreter checks that mark):
# it patches one step of the run, then runs `python -m minigrad train ...`.
CHILD = """
import atexit, builtins, runpy, signal, sys
import minigrad.cli
import minigrad.train.loop as loop
where, sig = sys.argv[1], getattr(signal, sys.argv[2])
sys.argv = ["minigrad", *sys.argv[3:]]
real_records = loop.write_records

def records_signalled_inside_exec(*args, **kwargs):
    exec("signal.raise_signal(sig)")   # the signal lands in string-exec'd code, as in matplotlib's first import
    return real_records(*args, **kwargs)

def print_signalled_again(*args, **kwargs):
    if kwargs.get("file") is sys.stderr:   # the message, not the epoch lines
        signal.raise_signal(sig)   # a second signal while the CLI prints its message...
        atexit.register(signal.raise_signal, sig)   # ...and a third during the interpreter's shutdown
    builtins.print(*args, **kwargs)

if where == "inside-exec":
    loop.write_records = records_signalled_inside_exec
elif where == "during-shutdown":
    loop.write_records = lambda *a, **k: (signal.raise_signal(sig), real_records(*a, **k))[1]
    minigrad.cli.print = print_signalled_again
runpy.run_module("minigrad", run_name="__main__", alter_sys=True)
"""


def _train_child(tmp_path, where, sig):
    out = tmp_path / "run"
    (tmp_path / "signalled_child.py").write_text(CHILD)
    args = [sys.executable, "-m", "signalled_child", where, sig.name, "train", "--data-dir", str(data_root()),
            "--out", str(out), "--limit-train", "500", "--epochs", "3", "--hidden", "16", "--no-progress"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), str(tmp_path), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    return proc, out


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_inside_exec_code_still_exits_130(tmp_path, sig):
    """The signal lands while code from exec() runs (after epoch 1's checkpoint): exit 130, not death by SIGINT."""
    proc, out = _train_child(tmp_path, "inside-exec", sig)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert f"interrupted; the last complete checkpoint is {out / 'checkpoint.npz'} (epoch 1)" in proc.stderr
    assert mg.load(out / "checkpoint.npz")["epoch"] == 1
    assert (out / "curves.png").is_file()   # drawn on the way out, from epoch 1 (matplotlib's first import)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".tmp")]


def test_more_signals_during_the_shutdown_do_not_change_the_exit(tmp_path):
    """A second Ctrl-C while the message is printed, a third during interpreter shutdown: still 130, no traceback."""
    proc, out = _train_child(tmp_path, "during-shutdown", signal.SIGINT)
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert f"interrupted; the last complete checkpoint is {out / 'checkpoint.npz'} (epoch 1)" in proc.stderr
    assert mg.load(out / "checkpoint.npz")["epoch"] == 1


@pytest.fixture
def python_handlers():
    """Python's own SIGINT handler (KeyboardInterrupt) during the test, and both handlers put back after it."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def test_a_held_signal_is_raised_at_the_next_safe_point_only(python_handlers):
    steps = []
    with pytest.raises(KeyboardInterrupt):
        with SignalsHeld() as held:
            held.deliver()   # nothing held yet: nothing happens
            signal.raise_signal(signal.SIGINT)
            steps.append("after the signal")   # still running: the signal is held
            held.deliver()
            steps.append("after the safe point")
    assert steps == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler   # put back


def test_a_signal_held_to_the_end_of_the_block_is_raised_as_it_ends(python_handlers):
    terminated = []
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    with SignalsHeld():
        signal.raise_signal(signal.SIGTERM)
        assert terminated == []
    assert terminated == [signal.SIGTERM]


def test_a_handler_that_returns_leaves_the_signals_held_again(python_handlers):
    terminated = []
    signal.signal(signal.SIGTERM, lambda signum, frame: terminated.append(signum))
    with SignalsHeld() as held:
        signal.raise_signal(signal.SIGTERM)
        held.deliver()
        assert terminated == [signal.SIGTERM]
        signal.raise_signal(signal.SIGTERM)
        assert terminated == [signal.SIGTERM]   # held again
    assert terminated == [signal.SIGTERM, signal.SIGTERM]   # and delivered once, as the block ended


def test_an_ignored_signal_is_not_taken_over(python_handlers):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with SignalsHeld() as held:
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
        signal.raise_signal(signal.SIGINT)
        held.deliver()
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN


def test_the_cli_takes_the_first_signal_and_ignores_the_next(python_handlers):
    previous = cli._interrupt_on_first_signal()
    assert set(previous) == {signal.SIGINT, signal.SIGTERM}
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGTERM)
    signal.raise_signal(signal.SIGINT)   # the run is stopping: ignored, no second KeyboardInterrupt
    assert signal.getsignal(signal.SIGINT) == signal.getsignal(signal.SIGTERM) == signal.SIG_IGN


def test_in_a_released_block_a_signal_acts_at_once(python_handlers):
    with SignalsHeld() as held:
        with pytest.raises(KeyboardInterrupt):
            with held.released():
                assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
                signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGINT)   # held again after the block
        assert held.received == [signal.SIGINT]
        held.received.clear()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_signal_during_the_setup_is_taken_after_the_first_step(tmp_path, monkeypatch, capsys, python_handlers):
    """Held through the setup (its first build imports minigrad.optim, dataclasses included), then taken at
    the first safe point: one training step has run, no epoch is complete, nothing is written."""
    real_build, real_loss = train_loop.build_optimizer, train_loop.cross_entropy
    steps = []

    def build_then_signal(*args, **kwargs):
        optimizer = real_build(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)
        return optimizer

    def counted_loss(*args, **kwargs):
        if mg.is_grad_enabled():
            steps.append(1)
        return real_loss(*args, **kwargs)

    monkeypatch.setattr(train_loop, "build_optimizer", build_then_signal)
    monkeypatch.setattr(train_loop, "cross_entropy", counted_loss)
    out = tmp_path / "run"
    assert cli.main(["train", "--data-dir", str(data_root()), "--out", str(out), "--limit-train", "256",
                     "--epochs", "2", "--hidden", "8", "--no-progress"]) == 130
    err = capsys.readouterr().err
    assert "interrupted; no epoch was completed, so no checkpoint" in err and "Traceback" not in err
    assert len(steps) == 1
    assert not (out / "checkpoint.npz").exists()


def test_a_signal_raised_while_the_handlers_are_put_back_leaves_none_of_them_behind(python_handlers, monkeypatch):
    # A Ctrl-C right after SIGINT's handler is back, before SIGTERM's: SIGTERM stayed on the dead _record for good.
    import minigrad.train.interrupts as interrupts

    terminated = []

    def terminate(signum, frame):
        terminated.append(signum)

    signal.signal(signal.SIGTERM, terminate)
    real_signal = signal.signal
    put_back = []

    def signal_then_ctrl_c(sig, handler):
        previous = real_signal(sig, handler)
        if handler is signal.default_int_handler and not put_back:
            put_back.append(sig)
            raise KeyboardInterrupt   # as Python's handler would, for a Ctrl-C landing here
        return previous

    with pytest.raises(KeyboardInterrupt):
        with SignalsHeld() as held:
            monkeypatch.setattr(interrupts.signal, "signal", signal_then_ctrl_c)
            signal.raise_signal(signal.SIGTERM)   # held
            held.deliver()
    monkeypatch.undo()
    assert put_back == [signal.SIGINT]
    assert terminated == [signal.SIGTERM]   # the held SIGTERM reached its handler when the block ended
    assert signal.getsignal(signal.SIGTERM) is terminate and signal.getsignal(signal.SIGINT) is signal.default_int_handler
