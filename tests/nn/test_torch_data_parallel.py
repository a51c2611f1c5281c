"""nn.DataParallel (torch's one-device case) and the deprecated NLLLoss2d, against torch."""
import inspect

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.io import from_torch


def test_data_parallel_is_the_module_with_torchs_state_dict_keys():
    assert list(inspect.signature(nn.DataParallel).parameters) == \
        list(inspect.signature(torch.nn.DataParallel).parameters)
    theirs = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)))
    ours = nn.DataParallel(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == \
        ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"]
    ours = ours.double()
    ours.load_state_dict(from_torch(ours, {k: v.double().numpy() for k, v in theirs.state_dict().items()}))
    x = np.random.default_rng(1).standard_normal((5, 3))
    xm, xt = mg.tensor(x, dtype=mg.float64, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = ours(xm), theirs.double()(xt)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(xm.grad.numpy(), xt.grad.numpy(), rtol=1e-12)
    assert isinstance(ours.module, nn.Sequential)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert ours.device_ids == [] and nn.DataParallel(nn.Linear(2, 2), device_ids=["cuda:0"]).device_ids == [0]


def test_data_parallel_refuses_several_devices_by_pointing_to_ddp():
    with pytest.raises(NotImplementedError, match=r"DataParallel: minigrad runs one device per process, got "
                                                  r"device_ids=\[0, 1\]; .*DistributedDataParallel"):
        nn.DataParallel(nn.Linear(2, 2), device_ids=[0, 1])
    with pytest.raises(TypeError, match="DataParallel: module must be a Layer"):
        nn.DataParallel(lambda x: x)


def test_nll_loss_2d_is_nll_loss():
    logits = np.random.default_rng(2).standard_normal((2, 3, 4, 5))
    target = np.random.default_rng(3).integers(0, 3, (2, 4, 5))
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ours = nn.NLLLoss2d()(mg.tensor(log_p, dtype=mg.float64), mg.tensor(target))
    theirs = torch.nn.NLLLoss2d()(torch.tensor(log_p), torch.tensor(target))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    assert isinstance(nn.NLLLoss2d(), nn.NLLLoss)
