"""Layer, Parameter and Network: registration order, naming, modes, state dicts, repr, to()."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import (BatchNorm1d, Dropout, Layer, Linear, LogSoftmax, Network, Parameter, ReLU)
from minigrad.nn import functional as F


class MnistNet(Layer):
    """The classic first net: 784-1000-50-10, ReLUs, log-softmax output (no ReLU on the last layer)."""

    def __init__(self):
        super().__init__()
        self.fc1 = Linear(784, 1000)
        self.fc2 = Linear(1000, 50)
        self.fc3 = Linear(50, 10)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        h = F.relu(self.fc2(h))
        return F.log_softmax(self.fc3(h))


class Blocks(Layer):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.ones(3, dtype=np.float32))
        self.blocks = [Linear(3, 3), Linear(3, 2)]
        self.heads = {"b": Linear(2, 1), "a": Linear(2, 1)}
        self.norm = BatchNorm1d(2)

    def forward(self, x):
        return x


def test_parameter_requires_grad_and_hashes_by_identity():
    p = Parameter(np.zeros(3, dtype=np.float32))
    q = Parameter(np.zeros(3, dtype=np.float32))
    assert p.requires_grad and p.is_leaf
    assert len({p: 1, q: 2}) == 2
    assert Parameter([1.0, 2.0]).dtype == np.float32


def test_mnist_net_names_shapes_and_output():
    mg.manual_seed(0)
    net = MnistNet()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]
    assert [tuple(p.shape) for p in net.parameters()] == [(784, 1000), (1000,), (1000, 50), (50,), (50, 10), (10,)]
    assert net.num_parameters() == 784 * 1000 + 1000 + 1000 * 50 + 50 + 50 * 10 + 10
    x = mg.tensor(mg.random.get_generator().random((4, 784), dtype=np.float32))
    out = net(x)
    assert out.shape == (4, 10) and out.dtype == np.float32
    np.testing.assert_allclose(np.exp(out.numpy()).sum(axis=1), np.ones(4), rtol=1e-5)


def test_registration_follows_definition_order_with_lists_and_dicts():
    names = list(Blocks().state_dict())
    assert names == [
        "scale",
        "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
        "heads.b.weight", "heads.b.bias", "heads.a.weight", "heads.a.bias",
        "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked",
    ]
    # Buffers are state but not parameters.
    assert [n for n, _ in Blocks().named_parameters()][-2:] == ["norm.weight", "norm.bias"]


def test_list_appended_after_assignment_is_seen_and_reassignment_keeps_order():
    class Grow(Layer):
        def __init__(self):
            super().__init__()
            self.layers_ = []
            self.layers_.append(Linear(2, 2))
            self.extra = Linear(2, 2)

    g = Grow()
    assert [n for n, _ in g.named_parameters()] == ["layers_.0.weight", "layers_.0.bias", "extra.weight", "extra.bias"]
    g.extra = None
    assert [n for n, _ in g.named_parameters()] == ["layers_.0.weight", "layers_.0.bias"]
    g.extra = Linear(2, 2)
    g.layers_ = [Linear(2, 3)]
    assert [n for n, _ in g.named_parameters()] == ["layers_.0.weight", "layers_.0.bias", "extra.weight", "extra.bias"]
    assert g.layers_[0].weight.shape == (2, 3)


def test_shared_parameter_listed_once():
    shared = Linear(3, 3)
    net = Network(shared, ReLU(), shared)
    assert len(net.parameters()) == 2
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias"]


def test_network_indexing_slicing_len_append_iteration():
    a, b, c = Linear(4, 3), ReLU(), Linear(3, 2)
    net = Network(a, b)
    net.append(c)
    assert len(net) == 3 and net[0] is a and net[-1] is c
    assert list(net) == [a, b, c]
    head = net[:2]
    assert isinstance(head, Network) and list(head) == [a, b]
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = mg.tensor(np.ones((5, 4), dtype=np.float32))
    expected = c(b(a(x))).numpy()
    np.testing.assert_array_equal(net(x).numpy(), expected)
    with pytest.raises(TypeError, match="Network.append"):
        net.append(lambda t: t)


def test_named_layers_and_train_eval_propagate():
    net = Network(Linear(2, 2), Network(Dropout(0.5), BatchNorm1d(2)))
    names = [n for n, _ in net.named_layers()]
    assert names == ["", "0", "1", "1.0", "1.1"]
    assert all(layer.training for layer in net.layers())
    assert net.eval() is net
    assert not any(layer.training for layer in net.layers())
    net.train()
    assert all(layer.training for layer in net.layers())


def test_zero_grad_to_none_and_to_zeros():
    lin = Linear(3, 2)
    lin(mg.tensor(np.ones((4, 3), dtype=np.float32))).sum().backward()
    assert lin.weight.grad is not None
    lin.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(lin.weight.grad.numpy(), np.zeros((3, 2), dtype=np.float32))
    lin.zero_grad()
    assert lin.weight.grad is None and lin.bias.grad is None


def test_to_keeps_parameter_objects():
    net = Network(Linear(3, 2), BatchNorm1d(2))
    before = net.parameters()
    assert net.to("cpu") is net
    assert all(p is q for p, q in zip(before, net.parameters()))
    assert all(p.device == "cpu" for p in net.parameters() + net.buffers())


def test_state_dict_shares_the_parameters_memory_and_round_trips():
    mg.manual_seed(1)
    a = Network(Linear(3, 4), BatchNorm1d(4), Linear(4, 2))
    a(mg.tensor(mg.random.get_generator().random((8, 3), dtype=np.float32)))  # moves running stats
    state = a.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked", "2.weight", "2.bias"]
    saved_weight = state["0.weight"].clone()   # a snapshot needs a copy, as in torch
    a.parameters()[0].data += 1.0
    np.testing.assert_array_equal(state["0.weight"].numpy(), a.parameters()[0].numpy())  # a view, not a copy
    assert not np.array_equal(state["0.weight"].numpy(), saved_weight.numpy())

    mg.manual_seed(2)
    b = Network(Linear(3, 4), BatchNorm1d(4), Linear(4, 2))
    b_params = b.parameters()
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert all(p is q for p, q in zip(b_params, b.parameters()))
    for name, value in b.state_dict().items():
        np.testing.assert_array_equal(value, state[name])
        assert value.dtype == state[name].dtype


def test_load_state_dict_accepts_tensors_and_casts_to_parameter_dtype():
    lin = Linear(2, 2)
    state = {"weight": mg.tensor(np.eye(2), dtype=np.float64), "bias": np.array([1.0, 2.0])}
    lin.load_state_dict(state)
    assert lin.weight.dtype == np.float32 and lin.bias.dtype == np.float32
    np.testing.assert_array_equal(lin.weight.numpy(), np.eye(2, dtype=np.float32))
    np.testing.assert_array_equal(lin.bias.numpy(), np.array([1.0, 2.0], dtype=np.float32))


def test_strict_load_reports_missing_unexpected_and_shapes_in_one_error():
    net = Network(Linear(3, 2), Linear(2, 1))
    state = net.state_dict()
    del state["1.bias"]
    state["2.weight"] = np.zeros((1, 1), dtype=np.float32)
    state["0.weight"] = np.zeros((2, 3), dtype=np.float32)
    before = net.parameters()[0].numpy().copy()
    with pytest.raises(ValueError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert message == ('Error(s) in loading state_dict for Network:\n\tMissing key(s) in state_dict: "1.bias". '
                       '\n\tUnexpected key(s) in state_dict: "2.weight". \n\tsize mismatch for 0.weight: copying a '
                       'param with shape (2, 3) from checkpoint, the shape in current model is (3, 2).')
    np.testing.assert_array_equal(net.parameters()[0].numpy(), before)  # nothing written


def test_non_strict_load_loads_matches_and_returns_the_rest():
    net = Network(Linear(3, 2), Linear(2, 1))
    state = net.state_dict()
    new_bias = np.array([5.0, 6.0], dtype=np.float32)
    partial = {"0.bias": new_bias, "extra": np.zeros(1)}
    result = net.load_state_dict(partial, strict=False)
    assert result.missing_keys == ["0.weight", "1.weight", "1.bias"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net[0].bias.numpy(), new_bias)
    np.testing.assert_array_equal(net[0].weight.numpy(), state["0.weight"])
    with pytest.raises(ValueError, match=r"^Error\(s\) in loading state_dict for Network:\n"
                                         r"\tsize mismatch for 0\.bias: "):
        net.load_state_dict({"0.bias": np.zeros(3, dtype=np.float32)}, strict=False)


def test_repr_is_nested_with_parameter_counts():
    text = repr(Network(Linear(784, 10), ReLU(), Network(Linear(10, 2)), LogSoftmax()))
    assert text.splitlines() == [
        "Network(",
        "  (0): Linear(in_features=784, out_features=10, bias=True)  # 7,850 params",
        "  (1): ReLU()",
        "  (2): Network(",
        "    (0): Linear(in_features=10, out_features=2, bias=True)  # 22 params",
        "  )  # 22 params",
        "  (3): LogSoftmax(axis=-1)",
        ")  # 7,872 params",
    ]


def test_assignment_before_super_init_is_a_clear_error():
    class Broken(Layer):
        def __init__(self):
            self.fc = Linear(2, 2)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_register_buffer_rejects_non_tensors():
    layer = Layer()
    with pytest.raises(TypeError, match="register_buffer"):
        layer.register_buffer("stats", np.zeros(3))


def test_network_subclass_keeps_its_own_members_after_the_stack():
    class WithHead(Network):
        def __init__(self):
            super().__init__(Linear(3, 3), ReLU())
            self.head = Linear(3, 1)

        def forward(self, x):
            return self.head(super().forward(x))

    net = WithHead()
    assert [n for n, _ in net.named_parameters()] == ["0.weight", "0.bias", "head.weight", "head.bias"]
    assert net(mg.zeros(2, 3)).shape == (2, 1)


def test_deepcopy_gives_an_independent_model():
    import copy

    net = Network(Linear(3, 2), BatchNorm1d(2))
    clone = copy.deepcopy(net)
    clone[0].weight.data += 1.0
    assert not np.array_equal(clone[0].weight.numpy(), net[0].weight.numpy())
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]
    assert isinstance(clone[0].weight, Parameter) and clone[0].weight.requires_grad


def test_names_do_not_depend_on_the_hash_seed():
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    script = (
        "from minigrad.nn import Layer, Linear\n"
        "class M(Layer):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.z = {'q': Linear(2, 2), 'b': Linear(2, 2), 'x': [Linear(2, 1)]}\n"
        "        self.a = Linear(2, 2)\n"
        "print(','.join(M().state_dict()))\n"
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(root))
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout.strip())
    assert outputs == {"z.q.weight,z.q.bias,z.b.weight,z.b.bias,z.x.0.weight,z.x.0.bias,a.weight,a.bias"}


def test_deepcopy_of_a_model_leaves_the_gradients_behind_as_torch():
    # The copy kept each parameter's .grad: an optimizer over a copied model (a target network, an
    # AveragedModel) stepped with the original's stale gradients, where torch's Parameter copies none.
    import copy

    torch = pytest.importorskip("torch")
    net = Network(Linear(3, 2), BatchNorm1d(2))
    net(mg.randn(4, 3)).sum().backward()
    clone = copy.deepcopy(net)
    assert [p.grad for p in clone.parameters()] == [None, None, None, None]
    assert all(p.grad is not None for p in net.parameters())
    assert all(isinstance(p, Parameter) and p.requires_grad for p in clone.parameters())
    before = [p.numpy().copy() for p in clone.parameters()]
    mg.optim.SGD(clone.parameters(), lr=0.1).step()
    assert all(np.array_equal(a, p.numpy()) for a, p in zip(before, clone.parameters()))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    tnet(torch.randn(4, 3)).sum().backward()
    assert [p.grad for p in copy.deepcopy(tnet).parameters()] == [None, None, None, None]
    frozen = Parameter(mg.ones(2), requires_grad=False)
    frozen.name = "scale"
    twin = copy.deepcopy([frozen, frozen])
    assert twin[0] is twin[1] and not twin[0].requires_grad and twin[0].name == "scale"
    assert twin[0].data is not frozen.data and twin[0].dtype == np.float32


def test_deepcopy_of_a_plain_leaf_keeps_its_gradient_as_torch():
    import copy

    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    np.testing.assert_array_equal(copy.deepcopy(x).grad.numpy(), [3.0, 3.0])


def test_layers_take_their_input_by_torchs_keyword_name():
    # torch's layers name the argument input, and code written for them calls model(input=x)
    x = mg.tensor(np.arange(6.0).reshape(3, 2))
    linear = mg.nn.Linear(2, 4)
    net = mg.nn.Sequential(linear, mg.nn.ReLU())
    np.testing.assert_array_equal(linear(input=x).data, linear(x).data)
    np.testing.assert_array_equal(net(input=x).data, net(x).data)
    np.testing.assert_array_equal(mg.nn.LayerNorm(2)(input=x).data, mg.nn.LayerNorm(2)(x).data)
    seen = []
    linear.register_forward_pre_hook(lambda layer, args: seen.append(len(args)))
    linear(input=x)
    assert seen == [1]


def test_a_forward_with_its_own_input_parameter_gets_the_keyword_as_given():

    class Scale(mg.nn.Layer):
        def forward(self, scale, input=None):
            return input * scale

    assert Scale()(2.0, input=mg.tensor([1.0, 3.0])).tolist() == [2.0, 6.0]
    assert Scale()(input=mg.tensor([1.0]), scale=3.0).tolist() == [3.0]
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):   # both names: Python's own error
        mg.nn.Linear(2, 2)(input=mg.ones(1, 2), x=mg.ones(1, 2))
