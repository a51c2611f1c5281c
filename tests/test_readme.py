"""The README's code runs and prints what its comments say; its two Quick start lines are the ones CI uses."""
import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_ten_line_example_prints_what_its_comments_say():
    block = next(b for b in _python_blocks() if "backward()" in b and "create_graph" in b)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    printed = out.getvalue().strip().splitlines()
    claimed = [line.split("# ")[-1].split("-> ")[-1].strip()
               for line in block.splitlines() if line.startswith("print(")]
    assert printed == claimed


def test_network_example_runs_one_step():
    import numpy as np

    import minigrad as mg

    block = next(b for b in _python_blocks() if "train_step" in b)
    scope = {}
    exec(compile(block, "README.md", "exec"), scope)
    x = mg.tensor(np.random.default_rng(0).random((8, 784)))
    y = mg.tensor(np.arange(8) % 10)
    first = scope["train_step"](x, y).item()
    for _ in range(5):
        last = scope["train_step"](x, y).item()
    assert last < first


def test_ci_runs_the_readme_test_line():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    test_line = ci[-1].strip()
    assert f"```\n{test_line}\n```" in README
