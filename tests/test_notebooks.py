"""docs/notebooks/*.py (jupytext percent format) run top to bottom in a Jupyter kernel, on the tiny setting.

``MINIGRAD_NOTEBOOK_TINY=1`` shrinks their data and step counts; ``MINIGRAD_DATA``
points the MNIST notebook at the test data. Their dependencies are the
``notebooks`` extra (which ``dev`` includes).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from training_helpers import REPO, data_root  # noqa: E402

NOTEBOOKS = sorted((REPO / "docs" / "notebooks").glob("*.py"))


def test_the_three_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == ["autodiff_from_scratch", "mnist_in_ten_minutes", "optimizer_lab"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch):
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    assert notebook.metadata["jupytext"]["text_representation"]["format_name"] == "percent"
    assert sum(cell.cell_type == "markdown" for cell in notebook.cells) >= 3
    monkeypatch.setenv("MINIGRAD_NOTEBOOK_TINY", "1")
    monkeypatch.setenv("MINIGRAD_DATA", str(data_root()))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()     # raises CellExecutionError, with the cell and traceback, if a cell fails
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    pictures = [o for o in outputs if "image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})]
    assert len(pictures) >= 2, "every notebook shows pictures"


def test_dev_extra_includes_the_notebooks_extra():
    import ast
    import re

    text = (REPO / "pyproject.toml").read_text()   # no tomllib: it needs Python 3.11, minigrad 3.10
    extras = {name: ast.literal_eval(value) for name, value in re.findall(r"^(notebooks|dev) = (\[.*\])$", text, re.M)}
    assert {"jupytext", "nbclient", "ipykernel"} <= {r.split(">")[0].split("=")[0] for r in extras["notebooks"]}
    assert set(extras["notebooks"]) <= set(extras["dev"])


def test_readme_links_the_notebooks():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"docs/notebooks/{path.name}" in readme
