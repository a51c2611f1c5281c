"""docs/autodiff.md's pictures are made by minigrad.viz (examples/autodiff_figures.py) and are current."""
import importlib.util
import io
import re
from pathlib import Path

from matplotlib import image

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "autodiff.md"


def load_script():
    spec = importlib.util.spec_from_file_location("autodiff_figures", REPO / "examples" / "autodiff_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_picture_on_the_page_is_drawn_by_the_script_and_committed(tmp_path):
    referenced = set(re.findall(r"\]\(img/(autodiff_[a-z_]+\.png)\)", DOC.read_text(encoding="utf-8")))
    drawings = load_script().figures()
    assert referenced == set(drawings) and len(referenced) == 4
    for name, drawing in drawings.items():
        assert drawing.renderer == "matplotlib" and drawing.format == "png"
        fresh = image.imread(io.BytesIO(drawing.data), format="png")
        committed = image.imread(REPO / "docs" / "img" / name)
        assert fresh.shape == committed.shape, f"docs/img/{name} is stale: run examples/autodiff_figures.py"
        assert fresh[..., :3].std() > 0.05


def test_script_writes_to_a_folder(tmp_path, capsys):
    load_script().main(["--out", str(tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["autodiff_graph.png", "autodiff_grad_graph.png", "autodiff_double_vjp.png", "autodiff_mlp.png"])
    assert capsys.readouterr().out.count(".png") == 4
