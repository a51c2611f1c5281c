"""PyTorch idioms from tutorials that minigrad takes as they are written, compared with torch: K-dim
cross-entropy, formatting a 0-d tensor, Embedding.from_pretrained, Sequential(OrderedDict), the remaining
nn.init fills, torch.autograd.backward, and the inplace flag on every layer that has it."""
from collections import OrderedDict

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from torch_agreement import TOL, agree

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("shape", [(2, 5, 3, 4), (3, 4, 6), (5,)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("options", ["plain", "weight", "smoothing", "ignore"])
def test_cross_entropy_and_nll_loss_per_position_as_torch(shape, reduction, options):
    x = RNG.standard_normal(shape)
    c = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = RNG.integers(0, c, target_shape)
    if options == "ignore" and t.ndim:
        t.flat[0] = -100
    w = np.abs(RNG.standard_normal(c)) + 0.1
    kw = {"weight": (mg.tensor(w, dtype="float64"), torch.tensor(w))} if options == "weight" else {}
    extra = {"label_smoothing": 0.2} if options == "smoothing" else {}

    def ours(x):
        return F.cross_entropy(x, mg.tensor(t), reduction=reduction, **{k: v[0] for k, v in kw.items()}, **extra)

    def theirs(x):
        return torch.nn.functional.cross_entropy(x, torch.tensor(t), reduction=reduction,
                                                 **{k: v[1] for k, v in kw.items()}, **extra)
    agree(ours, theirs, [x])
    agree(lambda x: F.nll_loss(F.log_softmax(x, axis=0 if len(shape) == 1 else 1), mg.tensor(t), reduction=reduction,
                               **{k: v[0] for k, v in kw.items()}),
          lambda x: torch.nn.functional.nll_loss(torch.log_softmax(x, 0 if len(shape) == 1 else 1), torch.tensor(t),
                                                 reduction=reduction, **{k: v[1] for k, v in kw.items()}), [x])


def test_cross_entropy_refuses_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"^cross_entropy: input must have shape \(N, C\), \(C,\) or \(N, C, d1, "
                                         r"\.\.\.\), with targets of shape \(N,\), \(\) or \(N, d1, \.\.\.\); got input "
                                         r"\(2, 5, 3\) and target \(2, 4\)$"):
        F.cross_entropy(mg.zeros(2, 5, 3), mg.zeros(2, 4, dtype="int64"))


def test_a_0d_tensor_formats_as_its_number():
    loss = mg.tensor(0.123456)
    assert f"{loss:.3f}" == f"{torch.tensor(0.123456):.3f}" == "0.123"
    assert f"{mg.tensor(7)}" == "7" and f"{mg.tensor([1.0, 2.0])}" == str(mg.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"^unsupported format string '\.2f' for a tensor of shape \(2,\)"):
        f"{mg.tensor([1.0, 2.0]):.2f}"


@pytest.mark.parametrize("freeze", [True, False])
def test_embedding_from_pretrained_as_torch(freeze):
    table = RNG.standard_normal((5, 3))
    ours = nn.Embedding.from_pretrained(mg.tensor(table, dtype="float64"), freeze=freeze, padding_idx=1)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table), freeze=freeze, padding_idx=1)
    idx = np.array([[0, 1, 4], [1, 1, 2]])
    np.testing.assert_array_equal(ours(mg.tensor(idx)).numpy(), theirs(torch.tensor(idx)).detach().numpy())
    assert ours.weight.requires_grad == theirs.weight.requires_grad == (not freeze)
    assert ours.weight.dtype == np.float64 and ours.padding_idx == 1
    with pytest.raises(ValueError, match=r"^Embedding.from_pretrained: embeddings must be 2-D"):
        nn.Embedding.from_pretrained(mg.zeros(3))


def test_sequential_from_an_ordered_dict_names_its_layers_as_torch():
    def build(lib):
        return lib.nn.Sequential(OrderedDict([("fc", lib.nn.Linear(2, 3)), ("act", lib.nn.ReLU()),
                                              ("out", lib.nn.Linear(3, 1))]))
    m, t = build(mg), build(torch)
    assert list(m.state_dict()) == list(t.state_dict())
    assert m.fc is m[0] and isinstance(m.act, nn.ReLU)
    assert list(m[1:].state_dict()) == list(t[1:].state_dict())
    m.append(nn.Tanh())
    t.append(torch.nn.Tanh())
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    m.out = nn.Linear(3, 2)
    t.out = torch.nn.Linear(3, 2)
    assert list(m.state_dict()) == list(t.state_dict()) and m[2].out_features == 2
    assert m(mg.ones(4, 2)).shape == (4, 2)
    del m[0]
    del t[0]
    assert [n for n, _ in m.named_children()] == [n for n, _ in t.named_children()]
    with pytest.raises(AttributeError, match="'Sequential' object has no attribute 'fc'"):
        m.fc
    with pytest.raises(KeyError, match="layer names must be non-empty strings without '.'"):
        nn.Sequential(OrderedDict([("a.b", nn.ReLU())]))


def test_init_eye_dirac_and_trunc_normal_as_torch():
    w, tw = mg.zeros(6, 2, 3, 3), torch.zeros(6, 2, 3, 3)
    nn.init.dirac_(w, groups=2)
    torch.nn.init.dirac_(tw, groups=2)
    np.testing.assert_array_equal(w.numpy(), tw.numpy())
    e = mg.zeros(3, 5)
    nn.init.eye_(e)
    np.testing.assert_array_equal(e.numpy(), torch.nn.init.eye_(torch.zeros(3, 5)).numpy())
    x = mg.zeros(200000, dtype="float64")
    nn.init.trunc_normal_(x, mean=0.1, std=0.5, a=-0.3, b=0.8, generator=np.random.default_rng(0))
    v = x.numpy()
    assert v.min() >= -0.3 and v.max() <= 0.8
    # The truncated normal's moments, from the closed form (alpha, beta the standardised bounds).
    from math import erf, exp, pi, sqrt
    al, be = (-0.3 - 0.1) / 0.5, (0.8 - 0.1) / 0.5
    phi = lambda z: exp(-z * z / 2) / sqrt(2 * pi)   # noqa: E731
    cdf = lambda z: 0.5 * (1 + erf(z / sqrt(2)))     # noqa: E731
    zmass = cdf(be) - cdf(al)
    mean = 0.1 + 0.5 * (phi(al) - phi(be)) / zmass
    var = 0.25 * (1 + (al * phi(al) - be * phi(be)) / zmass - ((phi(al) - phi(be)) / zmass) ** 2)
    assert abs(v.mean() - mean) < 5 * sqrt(var / 200000) and abs(v.var() / var - 1) < 0.02
    with pytest.raises(ValueError, match=r"^trunc_normal_: \[a, b\] = \[5\.0, 6\.0\] holds"):
        nn.init.trunc_normal_(mg.zeros(3), a=5.0, b=6.0)


def test_autograd_backward_of_several_tensors_as_torch():
    a, ta = mg.tensor([1.0, 2.0], dtype="float64", requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True,
                                                                                      dtype=torch.float64)
    b, tb = mg.tensor([3.0], dtype="float64", requires_grad=True), torch.tensor([3.0], requires_grad=True,
                                                                                 dtype=torch.float64)
    mg.autograd.backward([(a * a).sum(), (a * b).sum()], [mg.tensor(1.0, dtype="float64"),
                                                          mg.tensor(2.0, dtype="float64")])
    torch.autograd.backward([(ta * ta).sum(), (ta * tb).sum()], [torch.tensor(1.0, dtype=torch.float64),
                                                                 torch.tensor(2.0, dtype=torch.float64)])
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), **TOL["float64"])
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), **TOL["float64"])
    a.grad = b.grad = None
    mg.autograd.backward((a * b).sum(), inputs=[b])
    assert a.grad is None and b.grad.tolist() == [3.0]


@pytest.mark.parametrize("layer", ["ReLU", "LeakyReLU", "Dropout", "Dropout2d", "SiLU", "ELU", "Hardtanh"])
def test_layers_take_inplace_as_a_bool(layer):
    assert getattr(nn, layer)(inplace=False).inplace is False
    assert getattr(nn, layer)(inplace=True).inplace is True   # what it does: tests/nn/test_inplace_option.py
    with pytest.raises(ValueError, match=f"^{layer}: inplace must be a bool, got 1"):
        getattr(nn, layer)(inplace=1)


def test_non_persistent_buffers_stay_out_of_the_state_as_torch():
    for lib in (mg, torch):
        m = lib.nn.Module()
        m.register_buffer("mask", lib.ones(2), persistent=False)
        m.register_buffer("count", lib.zeros(1))
        assert list(m.state_dict()) == ["count"] and [n for n, _ in m.named_buffers()] == ["mask", "count"]
        m.load_state_dict({"count": lib.ones(1)})
        assert m.get_buffer("mask") is m.mask
    m = mg.nn.Module()
    m.register_buffer("mask", mg.ones(2), persistent=False)
    assert m.to("cpu").mask.device == "cpu"


def test_where_with_a_condition_alone_gives_the_positions_as_torch_and_numpy():
    cond = np.array([[True, False, True], [False, True, False]])
    ours, theirs = mg.where(mg.tensor(cond)), torch.where(torch.tensor(cond))
    assert [t.tolist() for t in ours] == [t.tolist() for t in theirs] == [a.tolist() for a in np.where(cond)]
    with pytest.raises(TypeError, match="^where: give both a and b"):
        mg.where(mg.tensor(cond), 1.0)


def test_identity_ignores_its_arguments_and_compile_returns_the_model_as_it_is():
    assert nn.Identity(54, unused="x")(mg.ones(2)).tolist() == [1.0, 1.0]
    model = nn.Linear(2, 2)
    assert mg.compile(model) is model and mg.compile(fullgraph=True)(model) is model
    with pytest.raises(TypeError, match="^compile: expected a model or a function, got int$"):
        mg.compile(3)


def test_cuda_helpers_answer_as_torch_does():
    mg.cuda.empty_cache()
    mg.cuda.manual_seed_all(3)
    a = mg.randn(3)
    mg.manual_seed(3)
    assert mg.randn(3).tolist() == a.tolist()
    if mg.cuda.is_available():
        assert mg.cuda.device_count() >= 1 and mg.cuda.current_device() == 0
        return
    assert mg.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="^current_device: no CUDA GPU is usable here"):
        mg.cuda.current_device()


def test_generator_objects_seed_samplers_and_splits_as_torchs_do():
    from minigrad.data import RandomSampler, TensorDataset, random_split
    g = mg.Generator().manual_seed(42)
    assert g.initial_seed() == 42
    ds = TensorDataset(mg.arange(10))
    first = list(RandomSampler(ds, generator=g))
    state = g.get_state()
    second = [p.indices.tolist() for p in random_split(ds, [0.5, 0.5], generator=g)]
    assert sorted(first) == list(range(10))
    g.manual_seed(42)
    assert list(RandomSampler(ds, generator=g)) == first
    g.set_state(state)
    assert [p.indices.tolist() for p in random_split(ds, [0.5, 0.5], generator=g)] == second
    with pytest.raises(ValueError, match="^Generator.manual_seed: seed must be a non-negative integer, got -1$"):
        g.manual_seed(-1)


def test_a_layer_set_on_a_sequential_joins_it_as_torchs():
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    ours.head = nn.Linear(3, 1)
    theirs.head = torch.nn.Linear(3, 1)
    assert len(ours) == len(theirs) == 3 and list(ours.state_dict()) == list(theirs.state_dict())
    assert ours(mg.ones(4, 2)).shape == (4, 1) and ours.head is ours[2]


def test_sizes_pickle_and_copy_as_plain_counts():
    import copy
    import pickle
    size = mg.zeros(3, 4).size
    assert pickle.loads(pickle.dumps(size)) == 12 and copy.deepcopy(size) == 12


def test_random_sampler_refuses_an_empty_dataset():
    from minigrad.data import RandomSampler, TensorDataset
    with pytest.raises(ValueError, match="^RandomSampler: the dataset is empty"):
        RandomSampler(TensorDataset(mg.zeros(0, 2)))


def test_device_strings_with_an_index_are_devices_and_a_numpy_type_code_is_not_a_dtype():
    x = mg.ones(2)
    assert x.to("cpu:0") is x and mg.device("cuda:0") == mg.backend.normalize_device("cuda:00")
    with pytest.raises(ValueError, match="^Unknown device 'b'"):
        x.to("b")   # a NumPy type code is not a dtype's name: read as a device, it is none


def test_a_parameter_set_over_a_buffers_name_becomes_a_parameter():
    for lib in (mg, torch):
        m = lib.nn.Module()
        m.register_buffer("x", lib.zeros(2))
        m.x = lib.nn.Parameter(lib.ones(2))
        assert [n for n, _ in m.named_parameters()] == ["x"] and [n for n, _ in m.named_buffers()] == []
