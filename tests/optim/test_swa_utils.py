"""minigrad.optim.swa_utils against torch.optim.swa_utils: the same weights, the same updates, in float64.

A minigrad model and a torch model start from the same weights (minigrad's Linear keeps its weight as
(in, out), torch's as (out, in): transposed across), take the same SGD steps on the same batches, and
their AveragedModels, SWALR lrs and update_bn statistics are compared.
"""

import re
import warnings

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as torch_swa

import minigrad as mg
from minigrad import nn
from minigrad.optim import swa_utils

TOL = dict(rtol=1e-12, atol=1e-14)


def _to_torch(value):
    value = np.asarray(value)
    return torch.tensor(value.T.copy() if value.ndim == 2 else value)


def _from_torch(value):
    value = value.detach().numpy()
    return value.T if value.ndim == 2 else value


def _models():
    mine = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.BatchNorm1d(4, dtype=np.float64), nn.ReLU(),
                         nn.Linear(4, 2, dtype=np.float64))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2)).double()
    theirs.load_state_dict({name: _to_torch(value) for name, value in mine.state_dict().items()})
    return mine, theirs


def _assert_same_state(ours, theirs):
    state, torch_state = ours.state_dict(), theirs.state_dict()
    assert list(state) == list(torch_state)
    for name, value in state.items():
        np.testing.assert_allclose(np.asarray(value), _from_torch(torch_state[name]), **TOL, err_msg=name)


def _train(mine, theirs, averaged, torch_averaged, steps=12, seed=0, dtype=np.float64):
    ours_opt, torch_opt = mg.optim.SGD(mine.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = rng.standard_normal((8, 3)).astype(dtype)
        ours_opt.zero_grad()
        ((mine(mg.tensor(x, dtype=dtype)) - 1.0) ** 2).mean().backward()
        ours_opt.step()
        torch_opt.zero_grad()
        ((theirs(torch.tensor(x)) - 1.0) ** 2).mean().backward()
        torch_opt.step()
        averaged.update_parameters(mine)
        torch_averaged.update_parameters(theirs)


AVERAGES = {
    "swa": lambda lib: {},
    "ema": lambda lib: {"avg_fn": lib.get_ema_avg_fn(0.9)},
    "ema-multi": lambda lib: {"multi_avg_fn": lib.get_ema_multi_avg_fn(0.8)},
    "swa-avg-fn": lambda lib: {"avg_fn": lib.get_swa_avg_fn()},
}


@pytest.mark.parametrize("use_buffers", [False, True])
@pytest.mark.parametrize("kind", list(AVERAGES))
def test_averaged_model_follows_torchs(kind, use_buffers):
    mine, theirs = _models()
    averaged = swa_utils.AveragedModel(mine, use_buffers=use_buffers, **AVERAGES[kind](swa_utils))
    torch_averaged = torch_swa.AveragedModel(theirs, use_buffers=use_buffers, **AVERAGES[kind](torch_swa))
    _train(mine, theirs, averaged, torch_averaged)
    _assert_same_state(averaged, torch_averaged)
    assert int(averaged.n_averaged.data) == 12 and averaged.n_averaged.dtype == np.int64
    # the average is not the model: it lags behind it
    assert not np.allclose(averaged.parameters()[0].numpy(), mine.parameters()[0].numpy())
    x = np.random.default_rng(1).standard_normal((5, 3))
    averaged.eval()
    torch_averaged.eval()
    np.testing.assert_allclose(averaged(mg.tensor(x, dtype=np.float64)).numpy(),
                               torch_averaged(torch.tensor(x)).detach().numpy(), **TOL)


def test_ema_rules_with_a_numpy_decay_compute_as_with_the_python_float():
    # np.float64(0.8) is not weak in NumPy 2: 0.8 * a float32 array is float64, and an integer counter averaged in
    # float64 truncates to another count than torch's float32 average (0.8 * 0 + 0.2 * 5 = 0.99999... -> 0)
    ema32, current32 = np.array([0.25, -1.5, 3.0], np.float32), np.array([1.0, 2.0, -0.75], np.float32)
    ours = swa_utils.get_ema_avg_fn(np.float64(0.8))(ema32, current32, 1)
    assert ours.dtype == np.float32
    np.testing.assert_array_equal(ours, swa_utils.get_ema_avg_fn(0.8)(ema32, current32, 1))
    emas, currents = [np.array(0), np.array(1), ema32.copy()], [np.array(5), np.array(6), current32]
    swa_utils.get_ema_multi_avg_fn(np.float64(0.8))(emas, currents, 1)
    torch_emas = [torch.tensor(0), torch.tensor(1), torch.tensor(ema32)]
    torch_swa.get_ema_multi_avg_fn(0.8)(torch_emas, [torch.tensor(5), torch.tensor(6), torch.tensor(current32)], 1)
    assert [int(emas[0]), int(emas[1])] == [int(torch_emas[0]), int(torch_emas[1])] == [1, 2]
    assert emas[2].dtype == np.float32
    np.testing.assert_allclose(emas[2], torch_emas[2].numpy(), rtol=1e-7, atol=0)


NUMPY_DECAYS = {
    "swa": lambda lib: {},
    "ema": lambda lib: {"avg_fn": lib.get_ema_avg_fn(np.float64(0.9))},
    "ema-multi": lambda lib: {"multi_avg_fn": lib.get_ema_multi_avg_fn(np.float64(0.8))},
}


@pytest.mark.parametrize("kind", list(NUMPY_DECAYS))
def test_float32_averages_stay_float32_with_numpy_decays_and_follow_torch(kind):
    # a np.float64 decay is not weak in NumPy 2's promotion: applied to the float32 arrays it would give float64
    mine = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.load_state_dict({name: _to_torch(value) for name, value in mine.state_dict().items()})
    averaged = swa_utils.AveragedModel(mine, use_buffers=True, **NUMPY_DECAYS[kind](swa_utils))
    torch_averaged = torch_swa.AveragedModel(theirs, use_buffers=True, **NUMPY_DECAYS[kind](torch_swa))
    _train(mine, theirs, averaged, torch_averaged, steps=6, seed=3, dtype=np.float32)
    state, torch_state = averaged.state_dict(), torch_averaged.state_dict()
    assert {name: np.asarray(v).dtype.name for name, v in state.items()} == {
        name: str(v.dtype).replace("torch.", "") for name, v in torch_state.items()}
    assert sum(np.asarray(v).dtype == np.float32 for v in state.values()) == 8   # 6 parameters, 2 statistics
    for name, value in state.items():
        np.testing.assert_allclose(np.asarray(value), _from_torch(torch_state[name]), rtol=2e-6, atol=1e-7,
                                   err_msg=name)


def test_swa_multi_avg_fn_follows_torch_with_float64_weights():
    # torch computes the lerp weight 1/(n+1) as a tensor of its default dtype (float32 unless set): with
    # float64 it agrees to rounding; here the weight is always a Python float
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        mine, theirs = _models()
        averaged = swa_utils.AveragedModel(mine, multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
        torch_averaged = torch_swa.AveragedModel(theirs, multi_avg_fn=torch_swa.get_swa_multi_avg_fn())
        _train(mine, theirs, averaged, torch_averaged)
        _assert_same_state(averaged, torch_averaged)
    finally:
        torch.set_default_dtype(before)


def test_the_default_average_is_the_mean_of_the_iterates_exactly_as_optim_averaging():
    mine, _ = _models()
    averaged = swa_utils.AveragedModel(mine)
    reference = mg.optim.AveragedModel(mine)   # the same math (optim/averaging.py), not written twice
    iterates = []
    rng = np.random.default_rng(2)
    for _ in range(6):
        for p in mine.parameters():
            p.data += rng.standard_normal(p.shape)
        iterates.append([p.numpy().copy() for p in mine.parameters()])
        averaged.update_parameters(mine)
        reference.update_parameters(mine)
    for i, (p, avg) in enumerate(zip(averaged.parameters(), reference.averages)):
        assert p.numpy().tobytes() == avg.tobytes()
        np.testing.assert_allclose(p.numpy(), np.mean([it[i] for it in iterates], axis=0), rtol=1e-14)


def test_averaged_model_is_a_copy_and_copies_buffers_unless_averaging_them():
    mine, _ = _models()
    averaged = swa_utils.AveragedModel(mine)
    assert all(p is not q for p, q in zip(averaged.parameters(), mine.parameters()))
    mine.train()
    mine(mg.tensor(np.ones((4, 3)), dtype=np.float64))   # moves the running statistics
    averaged.update_parameters(mine)
    bn_mine, bn_avg = mine.layers()[2], averaged.module.layers()[2]
    np.testing.assert_array_equal(bn_avg.running_mean.numpy(), bn_mine.running_mean.numpy())
    assert [name for name in averaged.state_dict()][:2] == ["n_averaged", "module.0.weight"]


def test_averaged_model_state_dict_round_trip():
    mine, theirs = _models()
    averaged = swa_utils.AveragedModel(mine, avg_fn=swa_utils.get_ema_avg_fn(0.5))
    _train(mine, theirs, averaged, torch_swa.AveragedModel(theirs), steps=3)
    restored = swa_utils.AveragedModel(_models()[0], avg_fn=swa_utils.get_ema_avg_fn(0.5))
    restored.load_state_dict(averaged.state_dict())
    assert int(restored.n_averaged.data) == 3
    for a, b in zip(averaged.state_dict().values(), restored.state_dict().values()):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


def test_averaged_model_errors():
    mine, _ = _models()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        swa_utils.AveragedModel(mine, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    averaged = swa_utils.AveragedModel(mine)
    other = nn.Sequential(nn.Linear(3, 4, dtype=np.float64))
    with pytest.raises(ValueError, match=re.escape("the model has 2 parameters, the averaged copy 6")):
        averaged.update_parameters(other)
    for fn in (swa_utils.get_ema_avg_fn, swa_utils.get_ema_multi_avg_fn):
        with pytest.raises(ValueError) as ours:
            fn(1.5)
        with pytest.raises(ValueError) as theirs:
            getattr(torch_swa, fn.__name__)(1.5)
        assert str(ours.value) == str(theirs.value)


def test_update_bn_recomputes_the_statistics_as_torch():
    mine, theirs = _models()
    averaged, torch_averaged = swa_utils.AveragedModel(mine), torch_swa.AveragedModel(theirs)
    _train(mine, theirs, averaged, torch_averaged, steps=10)
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((6, 3)) * 2 + 1 for _ in range(5)]
    averaged.eval()
    torch_averaged.eval()
    swa_utils.update_bn([(mg.tensor(b, dtype=np.float64), 0) for b in batches], averaged)
    torch_swa.update_bn([(torch.tensor(b), 0) for b in batches], torch_averaged)
    _assert_same_state(averaged, torch_averaged)
    bn = averaged.module.layers()[2]
    assert bn.momentum == 0.1 and not averaged.training and not bn.training   # put back
    assert int(bn.num_batches_tracked.data) == 5
    # the statistics are the plain average over the batches, not the momentum's blend
    hidden = [b @ averaged.module.layers()[1].weight.numpy() + averaged.module.layers()[1].bias.numpy()
              for b in batches]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([h.mean(axis=0) for h in hidden], axis=0),
                               rtol=1e-12)


def test_update_bn_leaves_a_model_without_batch_norm_alone():
    model = nn.Sequential(nn.Linear(3, 2, dtype=np.float64))
    read = []
    swa_utils.update_bn(iter(read.append(1) or [] for _ in range(3)), model)
    assert read == []


@pytest.mark.parametrize("anneal_epochs, strategy", [(10, "cos"), (5, "linear"), (0, "cos"), (1, "linear")])
def test_swalr_takes_over_from_another_schedule_as_torch(anneal_epochs, strategy):
    def build(lib, tensor, sched):
        params = [tensor([1.0], requires_grad=True) for _ in range(2)]
        opt = lib.SGD([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.3}], lr=0.1)
        cosine = sched.CosineAnnealingLR(opt, T_max=10)
        for _ in range(4):
            opt.step()
            cosine.step()
        return opt

    ours = build(mg.optim, mg.tensor, mg.optim.lr_scheduler)
    theirs = build(torch.optim, torch.tensor, torch.optim.lr_scheduler)
    swa = swa_utils.SWALR(ours, [0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    torch_swalr = torch_swa.SWALR(theirs, [0.05, 0.01], anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(15):
            np.testing.assert_allclose([g["lr"] for g in ours.param_groups],
                                       [g["lr"] for g in theirs.param_groups], rtol=1e-12, atol=1e-15)
            assert [g["swa_lr"] for g in ours.param_groups] == [g["swa_lr"] for g in theirs.param_groups]
            ours.step()
            swa.step()
            theirs.step()
            torch_swalr.step()
    assert swa.get_last_lr() == [0.05, 0.01]


@pytest.mark.parametrize("kwargs, message", [
    (dict(anneal_epochs=-1), "anneal_epochs must be equal or greater than 0, got -1"),
    (dict(anneal_epochs=2.5), "anneal_epochs must be equal or greater than 0, got 2.5"),
    (dict(anneal_strategy="exp"), "anneal_strategy must be one of 'cos' or 'linear', instead got 'exp'"),
])
def test_swalr_arguments(kwargs, message):
    opt = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match=re.escape(message)):
        swa_utils.SWALR(opt, 0.05, **kwargs)
    with pytest.raises(ValueError, match="swa_lr must be a finite number >= 0, got -0.1"):
        swa_utils.SWALR(opt, -0.1)


def test_an_optimizer_state_with_swa_lr_loads_into_an_optimizer_without_swalr():
    p = mg.tensor([1.0], requires_grad=True)
    opt = mg.optim.SGD([p], lr=0.1)
    swa_utils.SWALR(opt, 0.05)
    fresh = mg.optim.SGD([mg.tensor([1.0], requires_grad=True)], lr=0.1)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.param_groups[0]["swa_lr"] == 0.05


def test_swa_utils_has_torchs_names():
    assert sorted(swa_utils.__all__) == sorted(torch_swa.__all__)
