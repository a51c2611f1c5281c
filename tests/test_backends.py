"""minigrad.backends: torch.backends' settings (kept, bools only, misspellings refused), its questions, and
opt_einsum's settings reaching minigrad.einsum."""
import importlib.util

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.backends.cudnn as cudnn_module

SETTINGS = [("cuda.matmul", "allow_tf32"), ("cuda.matmul", "allow_fp16_reduced_precision_reduction"),
            ("cuda.matmul", "allow_bf16_reduced_precision_reduction"), ("cudnn", "enabled"),
            ("cudnn", "benchmark"), ("cudnn", "deterministic"), ("cudnn", "allow_tf32"), ("opt_einsum", "enabled")]


def _holder(lib, path):
    holder = lib.backends
    for part in path.split("."):
        holder = getattr(holder, part)
    return holder


@pytest.fixture
def restore_settings():
    saved = [(path, name, getattr(_holder(mg, path), name)) for path, name in SETTINGS]
    strategy = mg.backends.opt_einsum.strategy
    yield
    for path, name, value in saved:
        setattr(_holder(mg, path), name, value)
    mg.backends.opt_einsum.strategy = strategy


def test_defaults_are_torchs():
    for path, name in SETTINGS:
        assert getattr(_holder(mg, path), name) is getattr(_holder(torch, path), name), (path, name)
    assert mg.backends.opt_einsum.strategy == torch.backends.opt_einsum.strategy == "auto"


def test_settings_are_kept_as_set(restore_settings):
    for path, name in SETTINGS:
        holder = _holder(mg, path)
        for value in (not getattr(holder, name), getattr(holder, name)):
            setattr(holder, name, value)
            assert getattr(holder, name) is value
    mg.backends.cudnn.benchmark = True
    assert cudnn_module.benchmark is True            # `import torch.backends.cudnn as cudnn` sees the same module
    mg.backends.opt_einsum.strategy = "optimal"
    assert mg.backends.opt_einsum.strategy == "optimal"


def test_non_bools_and_misspellings_are_refused(restore_settings):
    with pytest.raises(TypeError, match=r"minigrad.backends.cudnn.benchmark expects a bool, but got int 1"):
        mg.backends.cudnn.benchmark = 1
    with pytest.raises(TypeError, match=r"matmul.allow_tf32 expects a bool, but got str 'yes'"):
        mg.backends.cuda.matmul.allow_tf32 = "yes"
    with pytest.raises(AttributeError, match=r"cudnn has no setting 'benchmrk' \(settings: allow_tf32, benchmark"):
        mg.backends.cudnn.benchmrk = True
    with pytest.raises(AttributeError, match=r"matmul has no setting 'allow_tf33'"):
        mg.backends.cuda.matmul.allow_tf33 = True
    with pytest.raises(ValueError, match=r"strategy must be one of \['auto', 'greedy', 'optimal'\], got 'fast'"):
        mg.backends.opt_einsum.strategy = "fast"
    assert mg.backends.cudnn.benchmark is False and mg.backends.opt_einsum.strategy == "auto"


def test_questions():
    assert mg.backends.cudnn.is_available() is False and mg.backends.cudnn.version() is None
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.backends.cuda.is_built() is (importlib.util.find_spec("cupy") is not None)
    assert mg.backends.opt_einsum.is_available() is True
    assert mg.cuda.is_bf16_supported() is False


def test_device_selection_idiom():
    device = "mps" if mg.backends.mps.is_available() else ("cuda" if mg.cuda.is_available() else "cpu")
    x = mg.ones(2, 3, device=device)
    assert x.device == ("cuda:0" if device == "cuda" else "cpu")


def test_opt_einsum_settings_reach_einsum_and_keep_its_values(restore_settings, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) for s in ((3, 4), (4, 5), (5, 2))]
    expected = torch.einsum("ij,jk,kl->il", *[torch.tensor(a) for a in arrays]).numpy()
    seen = []
    real = np.einsum

    def spy(*args, **kwargs):
        seen.append(kwargs.get("optimize"))
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "einsum", spy)
    for enabled, strategy, asked in ((True, "auto", True), (True, "greedy", "greedy"), (True, "optimal", "optimal"),
                                     (False, "auto", False)):
        mg.backends.opt_einsum.enabled = enabled
        mg.backends.opt_einsum.strategy = strategy
        seen.clear()
        got = mg.einsum("ij,jk,kl->il", *[mg.tensor(a, dtype=mg.float64) for a in arrays])
        assert seen == [asked]
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-14)


def test_float32_matmul_precision_is_kept_as_torchs():
    import torch

    try:
        for precision in ("high", "medium", "highest"):
            mg.set_float32_matmul_precision(precision)
            torch.set_float32_matmul_precision(precision)
            assert mg.get_float32_matmul_precision() == torch.get_float32_matmul_precision() == precision
            assert mg.backends.cuda.matmul.allow_tf32 is torch.backends.cuda.matmul.allow_tf32
        with pytest.raises(ValueError, match="^set_float32_matmul_precision: precision must be 'highest', 'high' or "
                                             "'medium', got 'fast'$"):
            mg.set_float32_matmul_precision("fast")
        assert mg.get_float32_matmul_precision() == "highest"
    finally:
        mg.set_float32_matmul_precision("highest")
        torch.set_float32_matmul_precision("highest")


def test_accelerator_answers_as_torch_on_this_machine():
    assert mg.accelerator.is_available() is torch.accelerator.is_available() is mg.cuda.is_available()
    assert mg.accelerator.device_count() == mg.cuda.device_count()
    if not mg.cuda.is_available():
        assert mg.accelerator.current_accelerator() is None
        with pytest.raises(RuntimeError, match=r"^current_device_index: no accelerator is usable here"):
            mg.accelerator.current_device_index()


def test_accelerator_quickstart_idiom(monkeypatch):
    device = mg.accelerator.current_accelerator().type if mg.accelerator.is_available() else "cpu"
    assert device == ("cuda" if mg.cuda.is_available() else "cpu")
    monkeypatch.setattr(mg.cuda, "is_available", lambda: True)   # as on a machine with a GPU
    acc = mg.accelerator.current_accelerator()
    assert acc == "cuda" and acc.type == "cuda" and acc.index is None and isinstance(acc, mg.device)
    assert mg.accelerator.current_device_idx() == 0
