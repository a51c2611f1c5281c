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


def test_the_optimizer_suite_line_names_every_optimizer_and_the_cli_leaves_out_what_it_says():
    """The README's list of the suite had no Adafactor nor Muon, and so its 'all of the suite's but Rprop, ASGD and
    the averaging' for minigrad train's --optimizer was wrong too."""
    import minigrad.optim as optim
    from minigrad.train.config import OPTIMIZERS

    def key(name):
        return {"conjugategradient": "cg", "nonlinearcg": "cg"}.get(re.sub(r"[^a-z]", "", name.lower()),
                                                                     re.sub(r"[^a-z]", "", name.lower()))

    line = README.split("the optimizer suite of the literature", 1)[1].split(";", 1)[0]
    listed = {key(name) for name in re.findall(r"([A-Za-z][A-Za-z -]*?)(?: \([^)]*\))?(?:,|$)", line.split(":", 1)[1])}
    classes = {key(name) for name in dir(optim) if isinstance(getattr(optim, name), type)
               and issubclass(getattr(optim, name), optim.Optimizer) and name != "Optimizer"}
    assert classes <= listed, classes - listed
    left_out = README.split("all of the suite's but ", 1)[1].split(";", 1)[0].replace(" and ", ", ").split(", ")
    assert {key(name) for name in left_out if name != "the averaging"} == classes - {key(name) for name in OPTIMIZERS}
