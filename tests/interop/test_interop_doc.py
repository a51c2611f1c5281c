"""docs/interop.md: its code blocks, run in order, do what they say."""
import contextlib
import io
import re
from pathlib import Path

DOC = (Path(__file__).resolve().parents[2] / "docs" / "interop.md").read_text()


def test_the_doc_blocks_run_and_print_what_they_claim(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", DOC, flags=re.S)
    assert len(blocks) == 3
    scope, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        for block in blocks:
            exec(compile(block, "docs/interop.md", "exec"), scope)
    claimed = [line.split("-> ")[-1].strip() for block in blocks
               for line in block.splitlines() if line.startswith("print(")]
    assert out.getvalue().split("\n")[:-1] == claimed
    assert (tmp_path / "mlp.onnx").exists() and (tmp_path / "from_torch.safetensors").exists()


def test_dev_extra_includes_the_interop_extra_torch_and_cpu_jax():
    import ast

    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    extras = {name: ast.literal_eval(value) for name, value in re.findall(r"^(interop|dev) = (\[.*\])$", text, re.M)}
    assert {r.split(">")[0] for r in extras["interop"]} == {"safetensors", "onnx", "onnxruntime"}
    assert "minigrad[interop]" in extras["dev"] and "torch==2.13.0" in extras["dev"]
    jax = [r for r in extras["dev"] if r.split(">")[0].split("=")[0] == "jax"]
    assert jax and not any("[" in r for r in jax)  # plain jax: its CPU build, so the JAX DLPack tests run in CI
