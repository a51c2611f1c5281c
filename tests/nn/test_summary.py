"""nn.summary: rows from forward hooks for any layer type, totals, memory, and a model left as it was."""
import copy

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def mlp():
    return nn.Network(nn.Linear(784, 100), nn.ReLU(), nn.Dropout(0.2), nn.Linear(100, 10))


def test_mlp_rows_totals_and_memory():
    s = nn.summary(mlp(), (32, 784))
    assert [tuple(r) for r in s.rows] == [
        ("0", "Linear", (32, 100), 78_500), ("1", "ReLU", (32, 100), 0),
        ("2", "Dropout", (32, 100), 0), ("3", "Linear", (32, 10), 1_010)]
    assert s.total_params == s.trainable_params == 79_510 and s.non_trainable_params == 0
    assert s.param_bytes == 79_510 * 4
    assert s.input_bytes == 32 * 784 * 4
    assert s.activation_bytes == 4 * (3 * 32 * 100 + 32 * 10)
    text = str(s)
    assert "Total params: 79,510" in text and "3 (Linear)" in text and "(32, 100)" in text
    assert repr(s) == text


def test_a_failing_forward_pass_says_it_ran_on_the_made_up_input_and_whether_a_batch_axis_fixes_it():
    """input_shape without the batch axis (Keras's habit): the conv read (1, 28, 28) as one image and the Linear
    failed with 'input has shape (8, 196)', a shape the caller never wrote. The error now says it came from
    summary's input and that (1, 1, 28, 28) runs; a shape that is wrong anyway gets no such hint."""
    cnn = nn.Network(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                     nn.Linear(8 * 14 * 14, 10))
    with pytest.raises(ValueError, match=r"^summary: the model's forward pass on a made-up input of shape "
                       r"\(1, 28, 28\) failed; input_shape includes the batch axis: \(1, 1, 28, 28\) runs: "
                       r"Linear: input has shape \(8, 196\) but in_features=1568$"):
        nn.summary(cnn, (1, 28, 28))
    assert cnn.training and nn.summary(cnn, (1, 1, 28, 28)).total_params == 8 * 9 + 8 + 1568 * 10 + 10
    with pytest.raises(ValueError, match=r"^summary: the model's forward pass on a made-up input of shape \(2, 100\) "
                       r"failed: Linear: input has shape \(2, 100\) but in_features=784$"):
        nn.summary(mlp(), (2, 100))


def test_float64_input_and_dtype_errors():
    net = nn.Network(nn.Linear(3, 2, dtype="float64"))
    s = nn.summary(net, (4, 3), dtype="float64")
    assert s.dtype == "float64" and s.input_bytes == 4 * 3 * 8
    with pytest.raises(ValueError, match="summary: unknown dtype 'float33'"):
        nn.summary(net, (4, 3), dtype="float33")
    with pytest.raises(ValueError, match=r"summary: input_shape must be a tuple of positive ints.*got \(4, 0\)"):
        nn.summary(net, (4, 0))
    with pytest.raises(TypeError, match="summary: model must be a Layer, got function"):
        nn.summary(lambda x: x, (1, 3))


class Scale(nn.Layer):
    """A layer type summary has never heard of, with one trainable and one frozen parameter."""

    def __init__(self, n):
        super().__init__()
        self.gain = nn.Parameter(np.ones(n, dtype=np.float32))
        self.offset = nn.Parameter(np.zeros(n, dtype=np.float32), requires_grad=False)

    def forward(self, x):
        return x * self.gain + self.offset


class TwoHeads(nn.Layer):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Network(nn.Linear(6, 8), nn.Tanh())
        self.scale = Scale(8)
        self.heads = [nn.Linear(8, 2), nn.Linear(8, 3)]

    def forward(self, x, y):
        h = self.scale(self.trunk(x) + y)
        return self.heads[0](h), self.heads[1](h)


def test_nested_custom_layers_and_several_inputs():
    model = TwoHeads()
    s = nn.summary(model, [(5, 6), (5, 8)])
    rows = {r.name: r for r in s.rows}
    assert list(rows) == ["trunk", "trunk.0", "trunk.1", "scale", "heads.0", "heads.1"]
    assert rows["trunk"].output_shape == (5, 8) and rows["trunk"].num_params == 6 * 8 + 8
    assert rows["scale"].type == "Scale" and rows["scale"].num_params == 16
    assert rows["heads.1"].output_shape == (5, 3)
    assert s.total_params == 56 + 16 + 18 + 27
    assert s.trainable_params == s.total_params - 8 and s.non_trainable_params == 8
    # innermost layers only: trunk's own output is trunk.1's, not counted twice
    assert s.activation_bytes == 4 * 5 * (8 + 8 + 8 + 2 + 3)
    assert "  trunk.0 (Linear)" in str(s)


def test_model_is_left_as_it_was():
    net = nn.Network(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Dropout(0.5))
    net.train()
    before = copy.deepcopy(net.state_dict())   # a snapshot (the values share the model's memory, as torch's)
    nn.summary(net, (8, 4))
    assert all(layer.training for layer in net.layers())
    after = net.state_dict()
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert all(not layer._forward_hooks for layer in net.layers())
    assert all(p.grad is None for p in net.parameters())


def test_a_layer_that_never_runs_shows_no_shape():
    class Skips(nn.Layer):
        def __init__(self):
            super().__init__()
            self.used, self.unused = nn.Linear(2, 2), nn.Linear(2, 5)

        def forward(self, x):
            return self.used(x)

    s = nn.summary(Skips(), (1, 2))
    assert s.rows[1].output_shape is None and "--" in str(s)


def test_forward_hooks_see_each_layer_and_can_be_removed():
    lin, relu = nn.Linear(3, 4), nn.ReLU()
    net = nn.Network(lin, relu)
    x = mg.randn(2, 3)
    plain = net(x).numpy()
    seen = []
    handle = lin.register_forward_hook(lambda layer, args, out: seen.append((layer, args[0], out.numpy())))
    hooked = net(x).numpy()
    assert len(seen) == 1 and seen[0][0] is lin and seen[0][1] is x
    assert (seen[0][2] < 0).any()               # the Linear's own output, before the ReLU
    np.testing.assert_array_equal(hooked, plain)
    relu.register_forward_hook(lambda layer, args, out: out * 0)
    assert (net(x).numpy() == 0).all()          # a returned value replaces the output
    assert len(seen) == 2
    handle.remove()
    net(x)
    assert len(seen) == 2
    with pytest.raises(TypeError, match="hook must be callable"):
        lin.register_forward_hook(3)


def test_layers_doc_shows_the_real_table():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "layers.md").read_text(encoding="utf-8")
    mg.manual_seed(0)
    model = nn.Network(nn.Linear(784, 100), nn.ReLU(), nn.BatchNorm1d(100), nn.Linear(100, 10))
    assert "```\n" + str(nn.summary(model, (64, 784))) + "\n```" in doc
