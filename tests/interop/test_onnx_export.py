"""minigrad.onnx.export: the graph passes onnx.checker and ONNX Runtime agrees with minigrad to 1e-5."""
import importlib
import pkgutil

import numpy as np
import onnx
import onnxruntime as ort
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.autograd.function import Function
from minigrad.onnx import CONVERTERS, NOT_EXPORTED, ExportError, export

RNG = np.random.default_rng(0)


def _run(path, feeds):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _check_export(tmp_path, model, shape, batches=(4, 7, 1), dtype=np.float32, opset=17, make=None):
    make = make or (lambda n: RNG.standard_normal((n, *shape)).astype(dtype))
    path = tmp_path / "model.onnx"
    proto = export(model, mg.Tensor(make(batches[0])), path, opset=opset)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for n in batches:  # fresh inputs, other batch sizes
        x = make(n)
        got = _run(path, {"input": x})
        expected = model(mg.Tensor(x))
        expected = expected if isinstance(expected, tuple) else (expected,)
        for g, e in zip(got, expected):
            assert g.shape == e.shape and g.dtype == e.dtype
            np.testing.assert_allclose(g, e.numpy(), rtol=1e-5, atol=1e-5)
    return proto


def test_mlp_with_batchnorm_dropout_and_log_softmax(tmp_path):
    model = nn.Network(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.BatchNorm1d(16), nn.Dropout(0.5),
                       nn.Linear(16, 8), nn.LeakyReLU(0.1), nn.Linear(8, 8), nn.Sigmoid(), nn.Linear(8, 3),
                       nn.LogSoftmax())
    for _ in range(3):  # training mode: running statistics move, dropout is active
        model(mg.randn(16, 3, 4))
    export(model, mg.randn(2, 3, 4), tmp_path / "trained.onnx")  # traced in eval mode...
    assert model.training and model[4].training  # ...and the training mode is back afterwards
    proto = _check_export(tmp_path, model.eval(), (3, 4))
    ops = [node.op_type for node in proto.graph.node]
    assert "LogSoftmax" in ops and "Relu" in ops and "Dropout" not in ops


def test_softmax_tanh_identity_and_float64(tmp_path):
    model = nn.Network(nn.Linear(5, 4, dtype="float64"), nn.Tanh(), nn.Identity(), nn.Softmax())
    _check_export(tmp_path, model, (5,), dtype=np.float64)


W = mg.randn(5, 3)
W3 = mg.randn(2, 5, 3)
IDX = np.array([4, 0, 2, 2])
MASK5 = np.array([True, False, True, False, False])

# name -> forward built from minigrad ops (x has shape (batch, 5)); together they use every converter.
OP_CASES = {
    "arithmetic": lambda x: ((x + 1.5) * x - x / 3.0 - 2.0 / (x * x + 1.0)) * -x,
    "powers": lambda x: x ** 2 + (x * x + 0.5) ** 0.5 + mg.pow(x.abs() + 1.0, x * 0.5) + x ** 3,
    "functions": lambda x: mg.exp(x) + mg.log(x.abs() + 0.1) + mg.sqrt(x.abs()) + mg.sin(x) * mg.cos(x)
    + mg.tanh(x) + mg.sigmoid(x) + mg.softplus(x),
    "activations": lambda x: mg.relu(x) + mg.leaky_relu(x, 0.2) + mg.clip(x, -0.5, 0.7) + mg.clip(x, None, 0.1)
    + mg.clip(x, -0.2, None),
    "matmul": lambda x: mg.concat([x @ W, mg.matmul(mg.stack([x, x * 2.0], axis=0), W3).reshape(-1, 3)], 0),
    "reductions": lambda x: mg.concat([x.sum(axis=1, keepdims=True), x.mean(axis=-1, keepdims=True),
                                       x.max(axis=1, keepdims=True), x.min(axis=1, keepdims=True),
                                       x.logsumexp(axis=1, keepdims=True), x.var(axis=1, keepdims=True),
                                       x.std(axis=1, keepdims=True), x.std(dim=1, keepdim=True),
                                       mg.std(x, axis=1, correction=2).reshape(-1, 1),
                                       x.max(dim=1, keepdim=True).values, x.min(dim=-1).values.reshape(-1, 1),
                                       x[:, :1] * x.sum(), x[:, :1] * x.mean()], 1),
    "shapes": lambda x: mg.concat(
        [x.reshape(-1, 5, 1).transpose(0, 2, 1).squeeze(1), mg.expand_dims(x, 1).reshape(x.shape[0], 5),
         mg.stack([x, x], axis=2).reshape(x.shape[0], 10)[:, ::2]], 1),
    "split": lambda x: mg.concat(list(mg.split(x, [1, 3], axis=1))[::-1] + list(mg.split(x[:, :4], 2, axis=1)), 1),
    "indexing": lambda x: mg.concat([x[:, 1:4], x[..., -2:], x[:, ::-2], x[:, 3, None], x[:, None, 2][:, 0, None],
                                     x[:, IDX], x[:, -1].reshape(-1, 1)], 1),
    "broadcast": lambda x: mg.broadcast_to(x.reshape(-1, 1, 5), (x.shape[0], 3, 5)).sum(axis=1)
    + mg.sum_to(mg.broadcast_to(W[:, :1].reshape(1, 5), (2, 5)), (1, 5)),
    "selection": lambda x: mg.where(x > 0.1, x, x * 0.5) + mg.maximum(x, 0.2) + mg.minimum(x, -0.3)
    + mg.where(x <= -0.2, 1.0, 0.0) + (x >= 0.5).astype("float32") + (x < 0).astype("float32")
    + (x == x).astype("float32") + (x != 0.25).astype("float32")
    + mg.where(((x > 0) & (x < 0.5)) | ~(x > -0.5), x, 2.0),
    "argmax": lambda x: mg.stack([x.argmax(axis=1), x.argmin(axis=1)], 1).astype("float32") + x[:, :1] * 0.0
    + mg.argmax(x, axis=None, keepdims=False).astype("float32")
    + mg.stack([x.max(dim=1).indices, x.min(dim=1).indices], 1).astype("float32"),
    "torch_reductions": lambda x: mg.concat([x.prod(dim=1, keepdim=True), mg.prod(x[:, 1:4], axis=-1, keepdims=True),
                                             x.norm(dim=1, keepdim=True), x.norm(p=3, dim=-1, keepdim=True),
                                             mg.norm(x, 1.5, dim=1, keepdim=True), x.norm(p=1, dim=1, keepdim=True),
                                             x.norm(p=float("inf"), dim=1, keepdim=True),
                                             x.norm(p=-float("inf"), dim=1, keepdim=True), x.cumsum(1),
                                             mg.cumsum(x, axis=-1) * 0.5, mg.sign(x)], 1),
    "sorting": lambda x: mg.concat([x.sort(dim=1).values, x.sort(dim=-1, descending=True).indices.astype("float32"),
                                    x.topk(2).values, x.topk(3, largest=False).indices.astype("float32"),
                                    mg.topk(x, 1, dim=1, sorted=False).values,
                                    x.argsort(dim=1).astype("float32"),
                                    mg.argsort(x, descending=True).astype("float32"),
                                    mg.sort(x, axis=1)], 1),
    "predicates": lambda x: _classes(mg.where(x > 0.6, float("inf"), mg.where(x < -0.6, float("nan"), x))),
    "softmax": lambda x: nn.functional.softmax(x, axis=1) + nn.functional.log_softmax(x, axis=0),
    "scalar": lambda x: x.sum() * 0.5 + 1.0,
    "torch_names": lambda x: mg.concat(
        [x.masked_fill(MASK5, 0.5), *x.chunk(2, 1), *x.split([2, 3], dim=1), x.tile(1, 2), x.repeat(1, 2),
         mg.einsum("bi,ij->bj", x, W), mg.einsum("bi,bi->b", x, x).reshape(-1, 1), x.clone(), x.softmax(1),
         x.log_softmax(-1), x.t().t(), (x.reshape(-1, 5, 1) * x.reshape(-1, 1, 5)).tril(-1).reshape(-1, 25),
         (x.reshape(-1, 5, 1) * x.reshape(-1, 1, 5)).triu(1).reshape(-1, 25)], 1),
    "torch_shapes": lambda x: mg.concat(
        [x.flip(1), mg.flip(x, (0, 1)), x.roll(2, 1), x.roll(-1, -1), mg.roll(x[:, :3].reshape(-1, 3), (1, 2), (1, 1)),
         x.reshape(-1, 5, 1).rot90(1, (1, 2)).reshape(-1, 5),
         mg.diagonal(x.reshape(-1, 5, 1) * x.reshape(-1, 1, 5), 1, 1, 2),
         mg.diagonal(x.reshape(-1, 5, 1) + W, -1, 2, 1),
         mg.diag_embed(x[:, :3], 1).reshape(-1, 16), mg.diag_embed(x[:, :2], -1, 2, 1).reshape(-1, 9),
         x.unfold(1, 2, 1).reshape(-1, 8), x.unfold(1, 3, 2).reshape(-1, 6), mg.tensor_split(x, 3, 1)[1],
         x.repeat_interleave(2, 1), x.narrow(1, 1, 3), x.movedim(1, 0).t()], 1),
    "casts": lambda x: x.astype("float64").exp().astype("float32") + x.to("cpu"),
}


def _classes(y):
    """isnan/isinf/isfinite of y and all/any along its rows, as float32 columns."""
    flags = [mg.isnan(y), y.isinf(), mg.isfinite(y), y.isfinite().all(dim=1, keepdim=True),
             mg.any(mg.isnan(y), axis=1, keepdims=True), y.all(axis=-1, keepdims=True), y.any(dim=1, keepdim=True),
             (y > 0).any(dim=(1,), keepdim=True), mg.isnan(y).all(dim=(), keepdim=False)]
    return mg.concat([f.astype("float32") for f in flags], 1)


@pytest.mark.parametrize("dtype, exps", [(np.float32, [200, -3, 0, 150, -160]), (np.float64, [1100, -3, 0, -1100, 7])])
def test_ldexp_with_integer_exponents_exports_exactly(tmp_path, dtype, exps):
    # ldexp(x, integer e) scales the exponent (2^200 alone is inf in float32); the export multiplies by thirds
    exponents = mg.tensor(np.array(exps))
    tiny = 1e-30 if dtype == np.float32 else 1e-300

    def make(n):
        return (RNG.standard_normal((n, 5)) * np.array([tiny, 1.0, 1.0, tiny, 1e30])).astype(dtype)
    _check_export(tmp_path, lambda x: mg.ldexp(x, exponents), (5,), dtype=dtype, make=make)


def test_all_and_any_of_uint8_export_as_uint8(tmp_path):
    # the op gives uint8 for uint8 input (as torch); the export cast its result to bool regardless
    _check_export(tmp_path, lambda x: (x.all(dim=1, keepdim=True), x.any(dim=1)), (5,),
                  make=lambda n: RNG.integers(0, 3, (n, 5)).astype(np.uint8))


@pytest.mark.parametrize("name", sorted(OP_CASES))
@pytest.mark.parametrize("opset", [17, 18])
def test_each_op_exports_and_agrees(tmp_path, name, opset):
    fn = OP_CASES[name]
    if name in ("argmax", "softmax", "torch_names"):  # values reduced over the batch axis depend on the batch size
        _check_export(tmp_path, fn, (5,), batches=(4, 6), opset=opset)
    else:
        _check_export(tmp_path, fn, (5,), opset=opset)


@pytest.mark.parametrize("opset", [17, 18])
def test_gather_scatter_add_and_outer_export_with_fixed_sizes(tmp_path, opset):
    index = np.array([[4, 0, 4], [1, 1, 2], [0, 3, 3], [2, 2, 2]])

    def model(x):
        return (mg.gather(x, 1, index), mg.scatter_add(x, 1, index, x[:, 1:4] * 2.0),
                mg.scatter_add(x, 0, index[:2] % 4, x[:2, :3]), mg.outer(x[0], x[1]))

    x = RNG.standard_normal((4, 5)).astype(np.float32)
    path = tmp_path / "m.onnx"
    export(model, mg.tensor(x), path, opset=opset, dynamic_batch=False)
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert {"GatherElements", "ScatterElements"} <= ops
    for got, expected in zip(_run(path, {"input": x}), model(mg.tensor(x))):
        np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_scatter_add_with_a_dynamic_batch_is_refused_clearly(tmp_path):
    with pytest.raises(ExportError, match="ScatterAdd in .* has a fixed index along the batch axis"):
        export(lambda x: mg.scatter_add(x, 0, np.zeros((1, 5), dtype=np.int64), x[:1]), mg.randn(4, 5),
               tmp_path / "m.onnx")


def test_several_inputs_and_outputs_with_names(tmp_path):
    lin = nn.Linear(3, 2)

    def model(a, b):
        return lin(a) * b, a.sum(axis=1)

    a, b = RNG.standard_normal((4, 3)).astype(np.float32), RNG.standard_normal((4, 2)).astype(np.float32)
    export(model, (a, b), tmp_path / "m.onnx", input_names=["a", "b"], output_names=["y", "s"])
    a2, b2 = RNG.standard_normal((9, 3)).astype(np.float32), RNG.standard_normal((9, 2)).astype(np.float32)
    y, s = _run(tmp_path / "m.onnx", {"a": a2, "b": b2})
    ey, es = model(mg.tensor(a2), mg.tensor(b2))
    np.testing.assert_allclose(y, ey.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s, es.numpy(), rtol=1e-5, atol=1e-5)


def test_fixed_batch_export(tmp_path):
    model = nn.Network(nn.Linear(3, 2))
    proto = export(model, mg.randn(4, 3), tmp_path / "m.onnx", dynamic_batch=False)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 4
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", {"input": x})[0], model(mg.tensor(x)).numpy(),
                               rtol=1e-5, atol=1e-5)


def test_dynamic_batch_on_another_axis_per_input(tmp_path):
    lin = nn.Linear(3, 2)

    def model(features, scale):  # features (3, N): the batch on axis 1; scale (N, 2)
        return lin(features.T) * scale, features.sum(axis=0)

    a = RNG.standard_normal((3, 4)).astype(np.float32)
    b = RNG.standard_normal((4, 2)).astype(np.float32)
    path = tmp_path / "m.onnx"
    proto = export(model, (a, b), path, input_names=["features", "scale"], dynamic_batch={"features": 1, "scale": 0})
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    dims = [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in (*proto.graph.input, *proto.graph.output)]
    assert dims == [[3, "batch"], ["batch", 2], ["batch", 2], ["batch"]]
    for n in (1, 6):
        a2, b2 = RNG.standard_normal((3, n)).astype(np.float32), RNG.standard_normal((n, 2)).astype(np.float32)
        for got, expected in zip(_run(path, {"features": a2, "scale": b2}), model(mg.tensor(a2), mg.tensor(b2))):
            np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)


def test_an_input_left_out_of_the_dynamic_batch_dict_keeps_its_size(tmp_path):
    def model(x, table):
        return x @ table

    x, table = RNG.standard_normal((4, 3)).astype(np.float32), RNG.standard_normal((3, 5)).astype(np.float32)
    proto = export(model, (x, table), tmp_path / "m.onnx", input_names=["x", "table"], dynamic_batch={"x": 0})
    assert [[d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim] for v in proto.graph.input] == \
        [["batch", 3], [3, 5]]
    x2 = RNG.standard_normal((9, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", {"x": x2, "table": table})[0], x2 @ table,
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("bad, error, message", [
    (2, ValueError, r"dynamic_batch=2 is not an axis of input 'input' of shape \(4, 3\)"),
    (-3, ValueError, r"dynamic_batch=-3 is not an axis of input 'input' of shape \(4, 3\)"),
    ({"input": 5}, ValueError, r"dynamic_batch=\{'input': 5\} is not an axis of input 'input' of shape \(4, 3\)"),
    ({"x": 0}, ValueError, r"dynamic_batch names 'x', which is not an input; the inputs are \['input'\]"),
    ("1", TypeError, r"dynamic_batch must be True, False, an int axis or a dict \{input name: axis\}, got '1'"),
    (1.0, TypeError, r"dynamic_batch must be True, False, an int axis or a dict"),
])
def test_an_invalid_dynamic_batch_is_one_clear_error(tmp_path, bad, error, message):
    with pytest.raises(error, match=message):
        export(nn.Network(nn.Linear(3, 2)), mg.randn(4, 3), tmp_path / "m.onnx", dynamic_batch=bad)
    assert not (tmp_path / "m.onnx").exists()


def test_batch_axes_of_different_sizes_are_refused(tmp_path):
    def model(a, b):
        return a.sum() + b.sum()

    with pytest.raises(ValueError, match=r"batch axes of the inputs have different sizes \('input0': 4, "
                                         r"'input1': 5\).*dynamic_batch=\{name: axis\}"):
        export(model, (mg.randn(4, 3), mg.randn(5, 3)), tmp_path / "m.onnx")
    export(model, (mg.randn(4, 3), mg.randn(5, 3)), tmp_path / "m.onnx", dynamic_batch={"input0": 0})


def test_slicing_the_batch_axis_into_pieces_is_refused(tmp_path):
    from minigrad.ops.unstack import unstack

    with pytest.raises(ExportError, match=r"Unstack in .* gives 4 outputs for the example but 1 and 5 for an "
                                          r"input one longer on the batch axis.*dynamic_batch=<axis>"):
        export(lambda x: mg.stack(unstack(x, axis=0), axis=1), mg.randn(4, 3), tmp_path / "m.onnx")
    export(lambda x: mg.stack(unstack(x, axis=0), axis=1), mg.randn(4, 3), tmp_path / "m.onnx", dynamic_batch=1)


def test_std_with_a_correction_over_the_batch_axis_is_refused(tmp_path):
    with pytest.raises(ExportError, match=r"Std in .*: correction=1 over the batch axis depends on the batch size"):
        export(lambda x: x.std(dim=0, keepdim=True) + x, mg.randn(4, 3), tmp_path / "m.onnx")
    _check_export(tmp_path, lambda x: x.std(axis=0, keepdims=True) + x, (3,))   # ddof=0: a mean, any batch size


def test_export_writes_into_a_binary_file_object_as_torch_onnx_export_does(tmp_path):
    # torch.onnx.export(model, args, f) takes a BytesIO; here os.fspath refused it after the whole trace
    import io
    model = nn.Network(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    buffer = io.BytesIO()
    buffer.write(b"head")
    proto = export(model, mg.randn(4, 3), buffer)
    assert buffer.getvalue() == b"head" + proto.SerializeToString()
    export(model, mg.randn(4, 3), tmp_path / "m.onnx")
    assert (tmp_path / "m.onnx").read_bytes() == proto.SerializeToString()
    x = np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32)
    session = ort.InferenceSession(buffer.getvalue()[4:], providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], model(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
    with open(tmp_path / "t.onnx", "w") as text, \
            pytest.raises(TypeError, match=r"onnx\.export: the file object must be open in binary mode \('wb'\), "
                                           r"got mode 'w'"):
        export(model, mg.randn(4, 3), text)
    with pytest.raises(TypeError, match="onnx.export: path must be a str, a path-like object or a binary file "
                                        "object open for writing, got NoneType"):
        export(model, mg.randn(4, 3), None)


def test_parameters_keep_their_names(tmp_path):
    model = nn.Network(nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 1))
    proto = export(model, mg.randn(4, 3), tmp_path / "m.onnx")
    names = {init.name for init in proto.graph.initializer}
    assert {"0.weight", "0.bias", "2.weight", "2.bias"} <= names


class _WithLoss(nn.Layer):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(3, 2)

    def forward(self, x):
        y = self.head(x)
        return nn.functional.cross_entropy(y, mg.tensor(np.zeros(len(x), dtype=np.int64)))


def test_an_unsupported_op_is_named_with_where_it_was_used(tmp_path):
    with pytest.raises(ExportError, match=r"op SoftmaxCrossEntropy, used in the model \(_WithLoss\.forward, "
                                          r".*test_onnx_export\.py:\d+\).*training loss"):
        export(_WithLoss(), mg.randn(4, 3), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


class _Frozen(nn.Layer):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        y = self.fc(x)
        return y * mg.tensor((y.data > 0).astype(np.float32))  # a mask computed outside the ops


def test_a_value_computed_outside_the_ops_is_refused_not_frozen(tmp_path):
    with pytest.raises(ExportError, match=r"input 1 of Mul in the model \(_Frozen\.forward.*outside minigrad's ops"):
        export(_Frozen(), mg.randn(4, 3), tmp_path / "m.onnx")


class _FunctionalDropout(nn.Layer):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(nn.functional.dropout(x, 0.5))   # training=True by default, in eval mode too


@pytest.mark.parametrize("dynamic_batch", [True, False])
def test_a_functional_dropout_left_in_training_mode_is_named_as_a_likely_cause(tmp_path, dynamic_batch):
    # Export runs in eval mode, but F.dropout's mask is still drawn; the refusal listed only .data,
    # .numpy() and new Tensors, none of which the model used.
    with pytest.raises(ExportError, match=r"input 1 of Mul in the model \(_FunctionalDropout\.forward.*"
                                          r"F\.dropout\(x, p, training=self\.training\)"):
        export(_FunctionalDropout(), mg.randn(4, 3), tmp_path / "m.onnx", dynamic_batch=dynamic_batch)
    assert not (tmp_path / "m.onnx").exists()


def test_a_batch_sized_constant_of_one_value_follows_the_batch(tmp_path):
    def model(x):  # a zero state as recurrent layers make it, and a filled block twice the batch long
        return mg.concat([x + mg.zeros(x.shape), mg.full((2 * x.shape[0], 3), 0.5)[::2] * x], axis=1)

    proto = _check_export(tmp_path, model, (3,))
    assert "ConstantOfShape" in [node.op_type for node in proto.graph.node]


def test_a_batch_sized_constant_of_several_values_is_refused(tmp_path):
    def model(x):
        return x + mg.tensor(np.arange(x.size, dtype=np.float32).reshape(x.shape))

    with pytest.raises(ExportError, match=r"shape follows the input's \(\(4, 3\) here, \(5, 3\)"):
        export(model, mg.randn(4, 3), tmp_path / "m.onnx")
    export(model, mg.randn(4, 3), tmp_path / "m.onnx", dynamic_batch=False)


def test_value_dependent_control_flow_is_refused(tmp_path):
    def model(x):
        return x.exp() if float(x[0, 0].item()) > 0 else x.sin()

    x = mg.tensor(np.full((4, 3), -1.0, dtype=np.float32))
    x.data[0] = 10.0  # the rolled second input has another sign of the sum
    with pytest.raises(ExportError, match="applies different ops to different inputs"):
        export(model, x, tmp_path / "m.onnx", dynamic_batch=False)


def test_bad_arguments(tmp_path):
    model = nn.Network(nn.Linear(3, 2))
    with pytest.raises(ValueError, match="Invalid opset: 9"):
        export(model, mg.randn(4, 3), tmp_path / "m.onnx", opset=9)
    with pytest.raises(ValueError, match="input_names must be 1 distinct"):
        export(model, mg.randn(4, 3), tmp_path / "m.onnx", input_names=["a", "b"])
    with pytest.raises(TypeError, match="example input 0 is a list"):
        export(model, [[1.0, 2.0, 3.0]], tmp_path / "m.onnx")


def _all_function_classes():
    import minigrad

    for module in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        if module.name.split(".")[1] not in ("onnx", "io", "cli", "train", "__main__", "lab"):
            importlib.import_module(module.name)
    seen, todo = set(), [Function]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen and sub.__module__.startswith("minigrad.") and not sub.__name__.startswith("_"):
                seen.add(sub)
                todo.append(sub)
    return seen


def test_every_op_class_has_a_mapping_or_a_reason():
    missing = sorted(c.__name__ for c in _all_function_classes()
                     if c.__name__ not in CONVERTERS and c.__name__ not in NOT_EXPORTED)
    assert missing == [], f"op classes without an ONNX mapping in minigrad.onnx.converters: {missing}"


def test_no_two_op_classes_share_a_name():
    # The ONNX converters (and error messages) know an op by its class name: two classes of one name would reach
    # each other's converter (Tensor.unfold's windows and F.unfold's im2col once did).
    by_name = {}
    for c in _all_function_classes():
        by_name.setdefault(c.__name__, []).append(f"{c.__module__}.{c.__qualname__}")
    shared = {name: where for name, where in by_name.items() if len(where) > 1}
    assert shared == {}


def test_a_model_on_any_device_exports(tmp_path, device):
    model = nn.Network(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2)).to(device).eval()
    export(model, mg.randn(4, 3).to(device), tmp_path / "m.onnx")
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    np.testing.assert_allclose(_run(tmp_path / "m.onnx", {"input": x})[0],
                               model(mg.tensor(x).to(device)).numpy(), rtol=1e-5, atol=1e-5)


def test_an_output_made_outside_the_ops_is_refused(tmp_path):
    def model(x):
        return mg.tensor(x.data * 2.0)

    with pytest.raises(ExportError, match="output 0 of the model is not computed from its input"):
        export(model, mg.randn(4, 3), tmp_path / "m.onnx")


class _InPlaceResidual(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.c2 = mg.nn.Conv2d(3, 3, 3, padding=1), mg.nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        out = mg.nn.functional.relu(self.c1(x), inplace=True)
        out = self.c2(out)
        out += x
        return out.relu_().mul_(2).add_(1)


@pytest.mark.parametrize("make", [
    lambda: mg.nn.Sequential(mg.nn.Conv2d(3, 4, 3), mg.nn.ReLU(inplace=True), mg.nn.Conv2d(4, 2, 3)),
    lambda: mg.nn.Sequential(mg.nn.Conv2d(3, 4, 3), mg.nn.Hardswish(inplace=True), mg.nn.Dropout(0.5, inplace=True)),
    _InPlaceResidual,
], ids=["relu-inplace", "hardswish-dropout-inplace", "residual"])
def test_in_place_writes_export_as_the_values_they_write(make, tmp_path):
    model = make().eval()
    export(model, mg.randn(2, 3, 8, 8), tmp_path / "m.onnx")
    x = np.random.default_rng(3).standard_normal((2, 3, 8, 8)).astype(np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    np.testing.assert_allclose(got, model(mg.tensor(x)).numpy(), rtol=1e-5, atol=1e-5)


def test_a_write_the_graph_cannot_follow_is_refused(tmp_path):
    class Fills(mg.nn.Module):
        def forward(self, x):
            y = x * 2
            y.fill_(1.0)
            return y + x

    with pytest.raises(ExportError, match=r"writes into a tensor in place with fill_ \(shape \(2, 3\)\)"):
        export(Fills(), mg.randn(2, 3), tmp_path / "m.onnx")


def _bitwise_model(q):
    return (q & 5) | (q ^ 3) | ~q


def test_integer_bitwise_ops_export_from_opset_18_and_are_refused_before(tmp_path):
    ints = (lambda n: RNG.integers(-8, 8, (n, 5)))
    proto = _check_export(tmp_path, _bitwise_model, (5,), opset=18, make=ints)
    assert {"BitwiseAnd", "BitwiseOr", "BitwiseXor", "BitwiseNot"} <= {n.op_type for n in proto.graph.node}
    with pytest.raises(ExportError, match=r"^onnx.export: bitwise_and of integers in .* needs opset 18 or later "
                                          r"\(BitwiseAnd\), got opset 17$"):
        export(_bitwise_model, mg.tensor(ints(4)), tmp_path / "m17.onnx", opset=17)


@pytest.mark.parametrize("model", [lambda q: q & (q > 0), lambda q: (q > 0) | q, lambda q: (q > 0) ^ 1,
                                   lambda q: 1 & (q > 0)])
def test_bitwise_ops_of_a_bool_mask_and_integers_export_with_the_result_dtype(tmp_path, model):
    # bool & int64 is int64 (as in NumPy and torch): ONNX's ops take one type, so the mask is cast first
    proto = _check_export(tmp_path, model, (5,), opset=18, make=lambda n: RNG.integers(-8, 8, (n, 5)))
    assert "Cast" in {n.op_type for n in proto.graph.node}


def test_nested_inputs_and_outputs_are_flattened_in_order_as_torch_onnx_export(tmp_path):
    # PyTorch's word_language_model exports model(input, (h, c)) -> (log_probs, (h, c)) this way.
    import torch
    lstm = nn.LSTM(3, 4, 2)
    lin = nn.Linear(4, 5)

    def model(x, state):
        y, (h, c) = lstm(x, state)
        return lin(y), (h, [c * 2.0])

    x = RNG.standard_normal((6, 2, 3)).astype(np.float32)
    h0, c0 = (RNG.standard_normal((2, 2, 4)).astype(np.float32) for _ in range(2))
    proto = export(model, (x, (h0, c0)), tmp_path / "m.onnx", dynamic_batch=False)
    assert [i.name for i in proto.graph.input][:3] == ["input0", "input1", "input2"]
    assert [o.name for o in proto.graph.output] == ["output0", "output1", "output2"]
    got = _run(tmp_path / "m.onnx", {"input0": x, "input1": h0, "input2": c0})
    y, (h, (c2,)) = model(mg.tensor(x), (mg.tensor(h0), mg.tensor(c0)))
    for a, b in zip(got, (y, h, c2)):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-6)
    # torch.onnx.export reads the same nest: three graph inputs in the same order
    tl = torch.nn.LSTM(3, 4, 2)
    tl.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in lstm.state_dict().items()})
    ty, (th, tc) = tl(torch.from_numpy(x), (torch.from_numpy(h0), torch.from_numpy(c0)))
    np.testing.assert_allclose(got[1], th.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], 2 * tc.detach().numpy(), rtol=1e-5, atol=1e-6)
    # a leaf of the nest that is not a tensor is named by its place among the flat inputs
    with pytest.raises(TypeError, match="onnx.export: example input 2 is a str, not a Tensor or array"):
        export(model, (x, (h0, "c")), tmp_path / "bad.onnx")


def test_shifts_of_unsigned_integers_export_as_bitshift_and_signed_ones_are_refused(tmp_path):
    uints = (lambda n: RNG.integers(0, 256, (n, 5)).astype(np.uint8))
    proto = _check_export(tmp_path, lambda q: (q << 2) | (q >> mg.tensor(np.array([1, 2, 3, 0, 7], np.uint8))),
                          (5,), make=uints, opset=18)
    assert [n.attribute[0].s for n in proto.graph.node if n.op_type == "BitShift"] == [b"LEFT", b"RIGHT"]
    with pytest.raises(ExportError, match=r"^onnx.export: bitwise_right_shift of int64 in .*: ONNX's BitShift takes "
                                          r"unsigned integers only$"):
        export(lambda q: q >> 1, mg.tensor(RNG.integers(-8, 8, (4, 5))), tmp_path / "signed.onnx")


@pytest.mark.parametrize("model", [
    lambda x: x * (x != 0).long().sum(-1, keepdim=True),             # Tensor.long(): an integer cast
    lambda x: x * (x != 0).int().float().mean(-1, keepdim=True),
    lambda x: x * ((x > 0) * 2.0),                                    # a bool mask joining a float op
    lambda x: x + mg.cumsum((x > 0).astype("uint8"), 1) * x,          # widened to int64, then joining x
])
def test_integer_and_bool_casts_of_computed_values_are_exported_not_frozen(tmp_path, model):
    """Casts to integer or bool dtypes, and the casts an integer or bool value gets when it joins a float op, were
    invisible to the tracer: export froze them into the graph as constants of the traced batch (ones filled to
    the batch's shape for ``(x != 0).long()`` of random data), and ONNX Runtime then multiplied a row with three
    zeros by 5 where minigrad multiplies by 2. They are Cast nodes now."""
    def make(n):   # traced at batch 4 without zeros; zeros in the batches run
        x = RNG.standard_normal((n, 5)).astype(np.float32)
        if n != 4:
            x[:, 2:] = np.where(RNG.random((n, 3)) < 0.5, 0, x[:, 2:])
        return x

    _check_export(tmp_path, model, (5,), make=make)


@pytest.mark.parametrize("model", [
    lambda x: (x > 0).sum(dim=-1),                       # a count of a bool mask
    lambda x: (x * 40).astype("int8").sum(dim=-1),       # int8 sums overflow int8
    lambda x: (x * 3).int().sum(dim=1, keepdim=True),
])
def test_sums_of_bool_and_narrow_integers_export_as_int64_sums(tmp_path, model):
    """minigrad (NumPy, torch) sums bool and integer dtypes as int64. The export summed them in their own dtype,
    and onnx.checker refused the graph: ReduceSum takes no bool or int8 (InferenceError), and an int32 sum is int32
    where the traced output is int64."""
    _check_export(tmp_path, model, (8,), make=lambda n: (RNG.standard_normal((n, 8)) + 2).astype(np.float32))


@pytest.mark.parametrize("model", [
    lambda x: (x > 0) + (x < 0.5),                        # bool + bool: or
    lambda x: (x > 0) * (x < 0.5),                        # bool * bool: and
    lambda x: mg.maximum(x > 0, x < 0.5),
    lambda x: mg.minimum(x > 0, x < 0.5),
    lambda x: (x > 0).sum(dim=-1) + (x > 0).any(dim=-1),  # int64 + bool
    lambda x: (x * 3).int() < (x * 2).long(),             # int32 < int64
])
def test_binary_ops_of_bools_and_of_two_integer_dtypes_export(tmp_path, model):
    """ONNX's Add, Mul, Max and Min take no bool, and its binary ops one dtype for both operands: these failed
    onnx.checker ('Add ... has unsupported type: tensor(bool)'); they are Or/And, and Casts to the dtype the op
    computed in."""
    _check_export(tmp_path, model, (5,))


@pytest.mark.parametrize("model", [nn.ZeroPad2d((-1, 2, 0, -1)), nn.ReflectionPad2d((-1, 2, 1, -2)),
                                   lambda x: mg.nn.functional.pad(x, (-2, -1), value=0.5)])
def test_negative_padding_keeps_the_batch_symbolic(tmp_path, model):
    """A negative width crops by a slice, which named the size of every axis (x[0:4, 0:2, 0:3, 1:5] at batch 4):
    the export wrote ends=4 on the batch axis, and ONNX Runtime returned 4 rows for a batch of 7, with no error."""
    _check_export(tmp_path, model, (2, 4, 5))


@pytest.mark.parametrize("model", [lambda x: x[:x.shape[0] - 1] * 2.0, lambda x: x[x.shape[0] - 2:],
                                   lambda x: x[x.shape[0] - 1], lambda x: x[1:x.shape[0] - 1, None, ..., 1:],
                                   lambda x: x.narrow(0, 1, x.shape[0] - 1)])
def test_slices_that_follow_the_batch_size_count_from_the_end(tmp_path, model):
    """x[:x.shape[0] - 1] indexes with slice(None, 3) at batch 4: the export wrote that 3 into the graph, and
    ONNX Runtime returned 3 rows for a batch of 7 (minigrad: 6), with no error. A bound that moves with the batch
    size is written from the end (-1) now."""
    _check_export(tmp_path, model, (5,), batches=(4, 7, 2))


def test_an_index_computed_from_the_values_is_refused_not_frozen(tmp_path):
    """x[:, x[0].argsort()] took the order of the example's first row as a fixed index (a Gather of [0, 1, 2])."""
    x = mg.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0], [0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])   # the second pass: [2, 1, 0]
    with pytest.raises(ExportError, match=r"GetItem in .* indexes with \[slice\(None, None, None\), <int64 array "
                                          r"of shape \(3,\)>\] for the example .* depends on the input's values"):
        export(lambda x: x[:, x[0].argsort()], x, tmp_path / "m.onnx")


@pytest.mark.parametrize("model", [lambda x: x.median(dim=-1).values, lambda x: x.nanmedian(dim=-1).values,
                                   lambda x: x.kthvalue(2, dim=-1).values, lambda x: mg.quantile(x, 0.3, dim=-1),
                                   lambda x: mg.mode(x.round(), dim=-1).values, lambda x: x.cummax(dim=-1).values])
def test_positions_found_by_a_numpy_sort_are_refused_not_frozen(tmp_path, model):
    """median/kthvalue/quantile/mode/cummax pick positions found by a NumPy sort: bare Tensors the export froze
    whenever the second pass found the same ones. A batch of one row exported with fixed sizes (the second pass is
    the same row scaled): median(x, dim=-1) then gave 0.468 in ONNX Runtime for a row whose median is 0.182."""
    with pytest.raises(ExportError, match=r"op RankIndex, used in .* cannot be exported: it is the positions median"):
        export(model, mg.tensor(RNG.standard_normal((1, 5)).astype(np.float32)), tmp_path / "m.onnx",
               dynamic_batch=False)


def test_the_zero_norm_counts_in_the_graph(tmp_path):
    """vector_norm(x, 0) (the count of nonzero entries) was a new Tensor of NumPy's count: on random data without
    zeros it is the row length, which export filled to the batch as a constant (5), and ONNX Runtime scaled a row
    with two zeros by 5 where minigrad scales by 3."""
    def make(n):   # traced at batch 4 without zeros; zeros in the batches run
        x = RNG.standard_normal((n, 5)).astype(np.float32)
        if n != 4:
            x[:, :2] = 0
        return x

    _check_export(tmp_path, lambda x: x * mg.linalg.vector_norm(x, 0, dim=-1, keepdim=True), (5,), make=make)


@pytest.mark.parametrize("model", [lambda x: x.var(dim=0, correction=0), lambda x: x - x.var(dim=(0, 1), keepdim=True,
                                                                                               unbiased=False)])
def test_the_population_variance_over_the_batch_axis_exports(tmp_path, model):
    """var over the batch axis with correction=0 is a mean, as std's is: it was sum * (1 / n), n read from the
    traced shape, and export refused that factor ('input 1 of Mul ... is a value computed outside minigrad's ops
    from the model input')."""
    _check_export(tmp_path, model, (3,))


@pytest.mark.parametrize("opset", [13, 18])
def test_max_min_and_arg_reductions_stop_at_nan(tmp_path, opset):
    """ONNX Runtime's ReduceMax/ReduceMin and ArgMax/ArgMin pass over NaN; minigrad's (NumPy's, torch's) return NaN
    and the first NaN's index: x.amax(dim=-1) of [inf, -inf, nan, 0.1, -5] was inf from the graph, argmax 0
    (minigrad: nan and 2)."""
    def model(x):
        return (x.amax(dim=-1), x.amin(dim=0), x.max(), x.max(dim=-1).values, x.min(dim=0, keepdim=True).indices,
                x.argmax(dim=-1), x.argmin(), x.amax(dim=(0, 1)))

    path = tmp_path / "m.onnx"
    export(model, mg.tensor(RNG.standard_normal((4, 5)).astype(np.float32)), path, opset=opset)
    x = np.array([[np.inf, -np.inf, np.nan, 0.1, -5.0], [1, 2, 3, 4, 5], [np.nan, np.nan, 1, 1, np.inf],
                  [-np.inf, 3, np.inf, np.nan, 0]], np.float32)
    for got, expected in zip(_run(path, {"input": x}), model(mg.tensor(x))):
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected.numpy())


def test_padding_widths_that_follow_the_batch_size_are_refused(tmp_path):
    """F.pad(x, (0, x.shape[0])) pads by the batch size: the export wrote the example's widths (4), and ONNX Runtime
    returned 8 columns for a batch of 3 where minigrad returns 7, with no error."""
    with pytest.raises(ExportError, match=r"Pad in .* pads by \(\(0, 0\), \(0, 4\)\) for the example and by "
                                          r"\(\(0, 0\), \(0, 5\)\) for an input one longer on the batch axis"):
        export(lambda x: mg.nn.functional.pad(x, (0, x.shape[0])), mg.randn(4, 4), tmp_path / "m.onnx")


@pytest.mark.parametrize("model, match", [
    (lambda x: x.clamp(max=x.shape[0]), r"Clip in .* takes hi=4 for the example and hi=5 for an input one longer"),
    (lambda x: x ** x.shape[0], r"PowScalar in .* takes c=4 for the example and c=5"),
    (lambda x: mg.nn.functional.leaky_relu(x, 1 / x.shape[0]), r"LeakyReLU in .* negative_slope=0.25 for the example"),
])
def test_number_parameters_that_follow_the_batch_size_are_refused(tmp_path, model, match):
    """An op's number parameter computed from the input's size was written into the graph at the example's value:
    x.clamp(max=x.shape[0]) exported as Clip(max=4) and clamped a batch of 7 at 4, with no error."""
    with pytest.raises(ExportError, match=match):
        export(model, mg.randn(4, 3), tmp_path / "m.onnx")
