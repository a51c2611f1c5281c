"""The training loop: evaluate, the progress bar, the files written after every epoch and when the run ends."""
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from minigrad.train import TrainConfig, evaluate, train
from minigrad.train.recipes import build_mlp

sys.path.insert(0, str(Path(__file__).parent.parent))
from training_helpers import data_root  # noqa: E402


def test_evaluate_restores_training_mode_when_it_raises():
    model = build_mlp(4, (3,), 2, dropout=0.5)
    model.train()
    images = np.ones((5, 4), dtype=np.float32)
    bad_labels = np.array([0, 1, 7, 0, 1])   # class 7 does not exist: cross_entropy raises
    with pytest.raises(ValueError, match="class index 7"):
        evaluate(model, images, bad_labels, batch_size=5)
    assert model.training, "evaluate left the model in eval mode after an error"


def test_evaluate_refuses_an_empty_test_set_by_name():
    model = build_mlp(4, (3,), 2, dropout=0.5)
    model.train()
    images, labels = np.ones((0, 4), dtype=np.float32), np.zeros((0,), dtype=np.int64)
    with pytest.raises(ValueError, match=r"evaluate: the test set is empty \(0 labels, images of shape \(0, 4\)\)"):
        evaluate(model, images, labels)
    assert model.training


def test_distributed_evaluation_refuses_an_empty_test_set_on_every_rank():
    from types import SimpleNamespace

    from minigrad.train.loop import _evaluate_sharded
    model = build_mlp(4, (3,), 2, dropout=0.5)
    test_set = SimpleNamespace(arrays=(np.ones((0, 4), dtype=np.float32), np.zeros((0,), dtype=np.int64)))
    run = SimpleNamespace(distributed=True, test_shard=lambda n: range(0, n),
                          sum_over_ranks=lambda *values: values)
    with pytest.raises(ValueError, match=r"evaluate: the test set is empty"):
        _evaluate_sharded(model, test_set, 10, run, None)


def _quick(tmp_path, epochs=1, **options):
    return TrainConfig(data_dir=str(data_root()), limit_train=300, hidden=(8,), epochs=epochs, batch_size=100,
                       out=str(tmp_path / "run"), **options)


class _FakeTerminal:
    """A text stream that says it is a terminal and keeps what is written."""

    def __init__(self):
        self.text = []

    def write(self, s):
        self.text.append(s)
        return len(s)

    def flush(self):
        pass

    def isatty(self):
        return True


def test_no_progress_bar_when_the_output_is_not_a_terminal(tmp_path, capsys):
    # In a log file each epoch line was glued to ~1,400 characters of bar text.
    lines = []
    train(_quick(tmp_path, log=lines.append))
    captured = capsys.readouterr()
    assert "epoch 1/1" not in captured.err and "samples/s" not in captured.err
    assert sum(line.startswith("epoch ") for line in lines) == 1   # the per-epoch line stays


def test_progress_bar_on_a_terminal_and_off_with_no_progress(tmp_path, monkeypatch):
    out, err = _FakeTerminal(), _FakeTerminal()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    train(_quick(tmp_path, log=lambda line: None))
    assert "epoch 1/1" in "".join(err.text)
    err.text.clear()
    train(_quick(tmp_path / "quiet", log=lambda line: None, progress=False))
    assert "epoch 1/1" not in "".join(err.text)


def _count_curves(monkeypatch):
    """Record the epochs of each call of the loop's curve drawing (which still draws)."""
    import minigrad.train.loop as loop

    drawn, real = [], loop.write_run_curves

    def counted(out_dir, config, history):
        drawn.append([row["epoch"] for row in history])
        return real(out_dir, config, history)

    monkeypatch.setattr(loop, "write_run_curves", counted)
    return drawn


def test_curves_are_drawn_once_when_the_run_ends(tmp_path, monkeypatch):
    # Not after every epoch: matplotlib would then sit in the training process (docs/performance.md, session 36).
    drawn = _count_curves(monkeypatch)
    run = tmp_path / "run"
    seen = {}

    def log(line):
        if line.startswith("epoch   1/2"):
            seen["after epoch 1"] = sorted(p.name for p in run.iterdir())

    result = train(_quick(tmp_path, epochs=2, log=log))
    assert seen["after epoch 1"] == ["checkpoint.npz", "metrics.csv", "metrics.json"]
    assert drawn == [[1, 2]]
    assert {name: result.files[name].name for name in ("loss", "accuracy", "curves")} == \
        {"loss": "loss.png", "accuracy": "accuracy.png", "curves": "curves.png"}
    assert all((run / name).read_bytes().startswith(b"\x89PNG") for name in ("loss.png", "accuracy.png", "curves.png"))
    assert not list(run.glob(".tmp-*"))   # written atomically: no temporary left behind


def test_a_stopped_or_interrupted_run_draws_the_curves_of_its_complete_epochs(tmp_path, monkeypatch, python_sigint):
    from minigrad.train import TrainingInterrupted

    drawn = _count_curves(monkeypatch)
    result = train(_quick(tmp_path / "stopped", epochs=3, stop_after=1, log=lambda line: None))
    assert not result.completed and drawn == [[1]]
    assert (tmp_path / "stopped" / "run" / "curves.png").is_file()

    with pytest.raises(TrainingInterrupted) as interrupted:
        train(_quick(tmp_path / "interrupted", epochs=3, log=_ctrl_c_after("epoch   2/3")))
    assert interrupted.value.epoch == 2 and drawn == [[1], [1, 2]]
    assert (tmp_path / "interrupted" / "run" / "curves.png").is_file()


def _ctrl_c_after(epoch_line):
    def log(line):
        if line.startswith(epoch_line):
            signal.raise_signal(signal.SIGINT)   # held, and delivered right after this line
    return log


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler (KeyboardInterrupt) during the test, the previous one put back after it."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _train_expecting_its_error(config):
    """Run ``config``, which fails with "evaluation failed": that error must come out, not an interruption."""
    with pytest.raises(RuntimeError, match="evaluation failed"):
        try:
            train(config)
        except KeyboardInterrupt as exc:   # (TrainingInterrupted is one: uncaught, it would stop pytest itself)
            pytest.fail(f"the Ctrl-C took the error's place: {exc!r}")


def _evaluation_fails_in_epoch(monkeypatch, epoch):
    """Make the loop's evaluation raise RuntimeError("evaluation failed") in ``epoch``."""
    import minigrad.train.loop as loop

    real, calls = loop._evaluate_sharded, []

    def evaluate(*args, **kwargs):
        calls.append(None)
        if len(calls) == epoch:
            raise RuntimeError("evaluation failed")
        return real(*args, **kwargs)

    monkeypatch.setattr(loop, "_evaluate_sharded", evaluate)


def _no_space(out_dir, config, history):
    raise OSError(28, "No space left on device")


def _draws_every_epoch(monkeypatch):
    """Run the loop with a plain run that draws the curves after every epoch, as a distributed run does."""
    import minigrad.train.loop as loop
    from minigrad.train.distributed import SingleProcess

    class EveryEpoch(SingleProcess):
        curves_every_epoch = True

    monkeypatch.setattr(loop, "for_config", lambda config: EveryEpoch())


def test_a_drawing_error_on_the_way_out_does_not_hide_the_interruption(tmp_path, monkeypatch, python_sigint):
    import minigrad.train.loop as loop
    from minigrad.train import TrainingInterrupted

    monkeypatch.setattr(loop, "write_run_curves", _no_space)
    lines = []
    interrupt = _ctrl_c_after("epoch   1/2")
    with pytest.raises(TrainingInterrupted) as interrupted:
        train(_quick(tmp_path, epochs=2, log=lambda line: (lines.append(line), interrupt(line))))
    assert interrupted.value.epoch == 1
    assert lines[-1] == "the curves could not be drawn: OSError: [Errno 28] No space left on device"


def test_a_run_that_fails_draws_the_curves_of_its_complete_epochs_and_raises_its_error(tmp_path, monkeypatch):
    drawn = _count_curves(monkeypatch)
    _evaluation_fails_in_epoch(monkeypatch, 2)
    with pytest.raises(RuntimeError, match="evaluation failed"):
        train(_quick(tmp_path, epochs=3, log=lambda line: None))
    assert drawn == [[1]]
    assert (tmp_path / "run" / "curves.png").is_file()


def test_a_distributed_run_draws_after_every_epoch(tmp_path, monkeypatch):
    # Any rank's Ctrl-C ends the whole MPI job, rank 0's drawing on the way out with it.
    from minigrad.train.distributed import DataParallelRun, SingleProcess

    assert DataParallelRun.curves_every_epoch and not SingleProcess.curves_every_epoch
    drawn = _count_curves(monkeypatch)
    _draws_every_epoch(monkeypatch)
    train(_quick(tmp_path, epochs=2, log=lambda line: None))
    assert drawn == [[1], [1, 2]]


def test_a_distributed_run_interrupted_after_an_epoch_does_not_draw_it_again(tmp_path, monkeypatch, python_sigint):
    from minigrad.train import TrainingInterrupted

    drawn = _count_curves(monkeypatch)
    _draws_every_epoch(monkeypatch)
    with pytest.raises(TrainingInterrupted):
        train(_quick(tmp_path, epochs=2, log=_ctrl_c_after("epoch   1/2")))
    assert drawn == [[1]]


def test_a_distributed_runs_drawing_error_is_logged_and_the_run_goes_on(tmp_path, monkeypatch):
    import minigrad.train.loop as loop

    _draws_every_epoch(monkeypatch)
    monkeypatch.setattr(loop, "write_run_curves", _no_space)
    lines = []
    result = train(_quick(tmp_path, epochs=2, log=lines.append))
    assert result.completed and len(result.history) == 2
    assert lines.count("the curves could not be drawn: OSError: [Errno 28] No space left on device") == 2


def test_a_ctrl_c_while_a_failed_run_draws_does_not_hide_its_error(tmp_path, monkeypatch, python_sigint):
    import minigrad.train.loop as loop

    real_curves = loop.write_run_curves

    def ctrl_c_while_drawing(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)   # the user, seeing nothing happen, presses Ctrl-C
        return real_curves(*args, **kwargs)

    _evaluation_fails_in_epoch(monkeypatch, 2)
    monkeypatch.setattr(loop, "write_run_curves", ctrl_c_while_drawing)
    _train_expecting_its_error(_quick(tmp_path, epochs=3, log=lambda line: None))
    assert (tmp_path / "run" / "curves.png").is_file()


def test_a_ctrl_c_just_before_an_error_in_the_first_epoch_does_not_hide_it(tmp_path, monkeypatch, python_sigint):
    import minigrad.train.loop as loop

    def evaluate_interrupted_then_fails(*args, **kwargs):
        signal.raise_signal(signal.SIGINT)   # held: no safe point comes before the error
        raise RuntimeError("evaluation failed")

    monkeypatch.setattr(loop, "_evaluate_sharded", evaluate_interrupted_then_fails)
    _train_expecting_its_error(_quick(tmp_path, epochs=2, log=lambda line: None))


def test_the_curves_are_drawn_with_the_signals_held_after_a_handler_ends_the_run(tmp_path, monkeypatch):
    # A SIGTERM handler that exits: its delivery released the signals, and the drawing must hold them again
    # (a Ctrl-C inside matplotlib is what minigrad.train.interrupts exists to prevent).
    import sys

    import minigrad.train.loop as loop

    handlers = []
    real_curves = loop.write_run_curves

    def curves(*args, **kwargs):
        handlers.append(signal.getsignal(signal.SIGINT))
        signal.raise_signal(signal.SIGINT)
        return real_curves(*args, **kwargs)

    def sigterm_after_epoch_1(line):
        if line.startswith("epoch   1/2"):
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(loop, "write_run_curves", curves)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    try:
        with pytest.raises(SystemExit) as exited:
            train(_quick(tmp_path, epochs=2, log=sigterm_after_epoch_1))
    except KeyboardInterrupt as exc:
        pytest.fail(f"a Ctrl-C during the drawing took the exit's place: {exc!r}")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    assert exited.value.code == 143
    assert handlers and handlers[0] is not signal.default_int_handler   # held while drawing
    assert (tmp_path / "run" / "curves.png").is_file()
