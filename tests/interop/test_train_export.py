"""`minigrad train --export-safetensors/--export-onnx`: PyTorch and ONNX Runtime reproduce the trained model."""
import re
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import safetensors.torch
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from training_helpers import data_root  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad.cli import main  # noqa: E402
from minigrad.io import load_safetensors  # noqa: E402
from minigrad.train import load_datasets, TrainConfig  # noqa: E402
from minigrad.train.recipes import build_mlp  # noqa: E402


def test_train_exports_weights_for_pytorch_and_a_graph_for_onnx_runtime(tmp_path, capsys):
    weights, graph = tmp_path / "export" / "mlp.safetensors", tmp_path / "export" / "mlp.onnx"
    status = main(["train", "--data-dir", str(data_root()), "--out", str(tmp_path / "run"), "--no-progress",
                   "--limit-train", "600", "--epochs", "1", "--hidden", "32", "--dropout", "0.1",
                   "--export-safetensors", str(weights), "--export-onnx", str(graph)])
    assert status == 0
    out = capsys.readouterr().out
    assert str(weights) in out and str(graph) in out

    _, test_set = load_datasets(TrainConfig(data_dir=str(data_root()), out=str(tmp_path / "fresh")).resolved())
    images = np.asarray(test_set.arrays[0][:257], dtype=np.float32)

    net = torch.nn.Sequential(torch.nn.Linear(784, 32), torch.nn.ReLU(), torch.nn.Dropout(0.1),
                              torch.nn.Linear(32, 10)).eval()
    net.load_state_dict(safetensors.torch.load_file(weights))
    with torch.no_grad():
        torch_logits = net(torch.from_numpy(images)).numpy()

    session = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"])
    onnx_logits = session.run(None, {"input": images})[0]

    model = build_mlp(784, (32,), 10, 0.1).eval()
    load_safetensors(weights, model)
    ours = model(mg.tensor(images)).numpy()
    np.testing.assert_allclose(onnx_logits, ours, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(torch_logits, ours, rtol=1e-5, atol=1e-5)
    # The exports hold the final weights: the run's reported test accuracy is theirs.
    all_images = np.asarray(test_set.arrays[0], dtype=np.float32)
    accuracy = (model(mg.tensor(all_images)).numpy().argmax(axis=1) == test_set.arrays[1]).mean()
    reported = re.search(r"final test accuracy ([0-9.]+)%", out).group(1)
    assert f"{100 * accuracy:.2f}" == reported


def test_an_export_path_that_is_a_folder_fails_before_training(tmp_path, capsys):
    status = main(["train", "--data-dir", str(data_root()), "--out", str(tmp_path / "run"), "--no-progress",
                   "--epochs", "1", "--export-onnx", str(tmp_path)])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--export-onnx" in err and "is a folder" in err
    assert not (tmp_path / "run").exists()
