"""torch's ``memory_format=`` arguments: the row-major formats run as in torch, channels_last is refused by name."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

LIKE = ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]


@pytest.mark.parametrize("name", LIKE)
@pytest.mark.parametrize("fmt", ["preserve_format", "contiguous_format"])
def test_like_functions_take_the_row_major_formats_as_torch(name, fmt):
    # torch.optim's own idiom: torch.zeros_like(p, memory_format=torch.preserve_format)
    x = mg.ones(3, 4)
    out = getattr(mg, name)(x, memory_format=getattr(mg, fmt))
    theirs = getattr(torch, name)(torch.ones(3, 4), memory_format=getattr(torch, fmt))
    assert tuple(out.shape) == tuple(theirs.shape) and out.dtype == mg.float32 and out.is_contiguous()
    assert mg.full_like(x, 2.0, memory_format=getattr(mg, fmt)).tolist() == [[2.0] * 4] * 3
    assert mg.randint_like(x, 5, memory_format=getattr(mg, fmt)).shape == (3, 4)


def test_contiguous_and_clone_take_the_row_major_formats_and_to_changes_nothing_by_one_as_torch():
    x = mg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    t = torch.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    ours, theirs = x.T.contiguous(memory_format=mg.contiguous_format), t.T.contiguous(memory_format=torch.contiguous_format)
    assert ours.is_contiguous() and theirs.is_contiguous() and ours.tolist() == theirs.tolist()
    # torch's to() with nothing but a format returns the tensor itself, even a transposed view
    assert t.T.to(memory_format=torch.contiguous_format).is_contiguous() is False
    assert x.T.to(memory_format=mg.contiguous_format).is_contiguous() is False
    assert x.to(memory_format=mg.preserve_format) is x and x.to(memory_format=mg.contiguous_format) is x
    y = x.clone(memory_format=mg.preserve_format)
    (y * mg.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    assert x.grad.tolist() == np.arange(6.0).reshape(2, 3).tolist() and y.is_contiguous()
    assert mg.clone(x, memory_format=mg.contiguous_format).tolist() == x.tolist()
    assert x.is_contiguous(memory_format=mg.contiguous_format) and not x.T.is_contiguous(mg.contiguous_format)
    assert mg.empty(2, 3, memory_format=mg.contiguous_format).shape == (2, 3)
    assert mg.nn.Linear(2, 3).to(memory_format=mg.preserve_format).weight.is_contiguous()


@pytest.mark.parametrize("fmt", ["channels_last", "channels_last_3d"])
def test_channels_last_is_refused_by_name_everywhere_a_format_is_taken(fmt):
    x = mg.ones(1, 2, 3, 3)
    calls = {"contiguous": lambda f: x.contiguous(memory_format=f), "clone": lambda f: x.clone(memory_format=f),
             "zeros_like": lambda f: mg.zeros_like(x, memory_format=f), "Tensor.to": lambda f: x.to(memory_format=f),
             "Conv2d.to": lambda f: mg.nn.Conv2d(2, 2, 1).to(memory_format=f),
             "empty": lambda f: mg.empty(1, 2, 3, 3, memory_format=f),
             "make_tensor": lambda f: mg.testing.make_tensor(2, 2, dtype="float32", device="cpu", memory_format=f)}
    for owner, call in calls.items():
        with pytest.raises(ValueError, match=rf"^{owner}: memory_format=minigrad\.{fmt} is not supported: minigrad "
                                             r"tensors are stored in row-major order \(contiguous_format\) only$"):
            call(getattr(mg, fmt))


def test_a_memory_format_that_is_not_one_is_a_type_error():
    with pytest.raises(TypeError, match=r"^zeros_like: memory_format must be a minigrad memory format .* got "
                                        r"'contiguous'$"):
        mg.zeros_like(mg.ones(2), memory_format="contiguous")
    assert repr(mg.preserve_format) == "minigrad.preserve_format" and isinstance(mg.channels_last, mg.memory_format)


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 1, 4, 5), (2, 3, 1, 1), (1, 1, 1, 1), (2, 3, 4), (2, 3, 1, 5),
                                   (2, 3, 4, 5, 6), (2, 1, 4, 5, 6)])
def test_is_contiguous_answers_for_channels_last_as_torch(shape):
    # a row-major tensor is channels-last where that layout coincides (one channel, or one pixel), as in torch
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    views = [(mg.tensor(a), torch.from_numpy(a))]
    if len(shape) == 4:   # stored channels-last, and a transposed view
        views.append((mg.tensor(a).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
                      torch.from_numpy(a).contiguous(memory_format=torch.channels_last)))
    if len(shape) >= 4:
        views.append((mg.tensor(a).transpose(2, 3), torch.from_numpy(a).transpose(2, 3)))
    for ours, theirs in views:
        for fmt in ("channels_last", "channels_last_3d"):
            assert ours.is_contiguous(memory_format=getattr(mg, fmt)) == \
                theirs.is_contiguous(memory_format=getattr(torch, fmt))


def test_a_copied_memory_format_is_the_same_object():
    import copy
    import pickle

    for fmt in (mg.preserve_format, mg.contiguous_format, mg.channels_last):
        assert copy.deepcopy(fmt) is fmt and pickle.loads(pickle.dumps(fmt)) is fmt
    assert mg.zeros_like(mg.ones(2), memory_format=copy.deepcopy(mg.preserve_format)).shape == (2,)
